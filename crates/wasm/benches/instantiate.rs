//! The per-request cost of a WebAssembly worker: every request gets a fresh instance of the component
//! (pooling allocator, pre-linked `ProxyPre`), so instantiation is on every request's path.
//!
//! - `wasm/instantiate`: instantiation alone (as measured inside `serve`), for `examples/wasm-hello`;
//! - `wasm/request`: a whole request through `examples/wasm-hello`: store, instance, handler, response
//!   head and body, instance slot returned;
//! - `wasm/compile`: compiling the component with Cranelift (what the cache by content hash saves).

use criterion::{Criterion, criterion_group, criterion_main};
use futures::future::BoxFuture;
use http_body_util::{BodyExt as _, Empty, Full};
use std::sync::Arc;
use std::time::Duration;
use verge_wasm::{Body, EngineConfig, Outbound, SendError, WasmHost, WorkerSpec};

struct Offline;

impl Outbound for Offline {
    fn send(
        &self,
        _: http::Request<Full<bytes::Bytes>>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, SendError>> {
        Box::pin(async { Err(SendError::Denied("offline".into())) })
    }
}

fn hello() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/wasm-hello/app.wasm"
    );
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn spec(binary: &[u8]) -> WorkerSpec<'_> {
    WorkerSpec {
        name: "bench".into(),
        env: vec![("GREETING".into(), "Hello".into())],
        limits: verge_core::Limits::default(),
        binary,
    }
}

fn request() -> http::Request<Empty<bytes::Bytes>> {
    http::Request::get("http://bench.local/path?q=1")
        .body(Empty::new())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn bench(c: &mut Criterion) {
    let binary = hello();
    let host = WasmHost::new(EngineConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    let worker = host.load(spec(&binary)).unwrap_or_else(|e| panic!("{e}"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let outbound: Arc<dyn Outbound> = Arc::new(Offline);

    c.bench_function("wasm/request", |b| {
        b.iter(|| {
            rt.block_on(async {
                let served = worker.serve(request(), outbound.clone()).await;
                let body = match served.head {
                    Ok(r) => r.into_body().collect().await.map(|b| b.to_bytes().len()),
                    Err(e) => panic!("{e}"),
                };
                let finished = served.finished.await;
                assert!(finished.outcome.is_ok(), "{:?}", finished.outcome);
                body
            })
        })
    });

    c.bench_function("wasm/instantiate", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += rt.block_on(async {
                    let served = worker.serve(request(), outbound.clone()).await;
                    if let Ok(r) = served.head {
                        let _ = r.into_body().collect().await;
                    }
                    served.finished.await.instantiate.unwrap_or_default()
                });
            }
            total
        })
    });

    let mut group = c.benchmark_group("wasm");
    group.sample_size(10);
    group.bench_function("compile", |b| {
        b.iter(|| {
            // A fresh host each time, so the component cache does not answer.
            let host = WasmHost::new(EngineConfig {
                pooling: false,
                ..EngineConfig::default()
            })
            .unwrap_or_else(|e| panic!("{e}"));
            host.load(spec(&binary)).unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
