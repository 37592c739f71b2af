//! The platform's tests with real processes: deploys, rollbacks, restarts, cut-offs, rollouts, tokens,
//! proxies, origins, secrets, `verge up`, 1,000 workers, a Wasm worker, deploy time.

use super::{Backend, Cluster, Proc, SETTLE, get_from, get_path};
use crate::client;
use crate::origin::Origin;
use crate::support::{Output, Project, verge_bin};
use http::Method;
use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A worker folder whose fetch answers `body`.
fn text_worker(name: &str, body: &str) -> Project {
    let p = Project::example("hello");
    p.write(
        "verge.toml",
        &format!("name = \"{name}\"\nmain = \"worker.js\"\n"),
    );
    p.write(
        "worker.js",
        &format!("export default {{ fetch() {{ return new Response({body:?}); }} }}\n"),
    );
    p
}

async fn deploy_rollback_and_restarts(backend: Backend) {
    let mut c = Cluster::start(backend).await;

    // The example as it is: every node serves it.
    let hello = Project::example("hello");
    let out = c.deploy(hello.path(), &[]);
    for n in &c.nodes {
        assert!(out.contains(&n.id), "deploy output names {}:\n{out}", n.id);
    }
    c.wait_all_serve("hello", "Hello from verge!").await;

    // Each node's admin endpoints: health, readiness, Prometheus metrics per worker.
    for n in &c.nodes {
        let base = format!("http://{}", n.admin);
        assert_eq!(client::get(&format!("{base}/healthz")).await.status, 200);
        assert_eq!(client::get(&format!("{base}/readyz")).await.status, 200);
        let metrics = client::get(&format!("{base}/metrics")).await.text();
        assert!(
            metrics.contains("verge_requests_total{worker=\"hello\",status=\"200\"}"),
            "{metrics}"
        );
        for name in [
            "verge_cpu_seconds_total",
            "verge_isolates{",
            "verge_limit_violations_total",
            "verge_config_generation",
        ] {
            assert!(metrics.contains(name), "{name} missing:\n{metrics}");
        }
        let status = client::get(&format!("{base}/status")).await.json();
        assert_eq!(status["pop"], n.id.as_str());
        assert_eq!(status["workers"][0]["name"], "hello");
    }

    // A second version, then a rollback: a pointer move.
    let v2 = text_worker("hello", "hello v2");
    c.deploy(v2.path(), &[]);
    c.wait_all_serve("hello", "hello v2").await;
    let versions = c.cli(&["versions", "hello"]);
    let listed = String::from_utf8_lossy(&versions.stdout).into_owned();
    assert!(versions.status.success(), "{listed}");
    assert!(listed.contains('1') && listed.contains('2'), "{listed}");
    let rb = c.cli(&["rollback", "--name", "hello"]);
    assert!(
        rb.status.success(),
        "{}{}",
        String::from_utf8_lossy(&rb.stdout),
        String::from_utf8_lossy(&rb.stderr)
    );
    c.wait_all_serve("hello", "Hello from verge!").await;

    // A killed node misses a deploy, and catches up when it comes back.
    c.nodes[2].kill();
    tokio::time::sleep(Duration::from_secs(4)).await; // past the 3 s live window
    let v3 = text_worker("hello", "hello v3");
    c.deploy(v3.path(), &[]);
    c.wait_all_serve("hello", "hello v3").await;
    c.restart_node(2).await;
    c.wait_all_serve("hello", "hello v3").await;

    // Nodes cut off from the store keep serving what they have, and catch up afterwards.
    match backend {
        Backend::Embedded => c.stop_control(),
        Backend::Nats => c.nats.as_mut().expect("nats").stop(),
    }
    for _ in 0..3 {
        for i in 0..c.nodes.len() {
            let r = c.get(i, "hello").await;
            assert_eq!((r.status.as_u16(), r.text()), (200, "hello v3".to_owned()));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Even a node restarted while cut off serves it, from its data dir.
    c.nodes[0].kill();
    c.restart_node(0).await;
    let ready = format!("http://{}/readyz", c.nodes[0].admin);
    let deadline = Instant::now() + SETTLE;
    while client::get(&ready).await.status != 200 {
        assert!(
            Instant::now() < deadline,
            "the restarted node never got ready"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = c.get(0, "hello").await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (200, "hello v3".to_owned()),
        "{}",
        c.dump()
    );
    match backend {
        Backend::Embedded => c.restart_control().await,
        // The control plane and the nodes reconnect to NATS by themselves.
        Backend::Nats => c.nats.as_mut().expect("nats").restart().await,
    }
    c.wait_pops_live(3).await;
    let v4 = text_worker("hello", "hello v4");
    c.deploy(v4.path(), &[]);
    c.wait_all_serve("hello", "hello v4").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_deploy_rollback_restarts() {
    deploy_rollback_and_restarts(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_deploy_rollback_restarts() {
    deploy_rollback_and_restarts(Backend::Nats).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_deploys_never_fail() {
    let c = Cluster::start(Backend::Embedded).await;
    let v1 = text_worker("steady", "v1");
    c.deploy(v1.path(), &[]);
    c.wait_all_serve("steady", "v1").await;
    let addr = c.nodes[0].http;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = get_from(addr, IpAddr::from([127, 0, 0, 1]), "steady").await;
                seen.push((r.status.as_u16(), r.text()));
            }
            seen
        })
    };
    for v in ["v2", "v3", "v4"] {
        let p = text_worker("steady", v);
        c.deploy(p.path(), &[]);
    }
    c.wait_all_serve("steady", "v4").await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let seen = load.await.expect("load task");
    assert!(
        seen.len() > 20,
        "only {} requests during the deploys",
        seen.len()
    );
    for (status, body) in &seen {
        assert_eq!(*status, 200, "a request failed during a deploy: {body}");
        assert!(["v1", "v2", "v3", "v4"].contains(&body.as_str()), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gradual_rollout_bad_bundles_and_tokens() {
    let c = Cluster::start(Backend::Embedded).await;
    let old = text_worker("split", "old");
    c.deploy(old.path(), &[]);
    c.wait_all_serve("split", "old").await;
    let new = text_worker("split", "new");
    c.deploy(new.path(), &["--percent", "10"]);
    // Wait until node 0 serves both versions, then count 2,000 distinct clients.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut got_new = 0u32;
    let n = 2000u32;
    for i in 0..n {
        let ip = IpAddr::from([127, 2, (i >> 8) as u8 + 1, (i & 0xff) as u8]);
        let r = get_from(c.nodes[i as usize % 3].http, ip, "split").await;
        assert_eq!(r.status, 200);
        if r.text() == "new" {
            got_new += 1;
        }
    }
    let share = f64::from(got_new) / f64::from(n);
    assert!(
        (0.05..=0.15).contains(&share),
        "the new version got {share} of clients, not 10% ± 5%"
    );

    // A script that does not compile is refused before anything is uploaded.
    let bad = text_worker("split", "x");
    bad.write(
        "worker.js",
        "export default { fetch() { return new Response('x' } }\n",
    );
    let out = c.cli(&["deploy", &bad.path().display().to_string()]);
    let err =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "a broken script deployed:\n{err}");
    assert!(err.contains("SyntaxError"), "{err}");
    let versions = c.api(Method::GET, "/v1/workers/split/versions", "").await;
    assert_eq!(
        versions.json().as_array().map(Vec::len),
        Some(2),
        "{}",
        versions.text()
    );

    // Wrong or missing token: 401; a read token cannot deploy: 403. Nothing changes.
    let out = Command::new(verge_bin())
        .args(["rollback", "--name", "split"])
        .env("VERGE_CONTROL", &c.control)
        .env("VERGE_TOKEN", "not-a-token")
        .output()
        .expect("run verge");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("401"), "{err}");
    let anonymous = client::send(client::request(
        Method::POST,
        &format!("{}/v1/workers/split/rollback", c.control),
        &[("content-type", "application/json")],
        client::full("{}"),
    ))
    .await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.describe());
    let reply = c
        .api(
            Method::POST,
            "/v1/tokens",
            r#"{"name":"reader","scopes":["read"]}"#,
        )
        .await;
    let reader = reply.json()["token"].as_str().expect("token").to_owned();
    let out = Command::new(verge_bin())
        .args(["rollback", "--name", "split"])
        .env("VERGE_CONTROL", &c.control)
        .env("VERGE_TOKEN", &reader)
        .output()
        .expect("run verge");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("403"));
    let dep = c.api(Method::GET, "/v1/workers/split", "").await;
    assert!(
        dep.text().contains("\"percent\":10"),
        "still split 90/10: {}",
        dep.text()
    );
}

/// The time `verge deploy` reports from the deploy call until every live PoP acked, over 20 deploys, for
/// each backend. Printed (run with `--nocapture`), never asserted: speed belongs to benchmarks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_time_to_all_nodes() {
    for backend in [Backend::Embedded, Backend::Nats] {
        let c = Cluster::start(backend).await;
        let mut times = Vec::new();
        for i in 0..20 {
            let p = text_worker("timed", &format!("v{i}"));
            let out = c.deploy(p.path(), &[]);
            let line = out
                .lines()
                .find(|l| l.contains("live PoPs in"))
                .unwrap_or_else(|| panic!("no summary line in:\n{out}"));
            if !line.contains("on 3/3 live PoPs") {
                let pops = c.api(Method::GET, "/v1/pops", "").await.text();
                panic!("{backend:?} {line}\n{pops}\n{}", c.dump());
            }
            let secs: f64 = line
                .rsplit("in ")
                .next()
                .and_then(|s| s.trim_end_matches(" s").parse().ok())
                .unwrap_or_else(|| panic!("no time in {line:?}"));
            times.push(secs * 1e3);
            c.wait_all_serve("timed", &format!("v{i}")).await;
        }
        times.sort_by(f64::total_cmp);
        eprintln!(
            "deploy to 3 nodes ({backend:?}): p50 {:.0} ms, p99 {:.0} ms, min {:.0} ms, max {:.0} ms over {} deploys",
            times[times.len() / 2],
            times[(times.len() * 99 / 100).min(times.len() - 1)],
            times[0],
            times[times.len() - 1],
            times.len()
        );
    }
}

/// `verge up`, then `verge deploy` with no flags (it finds `.verge/up.json`), then every node serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_then_deploy() {
    let dir = tempfile::Builder::new()
        .prefix("verge-up-")
        .tempdir()
        .expect("temp dir");
    let args: Vec<String> = [
        "up",
        "--control-port",
        "0",
        "--base-port",
        "0",
        "--nodes",
        "3",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut cmd = Command::new(verge_bin());
    cmd.args(&args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env_remove("VERGE_CONTROL")
        .env_remove("VERGE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("start verge up");
    let mut up = Proc {
        name: "verge up".into(),
        stdout: Output::collect(child.stdout.take().expect("stdout")),
        stderr: Output::collect(child.stderr.take().expect("stderr")),
        child,
    };
    up.line_with("Admin token:").await;
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".verge/up.json")).expect("up.json"),
    )
    .expect("up.json is JSON");
    let nodes = file["nodes"].as_array().expect("nodes").clone();
    assert_eq!(nodes.len(), 3, "{file}");
    let regions: Vec<&str> = nodes.iter().filter_map(|n| n["region"].as_str()).collect();
    assert_eq!(regions, ["nrt", "fra", "iad"]);

    let hello = Project::example("hello");
    let out = Command::new(verge_bin())
        .args(["deploy", &hello.path().display().to_string()])
        .current_dir(dir.path())
        .env_remove("VERGE_CONTROL")
        .env_remove("VERGE_TOKEN")
        .output()
        .expect("run verge deploy");
    assert!(
        out.status.success(),
        "{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        up.dump()
    );
    for n in &nodes {
        let addr: SocketAddr = n["http"].as_str().expect("http").parse().expect("addr");
        let deadline = Instant::now() + SETTLE;
        loop {
            let r = get_from(addr, IpAddr::from([127, 0, 0, 1]), "hello").await;
            if r.status == 200 && r.text() == "Hello from verge!" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} answers {}",
                n["id"],
                r.describe()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Stopping `verge up` stops its nodes (they follow its standard input).
    up.kill();
    let addr: SocketAddr = nodes[0]["http"]
        .as_str()
        .expect("http")
        .parse()
        .expect("addr");
    let deadline = Instant::now() + SETTLE;
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "node still up after verge up was killed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 1,000 distinct workers deployed through the API to a running node: every one answers on its own host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_workers_on_one_node() {
    use std::collections::BTreeMap;
    use verge_core::{Bundle, Manifest, ModuleKind, SourceModule};
    let c = Cluster::start(Backend::Embedded).await;
    let n = 1000usize;
    let started = Instant::now();
    let deploy_one = |i: usize| {
        let control = c.control.clone();
        let auth = format!("Bearer {}", c.token);
        async move {
            let name = format!("tenant{i}");
            let source =
                format!("export default {{ fetch() {{ return new Response('I am {name}'); }} }}");
            let bundle = Bundle {
                manifest: Manifest::for_script(&name, "worker.js"),
                secrets: BTreeMap::new(),
                modules: BTreeMap::from([(
                    "worker.js".to_owned(),
                    SourceModule {
                        path: "worker.js".into(),
                        kind: ModuleKind::JavaScript,
                        source,
                    },
                )]),
                binaries: BTreeMap::new(),
            };
            let call = |method: Method, path: String, body: client::Body| {
                client::send(client::request(
                    method,
                    &format!("{control}{path}"),
                    &[("authorization", &auth)],
                    body,
                ))
            };
            let up = call(
                Method::POST,
                "/v1/bundles".into(),
                client::full(bundle.to_archive()),
            )
            .await;
            assert!(up.status.is_success(), "{}", up.describe());
            let v = call(
                Method::POST,
                format!("/v1/workers/{name}/versions"),
                client::full(serde_json::json!({"bundle": bundle.hash()}).to_string()),
            )
            .await;
            assert_eq!(v.status, 201, "{}", v.describe());
            let d = call(
                Method::POST,
                format!("/v1/workers/{name}/deployments"),
                client::full(serde_json::json!({"version": 1}).to_string()),
            )
            .await;
            assert!(d.status.is_success(), "{}", d.describe());
        }
    };
    // Eight deploys in flight at a time: they race on the configuration document, which must lose none.
    for chunk in (0..n).collect::<Vec<_>>().chunks(8) {
        futures::future::join_all(chunk.iter().map(|i| deploy_one(*i))).await;
    }
    let deployed = started.elapsed();
    let node = c.nodes[0].http;
    let deadline = Instant::now() + Duration::from_secs(120);
    for i in 0..n {
        loop {
            let r = get_from(node, IpAddr::from([127, 0, 0, 1]), &format!("tenant{i}")).await;
            if r.status == 200 {
                assert_eq!(r.text(), format!("I am tenant{i}"));
                break;
            }
            assert!(Instant::now() < deadline, "tenant{i}: {}", r.describe());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    eprintln!(
        "{n} workers: deployed through the API in {:.1} s; all answering on one node {:.1} s after the start",
        deployed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

/// Proxy routes (`verge proxy add`), a worker behind a route with an origin, and a secret set with
/// `verge secret put`, on every node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxies_origins_and_secrets() {
    let c = Cluster::start(Backend::Embedded).await;
    let origin = Origin::start().await;
    let localhost = IpAddr::from([127, 0, 0, 1]);

    let out = c.cli(&["proxy", "add", "static.test/*", &origin.url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + SETTLE;
    loop {
        let r = get_path(
            c.nodes[0].http,
            localhost,
            "static.test",
            "/cacheable/a.css",
        )
        .await;
        if r.status == 200 {
            assert_eq!(
                r.text(),
                "origin saw GET /cacheable/a.css with 0 body bytes"
            );
            assert_eq!(r.header("verge-cache"), Some("MISS"));
            break;
        }
        assert!(Instant::now() < deadline, "{}", r.describe());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let again = get_path(
        c.nodes[0].http,
        localhost,
        "static.test",
        "/cacheable/a.css",
    )
    .await;
    assert_eq!(again.header("verge-cache"), Some("HIT"));
    let fetched = origin
        .seen()
        .iter()
        .filter(|s| s.path == "/cacheable/a.css")
        .count();
    assert_eq!(fetched, 1, "the second request came from the node's cache");
    assert_eq!(
        origin.seen()[0].header("host"),
        Some("static.test"),
        "the origin sees the public host"
    );

    // A worker on a route with an origin: its fetch(request) goes there; its secret comes from the store.
    let w = text_worker("secretive", "x");
    w.write(
        "verge.toml",
        &format!(
            "name = \"secretive\"\nmain = \"worker.js\"\nroutes = [\"app.test/*\"]\norigin = \"{}\"\n",
            origin.url
        ),
    );
    w.write(
        "worker.js",
        "export default { async fetch(req, env) { const r = await fetch(req); return new Response(`${env.API_KEY} | ${await r.text()}`); } }\n",
    );
    c.deploy(w.path(), &[]);
    let mut put = Command::new(verge_bin())
        .args(["secret", "put", "API_KEY", "--worker", "secretive"])
        .env("VERGE_CONTROL", &c.control)
        .env("VERGE_TOKEN", &c.token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("verge secret put");
    {
        use std::io::Write;
        let mut stdin = put.stdin.take().expect("stdin");
        stdin.write_all(b"s3cret\n").expect("write secret");
    }
    let out = put.wait_with_output().expect("secret put");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("s3cret"));
    for node in &c.nodes {
        let deadline = Instant::now() + SETTLE;
        loop {
            let r = get_path(node.http, localhost, "app.test", "/page").await;
            if r.text() == "s3cret | origin saw GET /page with 0 body bytes" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "node {}: {}\n{}",
                node.id,
                r.describe(),
                c.dump()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let stored = c
        .api(Method::GET, "/v1/workers/secretive/secrets", "")
        .await;
    assert!(!stored.text().contains("s3cret"), "{}", stored.text());
}

/// A WebAssembly worker deploys like a JS one: its component travels in the bundle and every node serves it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wasm_worker_deploys_to_every_node() {
    let c = Cluster::start(Backend::Embedded).await;
    let wasm = Project::example("wasm-hello");
    c.deploy(wasm.path(), &[]);
    let name = std::fs::read_to_string(wasm.path().join("verge.toml"))
        .expect("verge.toml")
        .lines()
        .find_map(|l| {
            l.strip_prefix("name = ")
                .map(|v| v.trim_matches('"').to_owned())
        })
        .expect("name");
    for i in 0..c.nodes.len() {
        let r = c.get(i, &name).await;
        assert_eq!(r.status, 200, "{}\n{}", r.describe(), c.dump());
        assert_eq!(r.text(), "Hello from WebAssembly! You asked for GET /\n");
    }
}
