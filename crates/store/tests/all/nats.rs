//! The conformance suite on the NATS backend against a real `nats-server -js` started per test on a free
//! loopback port with a temporary store dir; plus the server being killed and restarted.
//!
//! Without nats-server the tests fail when `CI` is set and are skipped (with a message) otherwise. Set
//! `NATS_SERVER` to use another binary.

use crate::conformance::{next, t};
use bytes::Bytes;
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};
use verge_store::{Change, NatsOptions, NatsStore, Store, StoreError};

fn binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("NATS_SERVER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/bin")])
        .map(|d| d.join("nats-server"))
        .find(|p| p.is_file())
}

/// A running `nats-server -js`, killed on drop.
pub struct NatsServer {
    child: tokio::process::Child,
    pub port: u16,
    pub url: String,
}

impl NatsServer {
    /// Start a server on `port` (0: a free one) storing in `dir`; `None` when nats-server is not installed
    /// (and `CI` is not set).
    pub async fn start(port: u16, dir: &Path) -> Option<Self> {
        let Some(bin) = binary() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "nats-server is not installed (scripts/setup.d/20-nats-server.sh installs it)"
            );
            eprintln!(
                "skipped: nats-server is not installed (scripts/setup.d/20-nats-server.sh installs it)"
            );
            return None;
        };
        let port = if port == 0 {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        } else {
            port
        };
        let log = std::fs::File::create(dir.join("nats.log")).unwrap();
        let child = tokio::process::Command::new(&bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let deadline = Instant::now() + Duration::from_secs(15);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("nats.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Some(Self {
            child,
            port,
            url: format!("nats://127.0.0.1:{port}"),
        })
    }

    pub async fn kill(mut self) {
        self.child.kill().await.unwrap();
    }
}

fn options() -> NatsOptions {
    NatsOptions::default()
        .with_op_timeout(Duration::from_secs(3))
        .with_connect_timeout(Duration::from_secs(2))
}

async fn make() -> Option<(Arc<dyn Store>, (NatsServer, tempfile::TempDir))> {
    let dir = tempfile::tempdir().unwrap();
    let server = NatsServer::start(0, dir.path()).await?;
    let store = NatsStore::connect_with(&server.url, "verge", options())
        .await
        .unwrap();
    Some((Arc::new(store), (server, dir)))
}

crate::conformance::conformance_tests!(make());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_to_nothing_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let r = t(NatsStore::connect_with(
        &format!("nats://127.0.0.1:{port}"),
        "verge",
        options(),
    ))
    .await;
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(
        NatsStore::connect_with("nats://127.0.0.1:1", "bad prefix!", options()).await,
        Err(StoreError::InvalidName(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_killed_then_restarted() {
    let dir = tempfile::tempdir().unwrap();
    let Some(server) = NatsServer::start(0, dir.path()).await else {
        return;
    };
    let (port, url) = (server.port, server.url.clone());
    let s = NatsStore::connect_with(&url, "verge", options())
        .await
        .unwrap();
    let r1 = t(s.put("b", "k", Bytes::from("1"))).await.unwrap();
    t(s.put_blob("bundle", Bytes::from("blob"))).await.unwrap();
    let mut w = t(s.watch("b")).await.unwrap();
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.key == "k"));

    server.kill().await;
    let started = Instant::now();
    match tokio::time::timeout(Duration::from_secs(10), w.next()).await {
        Ok(Some(Err(StoreError::Unavailable(_))) | None) => {}
        other => panic!("watch after nats-server died: {other:?}"),
    }
    match t(s.get("b", "k")).await {
        Err(StoreError::Unavailable(m)) => assert!(m.contains("get b/k"), "{m}"),
        other => panic!("get with nats-server dead: {other:?}"),
    }
    assert!(matches!(
        t(s.put("b", "k", Bytes::new())).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        t(s.update("b", "k", Bytes::new(), r1)).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        t(s.delete("b", "k")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        t(s.keys("b")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        t(s.watch("b")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        t(s.get_blob("bundle")).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        t(s.put_blob("other", Bytes::new())).await,
        Err(StoreError::Unavailable(_))
    ));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(15), "failing took {took:?}");

    let _server = NatsServer::start(port, dir.path()).await.unwrap();
    let started = Instant::now();
    let e = loop {
        match t(s.get("b", "k")).await {
            Ok(e) => break e,
            Err(StoreError::Unavailable(_)) if started.elapsed() < Duration::from_secs(30) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("after restart: {e}"),
        }
    };
    println!(
        "store usable again {:?} after nats-server restarted",
        started.elapsed()
    );
    let e = e.unwrap();
    assert_eq!((&e.value[..], e.revision), (&b"1"[..], r1));
    let mut w = t(s.watch("b")).await.unwrap();
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.key == "k"));
    let r2 = t(s.update("b", "k", Bytes::from("2"), r1)).await.unwrap();
    assert!(r2 > r1);
    assert!(matches!(next(&mut w).await, Change::Put(e) if e.revision == r2));
    assert_eq!(t(s.get_blob("bundle")).await.unwrap().unwrap(), "blob");
}

/// Time from a write's return to its arrival on a watch (printed; bounded loosely).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_latency() {
    let Some((s, _guard)) = make().await else {
        return;
    };
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
    println!("nats put + watch delivery: p50 {p50:?}, p99 {p99:?}");
    assert!(p50 < Duration::from_millis(100), "p50 {p50:?}");
}
