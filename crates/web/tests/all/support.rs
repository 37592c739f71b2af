//! Build an isolate from in-memory files and run requests through it.

use bytes::Bytes;
use futures::future::LocalBoxFuture;
use http_body_util::{BodyExt, Full};
use std::collections::BTreeMap;
use std::rc::Rc;
use verge_js::ops::OpError;
use verge_js::{Isolate, IsolateConfig};
use verge_web::dispatch::{self, ResponseBody};
use verge_web::{Body, Host, WebSetup};

pub struct NoNetwork;

impl Host for NoNetwork {
    fn fetch(
        &self,
        _request: http::Request<Full<Bytes>>,
    ) -> LocalBoxFuture<'static, Result<http::Response<Body>, OpError>> {
        Box::pin(async { Err(OpError::Type("no network in this test".into())) })
    }
}

/// A network that answers slowly: `/slow-head` never sends its head, `/slow-body` sends its head and one
/// chunk, then nothing. `dropped` counts subrequests whose future was dropped (the host's side of an abort).
#[derive(Default)]
pub struct SlowHost {
    pub dropped: std::sync::Arc<std::sync::atomic::AtomicU32>,
}

struct CountDrop(std::sync::Arc<std::sync::atomic::AtomicU32>);

impl Drop for CountDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Host for SlowHost {
    fn fetch(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> LocalBoxFuture<'static, Result<http::Response<Body>, OpError>> {
        let guard = CountDrop(self.dropped.clone());
        let path = request.uri().path().to_owned();
        Box::pin(async move {
            if path == "/slow-body" {
                let first = futures::stream::once(async {
                    Ok::<_, verge_web::BoxError>(http_body::Frame::data(Bytes::from_static(
                        b"first",
                    )))
                });
                let rest = futures::stream::once(async move {
                    let _guard = guard;
                    futures::future::pending::<()>().await;
                    Ok(http_body::Frame::data(Bytes::new()))
                });
                let body = http_body_util::StreamBody::new(futures::StreamExt::chain(first, rest));
                return Ok(http::Response::new(body.boxed_unsync()));
            }
            let _guard = guard;
            futures::future::pending::<()>().await;
            Err(OpError::Type("unreachable".into()))
        })
    }
}

pub fn config() -> IsolateConfig {
    IsolateConfig {
        name: "test".into(),
        limits: verge_core::Limits::default(),
        env: BTreeMap::from([("GREETING".to_owned(), "hi".to_owned())]),
        allow_eval: false,
    }
}

/// Compile `files` (path, source) with the first as main, and instantiate an isolate from the bytecode.
pub fn isolate(files: &[(&str, &str)]) -> Result<Isolate, verge_js::Error> {
    isolate_with(false, files)
}

/// [`isolate`], with `eval` allowed or not.
pub fn isolate_with(allow_eval: bool, files: &[(&str, &str)]) -> Result<Isolate, verge_js::Error> {
    let config = IsolateConfig {
        allow_eval,
        ..config()
    };
    let map: BTreeMap<String, String> = files
        .iter()
        .map(|(p, s)| ((*p).to_owned(), (*s).to_owned()))
        .collect();
    let main = files[0].0;
    let read = Box::new(move |p: &str| {
        map.get(p)
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, p.to_owned()))
    });
    let (compiled, _) = verge_js::compile::compile(&config, &WebSetup, main, read)?;
    Isolate::new(
        &config,
        &WebSetup,
        main,
        verge_js::loader::Source::Bytecode(std::sync::Arc::new(compiled)),
    )
}

/// Run one request; returns status, headers and the whole body as text.
pub async fn request(
    isolate: &Isolate,
    method: &str,
    url: &str,
    body: Option<&str>,
) -> Result<(u16, Vec<(String, String)>, String), verge_js::Error> {
    request_with_host(isolate, method, url, body, Rc::new(NoNetwork)).await
}

/// [`request`] with `host` answering the worker's subrequests.
pub async fn request_with_host(
    isolate: &Isolate,
    method: &str,
    url: &str,
    body: Option<&str>,
    host: Rc<dyn Host>,
) -> Result<(u16, Vec<(String, String)>, String), verge_js::Error> {
    let body: Body = match body {
        Some(b) => Full::new(Bytes::from(b.to_owned()))
            .map_err(|e| match e {})
            .boxed_unsync(),
        None => http_body_util::Empty::new()
            .map_err(|e| match e {})
            .boxed_unsync(),
    };
    let req = http::Request::builder()
        .method(method)
        .uri(url)
        .body(body)
        .unwrap();
    let resp = dispatch::dispatch(isolate, req, url, "{}", host).await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            dispatch::end(isolate);
            return Err(e);
        }
    };
    let text = match resp.body {
        ResponseBody::Empty => Vec::new(),
        ResponseBody::Bytes(b) => b.to_vec(),
        ResponseBody::Host(b) => b.collect().await.unwrap().to_bytes().to_vec(),
        ResponseBody::Js(s) => {
            let mut out = Vec::new();
            while let Some(chunk) = dispatch::next_chunk(isolate, &s).await? {
                out.extend_from_slice(&chunk);
            }
            out
        }
    };
    dispatch::end(isolate);
    let headers = resp
        .headers
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect();
    Ok((
        resp.status,
        headers,
        String::from_utf8_lossy(&text).into_owned(),
    ))
}

/// Evaluate `expr` inside a request and return its JSON-serialised value.
pub async fn eval(expr: &str) -> String {
    eval_with_host(expr, Rc::new(NoNetwork)).await
}

/// [`eval`] with `host` answering the worker's subrequests.
pub async fn eval_with_host(expr: &str, host: Rc<dyn Host>) -> String {
    let src = format!(
        "export default {{ async fetch(request, env, ctx) {{ const v = await (async () => {{ {expr} }})(); return new Response(JSON.stringify(v)); }} }}"
    );
    let iso = isolate(&[("w.js", &src)]).unwrap_or_else(|e| panic!("{e}"));
    let (status, _, body) = request_with_host(&iso, "GET", "http://localhost/", None, host)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(status, 200, "{body}");
    body
}
