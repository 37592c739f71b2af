//! A node following a platform configuration in a store: routes, versions, gradual rollouts, failed
//! deploys, origins and proxies, over real HTTP on loopback. (Multi-process clusters are tested from the CLI.)

// Test helpers outside #[test] functions: a failed set-up step should panic with its error.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper_util::rt::TokioIo;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use verge_core::platform::{
    CONFIG_BUCKET, CONFIG_KEY, POPS_BUCKET, PlatformConfig, PopStatus, ProxyRoute, VersionShare,
    WorkerDeployment, bundle_blob,
};
use verge_core::{Bundle, Manifest, ModuleKind, SourceModule};
use verge_node::sync::{PopInfo, SyncConfig, SyncState};
use verge_node::{Node, NodeConfig, PlatformTarget};
use verge_store::{MemoryStore, Store};

struct Platform {
    store: Arc<MemoryStore>,
    node: SocketAddr,
    state: Arc<SyncState>,
    config: PlatformConfig,
    _rt: tokio::runtime::Runtime,
}

fn bundle(name: &str, source: &str) -> Bundle {
    let mut modules = BTreeMap::new();
    modules.insert(
        "worker.js".to_owned(),
        SourceModule {
            path: "worker.js".into(),
            kind: ModuleKind::JavaScript,
            source: source.into(),
        },
    );
    Bundle {
        manifest: Manifest::for_script(name, "worker.js"),
        secrets: BTreeMap::new(),
        modules,
        binaries: BTreeMap::new(),
    }
}

fn start() -> Platform {
    let store = Arc::new(MemoryStore::new());
    let target = Arc::new(PlatformTarget::new());
    let node = Node::start(
        NodeConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            shards: 1,
            ..NodeConfig::default()
        },
        target.clone(),
    )
    .unwrap();
    let addr = node.local_addr();
    std::mem::forget(node);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_stack_size(32 << 20)
        .enable_all()
        .build()
        .unwrap();
    let state = Arc::new(SyncState::default());
    rt.spawn(verge_node::sync::run(
        store.clone(),
        target,
        SyncConfig {
            pop: PopInfo {
                id: "tst-1".into(),
                region: "tst".into(),
                lat: 1.0,
                lon: 2.0,
                http: addr.to_string(),
                admin: String::new(),
            },
            domain: "verge.localhost".into(),
            secret_key: None,
            heartbeat: Duration::from_millis(200),
            retry: Duration::from_millis(100),
            cache_dir: None,
        },
        state.clone(),
    ));
    Platform {
        store,
        node: addr,
        state,
        config: PlatformConfig::default(),
        _rt: rt,
    }
}

impl Platform {
    /// Store `source` as a bundle and return its hash.
    fn upload(&self, name: &str, source: &str) -> String {
        let b = bundle(name, source);
        let hash = b.hash();
        block(
            self.store
                .put_blob(&bundle_blob(&hash), Bytes::from(b.to_archive())),
        )
        .unwrap();
        hash
    }

    fn publish(&mut self) -> u64 {
        self.config.generation += 1;
        let body = serde_json::to_vec(&self.config).unwrap();
        block(self.store.put(CONFIG_BUCKET, CONFIG_KEY, body.into())).unwrap();
        self.config.generation
    }

    fn deploy(&mut self, name: &str, versions: Vec<(u64, String, u8)>, routes: &[&str]) -> u64 {
        self.config.workers.insert(
            name.into(),
            WorkerDeployment {
                name: name.into(),
                versions: versions
                    .into_iter()
                    .map(|(version, bundle, percent)| VersionShare {
                        version,
                        bundle,
                        percent,
                    })
                    .collect(),
                routes: routes.iter().map(|r| r.to_string()).collect(),
                origin: None,
                secrets: BTreeMap::new(),
            },
        );
        self.publish()
    }

