//! The one mapping from failures to gRPC statuses. Validation problems become
//! `INVALID_ARGUMENT` with `google.rpc.BadRequest` field violations; internal
//! storage faults (the database full or unreachable) reach clients as
//! `RESOURCE_EXHAUSTED` or `UNAVAILABLE` with `RetryInfo`, unlogged here (the
//! store monitor logs each episode once); other internal errors are bugs,
//! logged with their cause chain, and reach clients as a generic `INTERNAL`.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation, PreconditionViolation, QuotaViolation, StatusExt};

use crate::delivery::TestError;
use crate::domain::signing::RotationRefusal;
use crate::domain::validation::Violations;
use crate::store::group_commit::EmitError;
use crate::store::{Fault, StoreError};
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
            StoreError::Rotation(RotationRefusal::Unsigned) => ApiError::FailedPrecondition(
                "the subscription has no signing secret to rotate; set one with UpdateSubscription"
                    .into(),
            ),
            StoreError::Rotation(RotationRefusal::InProgress { until }) => {
                ApiError::FailedPrecondition(format!(
                    "a rotation is in progress until {}; complete it first \
                     (CompleteSigningSecretRotation), or rotate with a zero grace_period",
                    crate::domain::time::data_timestamp(until)
                ))
            }
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
            ApiError::Invalid(violations) => invalid_argument(violations),
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
            ApiError::Store(e) if e.fault() == Some(Fault::Full) => Status::with_error_details(
                Code::ResourceExhausted,
                "the database is full; nothing was stored; retry later",
                ErrorDetails::with_retry_info(Some(STORAGE_RETRY_AFTER)),
            ),
            ApiError::Store(e) if e.fault() == Some(Fault::Unavailable) => {
                Status::with_error_details(
                    Code::Unavailable,
                    "the database is unavailable; nothing was stored; retry later",
                    ErrorDetails::with_retry_info(Some(STORAGE_RETRY_AFTER)),
                )
            }
            ApiError::Store(e) => {
                tracing::error!(error = %error_chain(&e), "store failure");
                Status::internal("internal error")
            }
        }
    }
}

/// How long a caller is told to wait after a storage fault: about how often
/// the store probes whether it can write again.
const STORAGE_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

/// Violations returned one by one; the rest are only counted.
const MAX_VIOLATIONS: usize = 20;
/// Bounds, in bytes, of `grpc-message` and of each violation's field path and
/// description (which echo client input, such as update-mask paths).
const MAX_MESSAGE_BYTES: usize = 1024;
const MAX_FIELD_BYTES: usize = 128;
const MAX_DESCRIPTION_BYTES: usize = 192;

/// `INVALID_ARGUMENT` with the first violations and a count of the others.
/// A status travels in trailers, and C-core clients (Python) refuse more
/// than 16 KiB of them, turning the answer into `RESOURCE_EXHAUSTED`. Here
/// the message is at most 1 KiB and the details (which repeat it) at most
/// about 8 KiB, so even base64-encoded the whole stays below that limit.
fn invalid_argument(violations: Violations) -> Status {
    let all = violations.into_vec();
    let omitted = all.len().saturating_sub(MAX_VIOLATIONS);
    let mut shown: Vec<FieldViolation> = all
        .into_iter()
        .take(MAX_VIOLATIONS)
        .map(|v| {
            FieldViolation::new(
                cut(v.field, MAX_FIELD_BYTES),
                cut(v.description, MAX_DESCRIPTION_BYTES),
            )
        })
        .collect();
    if omitted > 0 {
        let count = match omitted {
            1 => "1 more violation was left out".to_owned(),
            n => format!("{n} more violations were left out"),
        };
        shown.push(FieldViolation::new("", count));
    }
    let listed: Vec<String> = shown
        .iter()
        .map(|v| match v.field.as_str() {
            "" => v.description.clone(),
            field => format!("{field}: {}", v.description),
        })
        .collect();
    let message = cut(
        format!("invalid request: {}", listed.join("; ")),
        MAX_MESSAGE_BYTES,
    );
    Status::with_error_details(
        Code::InvalidArgument,
        message,
        ErrorDetails::with_bad_request(shown),
    )
}

/// `text` if it fits in `max` bytes, else its longest prefix that fits with
/// an ellipsis, cut on a character boundary.
fn cut(mut text: String, max: usize) -> String {
    const ELLIPSIS: char = '…';
    if text.len() <= max {
        return text;
    }
    let mut end = max.saturating_sub(ELLIPSIS.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push(ELLIPSIS);
    text
}

pub type ApiResult<T> = Result<tonic::Response<T>, Status>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_faults_tell_the_caller_to_retry_and_bugs_stay_internal() {
        let full = Status::from(ApiError::Store(StoreError::Full("disk full".into())));
        assert_eq!(full.code(), Code::ResourceExhausted);
        assert!(full.message().contains("nothing was stored"), "{full:?}");
        assert!(full.get_details_retry_info().is_some());
        let down = Status::from(ApiError::Store(StoreError::Unavailable("io".into())));
        assert_eq!(down.code(), Code::Unavailable);
        assert!(down.get_details_retry_info().is_some());
        let bug = Status::from(ApiError::Store(StoreError::Corrupt("x".into())));
        assert_eq!(bug.code(), Code::Internal);
    }

    #[test]
    fn cut_keeps_short_text_and_cuts_long_text_on_a_character_boundary() {
        assert_eq!(cut("short".into(), 8), "short");
        assert_eq!(cut("abcdefghij".into(), 8), "abcde…");
        // 'é' is two bytes; cutting through it would not be UTF-8.
        let cut_text = cut("éééééé".into(), 8);
        assert!(cut_text.len() <= 8, "{cut_text}");
        assert_eq!(cut_text, "éé…");
    }

    #[test]
    fn the_first_violations_are_kept_and_the_others_counted() {
        let mut v = Violations::new();
        for i in 0..25 {
            v.add(format!("requests[{i}].payload"), "x".repeat(1000));
        }
        let status = Status::from(ApiError::Invalid(v));
        let shown = status
            .get_details_bad_request()
            .expect("bad request details")
            .field_violations;
        assert_eq!(shown.len(), MAX_VIOLATIONS + 1);
        assert!(
            shown
                .iter()
                .all(|v| v.description.len() <= MAX_DESCRIPTION_BYTES)
        );
        let last = shown.last().expect("a count");
        assert_eq!(
            (last.field.as_str(), last.description.as_str()),
            ("", "5 more violations were left out")
        );
        assert!(status.message().len() <= MAX_MESSAGE_BYTES);
        assert!(
            status
                .message()
                .starts_with("invalid request: requests[0].payload: xxx")
        );
    }
}
