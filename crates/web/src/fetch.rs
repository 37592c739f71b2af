//! `fetch()`: the prelude builds the request (and follows redirects); the host sends each hop through the
//! node's outbound gateway, which applies the worker's outbound policy and subrequest limit.

use crate::body::{Body, BodyTable, copy_bytes};
use bytes::Bytes;
use futures::future::LocalBoxFuture;
use http_body_util::Full;
use rquickjs::{Ctx, Function, Object, TypedArray, Value};
use std::cell::RefCell;
use std::rc::Rc;
use verge_js::Ops;
use verge_js::ops::{Completion, OpError};
use verge_js::rquickjs;

/// What a request in flight may do outside the isolate. The runtime implements it per request.
pub trait Host {
    /// Send one subrequest. Rejections become a `TypeError` in JS.
    fn fetch(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> LocalBoxFuture<'static, Result<http::Response<Body>, OpError>>;

    /// The node's HTTP cache and this worker's namespace in it, for the Cache API; `None` when there is none.
    fn cache(&self) -> Option<(std::sync::Arc<dyn verge_cache::CacheStore>, String)> {
        None
    }
}

/// A header value as a JS ByteString (one char per byte).
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn from_latin1(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

fn build(
    method: &str,
    url: &str,
    headers: &[Vec<String>],
    body: Option<Vec<u8>>,
) -> Result<http::Request<Full<Bytes>>, String> {
    let mut b = http::Request::builder()
        .method(http::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?)
        .uri(url);
    for pair in headers {
        if let [name, value] = pair.as_slice() {
            let value =
                from_latin1(value).ok_or_else(|| format!("invalid value for header {name}"))?;
            b = b.header(name.as_str(), value);
        }
    }
    b.body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())
}

/// Register `fetch(method, url, headers, body)`: returns `[opId, promise]`, the promise resolving to
/// `[status, statusText, headers, bodyHandle]`; `cancel(opId)` (timers.rs) drops the subrequest (AbortSignal).
pub fn register<'js>(
    ctx: &Ctx<'js>,
    target: &Object<'js>,
    ops: &Rc<Ops>,
    table: &Rc<BodyTable>,
    host: &Rc<RefCell<Option<Rc<dyn Host>>>>,
) -> rquickjs::Result<()> {
    let (o, t, h) = (ops.clone(), table.clone(), host.clone());
    target.set(
        "fetch",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  method: String,
                  url: String,
                  headers: Vec<Vec<String>>,
                  body: Option<TypedArray<'js, u8>>| {
                let Some(host) = h.borrow().clone() else {
                    return Err(OpError::Type(
                        "fetch() can only be called while handling a request".into(),
                    )
                    .throw(&ctx));
                };
                let request = build(&method, &url, &headers, body.as_ref().map(copy_bytes))
                    .map_err(|e| OpError::Type(format!("fetch: {e}")).throw(&ctx))?;
                let table = t.clone();
                let (id, promise) = o.spawn(&ctx, async move {
                    let response = host.fetch(request).await?;
                    let (parts, body) = response.into_parts();
                    let handle = table.insert(body);
                    let complete: Completion = verge_js::ops::complete(move |ctx| {
                        let headers: Vec<Vec<String>> = parts
                            .headers
                            .iter()
                            .map(|(k, v)| vec![k.as_str().to_owned(), latin1(v.as_bytes())])
                            .collect();
                        let reason = parts.status.canonical_reason().unwrap_or("");
                        let arr = rquickjs::Array::new(ctx.clone())?;
                        arr.set(0, parts.status.as_u16())?;
                        arr.set(1, reason)?;
                        arr.set(2, headers)?;
                        arr.set(3, handle)?;
                        Ok(Value::from(arr))
                    });
                    Ok(complete)
                })?;
                let pair = rquickjs::Array::new(ctx.clone())?;
                #[expect(clippy::cast_precision_loss, reason = "op ids stay far below 2^53")]
                pair.set(0, id as f64)?;
                pair.set(1, promise)?;
                Ok(pair)
            },
        )?,
    )?;
    Ok(())
}
