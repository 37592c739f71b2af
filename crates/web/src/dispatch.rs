//! The host's side of a request: hand it to the worker, drive the isolate until the worker answers, and take
//! the answer apart into status, headers and a body the node can stream.

use crate::body::{Body, copy_bytes};
use crate::fetch::{Host, latin1};
use crate::setup::WebState;
use bytes::Bytes;
use rquickjs::promise::PromiseState;
use rquickjs::{Array, Ctx, Function, Object, Persistent, Promise, TypedArray, Value};
use std::rc::Rc;
use verge_js::rquickjs;
use verge_js::{Error, Isolate, Result};

/// A worker's JS `ReadableStream` body, read chunk by chunk through [`next_chunk`].
pub struct JsStream(Persistent<Function<'static>>);

/// What a worker answered with.
pub enum ResponseBody {
    /// No body.
    Empty,
    /// A body known in full.
    Bytes(Bytes),
    /// A host body passed through untouched (`new Response(request.body)`): streamed without entering JS.
    Host(Body),
    /// A body produced by JS.
    Js(JsStream),
}

/// A worker's response, taken apart.
pub struct WorkerResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers, in order; values as bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body.
    pub body: ResponseBody,
    /// Whether the request goes on after its head: a body streamed from JS, or `ctx.waitUntil` work. When
    /// not, the request's end has already run in JS.
    pub pending: bool,
}

fn state(isolate: &Isolate) -> Result<&WebState> {
    isolate
        .state::<WebState>()
        .ok_or_else(|| Error::Engine("isolate was not set up by the web layer".into()))
}

fn entry_fn<'js>(ctx: &Ctx<'js>, st: &WebState, name: &str) -> rquickjs::Result<Function<'js>> {
    let entry: Object<'js> = st.entry.clone().restore(ctx)?;
    entry.get(name)
}

/// Drive `isolate` until `promise` settles; return its value (kept alive across the wait) or the rejection.
async fn settle(
    isolate: &Isolate,
    promise: Persistent<Promise<'static>>,
) -> Result<Persistent<Value<'static>>> {
    let p = promise.clone();
    isolate
        .drive(move |ctx| {
            p.clone()
                .restore(ctx)
                .map(|p| p.state() != PromiseState::Pending)
                .unwrap_or(true)
        })
        .await?;
    isolate.with(|ctx| {
        let p = promise.restore(&ctx)?;
        match p.state() {
            PromiseState::Resolved => {
                let v: Value<'_> = p
                    .result::<Value<'_>>()
                    .unwrap_or(Ok(Value::new_undefined(ctx.clone())))?;
                Ok(Persistent::save(&ctx, v))
            }
            _ => {
                let reason = match p.result::<Value<'_>>() {
                    Some(Err(rquickjs::Error::Exception)) => ctx.catch(),
                    Some(Ok(v)) => v,
                    _ => Value::new_undefined(ctx.clone()),
                };
                Err(ctx.throw(reason))
            }
        }
    })
}

/// Give `request` (whose full URL is `url`, and whose `request.cf` is the JSON object `cf`) to the worker in
/// `isolate`, with `host` for its subrequests.
///
/// A worker that answers without I/O is one stretch of JS, from the call to the response taken apart (and,
/// when nothing is left to do, the request's end). Call [`end`] when the request is over, whatever happened.
pub async fn dispatch(
    isolate: &Isolate,
    request: http::Request<Body>,
    url: &str,
    cf: &str,
    host: Rc<dyn Host>,
) -> Result<WorkerResponse> {
    let st = state(isolate)?;
    isolate.ops().tick();
    st.ended.set(false);
    *st.host.borrow_mut() = Some(host);
    let (parts, body) = request.into_parts();
    let has_body = !(parts.method == http::Method::GET || parts.method == http::Method::HEAD)
        || http_body::Body::size_hint(&body).upper() != Some(0);
    let handle = has_body.then(|| st.bodies.insert(body));
    // Names from `http` are lower case already; values are Latin-1 (ByteString).
    let mut headers = Vec::with_capacity(parts.headers.len() * 2);
    for (k, v) in &parts.headers {
        headers.push(k.as_str().to_owned());
        headers.push(latin1(v.as_bytes()));
    }
    // The URL as the URL standard writes it (what `new URL(request.url).href` gives).
    let href = ada_url::Url::parse(url, None)
        .map(|u| u.href().to_owned())
        .unwrap_or_else(|_| url.to_owned());
    let promise = std::cell::RefCell::new(None);
    isolate
        .run(
            |ctx| {
                let f = entry_fn(ctx, st, "dispatch")?;
                let p: Promise<'_> = f.call((parts.method.as_str(), href, headers, handle, cf))?;
                *promise.borrow_mut() = Some(Persistent::save(ctx, p));
                Ok(())
            },
            |ctx| {
                let p: Promise<'_> = promise
                    .borrow()
                    .clone()
                    .ok_or(rquickjs::Error::Unknown)?
                    .restore(ctx)?;
                match p.state() {
                    PromiseState::Pending => Ok(None),
                    PromiseState::Resolved => {
                        let arr: Array<'_> =
                            p.result::<Array<'_>>().ok_or(rquickjs::Error::Unknown)??;
                        take_apart(ctx, st, arr).map(Some)
                    }
                    PromiseState::Rejected => {
                        let reason = match p.result::<Value<'_>>() {
                            Some(Err(rquickjs::Error::Exception)) => ctx.catch(),
                            Some(Ok(v)) => v,
                            _ => Value::new_undefined(ctx.clone()),
                        };
                        Err(ctx.throw(reason))
                    }
                }
            },
        )
        .await
}

