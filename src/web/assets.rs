//! The Integrations page's files, embedded at build time from `web/dist` (the
//! committed output of the `web/` build, so the binary builds without Node),
//! and the headers they are served with.
//!
//! `index.html` is never cached (it names the current bundle) and carries the
//! page's security policy: scripts, styles and calls only from this origin,
//! framing only by this origin and `--web-origins`. Bundle files have content
//! hashes in their names, so browsers may keep them for good.

use std::borrow::Cow;

use http::header::{self, HeaderValue};
use http::{Method, Response, StatusCode};
use rust_embed::RustEmbed;

use super::{PAGE_PATH, WebOrigin};

#[derive(RustEmbed)]
#[folder = "web/dist/"]
struct Files;

const INDEX: &str = "index.html";

/// What the page learns of the service's settings, at [`SETTINGS`]: whether
/// plain `http://` targets are accepted, so its URL check agrees with the
/// service's.
const SETTINGS: &str = "settings.json";

/// The page, ready to answer requests for its files.
pub struct Page {
    security_policy: HeaderValue,
    settings: String,
}

impl Page {
    pub fn new(frame_origins: &[WebOrigin], allow_private_targets: bool) -> Self {
        let ancestors: String = frame_origins
            .iter()
            .map(|o| format!(" {o}"))
            .collect::<String>();
        let policy = format!(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'self'{ancestors}"
        );
        Self {
            // Origins are plain ASCII (see `WebOrigin`); the fallback only
            // guards against a future change there.
            security_policy: HeaderValue::from_str(&policy)
                .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'")),
            settings: serde_json::json!({ "allowPrivateTargets": allow_private_targets })
                .to_string(),
        }
    }

    /// The answer to a `GET` or `HEAD` under [`PAGE_PATH`].
    pub fn respond<B>(&self, request: &http::Request<B>) -> Response<tonic::body::Body> {
        let rest = request
            .uri()
            .path()
            .strip_prefix(PAGE_PATH)
            .unwrap_or_default()
            .trim_start_matches('/');
        let name = if rest.is_empty() { INDEX } else { rest };
        if name == SETTINGS {
            let mut response =
                Response::new(body_of(Cow::Owned(self.settings.clone().into_bytes())));
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            return response;
        }
        let Some(file) = Files::get(name) else {
            return plain(StatusCode::NOT_FOUND, "not found");
        };
        let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
        let fresh = request
            .headers()
            .get(header::IF_NONE_MATCH)
            .is_some_and(|v| v.as_bytes() == etag.as_bytes());
        let mut response = Response::builder()
            .header(header::CONTENT_TYPE, file.metadata.mimetype())
            .header(header::ETAG, etag)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::REFERRER_POLICY, "no-referrer");
        response = if name == INDEX {
            response.header(header::CACHE_CONTROL, "no-cache").header(
                header::CONTENT_SECURITY_POLICY,
                self.security_policy.clone(),
            )
        } else {
            response.header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
        };
        let (status, body) = if fresh {
            (StatusCode::NOT_MODIFIED, Cow::Borrowed(&[][..]))
        } else if request.method() == Method::HEAD {
            (StatusCode::OK, Cow::Borrowed(&[][..]))
        } else {
            (StatusCode::OK, file.data)
        };
        response
            .status(status)
            .body(body_of(body))
            .unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR, "bad header"))
    }
}

fn body_of(bytes: Cow<'static, [u8]>) -> tonic::body::Body {
    tonic::body::Body::new(axum::body::Body::from(bytes))
}

fn plain(status: StatusCode, text: &'static str) -> Response<tonic::body::Body> {
    let mut response = Response::new(body_of(Cow::Borrowed(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
