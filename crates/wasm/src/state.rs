//! What one request's store holds: WASI context (env, stdio to the log; no files, no sockets), the
//! worker's vars and secrets for `wasi:config/store`, the resource table, wasi:http context and hooks, and
//! the memory limiter.

use crate::limiter::MemoryLimiter;
use crate::log::{LogStream, Stream};
use crate::meter::RequestMeter;
use crate::outbound::{Hooks, Outbound};
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_config::{WasiConfig, WasiConfigVariables};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// The `T` of `Store<T>` for a request.
pub(crate) struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: Hooks,
    config: Arc<WasiConfigVariables>,
    pub(crate) limiter: MemoryLimiter,
}

/// The guest's two log streams, kept to log an unfinished last line when the request ends.
pub(crate) struct Logs {
    pub(crate) stdout: LogStream,
    pub(crate) stderr: LogStream,
}

impl Logs {
    pub(crate) fn finish(&self) {
        self.stdout.finish();
        self.stderr.finish();
    }
}

impl State {
    pub(crate) fn new(
        worker: &Arc<str>,
        env: &[(String, String)],
        config: &Arc<WasiConfigVariables>,
        outbound: Arc<dyn Outbound>,
        meter: &Arc<RequestMeter>,
    ) -> (Self, Logs) {
        let logs = Logs {
            stdout: LogStream::new(worker.clone(), Stream::Stdout),
            stderr: LogStream::new(worker.clone(), Stream::Stderr),
        };
        // No preopened directories, no network access, no host environment: only what is set here.
        let wasi = WasiCtx::builder()
            .envs(env)
            .stdout(logs.stdout.clone())
            .stderr(logs.stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let state = Self {
            wasi,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            hooks: Hooks {
                worker: worker.clone(),
                outbound,
                meter: meter.clone(),
            },
            config: config.clone(),
            limiter: MemoryLimiter::new(meter.clone()),
        };
        (state, logs)
    }
}

impl State {
    /// `wasi:config/store`: the worker's vars and secrets.
    pub(crate) fn config(&mut self) -> WasiConfig<'_> {
        WasiConfig::from(&*self.config)
    }
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
