//! The one mapping from failures to gRPC statuses. Validation problems become
//! `INVALID_ARGUMENT` with `google.rpc.BadRequest` field violations; internal
//! errors are logged with their cause chain and reach clients as a generic
//! `INTERNAL`.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, StatusExt};

use crate::delivery::TestError;
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
    #[error("{0}")]
    PermissionDenied(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("overloaded")]
    Overloaded { retry_after: std::time::Duration },
    /// A cap on attempts in flight had no room; `what` names whose.
    #[error("{what} is busy")]
    Busy {
        what: &'static str,
        retry_after: std::time::Duration,
    },
    #[error("shutting down")]
    ShuttingDown,
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

impl From<TestError> for ApiError {
    fn from(e: TestError) -> Self {
        match e {
            TestError::Busy { busy, retry_after } => ApiError::Busy {
                what: busy.what(),
                retry_after,
            },
            TestError::Store(e) => e.into(),
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
            ApiError::PermissionDenied(message) => Status::permission_denied(message),
            ApiError::Overloaded { retry_after } => Status::with_error_details(
                Code::ResourceExhausted,
                "the service is overloaded; nothing was stored, retry later",
                ErrorDetails::with_retry_info(Some(retry_after)),
            ),
            ApiError::Busy { what, retry_after } => Status::with_error_details(
                Code::ResourceExhausted,
                format!("{what} is busy with attempts in flight; nothing was sent, retry later"),
                ErrorDetails::with_retry_info(Some(retry_after)),
            ),
            ApiError::ShuttingDown => {
                Status::unavailable("the service is shutting down; nothing was stored, retry")
            }
            ApiError::Store(e) => {
                tracing::error!(error = %error_chain(&e), "store failure");
                Status::internal("internal error")
            }
        }
    }
}

pub type ApiResult<T> = Result<tonic::Response<T>, Status>;
