//! A loaded WebAssembly worker, and one request through it: a fresh instance from the pre-instantiated
//! component, `wasi:http/incoming-handler.handle` called under the request's limits, the response head
//! returned as soon as the guest sets it while the guest keeps running to write the body.

use crate::body::CountedBody;
use crate::error::Failure;
use crate::host::{Hash, WasmHost};
use crate::limiter::LimitTrap;
use crate::meter::{Metered, RequestMeter};
use crate::outbound::{Body, Outbound};
use crate::state::{Logs, State};
use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::BodyExt as _;
use std::sync::Arc;
use std::time::{Duration, Instant};
use verge_core::Limits;
use wasmtime::{Store, UpdateDeadline};
use wasmtime_wasi_config::WasiConfigVariables;
use wasmtime_wasi_http::WasiHttpView as _;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;

/// What a worker is made of.
#[derive(Debug, Clone)]
pub struct WorkerSpec<'a> {
    /// The worker's name (tags its log lines).
    pub name: String,
    /// What the guest sees as environment variables (`wasi:cli/environment`) and as `wasi:config/store`:
    /// the worker's vars and secrets.
    pub env: Vec<(String, String)>,
    /// Limits of every request.
    pub limits: Limits,
    /// The component binary.
    pub binary: &'a [u8],
}

/// A component compiled and linked, ready to serve: every request gets a fresh instance of it.
pub struct WasmWorker {
    host: Arc<WasmHost>,
    pre: ProxyPre<State>,
    name: Arc<str>,
    env: Arc<[(String, String)]>,
    config: Arc<WasiConfigVariables>,
    limits: Limits,
    hash: Hash,
    size: usize,
    from_cache: bool,
    load_time: Duration,
}

impl std::fmt::Debug for WasmWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmWorker")
            .field("name", &self.name)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// A request's response head (or why there is none) and the rest of its run.
pub struct Served {
    /// The response as soon as the guest set it; its body streams while the guest writes it.
    pub head: Result<http::Response<Body>, Failure>,
    /// Resolves when the guest has finished (body written, or stopped): how the request ended.
    pub finished: BoxFuture<'static, Finished>,
}

/// How a request ended.
#[derive(Debug, Clone)]
pub struct Finished {
    /// `Ok` if the guest returned normally and no limit was exceeded.
    pub outcome: Result<(), Failure>,
    /// CPU time the request used (instantiation included).
    pub cpu: Duration,
    /// Time to instantiate the component, if it got that far.
    pub instantiate: Option<Duration>,
    /// Subrequests made.
    pub subrequests: u32,
    /// Largest linear memory, in bytes.
    pub memory_peak: u64,
}

/// Epoch ticks between two yields of a guest that computes without waiting.
const YIELD_EVERY_TICKS: u32 = 10;

type RunResult = Result<Result<Duration, wasmtime::Error>, tokio::time::error::Elapsed>;

impl WasmWorker {
    pub(crate) fn new(
        host: Arc<WasmHost>,
        pre: ProxyPre<State>,
        spec: crate::WorkerSpec<'_>,
        hash: Hash,
        from_cache: bool,
        load_time: Duration,
    ) -> Self {
        Self {
            host,
            pre,
            name: spec.name.into(),
            config: Arc::new(spec.env.iter().cloned().collect()),
            env: spec.env.into(),
            limits: spec.limits,
            hash,
            size: spec.binary.len(),
            from_cache,
            load_time,
        }
    }

