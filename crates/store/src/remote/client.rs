//! The client side: a [`Store`] that sends every call to a [`serve`](super::serve)r over HTTP/1.

use super::wire::{self, ErrorBody, WatchLine};
use crate::{Change, Entry, Result, Store, StoreError, check_name};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;
use futures::stream::BoxStream;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// Timeouts of a [`RemoteStore`]; every call is bounded by one of them.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RemoteOptions {
    /// Connecting to the server. Default 3 s.
    pub connect_timeout: Duration,
    /// A whole document call (request sent, response read). Default 10 s.
    pub request_timeout: Duration,
    /// A whole blob upload or download. Default 120 s.
    pub blob_timeout: Duration,
    /// A watch that receives nothing (not even the server's heartbeat ping) for this long yields
    /// [`StoreError::Unavailable`] and ends. Default 35 s (the server pings every 10 s by default).
    pub watch_idle_timeout: Duration,
}

impl Default for RemoteOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            blob_timeout: Duration::from_secs(120),
            watch_idle_timeout: Duration::from_secs(35),
        }
    }
}

impl RemoteOptions {
    /// Set the connect timeout.
    pub fn with_connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }
    /// Set the document call timeout.
    pub fn with_request_timeout(mut self, t: Duration) -> Self {
        self.request_timeout = t;
        self
    }
    /// Set the blob call timeout.
    pub fn with_blob_timeout(mut self, t: Duration) -> Self {
        self.blob_timeout = t;
        self
    }
    /// Set the watch idle timeout.
    pub fn with_watch_idle_timeout(mut self, t: Duration) -> Self {
        self.watch_idle_timeout = t;
        self
    }
}

/// A store served by another process (see [`serve`](super::serve)), over plain HTTP/1 with a bearer token.
///
/// Cheap to clone; clones share a connection pool.
#[derive(Clone)]
pub struct RemoteStore {
    client: Client<HttpConnector, Full<Bytes>>,
    base: String,
    auth: Option<header::HeaderValue>,
    options: RemoteOptions,
}

impl std::fmt::Debug for RemoteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteStore")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

impl RemoteStore {
    /// A client of the store at `base_url` (`http://host:port`, optionally with the path prefix the server
    /// mounts the store under), sending `Authorization: Bearer <bearer_token>` (none when empty).
    pub fn new(base_url: &str, bearer_token: &str) -> Result<Self> {
        Self::with_options(base_url, bearer_token, RemoteOptions::default())
    }

    /// As [`new`](Self::new), with other timeouts.
    pub fn with_options(
        base_url: &str,
        bearer_token: &str,
        options: RemoteOptions,
    ) -> Result<Self> {
        let base = base_url.trim_end_matches('/').to_owned();
        let uri: http::Uri = base
            .parse()
            .map_err(|e| StoreError::Backend(format!("bad remote store URL {base_url:?}: {e}")))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(StoreError::Backend(format!(
                "bad remote store URL {base_url:?}: want http://host:port[/prefix]"
            )));
        }
        let auth = if bearer_token.is_empty() {
            None
        } else {
            let mut v = header::HeaderValue::try_from(format!("Bearer {bearer_token}"))
                .map_err(|_| StoreError::Backend("bearer token is not a valid header".into()))?;
            v.set_sensitive(true);
            Some(v)
        };
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(options.connect_timeout));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Self {
            client,
            base,
            auth,
            options,
        })
    }

    fn request(
        &self,
        method: Method,
        path: &str,
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>, StoreError> {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(auth) = &self.auth {
            b = b.header(header::AUTHORIZATION, auth.clone());
        }
        b.body(Full::new(body))
            .map_err(|e| StoreError::Backend(format!("cannot build request for {path}: {e}")))
    }

    /// Send a request and read the whole response, within `timeout`. `what` names the object in errors.
    async fn call(
        &self,
        req: Request<Full<Bytes>>,
        timeout: Duration,
        what: &str,
    ) -> Result<(StatusCode, http::HeaderMap, Bytes)> {
        let work = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| self.unavailable(what, &e))?;
            let (parts, body) = resp.into_parts();
            let body = body
                .collect()
                .await
                .map_err(|e| self.unavailable(what, &e))?
                .to_bytes();
            Ok((parts.status, parts.headers, body))
        };
        match tokio::time::timeout(timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Unavailable(format!(
                "{what}: no answer from {} within {timeout:?}",
                self.base
            ))),
        }
    }

    fn unavailable(&self, what: &str, e: &dyn std::fmt::Display) -> StoreError {
        StoreError::Unavailable(format!("{what}: {} unreachable: {e}", self.base))
    }

    fn kv_path(bucket: &str, key: &str) -> String {
        format!("/kv/{}/{}", wire::encode(bucket), wire::encode(key))
    }
}

