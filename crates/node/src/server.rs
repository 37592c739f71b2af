//! Starting a node: shard threads, accept loops, HTTP/1.1 and HTTP/2 connections, request → worker.

use crate::listener::bind_shared;
use crate::target::{Resolved, RouteRequest, Target};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

/// How long after a shard starts it begins making blank isolates.
const BLANKS_AFTER_START: Duration = Duration::from_millis(100);
use verge_runtime::invoke::{error_response, hops, invoke, load_error_response};
use verge_runtime::{NodeShared, Shard, ShardConfig};
use verge_web::Body;

/// Native stack of a shard thread; QuickJS's own stack limit (per worker) sits well inside it.
const SHARD_STACK: usize = 32 << 20;

/// How a node runs.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// Shard threads (default: one per core).
    pub shards: usize,
    /// Shard behaviour.
    pub shard: ShardConfig,
    /// Longest a client may take to send its request head.
    pub header_read_timeout: Duration,
    /// Bytes the node's HTTP cache (the Cache API's store) may hold.
    pub cache_bytes: usize,
    /// Most times a request may pass through verge (its `CDN-Loop` header) before it is refused with 508:
    /// stops a worker or proxy whose origin leads back to the platform.
    pub max_hops: usize,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8787)),
            shards: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            shard: ShardConfig::default(),
            header_read_timeout: Duration::from_secs(30),
            cache_bytes: 64 << 20,
            max_hops: 8,
        }
    }
}

/// Errors starting a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// A shard thread could not start.
    #[error("cannot start shard thread: {0}")]
    Thread(std::io::Error),
}

/// A running node.
pub struct Node {
    addr: SocketAddr,
    threads: Vec<std::thread::JoinHandle<()>>,
    shared: NodeShared,
}

impl Node {
    /// Bind and start serving `target` on `config.shards` shard threads.
    pub fn start(config: NodeConfig, target: Arc<dyn Target>) -> Result<Self, NodeError> {
        let listeners =
            bind_shared(config.addr, config.shards).map_err(|source| NodeError::Bind {
                addr: config.addr,
                source,
            })?;
        let addr = listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .unwrap_or(config.addr);
        let shared = NodeShared::new(config.cache_bytes);
        let mut threads = Vec::new();
        for (id, listener) in listeners.into_iter().enumerate() {
            let target = target.clone();
            let config = config.clone();
            let shared = shared.clone();
            let t = std::thread::Builder::new()
                .name(format!("verge-shard-{id}"))
                .stack_size(SHARD_STACK)
                .spawn(move || shard_main(id, listener, config, target, shared))
                .map_err(NodeError::Thread)?;
            threads.push(t);
        }
        Ok(Self {
            addr,
            threads,
            shared,
        })
    }

    /// The address the node listens on (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The node-wide violation counters.
    pub fn violation_counters(&self) -> Arc<verge_runtime::limits::ViolationCounters> {
        self.shared.violations.clone()
    }

    /// Limit violations so far, by code.
    pub fn violations(&self) -> Vec<(&'static str, u64)> {
        self.shared.violations.snapshot()
    }

    /// Block until every shard stops (they run until the process ends).
    pub fn join(self) {
        for t in self.threads {
            let _ = t.join();
        }
    }
}

fn shard_main(
    id: usize,
    listener: std::net::TcpListener,
    config: NodeConfig,
    target: Arc<dyn Target>,
    shared: NodeShared,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(shard = id, "cannot start shard runtime: {e}");
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let listener = match tokio::net::TcpListener::from_std(listener) {
            Ok(l) => l,
            Err(e) => {
                tracing::error!(shard = id, "cannot use listener: {e}");
                return;
            }
        };
        let shard = Rc::new(Shard::new(id, config.shard.clone(), shared));
        // Blanks are made once start-up is over: made at once, they would compete for the cores with the
        // first requests (which make their own isolates when no blank is ready, at the same cost).
        let warm = shard.clone();
        tokio::task::spawn_local(async move {
            tokio::time::sleep(BLANKS_AFTER_START).await;
            warm.refill_blanks();
        });
        let config = Rc::new(config);
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(shard = id, "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let (shard, target, config) = (shard.clone(), target.clone(), config.clone());
            tokio::task::spawn_local(async move {
                let max_hops = config.max_hops;
                let service = hyper::service::service_fn(move |req| {
                    let (shard, target) = (shard.clone(), target.clone());
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            handle(shard, target, req, peer, max_hops).await,
                        )
                    }
                });
                let mut builder = auto::Builder::new(LocalExec);
                builder
                    .http1()
                    .timer(TokioTimer::new())
                    .header_read_timeout(config.header_read_timeout);
                if let Err(e) = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(%peer, "connection ended: {e}");
                }
            });
        }
    });
}

/// Runs a connection's HTTP/2 streams on the shard's own thread.
#[derive(Clone, Copy)]
struct LocalExec;

impl<F> hyper::rt::Executor<F> for LocalExec
where
    F: std::future::Future + 'static,
{
    fn execute(&self, fut: F) {
        tokio::task::spawn_local(fut);
    }
}

async fn handle(
    shard: Rc<Shard>,
    target: Arc<dyn Target>,
    req: http::Request<Incoming>,
    peer: SocketAddr,
    max_hops: usize,
) -> http::Response<Body> {
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".to_owned());
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let url = format!("http://{host}{path_and_query}");
    let seen = hops(req.headers());
    if seen >= max_hops {
        tracing::warn!(%host, hops = seen, "request refused: it looped through verge");
        return error_response(
            508,
            "loop-detected",
            &format!(
                "The request passed through verge {seen} times (limit {max_hops}): its route's origin leads back here"
            ),
        );
    }
    let route = RouteRequest {
        host: &host,
        path: req.uri().path(),
        client: peer.ip(),
    };
    match target.resolve(&route) {
        Resolved::Worker(worker) => {
            let req = req.map(|b| b.map_err(Into::into).boxed_unsync());
            let stats = worker.stats().clone();
            let response = invoke(shard, worker, req, url).await;
            stats.response(response.status().as_u16());
            response
        }
        Resolved::Proxy(origin) => {
            let req = req.map(|b| b.map_err(Into::into).boxed_unsync());
            verge_runtime::proxy::proxy(shard, &origin, req, &url).await
        }
        Resolved::Failed(e) => load_error_response(&e),
        Resolved::NoRoute => {
            error_response(404, "no-route", &format!("No worker is routed for {host}"))
        }
    }
}
