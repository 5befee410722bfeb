//! The one mapping from failures to gRPC statuses. Validation problems become
//! `INVALID_ARGUMENT` with `google.rpc.BadRequest` field violations; internal
//! errors are logged with their cause chain and reach clients as a generic
//! `INTERNAL`.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, PreconditionViolation, QuotaViolation, StatusExt};

use crate::domain::validation::Violations;
use crate::store::StoreError;
use crate::store::group_commit::EmitError;
use crate::telemetry::error_chain;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("invalid request: {0}")]
    Invalid(Violations),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    AlreadyExists { field: String, message: String },
    #[error("{0}")]
    FailedPrecondition(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("overloaded")]
    Overloaded { retry_after: std::time::Duration },
    #[error("shutting down")]
    ShuttingDown,
    /// An organization used up a quota (its subscriptions).
    #[error("{description}")]
    QuotaExceeded {
        subject: String,
        metric: &'static str,
        limit: i64,
        description: String,
    },
    /// An emit would create more deliveries than one request may.
    #[error("the request would create {deliveries} deliveries, more than {limit}")]
    TooManyDeliveries { deliveries: u64, limit: u64 },
    /// The organization already runs as many delivery-log queries as it may.
    #[error("too many delivery-log queries at once")]
    ListsBusy { retry_after: std::time::Duration },
}

impl From<EmitError> for ApiError {
    fn from(e: EmitError) -> Self {
        match e {
            EmitError::Overloaded { retry_after } => ApiError::Overloaded { retry_after },
            EmitError::Store(e) => e.into(),
            EmitError::ShuttingDown => ApiError::ShuttingDown,
        }
    }
}

impl From<Violations> for ApiError {
    fn from(v: Violations) -> Self {
        ApiError::Invalid(v)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::IdempotencyConflict { index } => ApiError::AlreadyExists {
                field: format!("requests[{index}].idempotency_key"),
                message: "idempotency_key was already used for a different event".into(),
            },
            StoreError::SubscriptionLimit {
                organization,
                limit,
            } => ApiError::QuotaExceeded {
                subject: format!("organization:{organization}"),
                metric: "subscriptions_per_organization",
                limit: i64::from(limit),
                description: format!(
                    "an organization may have at most {limit} subscriptions; delete one first"
                ),
            },
            StoreError::TooManyDeliveries { deliveries, limit } => {
                ApiError::TooManyDeliveries { deliveries, limit }
            }
            other => ApiError::Store(other),
        }
    }
}

impl From<ApiError> for Status {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Invalid(violations) => {
                let message = format!("invalid request: {violations}");
                let details = ErrorDetails::with_bad_request(
                    violations
                        .into_vec()
                        .into_iter()
                        .map(|v| FieldViolation::new(v.field, v.description))
                        .collect::<Vec<_>>(),
                );
                Status::with_error_details(Code::InvalidArgument, message, details)
            }
            ApiError::NotFound(what) => Status::not_found(format!("{what} not found")),
            ApiError::AlreadyExists { field, message } => Status::with_error_details(
                Code::AlreadyExists,
                format!("{field}: {message}"),
                ErrorDetails::with_bad_request(vec![FieldViolation::new(field, message)]),
            ),
            ApiError::FailedPrecondition(message) => Status::failed_precondition(message),
            ApiError::Overloaded { retry_after } => Status::with_error_details(
                Code::ResourceExhausted,
                "the service is overloaded; nothing was stored, retry later",
                ErrorDetails::with_retry_info(Some(retry_after)),
            ),
            ApiError::ShuttingDown => {
                Status::unavailable("the service is shutting down; nothing was stored, retry")
            }
            ApiError::QuotaExceeded {
                subject,
                metric,
                limit,
                description,
            } => Status::with_error_details(
                Code::ResourceExhausted,
                description.clone(),
                ErrorDetails::with_quota_failure(vec![QuotaViolation {
                    subject,
                    description,
                    quota_metric: metric.into(),
                    quota_value: limit,
                    ..QuotaViolation::default()
                }]),
            ),
            ApiError::TooManyDeliveries { deliveries, limit } => {
                let description = format!(
                    "the request would create {deliveries} deliveries, more than the {limit} \
                     one request may; nothing was stored: send fewer events per call"
                );
                Status::with_error_details(
                    Code::FailedPrecondition,
                    description.clone(),
                    ErrorDetails::with_precondition_failure(vec![PreconditionViolation::new(
                        "DELIVERIES_PER_REQUEST",
                        "request",
                        description,
                    )]),
                )
            }
            ApiError::ListsBusy { retry_after } => Status::with_error_details(
                Code::ResourceExhausted,
                "the organization already runs as many delivery-log queries as it may at once; retry shortly",
                ErrorDetails::with_retry_info(Some(retry_after)),
            ),
            ApiError::Store(e) => {
                tracing::error!(error = %error_chain(&e), "store failure");
                Status::internal("internal error")
            }
        }
    }
}

pub type ApiResult<T> = Result<tonic::Response<T>, Status>;