/// The error in a non-success response.
fn error_of(status: StatusCode, body: &[u8], what: &str) -> StoreError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => e.into_error(status),
        Err(_) if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN => {
            StoreError::Backend(format!("{what}: remote store refused the token ({status})"))
        }
        Err(_) if status.is_server_error() => {
            StoreError::Unavailable(format!("{what}: remote store answered {status}"))
        }
        Err(_) => StoreError::Backend(format!(
            "{what}: remote store answered {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )),
    }
}

fn revision_of(headers: &http::HeaderMap, what: &str) -> Result<u64> {
    headers
        .get(wire::REVISION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            StoreError::Backend(format!(
                "{what}: remote store sent no {}",
                wire::REVISION_HEADER
            ))
        })
}

#[async_trait::async_trait]
impl Store for RemoteStore {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Entry>> {
        check_name(bucket)?;
        check_name(key)?;
        let what = format!("get {bucket}/{key}");
        let req = self.request(Method::GET, &Self::kv_path(bucket, key), Bytes::new())?;
        let (status, headers, body) = self.call(req, self.options.request_timeout, &what).await?;
        match status {
            StatusCode::OK => Ok(Some(Entry {
                key: key.to_owned(),
                value: body,
                revision: revision_of(&headers, &what)?,
            })),
            StatusCode::NOT_FOUND if body.starts_with(b"{") => Ok(None),
            _ => Err(error_of(status, &body, &what)),
        }
    }

    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> Result<u64> {
        check_name(bucket)?;
        check_name(key)?;
        let what = format!("put {bucket}/{key}");
        let req = self.request(Method::PUT, &Self::kv_path(bucket, key), value)?;
        let (status, headers, body) = self.call(req, self.options.request_timeout, &what).await?;
        match status {
            StatusCode::OK => revision_of(&headers, &what),
            _ => Err(error_of(status, &body, &what)),
        }
    }

    async fn update(&self, bucket: &str, key: &str, value: Bytes, expected: u64) -> Result<u64> {
        check_name(bucket)?;
        check_name(key)?;
        let what = format!("update {bucket}/{key}");
        let mut req = self.request(Method::PUT, &Self::kv_path(bucket, key), value)?;
        req.headers_mut()
            .insert(wire::EXPECTED_HEADER, header::HeaderValue::from(expected));
        let (status, headers, body) = self.call(req, self.options.request_timeout, &what).await?;
        match status {
            StatusCode::OK => revision_of(&headers, &what),
            _ => Err(error_of(status, &body, &what)),
        }
    }

