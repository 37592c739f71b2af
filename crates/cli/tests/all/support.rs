//! Runs `verge dev` as a child process on a private copy of a worker, and watches its output.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How long `verge dev` may take to print its `Ready on` line.
pub const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a log line or a reload may take to show up.
pub const OUTPUT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `verge` binary under test: this package's build, or `$VERGE_TEST_BIN` (a release build, an
/// installed one) when set.
pub fn verge_bin() -> PathBuf {
    std::env::var_os("VERGE_TEST_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_verge")), PathBuf::from)
}

/// The workspace's `examples/` folder.
pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// This crate's `tests/fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A private copy of a worker folder in a fresh temp dir, removed on drop.
pub struct Project {
    dir: TempDir,
}

impl Project {
    /// A copy of `examples/<name>`.
    pub fn example(name: &str) -> Self {
        Self::copy_of(&examples_dir().join(name))
    }

    /// A copy of `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Self {
        Self::copy_of(&fixtures_dir().join(name))
    }

    fn copy_of(source: &Path) -> Self {
        assert!(source.is_dir(), "no worker folder at {}", source.display());
        let dir = tempfile::Builder::new()
            .prefix("verge-test-")
            .tempdir()
            .expect("create temp dir");
        copy_dir(source, dir.path());
        Self { dir }
    }

    /// The copy's root folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Replace (or create) a file of the copy.
    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.dir.path().join(relative);
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Copy one file of the copy to another name inside it (`.dev.vars.example` to `.dev.vars`).
    pub fn copy_file(&self, from: &str, to: &str) {
        let (from, to) = (self.dir.path().join(from), self.dir.path().join(to));
        std::fs::copy(&from, &to)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
    }

    /// Read a file of the copy.
    pub fn read(&self, relative: &str) -> String {
        let path = self.dir.path().join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
    }
}

fn copy_dir(from: &Path, to: &Path) {
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("read dir {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).expect("create dir");
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Text a child wrote to one of its streams, collected line by line on a background thread, with ANSI
/// colour codes removed.
#[derive(Clone, Default)]
pub struct Output(Arc<Mutex<String>>);

impl Output {
    pub fn collect(stream: impl Read + Send + 'static) -> Self {
        let output = Self::default();
        let sink = output.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = strip_ansi(&String::from_utf8_lossy(&line));
                        sink.0.lock().expect("output lock").push_str(&text);
                    }
                }
            }
        });
        output
    }

    /// Everything collected so far.
    pub fn text(&self) -> String {
        self.0.lock().expect("output lock").clone()
    }
}

/// Remove `ESC [ ... letter` sequences (colours), so assertions see plain text.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A running `verge dev`, killed on drop. When a test fails, its output is printed.
pub struct Verge {
    child: Child,
    base: String,
    /// What it printed on stdout (ready line, load errors, reload notices).
    pub stdout: Output,
    /// What it printed on stderr (worker logs, limit violations).
    pub stderr: Output,
    project: Project,
}

impl Verge {
    /// `verge dev <project> --ip 127.0.0.1 --port 0 <args>`, once it is ready.
    pub async fn start(project: Project, args: &[&str]) -> Self {
        let path = project.path().to_path_buf();
        Self::spawn(project, &path, args).await
    }

    /// `verge dev <project>/<entry> ...`: a lone script rather than a folder.
    pub async fn start_script(project: Project, entry: &str, args: &[&str]) -> Self {
        let path = project.path().join(entry);
        Self::spawn(project, &path, args).await
    }

    async fn spawn(project: Project, target: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(verge_bin())
            .arg("dev")
            .arg(target)
            .args(["--ip", "127.0.0.1", "--port", "0"])
            .args(args)
            .current_dir(project.path())
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn verge");
        let stdout = Output::collect(child.stdout.take().expect("piped stdout"));
        let stderr = Output::collect(child.stderr.take().expect("piped stderr"));
        let mut verge = Self {
            child,
            base: String::new(),
            stdout,
            stderr,
            project,
        };
        verge.base = verge.wait_ready().await;
        verge
    }

    async fn wait_ready(&mut self) -> String {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(base) = ready_url(&self.stdout.text()) {
                let port = base.rsplit(':').next().and_then(|p| p.parse::<u16>().ok());
                assert!(
                    matches!(port, Some(p) if p != 0),
                    "the Ready line must name the real port, got {base:?}\n{}",
                    self.dump()
                );
                return base;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "verge dev exited with {status} before it was ready\n{}",
                    self.dump()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no `Ready on http://...` line within {READY_TIMEOUT:?}\n{}",
                self.dump()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The address it serves, without a trailing slash: `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full URL of a path on it.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base)
    }

    /// The private copy of the worker it runs, for edits.
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// The process id (for `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Panic unless the process is still running.
    pub fn assert_running(&mut self) {
        assert!(self.is_running(), "verge dev is gone\n{}", self.dump());
    }

    /// Wait until stdout holds `needle`; panic after [`OUTPUT_TIMEOUT`].
    pub async fn expect_stdout(&self, needle: &str) -> String {
        self.expect_output(&self.stdout, "stdout", needle).await
    }

    /// Wait until stderr holds `needle`; panic after [`OUTPUT_TIMEOUT`].
    pub async fn expect_stderr(&self, needle: &str) -> String {
        self.expect_output(&self.stderr, "stderr", needle).await
    }

    async fn expect_output(&self, output: &Output, name: &str, needle: &str) -> String {
        let deadline = Instant::now() + OUTPUT_TIMEOUT;
        loop {
            let text = output.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{name} never showed {needle:?} within {OUTPUT_TIMEOUT:?}\n{}",
                self.dump()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The process's peak resident set (`VmHWM`), in bytes.
    pub fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("read /proc/<pid>/status");
        proc_status_kib(&status, "VmHWM:") * 1024
    }

    /// Both output streams, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- verge stdout ---\n{}\n--- verge stderr ---\n{}\n---",
            self.stdout.text(),
            self.stderr.text()
        )
    }
}

impl Drop for Verge {
    #[expect(
        clippy::print_stderr,
        reason = "a failing test shows what verge printed, beside the test's own panic message"
    )]
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("{}", self.dump());
        }
    }
}

/// The URL in the first `Ready on http://IP:PORT` line, if there is one yet.
fn ready_url(stdout: &str) -> Option<String> {
    stdout.lines().find_map(|line| {
        let url = line.trim().strip_prefix("Ready on ")?;
        url.starts_with("http://")
            .then(|| url.trim_end_matches('/').to_owned())
    })
}

/// A `Key:   123 kB` field of `/proc/<pid>/status`, in KiB.
fn proc_status_kib(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc status:\n{status}"))
}

/// Poll `check` every 50 ms until it returns `Some`, or return `None` after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[test]
fn parses_the_ready_line_and_proc_status() {
    let out = "starting\nReady on http://127.0.0.1:40123\n";
    assert_eq!(ready_url(out).as_deref(), Some("http://127.0.0.1:40123"));
    assert_eq!(ready_url("Ready soon\n"), None);
    assert_eq!(strip_ansi("\u{1b}[2mINFO\u{1b}[0m hi"), "INFO hi");
    assert_eq!(
        proc_status_kib("Name:\tverge\nVmHWM:\t   2048 kB\n", "VmHWM:"),
        2048
    );
}
