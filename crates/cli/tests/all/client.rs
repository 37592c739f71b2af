//! A small HTTP/1 client for the tests: one fresh connection per request, every call under a timeout.

use bytes::Bytes;
use http::header::HeaderMap;
use http::{Method, Request, Response, StatusCode};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::{BodyExt, Empty, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper_util::client::legacy::{Client, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// How long one request may take, answer and body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The request body type of every request the tests send.
pub type Body = BoxBody<Bytes, Infallible>;

/// An answer with its body read to the end.
pub struct Reply {
    /// Status code.
    pub status: StatusCode,
    /// Response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Reply {
    /// The body as (lossy) UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; panics with the body when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", self.describe()))
    }

    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `verge-error` header: which limit or failure produced this answer.
    pub fn verge_error(&self) -> Option<&str> {
        self.header("verge-error")
    }

    /// Status, headers and (the start of) the body, for failure messages.
    pub fn describe(&self) -> String {
        let text = self.text();
        let shown: String = text.chars().take(2000).collect();
        format!("{} {:?}\n{shown}", self.status, self.headers)
    }
}

/// A new client: no pooling, so every request opens its own connection (and may land on any shard).
fn client() -> Client<HttpConnector, Body> {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build(HttpConnector::new())
}

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().boxed()
}

/// Build a request.
pub fn request(method: Method, url: &str, headers: &[(&str, &str)], body: Body) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).expect("valid request")
}

/// Send a request and read the whole answer, or say what went wrong.
pub async fn try_send(req: Request<Body>) -> Result<Reply, String> {
    let what = format!("{} {}", req.method(), req.uri());
    let exchange = async {
        let response = client()
            .request(req)
            .await
            .map_err(|e| format!("{what}: {e:?}"))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("{what}: reading body: {e:?}"))?
            .to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{what}: no complete answer within {REQUEST_TIMEOUT:?}"
            ))
        })
}

/// Send a request and read the whole answer; panics on a transport error or timeout.
pub async fn send(req: Request<Body>) -> Reply {
    try_send(req).await.unwrap_or_else(|e| panic!("{e}"))
}

/// `GET url`.
pub async fn get(url: &str) -> Reply {
    send(request(Method::GET, url, &[], empty())).await
}

/// `method url` with headers and a body.
pub async fn call(
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Reply {
    send(request(method, url, headers, full(body))).await
}

/// Send a request and return as soon as the head arrives; the body is left to the caller.
pub async fn send_streaming(req: Request<Body>) -> Response<Incoming> {
    let what = format!("{} {}", req.method(), req.uri());
    tokio::time::timeout(REQUEST_TIMEOUT, client().request(req))
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {REQUEST_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("{what}: {e:?}"))
}

/// What a [`PatternBody`] has produced so far.
#[derive(Default)]
pub struct Sent {
    /// Bytes produced.
    pub len: u64,
    /// Their sha256.
    pub digest: Sha256,
}

/// A request body of pseudo-random bytes made chunk by chunk as it is sent (never held whole), sent
/// chunked (no content-length). It records the length and sha256 of what it produced.
pub struct PatternBody {
    remaining: u64,
    chunk: usize,
    state: u64,
    sent: Arc<Mutex<Sent>>,
}

impl PatternBody {
    /// `len` bytes in chunks of `chunk` bytes, from `seed`; and the record of what was sent.
    pub fn new(len: u64, chunk: usize, seed: u64) -> (Self, Arc<Mutex<Sent>>) {
        let sent = Arc::new(Mutex::new(Sent::default()));
        let body = Self {
            remaining: len,
            chunk,
            state: seed | 1,
            sent: sent.clone(),
        };
        (body, sent)
    }

    /// As a request body.
    pub fn boxed(self) -> Body {
        BodyExt::boxed(self)
    }
}

impl HttpBody for PatternBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = self.get_mut();
        if this.remaining == 0 {
            return Poll::Ready(None);
        }
        let n = usize::try_from(this.remaining).map_or(this.chunk, |r| r.min(this.chunk));
        let mut chunk = Vec::with_capacity(n + 8);
        while chunk.len() < n {
            chunk.extend_from_slice(&xorshift(&mut this.state).to_le_bytes());
        }
        chunk.truncate(n);
        this.remaining -= n as u64;
        let mut sent = this.sent.lock().expect("sent lock");
        sent.len += n as u64;
        sent.digest.update(&chunk);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        // Unknown on purpose: sent with chunked transfer encoding.
        SizeHint::default()
    }
}

fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    x
}

/// `len` pseudo-random bytes, different on every call.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = seed();
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&xorshift(&mut state).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A seed that differs between calls and runs.
pub fn seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    (nanos ^ COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)) | 1
}

/// Hex of a sha256.
pub fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