    async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        check_name(bucket)?;
        check_name(key)?;
        let what = format!("delete {bucket}/{key}");
        let req = self.request(Method::DELETE, &Self::kv_path(bucket, key), Bytes::new())?;
        let (status, _, body) = self.call(req, self.options.request_timeout, &what).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(error_of(status, &body, &what))
        }
    }

    async fn keys(&self, bucket: &str) -> Result<Vec<String>> {
        check_name(bucket)?;
        let what = format!("keys of {bucket}");
        let path = format!("/kv/{}?keys", wire::encode(bucket));
        let req = self.request(Method::GET, &path, Bytes::new())?;
        let (status, _, body) = self.call(req, self.options.request_timeout, &what).await?;
        if status != StatusCode::OK {
            return Err(error_of(status, &body, &what));
        }
        serde_json::from_slice(&body)
            .map_err(|e| StoreError::Backend(format!("{what}: bad answer from remote store: {e}")))
    }

    async fn watch(&self, bucket: &str) -> Result<BoxStream<'static, Result<Change>>> {
        check_name(bucket)?;
        let what = format!("watch {bucket}");
        let req = self.request(
            Method::GET,
            &format!("/watch/{}", wire::encode(bucket)),
            Bytes::new(),
        )?;
        let timeout = self.options.request_timeout;
        let resp = match tokio::time::timeout(timeout, self.client.request(req)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => return Err(self.unavailable(&what, &e)),
            Err(_) => {
                return Err(StoreError::Unavailable(format!(
                    "{what}: no answer from {} within {timeout:?}",
                    self.base
                )));
            }
        };
        if resp.status() != StatusCode::OK {
            let status = resp.status();
            let body = tokio::time::timeout(timeout, resp.into_body().collect())
                .await
                .ok()
                .and_then(|r| r.ok())
                .map(|c| c.to_bytes())
                .unwrap_or_default();
            return Err(error_of(status, &body, &what));
        }
        Ok(watch_stream(resp, self.options.watch_idle_timeout, what))
    }

    async fn put_blob(&self, name: &str, bytes: Bytes) -> Result<()> {
        check_name(name)?;
        let what = format!("put blob {name}");
        let req = self.request(
            Method::PUT,
            &format!("/blobs/{}", wire::encode(name)),
            bytes,
        )?;
        let (status, _, body) = self.call(req, self.options.blob_timeout, &what).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(error_of(status, &body, &what))
        }
    }

    async fn get_blob(&self, name: &str) -> Result<Option<Bytes>> {
        check_name(name)?;
        let what = format!("get blob {name}");
        let req = self.request(
            Method::GET,
            &format!("/blobs/{}", wire::encode(name)),
            Bytes::new(),
        )?;
        let (status, _, body) = self.call(req, self.options.blob_timeout, &what).await?;
        match status {
            StatusCode::OK => Ok(Some(body)),
            StatusCode::NOT_FOUND if body.starts_with(b"{") => Ok(None),
            _ => Err(error_of(status, &body, &what)),
        }
    }
}

struct WatchState {
    body: Incoming,
    buf: BytesMut,
    idle: Duration,
    what: String,
    done: bool,
}

/// Parse the NDJSON body into changes; a broken or silent connection yields one `Unavailable` and ends.
fn watch_stream(
    resp: Response<Incoming>,
    idle: Duration,
    what: String,
) -> BoxStream<'static, Result<Change>> {
    let state = WatchState {
        body: resp.into_body(),
        buf: BytesMut::new(),
        idle,
        what,
        done: false,
    };
    futures::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        loop {
            if let Some(pos) = s.buf.iter().position(|&b| b == b'\n') {
                let line = s.buf.split_to(pos + 1);
                let parsed = serde_json::from_slice::<WatchLine>(&line[..pos])
                    .map_err(|e| {
                        StoreError::Backend(format!("{}: bad line from remote store: {e}", s.what))
                    })
                    .and_then(WatchLine::into_change);
                match parsed {
                    Ok(None) => continue,
                    Ok(Some(change)) => return Some((Ok(change), s)),
                    Err(e) => {
                        s.done = true;
                        return Some((Err(e), s));
                    }
                }
            }
            let lost = |s: &WatchState, why: String| {
                StoreError::Unavailable(format!(
                    "{}: connection to remote store lost: {why}",
                    s.what
                ))
            };
            match tokio::time::timeout(s.idle, s.body.frame()).await {
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        s.buf.extend_from_slice(&data);
                    }
                }
                Ok(Some(Err(e))) => {
                    let e = lost(&s, e.to_string());
                    s.done = true;
                    return Some((Err(e), s));
                }
                Ok(None) => {
                    let e = lost(&s, "stream ended".into());
                    s.done = true;
                    return Some((Err(e), s));
                }
                Err(_) => {
                    let e = lost(&s, format!("nothing received for {:?}", s.idle));
                    s.done = true;
                    return Some((Err(e), s));
                }
            }
        }
    })
    .boxed()
}
