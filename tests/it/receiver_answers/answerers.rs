//! Receivers that answer what [`TestReceiver`](super::TestReceiver) does not:
//! a fixed status with headers of the test's choosing (`Retry-After`,
//! `Location`), a connection closed without a word, and bytes that are not
//! HTTP. Each stops when dropped.

use std::net::SocketAddr;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What a raw receiver does once it has read a request.
#[derive(Clone, Copy, Debug)]
pub enum Raw {
    /// Closes the connection without answering.
    Close,
    /// Writes a line that is not an HTTP answer, then closes.
    Garbage,
}

/// A running receiver on loopback.
pub struct Answerer {
    pub address: SocketAddr,
    server: tokio::task::JoinHandle<()>,
}

impl Answerer {
    /// Answers every request with `status` and these headers.
    pub async fn status(status: u16, headers: &[(&'static str, String)]) -> Self {
        let status = StatusCode::from_u16(status).expect("a status code");
        let headers: Vec<(HeaderName, HeaderValue)> = headers
            .iter()
            .map(|(name, value)| {
                (
                    HeaderName::from_static(name),
                    HeaderValue::from_str(value).expect("a header value"),
                )
            })
            .collect();
        let app = axum::Router::new().fallback(move || {
            let headers = headers.clone();
            async move {
                let mut response =
                    (status, format!("answered {}", status.as_u16())).into_response();
                response.headers_mut().extend(headers);
                response
            }
        });
        let listener = bind().await;
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { address, server }
    }

    /// Reads each request whole, then does `raw`.
    pub async fn raw(raw: Raw) -> Self {
        let listener = bind().await;
        let address = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(answer_raw(stream, raw));
            }
        });
        Self { address, server }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.address)
    }
}

impl Drop for Answerer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn bind() -> TcpListener {
    TcpListener::bind("127.0.0.1:0").await.expect("bind")
}

async fn answer_raw(mut stream: TcpStream, raw: Raw) {
    if read_request(&mut stream).await.is_err() {
        return;
    }
    if let Raw::Garbage = raw {
        let _ = stream.write_all(b"THIS IS NOT HTTP\r\n\r\n").await;
        let _ = stream.flush().await;
    }
    // Dropping the stream closes the connection.
}

/// Reads until the request's headers and `Content-Length` bytes of body are in.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        request.extend_from_slice(&chunk[..n]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            return Ok(());
        }
    }
}
