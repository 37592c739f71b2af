//! One request through a worker: take a warm isolate (or make one), run the handler under the limits, stream
//! the response out, finish `waitUntil` work, and give the isolate back — or discard it if a limit tripped.

use crate::body::{ChannelBody, drain};
use crate::limits::LimitEnforcer;
use crate::pool::{self, Acquire};
use crate::{LoadError, Shard, Worker};
use bytes::Bytes;
use futures::future::LocalBoxFuture;
use http_body_util::{BodyExt, Full};
use std::rc::Rc;
use std::sync::Arc;
use verge_core::{OutboundPolicy, Violation};
use verge_js::Error as JsErr;
use verge_js::ops::OpError;
use verge_web::dispatch::{self, ResponseBody, WorkerResponse};
use verge_web::{Body, Host};

/// The header that names what went wrong, on every response verge makes up itself.
pub const ERROR_HEADER: &str = "verge-error";

/// Longest a rejected request body is read (and discarded) so its client can read the 413.
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(5);

/// Chunks of a JS-streamed body that may wait for a slow client.
const STREAM_DEPTH: usize = 4;

fn text_body(s: String) -> Body {
    Full::new(Bytes::from(s))
        .map_err(|e| match e {})
        .boxed_unsync()
}

/// A response verge makes up: `status`, `verge-error: code`, a plain-text message.
pub fn error_response(status: u16, code: &str, message: &str) -> http::Response<Body> {
    let mut r = http::Response::new(text_body(format!("{message}\n")));
    *r.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    if let Ok(v) = http::HeaderValue::from_str(code) {
        h.insert(ERROR_HEADER, v);
    }
    r
}

/// The response for a limit violation.
pub fn violation_response(v: &Violation) -> http::Response<Body> {
    error_response(v.kind.status(), v.kind.code(), &v.to_string())
}

/// The response for a worker that could not be loaded.
pub fn load_error_response(e: &LoadError) -> http::Response<Body> {
    match e {
        LoadError::Limit(v) => violation_response(v),
        other => error_response(
            500,
            "exception",
            &format!("The worker failed to load: {other}"),
        ),
    }
}

fn js_error_response(e: &JsErr, dev: bool) -> http::Response<Body> {
    match e {
        JsErr::Limit(v) => violation_response(v),
        JsErr::Thrown(js) if dev => error_response(500, "exception", &js.to_string()),
        JsErr::Thrown(_) => error_response(500, "exception", "The worker threw an exception."),
        other => error_response(500, "exception", &other.to_string()),
    }
}

/// The header that carries the hops a request has made through verge (RFC 8586 `CDN-Loop`: one `verge`
/// entry per hop).
pub const LOOP_HEADER: &str = "cdn-loop";

/// The `CDN-Loop` token verge adds.
const LOOP_TOKEN: &str = "verge";

/// How many times a request has already passed through verge, from its `CDN-Loop` header.
pub fn hops(headers: &http::HeaderMap) -> usize {
    headers
        .get_all(LOOP_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|t| t.split(';').next().map(str::trim) == Some(LOOP_TOKEN))
        .count()
}

/// Where a worker's subrequests to its own host go (the origin behind its route).
#[derive(Debug)]
struct OriginRoute {
    /// The host the request came in on (no port), lower case.
    own_host: String,
    /// The origin's scheme and authority.
    origin: http::uri::Parts,
}

impl OriginRoute {
    fn new(url: &str, origin: &str) -> Option<Self> {
        let own = url.parse::<http::Uri>().ok()?;
        let own_host = own.host()?.to_ascii_lowercase();
        let origin = origin.parse::<http::Uri>().ok()?.into_parts();
        Some(Self { own_host, origin })
    }

    /// `uri` re-aimed at the origin when it is for the worker's own host.
    fn redirect(&self, uri: &http::Uri) -> Option<http::Uri> {
        if !uri.host()?.eq_ignore_ascii_case(&self.own_host) {
            return None;
        }
        let mut parts = http::uri::Parts::default();
        parts.scheme = self.origin.scheme.clone();
        parts.authority = self.origin.authority.clone();
        parts.path_and_query = uri.path_and_query().cloned();
        http::Uri::from_parts(parts).ok()
    }
}

/// What a request's subrequests may do: the gateway under the worker's policy, counted by the enforcer.
struct RequestHost {
    gateway: crate::outbound::Gateway,
    policy: OutboundPolicy,
    limits: Rc<LimitEnforcer>,
    cache: Arc<dyn verge_cache::CacheStore>,
    tenant: String,
    origin: Option<OriginRoute>,
    /// The incoming request's `CDN-Loop` value, continued on every subrequest.
    loop_value: http::HeaderValue,
}

