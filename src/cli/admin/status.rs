//! A refused call in words for the terminal: its gRPC code and message, then
//! the details that say what to fix (the fields at fault, when to retry,
//! which limit or precondition stopped it).

use std::fmt;

use tonic::{Code, Status};
use tonic_types::StatusExt;

/// A call the service refused or could not answer.
#[derive(Debug)]
pub struct RpcError(Status);

impl std::error::Error for RpcError {}

/// `?` on a call: its message on success, an [`RpcError`] otherwise.
pub trait Answer<T> {
    fn answer(self) -> Result<T, RpcError>;
}

impl<T> Answer<T> for Result<tonic::Response<T>, Status> {
    fn answer(self) -> Result<T, RpcError> {
        self.map(tonic::Response::into_inner).map_err(RpcError)
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = &self.0;
        write!(f, "{}: {}", code_name(status.code()), status.message())?;
        let details = status.get_error_details();
        if let Some(bad) = details.bad_request() {
            for v in &bad.field_violations {
                write!(f, "\n  {}: {}", v.field, v.description)?;
            }
        }
        if let Some(failure) = details.precondition_failure() {
            for v in &failure.violations {
                write!(f, "\n  {} {}: {}", v.r#type, v.subject, v.description)?;
            }
        }
        if let Some(quota) = details.quota_failure() {
            for v in &quota.violations {
                write!(f, "\n  {}: {}", v.subject, v.description)?;
            }
        }
        if let Some(delay) = details.retry_info().and_then(|r| r.retry_delay) {
            write!(f, "\n  retry after {}", humantime::format_duration(delay))?;
        }
        Ok(())
    }
}

/// The code as the gRPC specification (and grpcurl) spells it.
fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}
