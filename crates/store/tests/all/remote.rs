//! The conformance suite on the remote backend: a real hyper server on loopback serving a memory or an
//! embedded store, and a `RemoteStore` client.

use crate::conformance::{next, t};
use bytes::Bytes;
use futures::StreamExt;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use verge_store::remote::{ServeOptions, serve_with};
use verge_store::{
    Change, EmbeddedStore, MemoryStore, RemoteOptions, RemoteStore, Store, StoreError,
};

const TOKEN: &str = "test-token";

/// A server task; dropping it (or [`Server::kill`]) closes the listener and every open connection.
pub struct Server {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serve `store` under `/store` on `addr` (port 0: any), checking the bearer token as a control plane would.
    pub async fn start(store: Arc<dyn Store>, addr: SocketAddr, heartbeat: Duration) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let options = Arc::new(
            ServeOptions::default()
                .with_prefix("/store")
                .with_heartbeat(heartbeat),
        );
        let task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let store = store.clone();
                let options = options.clone();
                conns.spawn(async move {
                    let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let store = store.clone();
                        let options = options.clone();
                        async move {
                            let authorised = req
                                .headers()
                                .get(http::header::AUTHORIZATION)
                                .is_some_and(|v| v == &format!("Bearer {TOKEN}")[..]);
                            if !authorised {
                                let mut r =
                                    http::Response::new(verge_store::remote::Body::default());
                                *r.status_mut() = http::StatusCode::UNAUTHORIZED;
                                return Ok::<_, std::convert::Infallible>(r);
                            }
                            Ok(serve_with(store, req, &options).await)
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Server { addr, task }
    }

    pub fn kill(&self) {
        self.task.abort();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn client(addr: SocketAddr, token: &str) -> RemoteStore {
    let options = RemoteOptions::default()
        .with_request_timeout(Duration::from_secs(5))
        .with_connect_timeout(Duration::from_secs(2))
        .with_watch_idle_timeout(Duration::from_secs(2));
    RemoteStore::with_options(&format!("http://{addr}/store/"), token, options).unwrap()
}

async fn over_memory() -> Option<(Arc<dyn Store>, Server)> {
    let server = Server::start(
        Arc::new(MemoryStore::new()),
        "127.0.0.1:0".parse().unwrap(),
        Duration::from_secs(10),
    )
    .await;
    Some((Arc::new(client(server.addr, TOKEN)), server))
}

async fn over_embedded() -> Option<(Arc<dyn Store>, (Server, tempfile::TempDir))> {
    let dir = tempfile::tempdir().unwrap();
    let store = EmbeddedStore::open(dir.path()).unwrap();
    let server = Server::start(
        Arc::new(store),
        "127.0.0.1:0".parse().unwrap(),
        Duration::from_secs(10),
    )
    .await;
    Some((Arc::new(client(server.addr, TOKEN)), (server, dir)))
}

mod memory_backed {
    use super::over_memory;
    crate::conformance::conformance_tests!(over_memory());
}

mod embedded_backed {
    use super::over_embedded;
    crate::conformance::conformance_tests!(over_embedded());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_is_refused() {
    let (_, server) = over_memory().await.unwrap();
    let s = client(server.addr, "wrong");
    match t(s.put("b", "k", Bytes::from("v"))).await {
        Err(StoreError::Backend(m)) => assert!(m.contains("401"), "{m}"),
        other => panic!("{other:?}"),
    }
    let s = client(server.addr, "");
    assert!(t(s.get("b", "k")).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_then_restarted() {
    let backing: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let server = Server::start(
        backing.clone(),
        "127.0.0.1:0".parse().unwrap(),
        Duration::from_millis(500),
    )
    .await;
    let addr = server.addr;
    let s = client(addr, TOKEN);
    t(s.put("b", "k", Bytes::from("1"))).await.unwrap();
    let mut w = t(s.watch("b")).await.unwrap();
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.key == "k"));

    // Heartbeats keep an idle watch alive past the client's idle timeout (2 s, pings every 0.5 s).
    let quiet = tokio::time::timeout(Duration::from_secs(3), w.next()).await;
    assert!(quiet.is_err(), "idle watch yielded {quiet:?}");

    server.kill();
    let started = Instant::now();
    match tokio::time::timeout(Duration::from_secs(5), w.next()).await {
        Ok(Some(Err(StoreError::Unavailable(_))) | None) => {}
        other => panic!("watch after the server died: {other:?}"),
    }
    assert!(t(w.next()).await.is_none(), "watch goes on after its error");
    for _ in 0..3 {
        match t(s.get("b", "k")).await {
            Err(StoreError::Unavailable(m)) => assert!(m.contains("get b/k"), "{m}"),
            other => panic!("get with the server dead: {other:?}"),
        }
    }
    assert!(matches!(
        t(s.watch("b")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "failing took {:?}",
        started.elapsed()
    );

    let _server = Server::start(backing, addr, Duration::from_secs(10)).await;
    assert_eq!(t(s.get("b", "k")).await.unwrap().unwrap().value, "1");
    let mut w = t(s.watch("b")).await.unwrap();
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.key == "k"));
}

/// Time from a write's return to its arrival on a watch, over loopback HTTP (printed; bounded loosely).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_latency() {
    let (s, _server) = over_memory().await.unwrap();
    let mut w = t(s.watch("lat")).await.unwrap();
    let mut times = Vec::new();
    for i in 0..200 {
        let start = Instant::now();
        t(s.put("lat", "k", Bytes::from(i.to_string())))
            .await
            .unwrap();
        next(&mut w).await;
        times.push(start.elapsed());
    }
    times.sort();
    let (p50, p99) = (times[100], times[197]);
    println!("remote put + watch delivery over loopback: p50 {p50:?}, p99 {p99:?}");
    assert!(p50 < Duration::from_millis(50), "p50 {p50:?}");
}
