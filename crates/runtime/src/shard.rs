//! A shard: one thread's share of a node — its warm isolates and its outbound connections.

use crate::limits::ViolationCounters;
use crate::outbound::{Gateway, GatewayConfig};
use crate::pool::IsolatePool;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use verge_cache::{CacheStore, MemoryCache};

/// How shards behave.
#[derive(Debug, Clone)]
pub struct ShardConfig {
    /// Development mode: error responses carry the exception's message and stack.
    pub dev: bool,
    /// Idle isolates kept warm per worker on each shard.
    pub max_idle_per_worker: usize,
    /// Isolates a worker may have on one shard at once (busy or idle); more concurrent requests wait.
    pub max_live_per_worker: usize,
    /// Idle isolates a shard keeps in all workers together; past it the least recently used worker's
    /// idle isolates are evicted (its next request starts cold).
    pub max_idle_isolates: usize,
    /// Blank isolates (prelude installed, no worker) each shard keeps ready for workers' first requests.
    pub blank_isolates: usize,
    /// Outbound connections.
    pub gateway: GatewayConfig,
    /// `request.cf` of every request (the protocol is filled in per request).
    pub cf: Arc<serde_json::Map<String, serde_json::Value>>,
}

impl Default for ShardConfig {
    fn default() -> Self {
        Self {
            dev: false,
            max_idle_per_worker: 8,
            max_live_per_worker: 32,
            max_idle_isolates: 1024,
            blank_isolates: 2,
            gateway: GatewayConfig::default(),
            cf: Arc::new(crate::cf::dev_default()),
        }
    }
}

/// What every shard of a node shares.
#[derive(Clone)]
pub struct NodeShared {
    /// Limit violations, counted per kind.
    pub violations: Arc<ViolationCounters>,
    /// The node's HTTP cache (the Cache API's store).
    pub cache: Arc<dyn CacheStore>,
}

impl NodeShared {
    /// Shared state with an in-memory cache of `cache_bytes`.
    pub fn new(cache_bytes: usize) -> Self {
        Self {
            violations: Arc::default(),
            cache: Arc::new(MemoryCache::new(cache_bytes)),
        }
    }
}

/// One shard's state. Lives on its thread (isolates are not `Send`).
pub struct Shard {
    /// Which shard.
    pub id: usize,
    /// Configuration.
    pub config: ShardConfig,
    pub(crate) pool: RefCell<IsolatePool>,
    pub(crate) gateway: Gateway,
    pub(crate) shared: NodeShared,
    refilling: Cell<bool>,
    /// `request.cf` as JSON, made once per HTTP version (it differs only in `httpProtocol`).
    cf_json: RefCell<Vec<(http::Version, Rc<str>)>>,
}

impl Shard {
    /// A shard with an empty pool, sharing `shared` with the node's other shards.
    pub fn new(id: usize, config: ShardConfig, shared: NodeShared) -> Self {
        Self {
            id,
            pool: RefCell::new(
                IsolatePool::new(config.max_idle_per_worker, config.max_live_per_worker)
                    .with_idle_limit(config.max_idle_isolates),
            ),
            gateway: Gateway::new(config.gateway.clone()),
            config,
            shared,
            refilling: Cell::new(false),
            cf_json: RefCell::default(),
        }
    }

    /// The `request.cf` JSON of a request made with `version`.
    pub fn cf_json(&self, version: http::Version) -> Rc<str> {
        let mut made = self.cf_json.borrow_mut();
        if let Some((_, json)) = made.iter().find(|(v, _)| *v == version) {
            return json.clone();
        }
        let json: Rc<str> = crate::cf::for_request(&self.config.cf, version).into();
        made.push((version, json.clone()));
        json
    }

    /// Make blank isolates in the background until `blank_isolates` are ready. Each one is made in a task of
    /// its own, after yielding, so requests already waiting on this shard go first.
    pub fn refill_blanks(self: &Rc<Self>) {
        if self.refilling.get() || self.pool.borrow().blank_count() >= self.config.blank_isolates {
            return;
        }
        self.refilling.set(true);
        let shard = self.clone();
        tokio::task::spawn_local(async move {
            while shard.pool.borrow().blank_count() < shard.config.blank_isolates {
                tokio::task::yield_now().await;
                match crate::pool::make_blank() {
                    Ok(blank) => shard.pool.borrow_mut().add_blank(blank),
                    Err(e) => {
                        tracing::error!(shard = shard.id, "cannot make a blank isolate: {e}");
                        break;
                    }
                }
            }
            shard.refilling.set(false);
        });
    }

    /// Count a limit violation of `worker`, node-wide and for the worker.
    pub fn record_violation(&self, worker: &crate::Worker, kind: verge_core::ViolationKind) {
        self.shared.violations.record(kind);
        worker.stats().violation(kind);
    }

    /// Idle isolates evicted on this shard to stay within `max_idle_isolates`.
    pub fn evictions(&self) -> u64 {
        self.pool.borrow().evictions()
    }

    /// Idle isolates on this shard.
    pub fn idle_isolates(&self) -> usize {
        self.pool.borrow().idle_count()
    }
}
