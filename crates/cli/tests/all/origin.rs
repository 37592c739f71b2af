//! An HTTP server on loopback that workers fetch from: it records every request and answers 201.

use bytes::Bytes;
use http::header::HeaderMap;
use http::{Method, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The value of the `x-origin` header on every answer.
pub const ORIGIN_HEADER: &str = "verge-test-origin";

/// One request the origin received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Its method.
    pub method: Method,
    /// Path and query.
    pub path: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
    /// When it was received in full.
    pub at: Instant,
}

impl Seen {
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The running origin; stopped on drop.
pub struct Origin {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Origin {
    /// Listen on a free loopback port.
    ///
    /// Every answer is `201` with `content-type: text/plain`, `x-origin: verge-test-origin`, and the
    /// body `origin saw <METHOD> <path> with <n> body bytes`.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind origin");
        let url = format!("http://{}", listener.local_addr().expect("origin addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| answer(req, record.clone()));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self { url, seen, task }
    }

    /// Every request received so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("origin lock").clone()
    }

    /// Wait until at least `n` requests have arrived; `None` after `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Option<Vec<Seen>> {
        let deadline = Instant::now() + timeout;
        loop {
            let seen = self.seen();
            if seen.len() >= n {
                return Some(seen);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    req: Request<Incoming>,
    record: Arc<Mutex<Vec<Seen>>>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let text = format!(
        "origin saw {} {path} with {} body bytes",
        parts.method,
        body.len()
    );
    record.lock().expect("origin lock").push(Seen {
        method: parts.method,
        path,
        headers: parts.headers,
        body,
        at: Instant::now(),
    });
    // A path with "cacheable" in it gets a response a shared cache may keep for a minute.
    let cacheable = text.contains("cacheable");
    let response = Response::builder()
        .status(if cacheable { 200 } else { 201 })
        .header(
            "cache-control",
            if cacheable {
                "public, max-age=60"
            } else {
                "no-cache"
            },
        )
        .header("content-type", "text/plain; charset=utf-8")
        .header("x-origin", ORIGIN_HEADER)
        .body(Full::new(Bytes::from(text)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(response)
}
