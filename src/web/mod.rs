//! The browser's side of the service, on the gRPC port: the Integrations page
//! and gRPC-Web.
//!
//! [`PageLayer`] stands in front of everything: a `GET` (or `HEAD`) under
//! [`PAGE_PATH`] that is not a gRPC call is answered from the page's files,
//! embedded in the binary ([`assets`]); every other request goes on, untouched,
//! to [`cors`] (cross-origin gRPC-Web only from configured origins), then
//! tonic-web (gRPC-Web turned into gRPC, and its answers back), then the
//! authentication layer and the services. Plain gRPC over HTTP/2 passes both
//! browser layers unchanged, so gRPC callers see no difference.

mod assets;
pub mod cors;
mod origin;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tower::{Layer, Service};

pub use origin::WebOrigin;

/// Where the Integrations page is served.
pub const PAGE_PATH: &str = "/integrations";

/// Serves the page in front of a gRPC service stack.
#[derive(Clone)]
pub struct PageLayer {
    page: Arc<assets::Page>,
}

impl PageLayer {
    /// `frame_origins` may embed the page in a frame, besides its own origin;
    /// `allow_private_targets` tells the page's URL check to accept `http://`.
    pub fn new(frame_origins: &[WebOrigin], allow_private_targets: bool) -> Self {
        Self {
            page: Arc::new(assets::Page::new(frame_origins, allow_private_targets)),
        }
    }
}

impl<S> Layer<S> for PageLayer {
    type Service = WithPage<S>;

    fn layer(&self, inner: S) -> Self::Service {
        WithPage {
            inner,
            page: self.page.clone(),
        }
    }
}

#[derive(Clone)]
pub struct WithPage<S> {
    inner: S,
    page: Arc<assets::Page>,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, B> Service<http::Request<B>> for WithPage<S>
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

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if is_page_request(&request) {
            let response = self.page.respond(&request);
            return Box::pin(async move { Ok(response) });
        }
        // The clone that was polled ready is the one that serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { inner.call(request).await })
    }
}

/// A browser asking for the page or one of its files: never a gRPC or
/// gRPC-Web call (those are `POST`s with a gRPC content type).
fn is_page_request<B>(request: &http::Request<B>) -> bool {
    let path = request.uri().path();
    let under_page = path == PAGE_PATH
        || path
            .strip_prefix(PAGE_PATH)
            .is_some_and(|rest| rest.starts_with('/'));
    let grpc = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    under_page && !grpc && matches!(*request.method(), http::Method::GET | http::Method::HEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: http::Method, path: &str, content_type: Option<&str>) -> http::Request<()> {
        let mut builder = http::Request::builder().method(method).uri(path);
        if let Some(ct) = content_type {
            builder = builder.header(http::header::CONTENT_TYPE, ct);
        }
        builder.body(()).expect("request")
    }

    #[test]
    fn only_browser_gets_under_the_page_path_are_the_pages() {
        use http::Method;
        assert!(is_page_request(&request(
            Method::GET,
            "/integrations",
            None
        )));
        assert!(is_page_request(&request(
            Method::GET,
            "/integrations/assets/index.js",
            None
        )));
        assert!(is_page_request(&request(
            Method::HEAD,
            "/integrations/",
            None
        )));
        assert!(!is_page_request(&request(
            Method::GET,
            "/integrationsx",
            None
        )));
        assert!(!is_page_request(&request(
            Method::POST,
            "/integrations",
            None
        )));
        assert!(!is_page_request(&request(
            Method::GET,
            "/integrations",
            Some("application/grpc-web+proto")
        )));
        assert!(!is_page_request(&request(
            Method::POST,
            "/inboundflow.webhooks.v1.SubscriptionService/ListSubscriptions",
            Some("application/grpc")
        )));
    }
}
