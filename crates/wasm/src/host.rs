//! The process's WebAssembly host: one wasmtime engine for every Wasm worker, the linker with what a
//! worker may import, the epoch ticker, and compiled components cached by content hash.

use crate::config::EngineConfig;
use crate::error::{Error, Result};
use crate::state::State;
use crate::worker::{WasmWorker, WorkerSpec};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::Thread;
use std::time::{Duration, Instant};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};
use wasmtime_wasi_http::p2::bindings::ProxyPre;

/// A content hash of a component binary.
pub type Hash = [u8; 32];

/// Compiled components by hash, oldest evicted first.
#[derive(Default)]
struct Cache {
    map: HashMap<Hash, Component>,
    order: VecDeque<Hash>,
}

/// The engine, linker, ticker and component cache. Cheap to share (`Arc`), `Send + Sync`.
pub struct WasmHost {
    engine: Engine,
    linker: Linker<State>,
    config: EngineConfig,
    cache: Mutex<Cache>,
    ticker: Arc<Ticker>,
}

impl std::fmt::Debug for WasmHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmHost")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

fn engine_config(c: &EngineConfig) -> Config {
    let mut config = Config::new();
    config
        .cranelift_opt_level(OptLevel::Speed)
        .epoch_interruption(true)
        .wasm_component_model(true)
        .max_wasm_stack(c.max_wasm_stack);
    if c.pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(c.max_instances)
            .total_core_instances(
                c.max_instances
                    .saturating_mul(c.max_core_instances_per_component),
            )
            .max_core_instances_per_component(c.max_core_instances_per_component)
            .total_memories(c.max_instances.saturating_mul(c.max_memories_per_component))
            .max_memories_per_component(c.max_memories_per_component)
            .total_tables(
                c.max_instances
                    .saturating_mul(c.max_core_instances_per_component),
            )
            .total_stacks(c.max_instances)
            .max_memory_size(c.max_memory_bytes)
            .linear_memory_keep_resident(c.keep_resident_bytes)
            .table_keep_resident(64 * 1024);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

fn linker(engine: &Engine) -> wasmtime::Result<Linker<State>> {
    use wasmtime_wasi::cli::{WasiCli, WasiCliView as _};
    let mut linker = Linker::new(engine);
    // wasi:http/proxy: clocks, random, stdio, wasi:io, wasi:http types + outgoing-handler.
    wasmtime_wasi_http::p2::add_to_linker_async(&mut linker)?;
    // The worker's vars and secrets (wasi:cli/environment) and a way to stop (wasi:cli/exit). No
    // filesystem, no sockets.
    wasmtime_wasi::p2::bindings::cli::environment::add_to_linker::<State, WasiCli>(
        &mut linker,
        State::cli,
    )?;
    wasmtime_wasi::p2::bindings::cli::exit::add_to_linker::<State, WasiCli>(
        &mut linker,
        State::cli,
    )?;
    // The same vars and secrets as wasi:config/store (what Spin's variables map to).
    wasmtime_wasi_config::add_to_linker(&mut linker, State::config)?;
    Ok(linker)
}

impl WasmHost {
    /// Set up the engine (this reserves the pooling allocator's address space) and start the ticker.
    pub fn new(config: EngineConfig) -> Result<Arc<Self>> {
        let engine =
            Engine::new(&engine_config(&config)).map_err(|e| Error::Engine(format!("{e:#}")))?;
        let linker = linker(&engine).map_err(|e| Error::Engine(format!("{e:#}")))?;
        let ticker = Ticker::start(&engine, config.epoch_tick)?;
        Ok(Arc::new(Self {
            engine,
            linker,
            config,
            cache: Mutex::default(),
            ticker,
        }))
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The settings the host was made with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Compile (or take from the cache) and link a worker's component.
    pub fn load(self: &Arc<Self>, spec: WorkerSpec<'_>) -> Result<WasmWorker> {
        let started = Instant::now();
        let hash: Hash = Sha256::digest(spec.binary).into();
        let (component, cached) = self.component(&hash, spec.binary)?;
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| Error::Link(format!("{e:#}")))?;
        let pre = ProxyPre::new(instance_pre).map_err(|e| Error::Link(format!("{e:#}")))?;
        Ok(WasmWorker::new(
            self.clone(),
            pre,
            spec,
            hash,
            cached,
            started.elapsed(),
        ))
    }

    fn component(&self, hash: &Hash, binary: &[u8]) -> Result<(Component, bool)> {
        if let Some(c) = self.lock_cache().map.get(hash) {
            return Ok((c.clone(), true));
        }
        if !is_component(binary) {
            return Err(Error::Compile(
                "expected a WebAssembly component (a core module must first be made a component, e.g. \
                 with wit-component and a WASI adapter)"
                    .into(),
            ));
        }
        let component =
            Component::new(&self.engine, binary).map_err(|e| Error::Compile(format!("{e:#}")))?;
        let mut cache = self.lock_cache();
        if cache.map.insert(*hash, component.clone()).is_none() {
            cache.order.push_back(*hash);
        }
        while cache.order.len() > self.config.cache_entries.max(1) {
            if let Some(old) = cache.order.pop_front() {
                cache.map.remove(&old);
            }
        }
        Ok((component, false))
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Components in the cache.
    pub fn cached_components(&self) -> usize {
        self.lock_cache().map.len()
    }

    /// Requests whose guest may be running now (instances alive).
    pub fn running_guests(&self) -> usize {
        self.ticker.active.load(Ordering::Acquire)
    }

    /// Keep the epoch ticking while the returned guard lives (a guest may be running).
    pub(crate) fn running(&self) -> Running {
        self.ticker.enter()
    }
}

/// The binary starts with the component header (`\0asm`, layer 1), not a core module's.
fn is_component(binary: &[u8]) -> bool {
    binary.len() >= 8 && binary[..4] == *b"\0asm" && binary[6..8] == [1, 0]
}

/// Advances the engine's epoch every tick while any guest may be running; parks otherwise.
struct Ticker {
    active: AtomicUsize,
    thread: Thread,
}

/// A request that may run guest code; the ticker runs while any exists.
pub(crate) struct Running(Arc<Ticker>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Ticker {
    fn start(engine: &Engine, tick: Duration) -> Result<Arc<Self>> {
        let weak = engine.weak();
        let (tx, rx) = std::sync::mpsc::channel::<Arc<Ticker>>();
        let handle = std::thread::Builder::new()
            .name("verge-wasm-epoch".into())
            .spawn(move || {
                let Ok(ticker) = rx.recv() else { return };
                let ticker = Arc::downgrade(&ticker);
                loop {
                    let Some(t) = ticker.upgrade() else { return };
                    let idle = t.active.load(Ordering::Acquire) == 0;
                    drop(t);
                    if idle {
                        std::thread::park_timeout(Duration::from_secs(1));
                        continue;
                    }
                    std::thread::sleep(tick);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => return,
                    }
                }
            })
            .map_err(|e| Error::Engine(format!("cannot start the epoch thread: {e}")))?;
        let ticker = Arc::new(Self {
            active: AtomicUsize::new(0),
            thread: handle.thread().clone(),
        });
        tx.send(ticker.clone())
            .map_err(|_| Error::Engine("the epoch thread stopped".into()))?;
        Ok(ticker)
    }

    fn enter(self: &Arc<Self>) -> Running {
        if self.active.fetch_add(1, Ordering::AcqRel) == 0 {
            self.thread.unpark();
        }
        Running(self.clone())
    }
}