impl Host for RequestHost {
    fn fetch(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> LocalBoxFuture<'static, Result<http::Response<Body>, OpError>> {
        if let Err(v) = self.limits.count_subrequest() {
            return Box::pin(async move { Err(OpError::Type(v.to_string())) });
        }
        let mut request = request;
        let mut policy = self.policy.clone();
        if let Some(to) = self.origin.as_ref().and_then(|o| o.redirect(request.uri())) {
            // The worker's own host: to its origin, which the deployment names (so it may be private). The
            // origin sees the public host, as it would behind a CDN.
            let public_host = request.uri().authority().map(|a| a.to_string());
            *request.uri_mut() = to;
            if let Some(v) = public_host.and_then(|h| http::HeaderValue::from_str(&h).ok()) {
                request
                    .extensions_mut()
                    .insert(crate::outbound::OriginHost(v));
            }
            policy.allow_private = true;
        }
        request
            .headers_mut()
            .insert(LOOP_HEADER, self.loop_value.clone());
        let gateway = self.gateway.clone();
        Box::pin(async move {
            match gateway.send(request, &policy).await {
                Ok(resp) => Ok(resp.map(|b| b.map_err(Into::into).boxed_unsync())),
                Err(e) => Err(OpError::Type(e.js_message())),
            }
        })
    }

    fn cache(&self) -> Option<(Arc<dyn verge_cache::CacheStore>, String)> {
        Some((self.cache.clone(), self.tenant.clone()))
    }
}

fn build_response(
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
) -> http::Response<Body> {
    let mut r = http::Response::new(body);
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    let h = r.headers_mut();
    for (k, v) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(k.as_bytes()),
            http::HeaderValue::from_bytes(&v),
        ) {
            // Framing is hyper's job: a worker's own length/encoding headers could lie about the body.
            if name == http::header::TRANSFER_ENCODING || name == http::header::CONNECTION {
                continue;
            }
            h.append(name, value);
        }
    }
    r
}

/// Serve `request` (whose full URL is `url`) with `worker` on `shard`.
///
/// The handler runs inline until the response head is ready; only a response streamed from JS, or
/// `ctx.waitUntil` work, continues in a task of its own after the head is returned.
pub async fn invoke(
    shard: Rc<Shard>,
    worker: Arc<Worker>,
    request: http::Request<Body>,
    url: String,
) -> http::Response<Body> {
    let limits = worker.config().limits.clone();
    let declared = request
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Err(v) = LimitEnforcer::check_content_length(&limits, declared) {
        shard.record_violation(&worker, v.kind);
        tracing::warn!(worker = worker.name(), error = v.kind.code(), "{v}");
        let limit = limits.request_body_bytes();
        tokio::task::spawn_local(drain(
            request.into_body(),
            limit.saturating_mul(4),
            DRAIN_TIME,
        ));
        return violation_response(&v);
    }
    if let Some(wasm) = worker.wasm().cloned() {
        return crate::wasm::invoke(shard, worker, wasm, request, url).await;
    }

    let wait_deadline = tokio::time::Instant::now() + limits.wall();
    let isolate = loop {
        let acquired = shard.pool.borrow_mut().acquire(&worker);
        match acquired {
            Acquire::Warm(iso) => break iso,
            Acquire::Create => match new_isolate(&shard, &worker) {
                Ok((iso, took)) => {
                    tracing::debug!(
                        worker = worker.name(),
                        shard = shard.id,
                        cold_start_us = took.as_micros() as u64,
                        "new isolate"
                    );
                    break iso;
                }
                Err(e) => {
                    shard.pool.borrow_mut().discard(&worker);
                    tracing::error!(worker = worker.name(), "isolate start failed: {e}");
                    if let JsErr::Limit(v) = &e {
                        shard.record_violation(&worker, v.kind);
                    }
                    return js_error_response(&e, shard.config.dev);
                }
            },
            Acquire::Wait(returned) => {
                if tokio::time::timeout_at(wait_deadline, returned.notified())
                    .await
                    .is_err()
                {
                    let v = Violation::wall(limits.wall(), limits.wall());
                    shard.record_violation(&worker, v.kind);
                    tracing::warn!(
                        worker = worker.name(),
                        "{v} while waiting for a free isolate"
                    );
                    return violation_response(&v);
                }
            }
        }
    };

    let enforcer = LimitEnforcer::begin(&isolate, &limits);
    let deadline = tokio::time::Instant::now() + enforcer.wall();
    let cf = shard.cf_json(request.version());
    let loop_value = {
        let prior: Vec<&str> = request
            .headers()
            .get_all(LOOP_HEADER)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let mut v = prior.join(", ");
        if !v.is_empty() {
            v.push_str(", ");
        }
        v.push_str(LOOP_TOKEN);
        http::HeaderValue::from_str(&v).unwrap_or(http::HeaderValue::from_static(LOOP_TOKEN))
    };
    let request = request.map(|b| enforcer.limit_body(b).boxed_unsync());
    let host = Rc::new(RequestHost {
        gateway: shard.gateway.clone(),
        policy: worker.bundle().manifest.outbound.clone(),
        limits: enforcer.clone(),
        cache: shard.shared.cache.clone(),
        tenant: worker.name().to_owned(),
        origin: worker
            .bundle()
            .manifest
            .origin
            .as_deref()
            .and_then(|o| OriginRoute::new(&url, o)),
        loop_value,
    });
    let head = tokio::time::timeout_at(
        deadline,
        dispatch::dispatch(&isolate, request, &url, &cf, host),
    )
    .await
    .unwrap_or_else(|_| Err(JsErr::Limit(enforcer.wall_exceeded())));
    let head = match (head, enforcer.violation()) {
        (_, Some(v)) => Err(JsErr::Limit(v)),
        (h, None) => h,
    };
    let WorkerResponse {
        status,
        headers,
        body,
        pending,
    } = match head {
        Ok(r) => r,
        Err(e) => {
            let response = js_error_response(&e, shard.config.dev);
            finish(&shard, &worker, isolate, &enforcer, Err(e));
            return response;
        }
    };
    let (response, stream) = match body {
        ResponseBody::Empty => (
            build_response(status, headers, text_body(String::new())),
            None,
        ),
        ResponseBody::Bytes(b) => (
            build_response(
                status,
                headers,
                Full::new(b).map_err(|e| match e {}).boxed_unsync(),
            ),
            None,
        ),
        ResponseBody::Host(b) => (build_response(status, headers, b), None),
        ResponseBody::Js(stream) => {
            let (tx, body) = ChannelBody::new(STREAM_DEPTH);
            (
                build_response(status, headers, body.boxed_unsync()),
                Some((stream, tx)),
            )
        }
    };
    if !pending {
        finish(&shard, &worker, isolate, &enforcer, Ok(()));
        return response;
    }
    tokio::task::spawn_local(async move {
        let rest = async {
            if let Some((stream, tx)) = stream {
                while let Some(chunk) = dispatch::next_chunk(&isolate, &stream).await? {
                    if !tx.send(chunk).await {
                        tracing::debug!(worker = worker.name(), "client went away mid-response");
                        break;
                    }
                }
                tx.finish();
            }
            dispatch::wait_until(&isolate).await
        };
        let outcome = tokio::time::timeout_at(deadline, rest)
            .await
            .unwrap_or_else(|_| Err(JsErr::Limit(enforcer.wall_exceeded())));
        finish(&shard, &worker, isolate, &enforcer, outcome);
    });
    response
}

