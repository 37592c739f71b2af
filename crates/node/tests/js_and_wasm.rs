//! A JS worker and a WebAssembly worker served by one node at the same time, over real HTTP: requests to
//! both interleave on the same shards, and a Wasm guest stopped by its CPU limit does not disturb either.
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use verge_node::{Node, NodeConfig, Resolved, RouteRequest, Target};
use verge_runtime::Worker;
use verge_runtime::worker::WorkerPath;

/// `/js/...` goes to the JS worker, everything else to the Wasm one.
struct ByPath {
    js: Arc<Worker>,
    wasm: Arc<Worker>,
}

impl Target for ByPath {
    fn resolve(&self, request: &RouteRequest<'_>) -> Resolved {
        if request.path.starts_with("/js") {
            Resolved::Worker(self.js.clone())
        } else {
            Resolved::Worker(self.wasm.clone())
        }
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(path: &Path) -> Arc<Worker> {
    Arc::new(Worker::compile(WorkerPath::read(path).unwrap()).unwrap())
}

/// One HTTP/1.0 GET (the connection closes after the response): status, headers, body.
fn get(addr: SocketAddr, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    (status, head.to_lowercase(), body.to_owned())
}

#[test]
fn one_node_serves_a_js_and_a_wasm_worker_at_once() {
    let js = load(&repo().join("examples/hello"));
    let wasm = load(&repo().join("crates/cli/tests/fixtures/wasm-limits"));
    assert!(js.wasm().is_none());
    assert!(wasm.wasm().is_some());
    let node = Node::start(
        NodeConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            shards: 2,
            ..NodeConfig::default()
        },
        Arc::new(ByPath { js, wasm }),
    )
    .unwrap();
    let addr = node.local_addr();

    // Clients hitting both workers at once, while another keeps a shard busy with a spinning guest.
    let spinner = std::thread::spawn(move || get(addr, "/spin"));
    let clients: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let path = if i % 2 == 0 { "/js/hello" } else { "/ok" };
                    let (status, _, body) = get(addr, path);
                    assert_eq!(status, 200, "{path}: {body}");
                    let expected = if i % 2 == 0 {
                        "Hello from verge!"
                    } else {
                        "ok"
                    };
                    assert_eq!(body, expected);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    let (status, head, body) = spinner.join().unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(head.contains("verge-error: cpu-limit"), "{head}");

    // Both still answer, and the node counted exactly the one violation.
    assert_eq!(get(addr, "/js/again").2, "Hello from verge!");
    assert_eq!(get(addr, "/ok").2, "ok");
    let cpu = node
        .violations()
        .into_iter()
        .find(|(code, _)| *code == "cpu-limit")
        .map(|(_, n)| n);
    assert_eq!(cpu, Some(1));
}
