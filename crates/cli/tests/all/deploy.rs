//! `verge control` and `verge deploy`, `versions`, `rollback` and `secret put` as real processes, with
//! PoPs played by the test: each fake node holds a node token, reads the platform config through the API,
//! fetches and checks the bundles it lacks, and acks by writing its `PopStatus`.

use crate::support::{Output, Project, verge_bin};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use verge_control::client::{Client, UpFile};
use verge_control::model::NewToken;
use verge_control::{Scope, now_ms};
use verge_core::platform::PopStatus;
use verge_core::{Bundle, sha256_hex};

/// A running `verge control` on a free loopback port, killed on drop.
struct ControlPlane {
    child: Child,
    stdout: Output,
    stderr: Output,
    url: String,
    token: String,
    dir: TempDir,
}

impl ControlPlane {
    async fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("verge-control-")
            .tempdir()
            .expect("temp dir");
        let token_file = dir.path().join("admin.token");
        let mut child = Command::new(verge_bin())
            .arg("control")
            .args(["--listen", "127.0.0.1:0", "--live-window", "2"])
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--token-file")
            .arg(&token_file)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn verge control");
        let stdout = Output::collect(child.stdout.take().expect("stdout"));
        let stderr = Output::collect(child.stderr.take().expect("stderr"));
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let text = stdout.text();
            if let Some(url) = text
                .lines()
                .find_map(|l| l.strip_prefix("Control plane on "))
            {
                break url.trim().to_owned();
            }
            assert!(
                Instant::now() < deadline && matches!(child.try_wait(), Ok(None)),
                "verge control did not start\n{}\n{}",
                text,
                stderr.text()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        let token = std::fs::read_to_string(&token_file)
            .expect("token file")
            .trim()
            .to_owned();
        assert!(
            stdout.text().contains(&token),
            "the admin token is printed once"
        );
        assert!(dir.path().join("data/secret.key").is_file());
        Self {
            child,
            stdout,
            stderr,
            url,
            token,
            dir,
        }
    }

    fn admin(&self) -> Client {
        Client::new(&self.url, Some(&self.token))
    }

    /// `verge <args>` in `cwd` against this control plane (through the environment), with `stdin`.
    async fn verge(&self, cwd: &Path, args: &[&str], stdin: &str) -> Run {
        run(
            cwd,
            args,
            &[("VERGE_CONTROL", &self.url), ("VERGE_TOKEN", &self.token)],
            stdin,
        )
        .await
    }
}

impl Drop for ControlPlane {
    #[expect(
        clippy::print_stderr,
        reason = "a failing test shows what verge control printed"
    )]
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- verge control stdout ---\n{}\n--- stderr ---\n{}",
                self.stdout.text(),
                self.stderr.text()
            );
        }
    }
}

/// A finished CLI run.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "ok: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.ok, self.stdout, self.stderr
        )
    }
}

async fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let mut cmd = Command::new(verge_bin());
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("VERGE_CONTROL")
        .env_remove("VERGE_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut child = cmd.spawn().expect("spawn verge");
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let out = child.wait_with_output().expect("wait for verge");
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

/// How a fake node behaves.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// Fetch, check and ack every generation.
    Ack,
    /// Ack every generation, reporting every version as failed to load.
    FailAll,
    /// Heartbeat (live) but never move past generation 0.
    Stuck,
    /// Report once with a heartbeat a minute old (not live), then nothing.
    Stale,
}

/// A PoP played by the test, reporting through the API with a node token; stopped on drop.
struct FakeNode(tokio::task::JoinHandle<()>);

impl Drop for FakeNode {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl FakeNode {
    async fn start(control: &ControlPlane, id: &str, behaviour: Behaviour) -> Self {
        let created = control
            .admin()
            .create_token(&NewToken {
                name: format!("node {id}"),
                scopes: vec![Scope::Node],
                pop: Some(id.to_owned()),
            })
            .await
            .expect("node token");
        let node = Client::new(&control.url, Some(&created.token));
        let admin = control.admin();
        let id = id.to_owned();
        let fake = Self::spawn(node, id.clone(), behaviour);
        // Started means registered: its first report is in.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !admin.pops().await.expect("pops").iter().any(|p| p.id == id) {
            assert!(Instant::now() < deadline, "fake node {id} never reported");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        fake
    }

