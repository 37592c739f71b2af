//! The server side: one async function that answers a store request, for use inside any hyper service.

use super::wire::{self, ErrorBody, WatchLine};
use crate::{Store, StoreError};
use bytes::{Buf, Bytes};
use futures::StreamExt;
use http::{Method, Request, Response, StatusCode, header};
use http_body::Frame;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The response body of [`serve`]: whole for documents and blobs, streamed for watches.
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, Infallible>;

/// How [`serve_with`] behaves.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// A path prefix the store is mounted under (e.g. `/store`; empty: the root). Requests outside it get 404.
    pub prefix: String,
    /// The largest request body accepted (a document or a blob); larger gets 413. Default 64 MiB.
    pub max_body: usize,
    /// A watch stream sends a `ping` line after this long without a change, so clients notice a dead
    /// connection (their idle timeout should be a few of these). Default 10 s.
    pub heartbeat: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            prefix: String::new(),
            max_body: 64 << 20,
            heartbeat: Duration::from_secs(10),
        }
    }
}

impl ServeOptions {
    /// Mount the store under `prefix` (e.g. `/store`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().trim_end_matches('/').to_owned();
        self
    }

    /// Set the watch heartbeat interval.
    pub fn with_heartbeat(mut self, heartbeat: Duration) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// Set the largest request body accepted.
    pub fn with_max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }
}

/// Answer one store request with the default [`ServeOptions`]. See [`serve_with`].
pub async fn serve<B>(store: Arc<dyn Store>, req: Request<B>) -> Response<Body>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_with(store, req, &ServeOptions::default()).await
}

/// Answer one store request (the layout is in the [module docs](super)). The caller authenticates first and
/// passes only authorised requests. Never fails: store errors become JSON error responses.
pub async fn serve_with<B>(
    store: Arc<dyn Store>,
    req: Request<B>,
    options: &ServeOptions,
) -> Response<Body>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let Some(rest) = path
        .strip_prefix(options.prefix.as_str())
        .and_then(|p| p.strip_prefix('/'))
    else {
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no store route {path}"),
        );
    };
    let (kind, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let method = &parts.method;
    let result = match kind {
        "kv" => {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            let (Some(bucket), Some(key)) = (wire::decode(bucket), wire::decode(key)) else {
                return bad_path(path);
            };
            if rest.contains('/') {
                kv(
                    &*store,
                    method,
                    &parts.headers,
                    &bucket,
                    &key,
                    body,
                    options,
                )
                .await
            } else if method == Method::GET {
                store.keys(&bucket).await.map(json)
            } else {
                return not_allowed(method, path);
            }
        }
        "watch" if method == Method::GET => {
            let Some(bucket) = wire::decode(rest) else {
                return bad_path(path);
            };
            store
                .watch(&bucket)
                .await
                .map(|w| watch_response(w, options.heartbeat))
        }
        "blobs" => {
            let Some(name) = wire::decode(rest) else {
                return bad_path(path);
            };
            match *method {
                Method::GET => store.get_blob(&name).await.map(|b| match b {
                    Some(b) => bytes(b),
                    None => error(
                        StatusCode::NOT_FOUND,
                        "not_found",
                        format!("no blob {name}"),
                    ),
                }),
                Method::PUT => match read_body(body, options.max_body, &name).await {
                    Ok(b) => store
                        .put_blob(&name, b)
                        .await
                        .map(|()| empty(StatusCode::NO_CONTENT)),
                    Err(r) => return r,
                },
                _ => return not_allowed(method, path),
            }
        }
        "watch" => return not_allowed(method, path),
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no store route {path}"),
            );
        }
    };
    result.unwrap_or_else(|e| store_error(&e))
}

