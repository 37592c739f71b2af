//! The platform as real processes on loopback: a control plane (`verge control`, embedded storage or NATS),
//! three nodes (`verge node`), and the deploy commands (`verge deploy`, `versions`, `rollback`), exactly as
//! an operator runs them. With NATS, a real `nats-server -js` on a free port.
//!
//! This file is the harness (processes, the cluster, a client that picks its source address); the tests are in
//! [`tests`].

mod tests;

use crate::client::{self, Reply};
use crate::support::{Output, verge_bin};
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

/// A free loopback port for a process to bind, unique within this test run: ports come from one counter
/// below the kernel's ephemeral range (so nothing bound to port 0 takes one meanwhile), each checked free.
/// Picking with a bind to port 0 and releasing it raced between tests running in parallel.
fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let base = 20_000 + (std::process::id() % 500) * 20;
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = u16::try_from(base + n % 12_000).expect("port in range");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
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
