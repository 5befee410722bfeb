//! The tower layer in front of every gRPC service: it authenticates the
//! bearer key and checks the method's [`access`](super::access) before the
//! request reaches a service, which then finds the [`Caller`] in the
//! request's extensions. Refusals are answered here, as gRPC statuses.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tonic::Status;
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use super::access::{Access, embeddable, required};
use super::{AuthError, Authenticator, Caller};

/// Adds authentication to a service stack.
#[derive(Clone)]
pub struct AuthLayer {
    auth: Arc<Authenticator>,
    public_reflection: bool,
}

impl AuthLayer {
    pub fn new(auth: Arc<Authenticator>, public_reflection: bool) -> Self {
        Self {
            auth,
            public_reflection,
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Authenticated<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authenticated {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Authenticated<S> {
    inner: S,
    layer: AuthLayer,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<B>> for Authenticated<S>
where
    S: Service<http::Request<B>, Response = http::Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The clone that was polled ready is the one that serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let layer = self.layer.clone();
        Box::pin(async move {
            let path = request.uri().path();
            let needed = required(path, layer.public_reflection);
            if let Access::Key(role) = needed {
                match check(&layer.auth, request.headers(), role, path).await {
                    Ok(caller) => {
                        request.extensions_mut().insert(caller);
                    }
                    Err(status) => return Ok(status.into_http()),
                }
            }
            inner.call(request).await
        })
    }
}

/// When a caller whose key could not be looked up is told to come back:
/// about how often the store probes whether it works again.
const LOOKUP_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

async fn check(
    auth: &Authenticator,
    headers: &http::HeaderMap,
    needed: crate::domain::api_key::Role,
    path: &str,
) -> Result<Caller, Status> {
    let key =
        bearer(headers).ok_or_else(|| Status::unauthenticated(AuthError::Missing.to_string()))?;
    let caller = auth.authenticate(key).await.map_err(|e| match e {
        // As any refusal for a storage fault: nothing happened, retry soon.
        AuthError::Unavailable => Status::with_error_details(
            tonic::Code::Unavailable,
            e.to_string(),
            ErrorDetails::with_retry_info(Some(LOOKUP_RETRY_AFTER)),
        ),
        AuthError::Missing | AuthError::Invalid | AuthError::Expired => {
            Status::unauthenticated(e.to_string())
        }
    })?;
    if caller.embed.is_some() && !embeddable(path) {
        return Err(Status::permission_denied(
            "an embed token may only make the Integrations page's calls",
        ));
    }
    caller.require(needed).map_err(Status::from)?;
    Ok(caller)
}

/// The key of an `authorization: Bearer <key>` header (scheme case-insensitive).
fn bearer(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.trim().split_once(' ')?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    #[test]
    fn only_a_bearer_scheme_with_a_key_is_read() {
        assert_eq!(bearer(&headers("Bearer ifk_abc")), Some("ifk_abc"));
        assert_eq!(bearer(&headers("bearer  ifk_abc ")), Some("ifk_abc"));
        assert_eq!(bearer(&headers("Basic abc")), None);
        assert_eq!(bearer(&headers("Bearer ")), None);
        assert_eq!(bearer(&http::HeaderMap::new()), None);
    }
}
