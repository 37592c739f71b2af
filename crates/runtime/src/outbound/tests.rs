//! Gateway tests against a real hyper server on 127.0.0.1.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use verge_core::OutboundPolicy;

use super::{BlockReason, Gateway, GatewayConfig, OutboundError, TimeoutPhase};

struct TestServer {
    addr: SocketAddr,
    accepts: Arc<AtomicUsize>,
}

impl TestServer {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepts = Arc::new(AtomicUsize::new(0));
        let counter = accepts.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service_fn(handle))
                        .await;
                });
            }
        });
        Self { addr, accepts }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn accepts(&self) -> usize {
        self.accepts.load(Ordering::SeqCst)
    }
}

async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let response = match req.uri().path() {
        "/redirect" => Response::builder()
            .status(StatusCode::FOUND)
            .header("location", "/")
            .body(Full::new(Bytes::new())),
        "/headers" => {
            let host = req
                .headers()
                .get("host")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let mut names: Vec<&str> = req.headers().keys().map(|n| n.as_str()).collect();
            names.sort_unstable();
            let body = format!("host={host}\nnames={}", names.join(","));
            Response::builder().body(Full::new(Bytes::from(body)))
        }
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Response::builder().body(Full::new(Bytes::new()))
        }
        _ => {
            let body = req.into_body().collect().await.map(|b| b.to_bytes());
            let echo = body.unwrap_or_default();
            let text = format!("hello, {} bytes received", echo.len());
            Response::builder()
                .header("connection", "keep-alive")
                .body(Full::new(Bytes::from(text)))
        }
    };
    Ok(response.unwrap())
}

fn get(url: &str) -> Request<Full<Bytes>> {
    Request::get(url).body(Full::new(Bytes::new())).unwrap()
}

const STRICT: OutboundPolicy = OutboundPolicy {
    allow_private: false,
};
const OPEN: OutboundPolicy = OutboundPolicy {
    allow_private: true,
};

async fn text(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn ip_literal_blocked_without_allow_private() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let err = gateway
        .send(get(&server.url("/")), &STRICT)
        .await
        .unwrap_err();
    match &err {
        OutboundError::Blocked { host, reason } => {
            assert_eq!(host, "127.0.0.1");
            assert_eq!(*reason, BlockReason::Loopback);
        }
        other => panic!("expected Blocked, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "fetch to 127.0.0.1 refused: loopback addresses are not reachable from workers \
         (set outbound.allow_private = true in verge.toml to allow)"
    );
    assert_eq!(server.accepts(), 0);
}

#[tokio::test]
async fn mapped_ipv6_literal_blocked() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let url = format!("http://[::ffff:127.0.0.1]:{}/", server.addr.port());
    let err = gateway.send(get(&url), &STRICT).await.unwrap_err();
    assert!(
        matches!(
            err,
            OutboundError::Blocked {
                reason: BlockReason::Loopback,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.accepts(), 0);
}

#[tokio::test]
async fn allowed_with_allow_private() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let request = Request::post(server.url("/"))
        .body(Full::new(Bytes::from_static(b"12345")))
        .unwrap();
    let response = gateway.send(request, &OPEN).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("connection").is_none());
    assert_eq!(text(response).await, "hello, 5 bytes received");
}

#[tokio::test]
async fn localhost_blocked_at_connect_time() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let url = format!("http://localhost:{}/", server.addr.port());
    let err = gateway.send(get(&url), &STRICT).await.unwrap_err();
    match &err {
        OutboundError::Blocked { host, reason } => {
            assert_eq!(host, "localhost");
            assert_eq!(*reason, BlockReason::Loopback);
        }
        other => panic!("expected Blocked, got {other:?}"),
    }
    assert!(err.js_message().contains("allow_private"));
    assert_eq!(server.accepts(), 0);

    let response = gateway.send(get(&url), &OPEN).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn non_http_scheme_rejected() {
    let gateway = Gateway::new(GatewayConfig::default());
    for url in ["ftp://example.com/file", "ws://example.com/socket"] {
        let err = gateway.send(get(url), &OPEN).await.unwrap_err();
        assert!(
            matches!(err, OutboundError::Scheme { .. }),
            "{url}: {err:?}"
        );
    }
    let err = gateway.send(get("/relative"), &OPEN).await.unwrap_err();
    assert!(matches!(err, OutboundError::InvalidUrl(_)), "{err:?}");
}

#[tokio::test]
async fn connection_reused() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    for _ in 0..2 {
        let response = gateway.send(get(&server.url("/")), &OPEN).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        text(response).await;
        // Let the client's background task return the idle connection to the pool.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.accepts(), 1);
}

#[tokio::test]
async fn redirects_returned_as_is() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let response = gateway
        .send(get(&server.url("/redirect")), &OPEN)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/");
}

#[tokio::test]
async fn hop_by_hop_stripped_and_host_set() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let request = Request::get(server.url("/headers?x=1"))
        .header("host", "evil.example")
        .header("connection", "close")
        .header("keep-alive", "timeout=5")
        .header("proxy-authorization", "Basic eDp5")
        .header("te", "trailers")
        .header("upgrade", "h2c")
        .header("x-custom", "kept")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let response = gateway.send(request, &OPEN).await.unwrap();
    let body = text(response).await;
    assert_eq!(
        body,
        format!("host={}\nnames=host,x-custom", server.addr),
        "no user-agent is added by default either"
    );
}

#[tokio::test]
async fn connection_refused_is_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let gateway = Gateway::new(GatewayConfig::default());
    let err = gateway
        .send(get(&format!("http://{addr}/")), &OPEN)
        .await
        .unwrap_err();
    match &err {
        OutboundError::Connect { host, reason } => {
            assert_eq!(host, "127.0.0.1");
            assert_eq!(reason, "connection refused");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[tokio::test]
async fn tls_failure_is_connect_error() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig::default());
    let url = format!("https://{}/", server.addr);
    let err = gateway.send(get(&url), &OPEN).await.unwrap_err();
    match &err {
        OutboundError::Connect { reason, .. } => {
            assert!(reason.starts_with("TLS handshake failed"), "{reason}");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}

#[tokio::test]
async fn response_timeout() {
    let server = TestServer::start().await;
    let gateway = Gateway::new(GatewayConfig {
        response_timeout: Some(Duration::from_millis(100)),
        ..GatewayConfig::default()
    });
    let err = gateway
        .send(get(&server.url("/slow")), &OPEN)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            OutboundError::Timeout {
                phase: TimeoutPhase::Response,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn builds_outside_a_runtime() {
    let gateway = Gateway::new(GatewayConfig::default());
    assert_eq!(gateway.config().max_idle_per_host, 32);
    fn assert_shareable<T: Clone + Send + Sync + 'static>(_: &T) {}
    assert_shareable(&gateway);
}