    fn spawn(node: Client, id: String, behaviour: Behaviour) -> Self {
        FakeNode(tokio::spawn(async move {
            let mut have: BTreeMap<String, ()> = BTreeMap::new();
            let mut last = None;
            loop {
                let mut status = PopStatus {
                    id: id.clone(),
                    region: id[..3].to_owned(),
                    lat: 0.0,
                    lon: 0.0,
                    http: "127.0.0.1:9".into(),
                    admin: "127.0.0.1:9".into(),
                    generation: 0,
                    heartbeat_ms: now_ms(),
                    errors: BTreeMap::new(),
                };
                match behaviour {
                    Behaviour::Stale => {
                        status.heartbeat_ms -= 60_000;
                        node.put_pop(&status).await.expect("report");
                        return;
                    }
                    Behaviour::Stuck => {}
                    Behaviour::Ack | Behaviour::FailAll => {
                        // Long-poll for the next generation (a heartbeat at least every second).
                        let cfg = match last {
                            None => node.config().await,
                            Some(g) => node.config_after(g, 1).await,
                        }
                        .expect("config");
                        last = Some(cfg.generation);
                        for w in cfg.workers.values() {
                            for share in &w.versions {
                                if !have.contains_key(&share.bundle) {
                                    let bytes = node.bundle(&share.bundle).await.expect("bundle");
                                    assert_eq!(sha256_hex(&bytes), share.bundle);
                                    Bundle::from_archive(&bytes).expect("a bundle");
                                    have.insert(share.bundle.clone(), ());
                                }
                                if behaviour == Behaviour::FailAll {
                                    status.errors.insert(
                                        format!("{}@{}", w.name, share.version),
                                        "disk full".into(),
                                    );
                                }
                            }
                        }
                        status.generation = cfg.generation;
                    }
                }
                node.put_pop(&status).await.expect("report");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }))
    }
}

fn project_path(p: &Project) -> PathBuf {
    p.path().to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_reaches_every_live_pop_then_versions_rollout_and_rollback() {
    let control = ControlPlane::start().await;
    let _nrt = FakeNode::start(&control, "nrt-1", Behaviour::Ack).await;
    let _ams = FakeNode::start(&control, "ams-1", Behaviour::Ack).await;
    let _sfo = FakeNode::start(&control, "sfo-1", Behaviour::Stale).await;
    let project = Project::example("hello");
    let dir = project_path(&project);

    let out = control
        .verge(&dir, &["deploy", ".", "--message", "first"], "")
        .await;
    assert!(out.ok, "{}", out.describe());
    for needle in [
        "nrt-1",
        "ams-1",
        "on 2/2 live PoPs in",
        "Deployed hello version 1 in",
    ] {
        assert!(
            out.stdout.contains(needle),
            "{needle:?}\n{}",
            out.describe()
        );
    }
    assert!(
        !out.stdout.contains("sfo-1"),
        "a stale PoP is not waited for\n{}",
        out.describe()
    );
    let cfg = Client::new(&control.url, Some(&control.token));
    let worker = cfg.worker("hello").await.expect("worker");
    assert_eq!(worker.active.len(), 1);
    assert_eq!(worker.active[0].version, 1);
    let pops = cfg.pops().await.expect("pops");
    let gen1 = pops.iter().find(|p| p.id == "nrt-1").map(|p| p.generation);
    assert!(gen1 >= Some(1), "{pops:?}");

    // A changed worker, rolled out to 20%.
    project.write(
        "worker.js",
        "export default { fetch() { return new Response('hello v2'); } };",
    );
    let out = control
        .verge(&dir, &["deploy", "--percent", "20", "-m", "second"], "")
        .await;
    assert!(out.ok, "{}", out.describe());
    assert!(out.stdout.contains("v2 20%, v1 80%"), "{}", out.describe());

    let out = control.verge(&dir, &["versions"], "").await;
    assert!(out.ok, "{}", out.describe());
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.describe());
    assert!(lines[1].starts_with("2 ") && lines[1].contains("20%") && lines[1].ends_with("second"));
    assert!(lines[2].starts_with("1 ") && lines[2].contains("80%") && lines[2].ends_with("first"));

    // Rolling back the rollout puts version 1 at 100% again, and every live PoP acks it.
    let out = control.verge(&dir, &["rollback"], "").await;
    assert!(out.ok, "{}", out.describe());
    assert!(out.stdout.contains("back to v1 100%"), "{}", out.describe());
    assert!(
        out.stdout.contains("on 2/2 live PoPs"),
        "{}",
        out.describe()
    );
    let worker = cfg.worker("hello").await.expect("worker");
    assert_eq!(
        worker
            .active
            .iter()
            .map(|s| (s.version, s.percent))
            .collect::<Vec<_>>(),
        [(1, 100)]
    );
    assert_eq!(worker.version_count, 2, "a rollback uploads nothing");

    // The same commands find the control plane through <data-dir>/up.json, as `verge up` writes it.
    let data = control.dir.path().join("up");
    std::fs::create_dir_all(&data).expect("mkdir");
    UpFile {
        control: control.url.clone(),
        token: control.token.clone(),
        nodes: vec![],
    }
    .write(&data)
    .expect("write up.json");
    let out = run(
        &dir,
        &[
            "rollback",
            "2",
            "--name",
            "hello",
            "--data-dir",
            data.to_str().expect("utf-8"),
        ],
        &[],
        "",
    )
    .await;
    assert!(out.ok, "{}", out.describe());
    assert!(out.stdout.contains("back to v2 100%"), "{}", out.describe());

    // Secrets: the value from stdin, only the name comes back.
    let out = control
        .verge(&dir, &["secret", "put", "API_KEY"], "s3cret-from-stdin\n")
        .await;
    assert!(out.ok, "{}", out.describe());
    assert!(out.stdout.contains("API_KEY"), "{}", out.describe());
    assert!(!out.stdout.contains("s3cret"), "{}", out.describe());
    assert_eq!(
        cfg.worker("hello").await.expect("worker").secrets,
        ["API_KEY"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_is_reported_before_anything_is_uploaded() {
    let control = ControlPlane::start().await;
    let project = Project::example("hello");
    project.write(
        "worker.js",
        "export default { fetch() { return new Response('x' }; ",
    );
    let out = control.verge(project.path(), &["deploy"], "").await;
    assert!(!out.ok, "{}", out.describe());
    assert!(out.stderr.contains("SyntaxError"), "{}", out.describe());
    assert!(!out.stdout.contains("Deploying"), "{}", out.describe());
    assert!(control.admin().workers().await.expect("workers").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pop_error_or_a_silent_pop_fails_the_deploy() {
    let control = ControlPlane::start().await;
    let _nrt = FakeNode::start(&control, "nrt-1", Behaviour::Ack).await;
    let bad = FakeNode::start(&control, "ams-1", Behaviour::FailAll).await;
    let project = Project::example("hello");
    let out = control.verge(project.path(), &["deploy"], "").await;
    assert!(!out.ok, "{}", out.describe());
    assert!(
        out.stderr
            .contains("ams-1 could not load hello@1: disk full"),
        "{}",
        out.describe()
    );
    drop(bad);

    // A live PoP that never acks: a timeout naming it.
    let _stuck = FakeNode::start(&control, "gru-1", Behaviour::Stuck).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let out = control
        .verge(project.path(), &["deploy", "--timeout", "1"], "")
        .await;
    assert!(!out.ok, "{}", out.describe());
    assert!(out.stderr.contains("timed out"), "{}", out.describe());
    assert!(out.stderr.contains("gru-1"), "{}", out.describe());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_or_missing_credentials_change_nothing() {
    let control = ControlPlane::start().await;
    let project = Project::example("hello");
    let out = run(
        project.path(),
        &["deploy"],
        &[
            ("VERGE_CONTROL", &control.url),
            ("VERGE_TOKEN", "verge_wrong"),
        ],
        "",
    )
    .await;
    assert!(!out.ok, "{}", out.describe());
    assert!(out.stderr.contains("401"), "{}", out.describe());

    // A read-only token may not deploy.
    let read = control
        .admin()
        .create_token(&NewToken {
            name: "ro".into(),
            scopes: vec![Scope::Read],
            pop: None,
        })
        .await
        .expect("token");
    let out = run(
        project.path(),
        &["deploy", "--control", &control.url, "--token", &read.token],
        &[],
        "",
    )
    .await;
    assert!(!out.ok, "{}", out.describe());
    assert!(out.stderr.contains("403"), "{}", out.describe());
    assert!(control.admin().workers().await.expect("workers").is_empty());

    // Nothing configured at all: the error says how to configure it.
    let out = run(project.path(), &["versions"], &[], "").await;
    assert!(!out.ok, "{}", out.describe());
    assert!(out.stderr.contains("verge up"), "{}", out.describe());
}
