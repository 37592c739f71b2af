//! The platform as real processes on loopback: a control plane (`verge control`, embedded storage or NATS),
//! three nodes (`verge node`), and the deploy commands (`verge deploy`, `versions`, `rollback`), exactly as
//! an operator runs them. With NATS, a real `nats-server -js` on a free port.

use crate::client::{self, Reply};
use crate::origin::Origin;
use crate::support::{Output, Project, verge_bin};
use http::Method;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long a process may take to print its ready line, or the platform to converge.
const SETTLE: Duration = Duration::from_secs(30);

/// A child process, killed on drop, its output collected.
pub struct Proc {
    name: String,
    child: Child,
    stdout: Output,
    stderr: Output,
}

impl Proc {
    fn spawn(name: &str, program: &Path, args: &[String], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .env_remove("VERGE_CONTROL")
            .env_remove("VERGE_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({}): {e}", program.display()));
        let stdout = Output::collect(child.stdout.take().expect("piped stdout"));
        let stderr = Output::collect(child.stderr.take().expect("piped stderr"));
        Self {
            name: name.to_owned(),
            child,
            stdout,
            stderr,
        }
    }

    /// Wait for a line of stdout containing `needle`; returns that line.
    async fn line_with(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + SETTLE;
        loop {
            if let Some(line) = self.stdout.text().lines().find(|l| l.contains(needle)) {
                return line.to_owned();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status}\n{}", self.name, self.dump());
            }
            assert!(
                Instant::now() < deadline,
                "{} never printed {needle:?}\n{}",
                self.name,
                self.dump()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn dump(&self) -> String {
        format!(
            "--- {} stdout ---\n{}\n--- {} stderr ---\n{}",
            self.name,
            self.stdout.text(),
            self.name,
            self.stderr.text()
        )
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A free loopback port (bound and released; the OS does not hand it out again at once).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Which storage the control plane and the nodes share.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    /// The control plane's embedded store; nodes follow it over HTTP.
    Embedded,
    /// NATS JetStream; the control plane and the nodes all talk to it.
    Nats,
}

/// `nats-server -js` on a free port with its own store dir.
pub struct Nats {
    proc: Option<Proc>,
    port: u16,
    dir: PathBuf,
}

impl Nats {
    fn binary() -> PathBuf {
        if let Some(p) = std::env::var_os("NATS_SERVER") {
            return PathBuf::from(p);
        }
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join("nats-server");
            if p.is_file() {
                return p;
            }
        }
        panic!(
            "nats-server is not installed: run scripts/setup.d/20-nats-server.sh (the test suite does)"
        );
    }

    async fn start(dir: &Path) -> Self {
        let mut n = Self {
            proc: None,
            port: free_port(),
            dir: dir.join("nats"),
        };
        n.restart().await;
        n
    }

    async fn restart(&mut self) {
        let args: Vec<String> = [
            "-js",
            "-a",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-sd",
            &self.dir.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        self.proc = Some(Proc::spawn("nats-server", &Self::binary(), &args, &[]));
        let deadline = Instant::now() + SETTLE;
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "nats-server did not listen");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stop(&mut self) {
        self.proc = None;
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

/// One node process and how to start it again.
pub struct NodeProc {
    /// PoP id.
    pub id: String,
    /// `127.0.0.1:PORT` it serves on.
    pub http: SocketAddr,
    /// Its admin address, from its ready line.
    pub admin: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    proc: Option<Proc>,
}

impl NodeProc {
    async fn start(&mut self) {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut p = Proc::spawn(&format!("node {}", self.id), &verge_bin(), &self.args, &env);
        let line = p.line_with("serving on http://").await;
        self.admin = line
            .split("admin on http://")
            .nth(1)
            .unwrap_or_default()
            .trim()
            .to_owned();
        self.proc = Some(p);
    }

    /// Kill the process (SIGKILL: no goodbye to anyone).
    pub fn kill(&mut self) {
        self.proc = None;
    }
}

/// A control plane and three nodes.
pub struct Cluster {
    /// The control plane's URL.
    pub control: String,
    /// An admin token.
    pub token: String,
    /// The nodes.
    pub nodes: Vec<NodeProc>,
    /// The NATS server, with that backend.
    pub nats: Option<Nats>,
    control_proc: Option<Proc>,
    control_args: Vec<String>,
    dir: TempDir,
}

impl Cluster {
    /// Start `nats-server` (for that backend), `verge control`, and three `verge node`s; wait until every
    /// node has reported in.
    pub async fn start(backend: Backend) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("verge-cluster-")
            .tempdir()
            .expect("temp dir");
        let nats = match backend {
            Backend::Nats => Some(Nats::start(dir.path()).await),
            Backend::Embedded => None,
        };
        let control_port = free_port();
        let key_file = dir.path().join("control/secret.key");
        let mut control_args: Vec<String> = vec![
            "control".into(),
            "--listen".into(),
            format!("127.0.0.1:{control_port}"),
            "--data-dir".into(),
            dir.path().join("control").display().to_string(),
            "--token-file".into(),
            dir.path().join("admin.token").display().to_string(),
            "--live-window".into(),
            "3".into(),
        ];
        match &nats {
            Some(n) => {
                control_args.extend(["--store".into(), "nats".into(), "--nats".into(), n.url()])
            }
            None => control_args.extend(["--store".into(), "embedded".into()]),
        }
        let mut control = Proc::spawn("control", &verge_bin(), &control_args, &[]);
        control.line_with("Control plane on http://").await;
        let token = std::fs::read_to_string(dir.path().join("admin.token"))
            .expect("admin token file")
            .trim()
            .to_owned();
        let control_url = format!("http://127.0.0.1:{control_port}");
        let mut cluster = Self {
            control: control_url.clone(),
            token,
            nodes: Vec::new(),
            nats,
            control_proc: Some(control),
            control_args,
            dir,
        };
        for (id, region) in [("nrt-1", "nrt"), ("fra-1", "fra"), ("iad-1", "iad")] {
            let http = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let mut args: Vec<String> = vec![
                "node".into(),
                "--id".into(),
                id.into(),
                "--region".into(),
                region.into(),
                "--listen".into(),
                http.to_string(),
                "--admin".into(),
                "127.0.0.1:0".into(),
                "--shards".into(),
                "1".into(),
                "--heartbeat-secs".into(),
                "0.5".into(),
                "--secret-key-file".into(),
                key_file.display().to_string(),
                "--data-dir".into(),
                cluster
                    .dir
                    .path()
                    .join("nodes")
                    .join(id)
                    .display()
                    .to_string(),
            ];
            let mut env = Vec::new();
            match &cluster.nats {
                Some(n) => args.extend(["--nats".into(), n.url()]),
                None => {
                    args.extend(["--control".into(), control_url.clone()]);
                    let reply = cluster
                        .api(
                            Method::POST,
                            "/v1/tokens",
                            &serde_json::json!({"name": id, "scopes": ["node"], "pop": id})
                                .to_string(),
                        )
                        .await;
                    assert_eq!(reply.status, 201, "{}", reply.describe());
                    let token = reply.json()["token"].as_str().expect("token").to_owned();
                    env.push(("VERGE_NODE_TOKEN".to_owned(), token));
                }
            }
            let mut node = NodeProc {
                id: id.into(),
                http,
                admin: String::new(),
                args,
                env,
                proc: None,
            };
            node.start().await;
            cluster.nodes.push(node);
        }
        cluster.wait_pops_live(3).await;
        cluster
    }

    /// A call to the control plane's API with the admin token.
    pub async fn api(&self, method: Method, path: &str, body: &str) -> Reply {
        let auth = format!("Bearer {}", self.token);
        client::send(client::request(
            method,
            &format!("{}{path}", self.control),
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            client::full(body.to_owned()),
        ))
        .await
    }

    async fn wait_pops_live(&self, n: usize) {
        let deadline = Instant::now() + SETTLE;
        loop {
            let reply = self.api(Method::GET, "/v1/pops", "").await;
            let live = reply
                .json()
                .as_array()
                .map(|a| a.iter().filter(|p| p["live"] == true).count())
                .unwrap_or(0);
            if live >= n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "only {live} PoPs live: {}",
                reply.text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Run a CLI command against this control plane (`--control`, `--token` from the environment).
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(verge_bin())
            .args(args)
            .env("VERGE_CONTROL", &self.control)
            .env("VERGE_TOKEN", &self.token)
            .env("NO_COLOR", "1")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run verge")
    }

    /// `verge deploy DIR [extra]`; panics unless it succeeds. Returns its stdout.
    pub fn deploy(&self, dir: &Path, extra: &[&str]) -> String {
        let path = dir.display().to_string();
        let mut args = vec!["deploy", path.as_str()];
        args.extend_from_slice(extra);
        let out = self.cli(&args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "verge deploy failed\n--- stdout ---\n{text}\n--- stderr ---\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            self.dump()
        );
        text
    }

    /// GET `/` with `Host: <worker>.verge.localhost` on node `i`.
    pub async fn get(&self, i: usize, worker: &str) -> Reply {
        get_from(self.nodes[i].http, IpAddr::from([127, 0, 0, 1]), worker).await
    }

    /// Wait until every running node answers `worker` with `body`.
    pub async fn wait_all_serve(&self, worker: &str, body: &str) {
        let deadline = Instant::now() + SETTLE;
        for i in 0..self.nodes.len() {
            if self.nodes[i].proc.is_none() {
                continue;
            }
            loop {
                let reply = self.get(i, worker).await;
                if reply.status == 200 && reply.text() == body {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "node {} still answers {} {:?}, not {body:?}\n{}",
                    self.nodes[i].id,
                    reply.status,
                    reply.text(),
                    self.dump()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    /// Stop the control plane.
    pub fn stop_control(&mut self) {
        self.control_proc = None;
    }

    /// Start the control plane again on the same address and data.
    pub async fn restart_control(&mut self) {
        let mut c = Proc::spawn("control", &verge_bin(), &self.control_args, &[]);
        c.line_with("Control plane on http://").await;
        self.control_proc = Some(c);
    }

    /// Restart node `i` with the same id, addresses and token.
    pub async fn restart_node(&mut self, i: usize) {
        self.nodes[i].start().await;
    }

    /// Everyone's output, for failure messages.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        if let Some(c) = &self.control_proc {
            s.push_str(&c.dump());
        }
        for n in &self.nodes {
            if let Some(p) = &n.proc {
                s.push('\n');
                s.push_str(&p.dump());
            }
        }
        s
    }
}

/// GET `/` on `addr` with `Host: <worker>.verge.localhost`, from local address `from`.
pub async fn get_from(addr: SocketAddr, from: IpAddr, worker: &str) -> Reply {
    get_path(addr, from, &format!("{worker}.verge.localhost"), "/").await
}

/// GET `path` on `addr` with `Host: host`, from local address `from`.
pub async fn get_path(addr: SocketAddr, from: IpAddr, host: &str, path: &str) -> Reply {
    use http_body_util::BodyExt;
    use hyper_util::rt::TokioIo;
    let exchange = async {
        let socket = tokio::net::TcpSocket::new_v4().map_err(|e| e.to_string())?;
        socket
            .bind(SocketAddr::new(from, 0))
            .map_err(|e| e.to_string())?;
        let stream = socket.connect(addr).await.map_err(|e| e.to_string())?;
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        let req = http::Request::builder()
            .uri(path)
            .header("host", host)
            .body(client::empty())
            .map_err(|e| e.to_string())?;
        let resp = send.send_request(req).await.map_err(|e| e.to_string())?;
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok::<_, String>(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    };
    tokio::time::timeout(Duration::from_secs(20), exchange)
        .await
        .unwrap_or_else(|_| Err("timed out".into()))
        .unwrap_or_else(|e| panic!("GET {host}{path} on {addr} from {from}: {e}"))
}

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
            assert!(line.contains("on 3/3 live PoPs"), "{line}");
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
