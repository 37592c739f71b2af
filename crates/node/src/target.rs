//! Which worker serves a request.

use arc_swap::ArcSwap;
use std::net::IpAddr;
use std::sync::Arc;
use verge_runtime::{LoadError, Worker};

/// What routing looks at.
#[derive(Debug, Clone, Copy)]
pub struct RouteRequest<'a> {
    /// The `Host` (may carry a port).
    pub host: &'a str,
    /// The path.
    pub path: &'a str,
    /// The client's address (keeps a client on one version during a gradual rollout).
    pub client: IpAddr,
}

/// The outcome of routing a request.
pub enum Resolved {
    /// This worker serves it.
    Worker(Arc<Worker>),
    /// The worker meant to serve it failed to load.
    Failed(Arc<LoadError>),
    /// A route with an origin and no worker: proxy to the origin (through the cache).
    Proxy(Arc<str>),
    /// Nothing serves it.
    NoRoute,
}

/// Routes requests to workers. Shared by every shard.
pub trait Target: Send + Sync + 'static {
    /// The worker for a request.
    fn resolve(&self, request: &RouteRequest<'_>) -> Resolved;
}

/// One worker answers everything (`verge dev`). Swapping it in is atomic: a request sees the old or the new
/// version, never a mix.
pub struct SingleWorker {
    current: ArcSwap<Result<Arc<Worker>, Arc<LoadError>>>,
}

impl SingleWorker {
    /// Start with `initial`.
    pub fn new(initial: Result<Worker, LoadError>) -> Self {
        Self {
            current: ArcSwap::from_pointee(initial.map(Arc::new).map_err(Arc::new)),
        }
    }

    /// Serve `worker` from now on.
    pub fn replace(&self, worker: Worker) {
        self.current.store(Arc::new(Ok(Arc::new(worker))));
    }

    /// Record that loading failed and nothing good was ever served.
    pub fn set_failed(&self, error: LoadError) {
        self.current.store(Arc::new(Err(Arc::new(error))));
    }

    /// Whether a good version is being served.
    pub fn has_worker(&self) -> bool {
        self.current.load().is_ok()
    }
}

impl Target for SingleWorker {
    fn resolve(&self, _request: &RouteRequest<'_>) -> Resolved {
        match &**self.current.load() {
            Ok(w) => Resolved::Worker(w.clone()),
            Err(e) => Resolved::Failed(e.clone()),
        }
    }
}