/// A new isolate of `worker`: from a blank made ahead of time when one is ready, else from scratch.
fn new_isolate(
    shard: &Rc<Shard>,
    worker: &Worker,
) -> Result<(verge_js::Isolate, std::time::Duration), JsErr> {
    let blank = if worker.config().allow_eval {
        None
    } else {
        shard.pool.borrow_mut().take_blank()
    };
    match blank {
        Some(blank) => {
            shard.refill_blanks();
            pool::instantiate_from(blank, worker)
        }
        None => pool::instantiate(worker),
    }
}

/// The request is over: log how it went, count a violation, and give the isolate back unless a limit
/// condemned it.
fn finish(
    shard: &Shard,
    worker: &Worker,
    isolate: verge_js::Isolate,
    enforcer: &LimitEnforcer,
    outcome: Result<(), JsErr>,
) {
    dispatch::end(&isolate);
    if let Some(rest) = enforcer.take_rejected_body() {
        let limit = worker.config().limits.request_body_bytes();
        tokio::task::spawn_local(drain(rest, limit.saturating_mul(4), DRAIN_TIME));
    }
    // A tripped limit wins over whatever error it caused inside JS.
    let outcome = match (outcome, enforcer.violation()) {
        (_, Some(v)) => Err(JsErr::Limit(v)),
        (o, None) => o,
    };
    worker.stats().cpu(enforcer.cpu_used());
    let cpu_ms = enforcer.cpu_used().as_secs_f64() * 1e3;
    match &outcome {
        Ok(()) => tracing::debug!(
            worker = worker.name(),
            cpu_ms,
            subrequests = enforcer.subrequests(),
            "request done"
        ),
        Err(JsErr::Limit(v)) => {
            shard.record_violation(worker, v.kind);
            tracing::warn!(
                worker = worker.name(),
                error = v.kind.code(),
                cpu_ms,
                "{v}; isolate discarded"
            );
        }
        Err(e) => tracing::error!(worker = worker.name(), cpu_ms, "{e}"),
    }
    if isolate.guard().violation().is_none() {
        shard.pool.borrow_mut().put(worker, isolate);
    } else {
        drop(isolate);
        shard.pool.borrow_mut().discard(worker);
    }
}