    fn wait_generation(&self, g: u64) {
        let until = Instant::now() + Duration::from_secs(20);
        while self.state.generation() < g {
            assert!(Instant::now() < until, "generation {g} never applied");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn status(&self) -> PopStatus {
        let e = block(self.store.get(POPS_BUCKET, "tst-1"))
            .unwrap()
            .unwrap();
        serde_json::from_slice(&e.value).unwrap()
    }
}

fn block<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// GET `path` on `addr` with `Host: host`, from local address `from`. Returns status, headers, body.
fn get_from(
    addr: SocketAddr,
    from: IpAddr,
    host: &str,
    path: &str,
) -> (u16, http::HeaderMap, String) {
    block(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(SocketAddr::new(from, 0)).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(conn);
        let req = http::Request::builder()
            .uri(path)
            .header("host", host)
            .body(Empty::<Bytes>::new())
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        let (head, body) = resp.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        (
            head.status.as_u16(),
            head.headers,
            String::from_utf8_lossy(&body).into_owned(),
        )
    })
}

fn get(addr: SocketAddr, host: &str, path: &str) -> (u16, http::HeaderMap, String) {
    get_from(addr, IpAddr::from([127, 0, 0, 1]), host, path)
}

fn text_worker(text: &str) -> String {
    format!("export default {{ fetch() {{ return new Response({text:?}); }} }}")
}

#[test]
fn routes_versions_and_failed_deploys() {
    let mut p = start();
    let (status, headers, _) = get(p.node, "nothing.example", "/");
    assert_eq!(status, 404);
    assert_eq!(headers["verge-error"], "no-route");

    let v1 = p.upload("api", &text_worker("api v1"));
    let g = p.deploy("api", vec![(1, v1, 100)], &["api.example.com/*"]);
    p.wait_generation(g);
    assert_eq!(get(p.node, "api.example.com", "/x").2, "api v1");
    assert_eq!(get(p.node, "api.verge.localhost:8080", "/").2, "api v1");
    assert_eq!(get(p.node, "www.example.com", "/").0, 404);

    // A more specific route of another worker wins on its paths only.
    let img = p.upload("img", &text_worker("img"));
    let g = p.deploy("img", vec![(1, img, 100)], &["*.example.com/img/*"]);
    p.wait_generation(g);
    // The host is compared first: an exact host beats a wildcard one whatever the paths.
    assert_eq!(get(p.node, "api.example.com", "/img/a.png").2, "api v1");
    assert_eq!(get(p.node, "cdn.example.com", "/img/a.png").2, "img");
    assert_eq!(get(p.node, "api.example.com", "/other").2, "api v1");

    // A new version replaces the old one.
    let v2 = p.upload("api", &text_worker("api v2"));
    let g = p.deploy("api", vec![(2, v2.clone(), 100)], &["api.example.com/*"]);
    p.wait_generation(g);
    assert_eq!(get(p.node, "api.example.com", "/").2, "api v2");
    let s = p.status();
    assert_eq!(s.generation, g);
    assert!(s.errors.is_empty(), "{:?}", s.errors);

    // A version that does not compile is reported, and the version before keeps serving.
    let bad = p.upload(
        "api",
        "export default { fetch() { return new Response(\"x\" }",
    );
    let g = p.deploy("api", vec![(3, bad, 100)], &["api.example.com/*"]);
    p.wait_generation(g);
    assert_eq!(get(p.node, "api.example.com", "/").2, "api v2");
    let s = p.status();
    assert!(
        s.errors
            .get("api@3")
            .is_some_and(|e| e.contains("SyntaxError")),
        "{:?}",
        s.errors
    );

    // A bundle missing from the store is reported too.
    let g = p.deploy(
        "api",
        vec![(4, "0".repeat(64), 100)],
        &["api.example.com/*"],
    );
    p.wait_generation(g);
    assert_eq!(get(p.node, "api.example.com", "/").2, "api v2");
    assert!(p.status().errors["api@4"].contains("not in the store"));

    // Undeploying removes the route.
    p.config.workers.remove("img");
    let g = p.publish();
    p.wait_generation(g);
    assert_eq!(get(p.node, "cdn.example.com", "/img/a.png").0, 404);
}

#[test]
fn gradual_rollout_is_sticky_and_close_to_its_share() {
    let mut p = start();
    let a = p.upload("split", &text_worker("old"));
    let b = p.upload("split", &text_worker("new"));
    let g = p.deploy("split", vec![(2, b, 20), (1, a, 80)], &[]);
    p.wait_generation(g);
    let clients = 500u32;
    let mut new = 0;
    for i in 0..clients {
        let ip = IpAddr::from([127, 1, (i >> 8) as u8 + 1, (i & 0xff) as u8]);
        let first = get_from(p.node, ip, "split.verge.localhost", "/").2;
        if first == "new" {
            new += 1;
        }
        if i % 50 == 0 {
            // Sticky: the same client gets the same version again.
            assert_eq!(get_from(p.node, ip, "split.verge.localhost", "/").2, first);
        }
    }
    let share = f64::from(new) / f64::from(clients);
    assert!((0.13..=0.27).contains(&share), "new version got {share}");
}

#[test]
fn origins_proxies_and_loops() {
    // An origin that counts its requests and marks responses cacheable.
    let hits = Arc::new(AtomicUsize::new(0));
    let origin = {
        let hits = hits.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            block(async move {
                let l = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let (s, _) = l.accept().await.unwrap();
                    let hits = hits.clone();
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(
                            move |req: http::Request<hyper::body::Incoming>| {
                                let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
                                let fwd = req
                                    .headers()
                                    .get("host")
                                    .map(|v| v.to_str().unwrap().to_owned())
                                    .unwrap_or_default();
                                let body = format!("origin {} {} {fwd}", req.uri().path(), n);
                                async move {
                                    Ok::<_, std::convert::Infallible>(
                                        http::Response::builder()
                                            .header("cache-control", "public, max-age=60")
                                            .body(Full::new(Bytes::from(body)))
                                            .unwrap(),
                                    )
                                }
                            },
                        );
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(s), svc)
                            .await;
                    });
                }
            });
        });
        addr
    };

    let mut p = start();
    // A plain caching reverse proxy.
    p.config.proxies.push(ProxyRoute {
        pattern: "static.example.com/*".into(),
        origin: format!("http://{origin}"),
    });
    // A worker whose fetch(request) to its own host goes to the origin.
    let w = p.upload(
        "front",
        "export default { async fetch(req) { const r = await fetch(req); return new Response('front saw: ' + await r.text()); } }",
    );
    p.config.workers.insert(
        "front".into(),
        WorkerDeployment {
            name: "front".into(),
            versions: vec![VersionShare {
                version: 1,
                bundle: w,
                percent: 100,
            }],
            routes: vec!["www.example.com/*".into()],
            origin: Some(format!("http://{origin}")),
            secrets: BTreeMap::new(),
        },
    );
    // A worker whose origin is the node itself: a loop, stopped by the hop limit.
    let l = p.upload(
        "loop",
        "export default { async fetch(req) { return fetch(req); } }",
    );
    p.config.workers.insert(
        "loop".into(),
        WorkerDeployment {
            name: "loop".into(),
            versions: vec![VersionShare {
                version: 1,
                bundle: l,
                percent: 100,
            }],
            routes: vec!["loop.example.com/*".into()],
            origin: Some(format!("http://{}", p.node)),
            secrets: BTreeMap::new(),
        },
    );
    let g = p.publish();
    p.wait_generation(g);

    let (s1, h1, b1) = get(p.node, "static.example.com", "/a.css");
    assert_eq!(s1, 200);
    assert_eq!(b1, "origin /a.css 1 static.example.com");
    assert_eq!(h1["verge-cache"], "MISS");
    let (_, h2, b2) = get(p.node, "static.example.com", "/a.css");
    assert_eq!(b2, b1, "served from the cache");
    assert_eq!(h2["verge-cache"], "HIT");
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let (s, _, body) = get(p.node, "www.example.com", "/page");
    assert_eq!(s, 200);
    assert_eq!(body, "front saw: origin /page 2 www.example.com");

    let (s, h, body) = get(p.node, "loop.example.com", "/");
    // The innermost hop is refused with 508; each worker above passes that response up.
    assert_eq!(s, 508, "{body}");
    assert_eq!(h["verge-error"], "loop-detected");
}

#[test]
fn a_thousand_workers_all_answer() {
    let mut p = start();
    let n = 1000;
    let started = Instant::now();
    for i in 0..n {
        let name = format!("w{i}");
        let hash = p.upload(&name, &text_worker(&format!("I am {name}")));
        p.config.workers.insert(
            name.clone(),
            WorkerDeployment {
                name,
                versions: vec![VersionShare {
                    version: 1,
                    bundle: hash,
                    percent: 100,
                }],
                routes: vec![],
                origin: None,
                secrets: BTreeMap::new(),
            },
        );
    }
    let g = p.publish();
    p.wait_generation(g);
    let applied = started.elapsed();
    let started = Instant::now();
    for i in 0..n {
        let (status, _, body) = get(p.node, &format!("w{i}.verge.localhost"), "/");
        assert_eq!(
            (status, body.as_str()),
            (200, format!("I am w{i}").as_str())
        );
    }
    eprintln!(
        "{n} workers: applied in {:.1} s, first requests to all in {:.1} s",
        applied.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(p.status().errors.is_empty());
}