async fn kv<B>(
    store: &dyn Store,
    method: &Method,
    headers: &http::HeaderMap,
    bucket: &str,
    key: &str,
    body: B,
    options: &ServeOptions,
) -> crate::Result<Response<Body>>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match *method {
        Method::GET => Ok(match store.get(bucket, key).await? {
            Some(e) => with_revision(bytes(e.value), e.revision),
            None => error(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no key {bucket}/{key}"),
            ),
        }),
        Method::PUT => {
            let expected = match headers.get(wire::EXPECTED_HEADER) {
                None => None,
                Some(v) => match v.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok()) {
                    Some(n) => Some(n),
                    None => {
                        return Ok(error(
                            StatusCode::BAD_REQUEST,
                            "bad_request",
                            format!("{} is not a revision", wire::EXPECTED_HEADER),
                        ));
                    }
                },
            };
            let value = match read_body(body, options.max_body, &format!("{bucket}/{key}")).await {
                Ok(v) => v,
                Err(r) => return Ok(r),
            };
            let revision = match expected {
                Some(expected) => store.update(bucket, key, value, expected).await?,
                None => store.put(bucket, key, value).await?,
            };
            Ok(with_revision(
                json(serde_json::json!({ "revision": revision })),
                revision,
            ))
        }
        Method::DELETE => {
            store.delete(bucket, key).await?;
            Ok(empty(StatusCode::NO_CONTENT))
        }
        _ => Ok(error(
            StatusCode::METHOD_NOT_ALLOWED,
            "bad_request",
            format!("{method} not allowed on a key"),
        )),
    }
}

fn watch_response(
    watch: futures::stream::BoxStream<'static, crate::Result<crate::Change>>,
    heartbeat: Duration,
) -> Response<Body> {
    // State: the watch, or None once an error line was sent (then the stream ends).
    let lines = futures::stream::unfold(Some(watch), move |state| async move {
        let mut watch = state?;
        let line = tokio::select! {
            item = watch.next() => match item {
                Some(Ok(change)) => WatchLine::from_change(&change),
                Some(Err(e)) => {
                    let line = WatchLine::Error(ErrorBody::from_error(&e).1).to_bytes();
                    return Some((Ok(Frame::data(line)), None));
                }
                None => return None,
            },
            () = tokio::time::sleep(heartbeat) => WatchLine::Ping,
        };
        Some((Ok(Frame::data(line.to_bytes())), Some(watch)))
    });
    let mut response = Response::new(BodyExt::boxed_unsync(StreamBody::new(lines)));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/x-ndjson"),
    );
    response
}

async fn read_body<B>(body: B, max: usize, what: &str) -> Result<Bytes, Response<Body>>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, max).collect().await {
        Ok(c) => {
            let mut buf = c.aggregate();
            Ok(buf.copy_to_bytes(buf.remaining()))
        }
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("body of {what} is over {max} bytes"),
        )),
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("cannot read body of {what}: {e}"),
        )),
    }
}

fn full(status: StatusCode, body: Bytes) -> Response<Body> {
    let mut r = Response::new(BodyExt::boxed_unsync(Full::new(body)));
    *r.status_mut() = status;
    r
}

fn bytes(b: Bytes) -> Response<Body> {
    let mut r = full(StatusCode::OK, b);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    r
}

fn empty(status: StatusCode) -> Response<Body> {
    full(status, Bytes::new())
}

fn json(v: impl serde::Serialize) -> Response<Body> {
    let body = serde_json::to_vec(&v).unwrap_or_default();
    let mut r = full(StatusCode::OK, Bytes::from(body));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    r
}

fn with_revision(mut r: Response<Body>, revision: u64) -> Response<Body> {
    r.headers_mut()
        .insert(wire::REVISION_HEADER, header::HeaderValue::from(revision));
    r
}

fn error(status: StatusCode, kind: &str, message: String) -> Response<Body> {
    let mut r = json(ErrorBody::plain(kind, message));
    *r.status_mut() = status;
    r
}

fn store_error(e: &StoreError) -> Response<Body> {
    let (status, body) = ErrorBody::from_error(e);
    let mut r = json(body);
    *r.status_mut() = status;
    r
}

fn bad_path(path: &str) -> Response<Body> {
    error(
        StatusCode::BAD_REQUEST,
        "bad_request",
        format!("bad percent-encoding in {path}"),
    )
}

fn not_allowed(method: &Method, path: &str) -> Response<Body> {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "bad_request",
        format!("{method} not allowed on {path}"),
    )
}