/// The worker's answer, `[status, [name, value, ...], body kind, body]`, as the host's; ends the request at once when
/// nothing of it is left to run.
fn take_apart<'js>(
    ctx: &Ctx<'js>,
    st: &WebState,
    arr: Array<'js>,
) -> rquickjs::Result<WorkerResponse> {
    let status: u16 = arr.get(0)?;
    let flat: Vec<String> = arr.get(1)?;
    let mut headers = Vec::with_capacity(flat.len() / 2);
    let mut flat = flat.into_iter();
    while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
        // Values are ByteStrings: every char is below 256.
        let v = v
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect();
        headers.push((k, v));
    }
    let kind: u8 = arr.get(2)?;
    let body = match kind {
        1 => {
            let bytes: TypedArray<'_, u8> = arr.get(3)?;
            ResponseBody::Bytes(Bytes::from(copy_bytes(&bytes)))
        }
        2 => {
            let h: u32 = arr.get(3)?;
            match st.bodies.take(h) {
                Some(b) => ResponseBody::Host(b),
                None => ResponseBody::Empty,
            }
        }
        3 => {
            let f: Function<'_> = arr.get(3)?;
            ResponseBody::Js(JsStream(Persistent::save(ctx, f)))
        }
        _ => ResponseBody::Empty,
    };
    let entry: Object<'js> = st.entry.clone().restore(ctx)?;
    let pending = matches!(body, ResponseBody::Js(_))
        || entry.get::<_, Function<'js>>("hasWaitUntil")?.call(())?;
    if !pending {
        entry
            .get::<_, Function<'js>>("endRequest")?
            .call::<_, ()>(())?;
        st.ended.set(true);
    }
    Ok(WorkerResponse {
        status,
        headers,
        body,
        pending,
    })
}

/// The next chunk of a JS body; `None` at its end.
pub async fn next_chunk(isolate: &Isolate, stream: &JsStream) -> Result<Option<Bytes>> {
    let promise = isolate.with(|ctx| {
        let f = stream.0.clone().restore(&ctx)?;
        let p: Promise<'_> = f.call(())?;
        Ok(Persistent::save(&ctx, p))
    })?;
    let value = settle(isolate, promise).await?;
    isolate.with(|ctx| {
        let v = value.restore(&ctx)?;
        if v.is_null() || v.is_undefined() {
            return Ok(None);
        }
        let bytes: TypedArray<'_, u8> = v.get()?;
        Ok(Some(Bytes::from(copy_bytes(&bytes))))
    })
}

/// Wait for the promises given to `ctx.waitUntil`, and for the service-worker form's handlers.
pub async fn wait_until(isolate: &Isolate) -> Result<()> {
    let st = state(isolate)?;
    let promise = isolate.with(|ctx| {
        let f = entry_fn(&ctx, st, "waitUntilDone")?;
        let p: Promise<'_> = f.call(())?;
        Ok(Persistent::save(&ctx, p))
    })?;
    settle(isolate, promise).await.map(|_| ())
}

/// The request is over: forget its host, its bodies and any operation still pending.
pub fn end(isolate: &Isolate) {
    if let Ok(st) = state(isolate) {
        st.host.borrow_mut().take();
        st.bodies.clear();
    }
    isolate.ops().clear();
    if state(isolate).is_ok_and(|st| st.ended.replace(true)) {
        return;
    }
    let _ = isolate.with(|ctx| {
        let st = state(isolate).map_err(|_| rquickjs::Error::Unknown)?;
        let f = entry_fn(&ctx, st, "endRequest")?;
        f.call::<_, ()>(())
    });
}
