//! verge-wasm without the rest of verge: loading components, and requests through the checked-in guests
//! (`examples/wasm-hello`, `crates/cli/tests/fixtures/wasm-limits`) with an in-memory outbound.
#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

use futures::future::BoxFuture;
use http_body_util::{BodyExt as _, Empty, Full};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use verge_core::{Limits, ViolationKind};
use verge_wasm::{
    Body, EngineConfig, Error, Failure, Outbound, SendError, WasmHost, WasmWorker, WorkerSpec,
};

fn host() -> &'static Arc<WasmHost> {
    static HOST: OnceLock<Arc<WasmHost>> = OnceLock::new();
    HOST.get_or_init(|| {
        WasmHost::new(EngineConfig {
            max_instances: 16,
            ..EngineConfig::default()
        })
        .unwrap()
    })
}

fn guest(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn load(path: &str, limits: Limits) -> WasmWorker {
    host()
        .load(WorkerSpec {
            name: "test".into(),
            env: vec![("GREETING".into(), "Howdy".into())],
            limits,
            binary: &guest(path),
        })
        .unwrap()
}

/// Answers every subrequest with 200 "from the fake origin" and remembers the URLs.
#[derive(Default)]
struct FakeOrigin(Mutex<Vec<String>>);

impl Outbound for FakeOrigin {
    fn send(
        &self,
        request: http::Request<Full<bytes::Bytes>>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, SendError>> {
        self.0.lock().unwrap().push(request.uri().to_string());
        Box::pin(async {
            let body = Full::new(bytes::Bytes::from_static(b"from the fake origin"))
                .map_err(|e| match e {})
                .boxed_unsync();
            Ok(http::Response::new(body))
        })
    }
}

async fn get(
    worker: &WasmWorker,
    path: &str,
) -> (Result<(u16, String), Failure>, verge_wasm::Finished) {
    get_via(worker, path, Arc::new(FakeOrigin::default())).await
}

async fn get_via(
    worker: &WasmWorker,
    path: &str,
    outbound: Arc<dyn Outbound>,
) -> (Result<(u16, String), Failure>, verge_wasm::Finished) {
    let request = http::Request::get(format!("http://test.local{path}"))
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    let served = worker.serve(request, outbound).await;
    let head = match served.head {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.into_body().collect().await.unwrap().to_bytes();
            Ok((status, String::from_utf8_lossy(&body).into_owned()))
        }
        Err(f) => Err(f),
    };
    (head, served.finished.await)
}

#[test]
fn garbage_and_core_modules_are_load_errors() {
    let garbage = host().load(WorkerSpec {
        name: "bad".into(),
        env: vec![],
        limits: Limits::default(),
        binary: b"not wasm at all",
    });
    assert!(matches!(garbage, Err(Error::Compile(_))), "{garbage:?}");
    // A core module (version 1, layer 0) is not a component.
    let core = host().load(WorkerSpec {
        name: "core".into(),
        env: vec![],
        limits: Limits::default(),
        binary: b"\0asm\x01\0\0\0",
    });
    match core {
        Err(Error::Compile(m)) => assert!(m.contains("expected a WebAssembly component"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_same_binary_is_compiled_once() {
    let first = load("examples/wasm-mandelbrot/app.wasm", Limits::default());
    let second = load("examples/wasm-mandelbrot/app.wasm", Limits::default());
    assert_eq!(first.hash(), second.hash());
    assert!(second.from_cache());
}

#[tokio::test]
async fn hello_answers_on_a_fresh_instance_with_its_env() {
    let worker = load("examples/wasm-hello/app.wasm", Limits::default());
    for _ in 0..3 {
        let (head, finished) = get(&worker, "/x?y=1").await;
        assert_eq!(
            head.unwrap(),
            (200, "Howdy! You asked for GET /x?y=1\n".to_owned())
        );
        assert!(finished.outcome.is_ok(), "{:?}", finished.outcome);
        assert!(finished.instantiate.is_some());
        assert!(finished.cpu > Duration::ZERO);
    }
}

fn limits(cpu_ms: u64, wall_ms: u64) -> Limits {
    Limits {
        cpu_ms,
        wall_ms,
        memory_mb: 16,
        subrequests: 2,
        ..Limits::default()
    }
}

#[tokio::test]
async fn cpu_time_is_limited() {
    let worker = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        limits(50, 30_000),
    );
    let started = Instant::now();
    let (head, finished) = get(&worker, "/spin").await;
    match head {
        Err(Failure::Limit(v)) => assert_eq!(v.kind, ViolationKind::Cpu),
        other => panic!("{other:?}"),
    }
    assert!(
        finished.cpu >= Duration::from_millis(50),
        "{:?}",
        finished.cpu
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn wall_time_is_limited_even_while_computing() {
    let worker = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        limits(60_000, 100),
    );
    let (head, _) = get(&worker, "/spin").await;
    match head {
        Err(Failure::Limit(v)) => assert_eq!(v.kind, ViolationKind::Wall),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn memory_is_limited() {
    let worker = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        limits(5_000, 30_000),
    );
    let (head, finished) = get(&worker, "/grow").await;
    match head {
        Err(Failure::Limit(v)) => {
            assert_eq!(v.kind, ViolationKind::Memory);
            assert_eq!(v.limit, 16.0 * 1048576.0);
        }
        other => panic!("{other:?}"),
    }
    assert!(finished.memory_peak <= 16 << 20, "{}", finished.memory_peak);
}

#[tokio::test]
async fn traps_carry_the_message_and_backtrace() {
    let worker = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        Limits::default(),
    );
    let (head, finished) = get(&worker, "/trap").await;
    match head {
        Err(Failure::Trap(m)) => {
            assert!(m.contains("unreachable"), "{m}");
            assert!(
                m.contains("exports_wasi_http_incoming_handler_handle"),
                "{m}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(finished.outcome, Err(Failure::Trap(_))));
}

#[tokio::test]
async fn subrequests_reach_the_outbound_and_are_capped() {
    let worker = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        limits(5_000, 30_000),
    );
    let origin = Arc::new(FakeOrigin::default());
    let (head, finished) = get_via(
        &worker,
        "/fetch?url=https://origin.example/a&n=2",
        origin.clone(),
    )
    .await;
    assert_eq!(
        head.unwrap(),
        (200, "2 fetches, last status 200".to_owned())
    );
    assert_eq!(finished.subrequests, 2);
    assert_eq!(
        *origin.0.lock().unwrap(),
        ["https://origin.example/a", "https://origin.example/a"]
    );
    let (head, _) = get_via(
        &worker,
        "/fetch?url=https://origin.example/b&n=3",
        origin.clone(),
    )
    .await;
    match head {
        Err(Failure::Limit(v)) => assert_eq!(v.kind, ViolationKind::Subrequests),
        other => panic!("{other:?}"),
    }
    assert_eq!(origin.0.lock().unwrap().len(), 4, "the third was not sent");
}

#[tokio::test]
async fn a_guest_nobody_waits_for_is_still_stopped() {
    let worker = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        limits(50, 30_000),
    );
    let request = http::Request::get("http://test.local/spin")
        .body(Empty::<bytes::Bytes>::new())
        .unwrap();
    // The client goes away before the guest answers.
    let gone = tokio::time::timeout(
        Duration::from_millis(5),
        worker.serve(request, Arc::new(FakeOrigin::default())),
    )
    .await;
    assert!(gone.is_err());
    let stopped = async {
        while host().running_guests() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), stopped)
        .await
        .expect("the spinning guest was stopped by its CPU limit");
}

#[tokio::test]
async fn a_computing_guest_lets_other_requests_on_its_thread_run() {
    let spinning = load(
        "crates/cli/tests/fixtures/wasm-limits/app.wasm",
        limits(400, 30_000),
    );
    let hello = load("examples/wasm-hello/app.wasm", Limits::default());
    let spin = get(&spinning, "/spin");
    let quick = async {
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let (head, _) = get(&hello, "/").await;
        assert_eq!(head.unwrap().0, 200);
        started.elapsed()
    };
    let ((spun, _), took) = tokio::join!(spin, quick);
    assert!(matches!(spun, Err(Failure::Limit(_))), "{spun:?}");
    assert!(
        took < Duration::from_millis(300),
        "waited {took:?} behind the spinning guest"
    );
}