    /// The worker's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// SHA-256 of the component binary.
    pub fn hash(&self) -> &Hash {
        &self.hash
    }
    /// Size of the component binary in bytes.
    pub fn size(&self) -> usize {
        self.size
    }
    /// Whether the compiled component came from the host's cache.
    pub fn from_cache(&self) -> bool {
        self.from_cache
    }
    /// Time spent compiling (or finding in the cache) and linking.
    pub fn load_time(&self) -> Duration {
        self.load_time
    }
    /// The limits of every request.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Serve one request on a fresh instance. The request's URI must be absolute (its scheme and
    /// authority are what the guest sees); `outbound` sends the guest's subrequests.
    pub async fn serve<B>(&self, request: http::Request<B>, outbound: Arc<dyn Outbound>) -> Served
    where
        B: http_body::Body<Data = Bytes> + Send + 'static,
        B::Error: std::fmt::Display,
    {
        let running = self.host.running();
        let meter = Arc::new(RequestMeter::new(&self.limits));
        let (state, logs) = State::new(&self.name, &self.env, &self.config, outbound, &meter);
        let mut store = Store::new(self.host.engine(), state);
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(1);
        let check = meter.clone();
        let mut ticks = 0u32;
        store.epoch_deadline_callback(move |_| {
            check
                .check()
                .map_err(|v| wasmtime::Error::new(LimitTrap(v)))?;
            // A long computation lets the shard's other requests run now and then; its CPU time is
            // still exact, as only this task's polls are charged to it.
            ticks = ticks.wrapping_add(1);
            Ok(if ticks.is_multiple_of(YIELD_EVERY_TICKS) {
                // tokio's yield lets the runtime poll its timers and sockets before coming back.
                UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now()))
            } else {
                UpdateDeadline::Continue(1)
            })
        });

        let scheme = match request.uri().scheme_str() {
            Some("http") => Scheme::Http,
            _ => Scheme::Https,
        };
        let request = request.map(|b| CountedBody::new(b, meter.clone()));
        let (tx, rx) = tokio::sync::oneshot::channel();
        let handles = store
            .data_mut()
            .http()
            .new_incoming_request(scheme, request)
            .and_then(|req| Ok((req, store.data_mut().http().new_response_outparam(tx)?)));
        let (req, out) = match handles {
            Ok(h) => h,
            Err(e) => {
                let failure = Failure::NoResponse(format!("invalid request: {e:#}"));
                let finished = finish(&meter, &logs, Ok(Ok(Duration::ZERO)), None);
                return Served {
                    head: Err(failure.clone()),
                    finished: Box::pin(async move {
                        Finished {
                            outcome: Err(failure),
                            ..finished
                        }
                    }),
                };
            }
        };

        let pre = self.pre.clone();
        let run = async move {
            // The ticker keeps going as long as this task may run guest code, even if nobody waits
            // for the response any more: the epoch callback is what stops a guest.
            let _running = running;
            let started = Instant::now();
            let proxy = pre.instantiate_async(&mut store).await?;
            let instantiate = started.elapsed();
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, req, out)
                .await?;
            // The store (and with it the instance's pool slot) is dropped here, as soon as the guest
            // returns.
            drop(store);
            Ok(instantiate)
        };
        let deadline = tokio::time::Instant::now() + self.limits.wall();
        let task = tokio::spawn(tokio::time::timeout_at(
            deadline,
            Metered::new(run, meter.clone()),
        ));
        let rest = {
            let meter = meter.clone();
            async move {
                let result = task.await.unwrap_or_else(|e| {
                    Ok(Err(wasmtime::Error::msg(format!(
                        "the guest's task failed: {e}"
                    ))))
                });
                let instantiate = match &result {
                    Ok(Ok(d)) => Some(*d),
                    _ => None,
                };
                finish(&meter, &logs, result, instantiate)
            }
        };

        match rx.await {
            // A limit exceeded before the head (say, a subrequest past the cap that the guest answered
            // with an error page) wins over what the guest says, as for JS workers.
            Ok(Ok(_)) if let Some(v) = meter.violation() => Served {
                head: Err(Failure::Limit(v)),
                finished: Box::pin(rest),
            },
            Ok(Ok(response)) => Served {
                head: Ok(response.map(|b| {
                    b.map_err(|e| -> crate::outbound::BoxError { format!("{e:?}").into() })
                        .boxed_unsync()
                })),
                finished: Box::pin(rest),
            },
            Ok(Err(code)) => Served {
                head: Err(Failure::NoResponse(format!(
                    "the worker answered with error {code:?}"
                ))),
                finished: Box::pin(rest),
            },
            // The guest's instance is gone without setting a response: it trapped, hit a limit, or
            // returned without answering.
            Err(_) => {
                let finished = rest.await;
                let failure = match &finished.outcome {
                    Err(f) => f.clone(),
                    Ok(()) => Failure::NoResponse(
                        "the handler returned without setting a response".into(),
                    ),
                };
                Served {
                    head: Err(failure),
                    finished: Box::pin(std::future::ready(finished)),
                }
            }
        }
    }
}

/// Sum up a request: a recorded violation wins over whatever error it caused in the guest.
fn finish(
    meter: &RequestMeter,
    logs: &Logs,
    result: RunResult,
    instantiate: Option<Duration>,
) -> Finished {
    logs.finish();
    let outcome = match (meter.violation(), result) {
        (Some(v), _) => Err(Failure::Limit(v)),
        (None, Ok(Ok(_))) => Ok(()),
        (None, Ok(Err(e))) => Err(classify(e)),
        (None, Err(_elapsed)) => Err(Failure::Limit(meter.wall_exceeded())),
    };
    Finished {
        outcome,
        cpu: meter.cpu_used(),
        instantiate,
        subrequests: meter.subrequests(),
        memory_peak: meter.memory_peak(),
    }
}

fn classify(e: wasmtime::Error) -> Failure {
    if let Some(LimitTrap(v)) = e.downcast_ref::<LimitTrap>() {
        return Failure::Limit(v.clone());
    }
    if e.downcast_ref::<wasmtime::PoolConcurrencyLimitError>()
        .is_some()
    {
        return Failure::Busy(format!("{e:#}"));
    }
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Failure::Trap(format!("the guest exited with status {}", exit.0));
    }
    Failure::Trap(format!("{e:?}"))
}
