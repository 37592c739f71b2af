//! WebAssembly workers in the runtime: loading a worker whose `main` is a `.wasm` component, and serving a
//! request with it through `verge-wasm`, with the same limits, `verge-error` responses, log lines and
//! violation counters as JS workers. Subrequests go through the shard's outbound gateway.

use crate::invoke::{error_response, violation_response};
use crate::outbound::{Gateway, OutboundError};
use crate::{LoadError, Shard, Worker};
use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::{BodyExt as _, Full};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use verge_core::{Manifest, OutboundPolicy};
use verge_wasm::{Failure, Finished, Outbound, SendError, WasmHost, WasmWorker};
use verge_web::Body;

pub use verge_wasm::EngineConfig;

static CONFIG: OnceLock<EngineConfig> = OnceLock::new();
static HOST: OnceLock<Result<Arc<WasmHost>, String>> = OnceLock::new();

/// Set the process's WebAssembly engine settings. Only before the first Wasm worker is loaded: returns
/// the settings back if the engine already exists or was configured.
pub fn configure(config: EngineConfig) -> Result<(), EngineConfig> {
    if HOST.get().is_some() {
        return Err(config);
    }
    CONFIG.set(config)
}

/// The process's WebAssembly host, made on first use (so a node without Wasm workers reserves nothing).
pub fn host() -> Result<&'static Arc<WasmHost>, LoadError> {
    HOST.get_or_init(|| {
        WasmHost::new(CONFIG.get().cloned().unwrap_or_default()).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| LoadError::Script(e.clone()))
}

/// Whether a worker's `main` names a WebAssembly component.
pub fn is_wasm(main: &str) -> bool {
    main.ends_with(".wasm")
}

/// Compile and link the component at `main` in `binaries`.
pub(crate) fn load(
    manifest: &Manifest,
    env: &BTreeMap<String, String>,
    main: &str,
    binaries: &BTreeMap<String, Vec<u8>>,
) -> Result<WasmWorker, LoadError> {
    let binary = binaries
        .get(main)
        .ok_or_else(|| LoadError::Io(format!("{main}: not in the bundle")))?;
    host()?
        .load(verge_wasm::WorkerSpec {
            name: manifest.name.clone(),
            env: env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            limits: manifest.limits.clone(),
            binary,
        })
        .map_err(|e| LoadError::Script(format!("{main}: {e}")))
}

/// A guest's subrequests: the shard's gateway under the worker's outbound policy.
struct GatewayOutbound {
    gateway: Gateway,
    policy: OutboundPolicy,
}

impl Outbound for GatewayOutbound {
    fn send(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> BoxFuture<'static, Result<http::Response<verge_wasm::Body>, SendError>> {
        let gateway = self.gateway.clone();
        let policy = self.policy.clone();
        Box::pin(async move {
            match gateway.send(request, &policy).await {
                Ok(r) => Ok(r.map(|b| b.map_err(Into::into).boxed_unsync())),
                Err(e) => Err(send_error(e)),
            }
        })
    }
}

fn send_error(e: OutboundError) -> SendError {
    let message = e.to_string();
    match e {
        OutboundError::Blocked { .. } | OutboundError::Scheme { .. } => SendError::Denied(message),
        OutboundError::Connect { .. } => SendError::Connection(message),
        OutboundError::Timeout { .. } => SendError::Timeout(message),
        _ => SendError::Other(message),
    }
}

/// Serve `request` (whose full URL is `url`) with the Wasm worker `wasm` of `worker`.
pub(crate) async fn invoke(
    shard: Rc<Shard>,
    worker: Arc<Worker>,
    wasm: Arc<WasmWorker>,
    request: http::Request<Body>,
    url: String,
) -> http::Response<Body> {
    let (mut parts, body) = request.into_parts();
    match url.parse::<http::Uri>() {
        Ok(uri) => parts.uri = uri,
        Err(e) => return error_response(400, "bad-request", &format!("invalid URL {url:?}: {e}")),
    }
    let outbound = Arc::new(GatewayOutbound {
        gateway: shard.gateway.clone(),
        policy: worker.bundle().manifest.outbound.clone(),
    });
    let served = wasm
        .serve(http::Request::from_parts(parts, body), outbound)
        .await;
    let dev = shard.config.dev;
    let finished = served.finished;
    tokio::task::spawn_local(async move { report(&shard, &worker, &finished.await) });
    match served.head {
        Ok(response) => {
            let (mut parts, body) = response.into_parts();
            // Framing is hyper's job.
            parts.headers.remove(http::header::TRANSFER_ENCODING);
            parts.headers.remove(http::header::CONNECTION);
            http::Response::from_parts(parts, body)
        }
        Err(failure) => failure_response(&failure, dev),
    }
}

fn failure_response(failure: &Failure, dev: bool) -> http::Response<Body> {
    match failure {
        Failure::Limit(v) => violation_response(v),
        Failure::Busy(_) => error_response(
            503,
            "overloaded",
            "The node is serving as many WebAssembly requests as it may; try again.",
        ),
        Failure::Trap(_) | Failure::NoResponse(_) if dev => {
            error_response(500, "exception", &failure.to_string())
        }
        _ => error_response(500, "exception", "The worker threw an exception."),
    }
}

/// The request is over: log how it went and count a violation.
fn report(shard: &Shard, w: &Worker, f: &Finished) {
    let worker = w.name();
    w.stats().cpu(f.cpu);
    let cpu_ms = f.cpu.as_secs_f64() * 1e3;
    let instantiate_us = f.instantiate.map(|d| d.as_micros() as u64);
    match &f.outcome {
        Ok(()) => tracing::debug!(
            worker,
            cpu_ms,
            instantiate_us,
            subrequests = f.subrequests,
            memory_bytes = f.memory_peak,
            "request done"
        ),
        Err(Failure::Limit(v)) => {
            shard.record_violation(w, v.kind);
            tracing::warn!(
                worker,
                error = v.kind.code(),
                cpu_ms,
                "{v}; instance discarded"
            );
        }
        Err(e) => tracing::error!(worker, cpu_ms, "{e}"),
    }
}
