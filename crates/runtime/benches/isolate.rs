//! Hot paths of a node: compiling a worker, making an isolate from bytecode (the in-node cold start), one
//! request through a warm isolate, and one request that works the Headers and URL classes.
//!
//! The whole-node comparisons with workerd, Deno and Node are in `bench/` (`bench/run.sh`).

use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use std::rc::Rc;
use verge_runtime::Worker;
use verge_runtime::pool::instantiate;
use verge_runtime::worker::WorkerPath;
use verge_web::dispatch;

/// Source of a worker that answers with a line naming the request's path.
const HELLO: &str = "export default { fetch(request) { return new Response(`Hello from ${new URL(request.url).pathname}`) } }";

/// Source of a worker that parses a URL with a query, builds and reads Headers, and answers with both.
const HEADERS_URL: &str = r#"export default {
  fetch(request) {
    const url = new URL(request.url);
    const params = [...url.searchParams.entries()];
    const headers = new Headers({ "content-type": "text/plain", "cache-control": "no-store" });
    for (const [k, v] of params) headers.append(`x-${k}`, v);
    headers.set("x-path", url.pathname);
    let size = 0;
    for (const [k, v] of headers) size += k.length + v.length;
    return new Response(String(size), { headers });
  },
};"#;

fn worker(name: &str, source: &str) -> Worker {
    let dir = std::env::temp_dir().join(format!("verge-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{name}.js"));
    let _ = std::fs::write(&file, source);
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

/// One GET of `url` through the warm `iso`.
fn request(rt: &tokio::runtime::Runtime, iso: &verge_js::Isolate, url: &str) {
    rt.block_on(async {
        let req = http::Request::builder().uri(url).body(
            http_body_util::Empty::new()
                .map_err(|e| match e {})
                .boxed_unsync(),
        );
        let Ok(req) = req else { return };
        let r = dispatch::dispatch(iso, req, url, "{}", Rc::new(Offline)).await;
        dispatch::end(iso);
        drop(r);
    })
}

fn benches(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("verge-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join("compiled.js");
    let _ = std::fs::write(&file, HELLO);
    c.bench_function("compile_worker", |b| {
        b.iter_with_large_drop(|| WorkerPath::read(&file).and_then(Worker::compile))
    });

    let hello = worker("hello", HELLO);
    c.bench_function("isolate_from_bytecode", |b| {
        b.iter_with_large_drop(|| instantiate(&hello).map(|(iso, _)| iso))
    });

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let Ok(rt) = rt else { return };
    let Ok((iso, _)) = instantiate(&hello) else {
        return;
    };
    c.bench_function("request_warm_isolate", |b| {
        b.iter(|| request(&rt, &iso, "http://bench/x"))
    });

    let headers_url = worker("headers-url", HEADERS_URL);
    let Ok((iso, _)) = instantiate(&headers_url) else {
        return;
    };
    c.bench_function("request_headers_url_ops", |b| {
        b.iter(|| request(&rt, &iso, "http://bench/a/b?one=1&two=2&three=3"))
    });
}

criterion_group!(isolate, benches);
criterion_main!(isolate);
