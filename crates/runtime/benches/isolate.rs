//! Hot paths of a node: making an isolate from bytecode (the in-node cold start) and one request through a
//! warm isolate.

use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use std::rc::Rc;
use verge_runtime::Worker;
use verge_runtime::pool::instantiate;
use verge_runtime::worker::WorkerPath;
use verge_web::dispatch;

fn hello() -> Worker {
    let dir = std::env::temp_dir().join(format!("verge-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("hello.js");
    let _ = std::fs::write(
        &file,
        "export default { fetch(request) { return new Response(`Hello from ${new URL(request.url).pathname}`) } }",
    );
    match WorkerPath::read(&file).and_then(Worker::compile) {
        Ok(w) => w,
        Err(e) => panic!("bench worker: {e}"),
    }
}

struct Offline;

impl verge_web::Host for Offline {
    fn fetch(
        &self,
        _: http::Request<http_body_util::Full<bytes::Bytes>>,
    ) -> futures::future::LocalBoxFuture<
        'static,
        Result<http::Response<verge_web::Body>, verge_js::ops::OpError>,
    > {
        Box::pin(async { Err(verge_js::ops::OpError::Type("offline".into())) })
    }
}

fn benches(c: &mut Criterion) {
    let worker = hello();
    c.bench_function("isolate_from_bytecode", |b| {
        b.iter_with_large_drop(|| instantiate(&worker).map(|(iso, _)| iso))
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let Ok(rt) = rt else { return };
    let Ok((iso, _)) = instantiate(&worker) else {
        return;
    };
    c.bench_function("request_warm_isolate", |b| {
        b.iter(|| {
            rt.block_on(async {
                let req = http::Request::builder().uri("http://bench/x").body(
                    http_body_util::Empty::new()
                        .map_err(|e| match e {})
                        .boxed_unsync(),
                );
                let Ok(req) = req else { return };
                let r =
                    dispatch::dispatch(&iso, req, "http://bench/x", "{}", Rc::new(Offline)).await;
                dispatch::end(&iso);
                drop(r);
            })
        })
    });
}

criterion_group!(isolate, benches);
criterion_main!(isolate);
