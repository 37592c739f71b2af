//! The host side of WPT's `fetch/content-length` data: a raw HTTP/1.1 server that writes each case's
//! `Content-Length` lines verbatim (as WPT's `content-length.py` does), reached through a hyper HTTP/1 client
//! connection, the HTTP/1 stack of verge's outbound gateway. What the worker sees is how that stack frames a
//! response with odd or duplicate `Content-Length` headers.

use bytes::Bytes;
use futures::future::LocalBoxFuture;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use verge_js::ops::OpError;
use verge_web::{Body, BoxError, Host};

/// A [`Host`] whose every fetch goes to the raw server on 127.0.0.1.
pub struct RawServerHost {
    addr: SocketAddr,
}

impl RawServerHost {
    /// Bind the server and spawn its accept loop on `runtime` (it runs while the runtime drives the worker).
    pub fn start(runtime: &tokio::runtime::Runtime) -> Self {
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket));
            }
        });
        Self { addr }
    }
}

/// Answer one request: the `length` query parameter verbatim as header lines, then 42 bytes, then close.
async fn serve(mut socket: TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or("");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let length = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "length")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\n{length}\r\n\r\nFact: this is really forty-two bytes long."
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

impl Host for RawServerHost {
    fn fetch(
        &self,
        request: http::Request<Full<Bytes>>,
    ) -> LocalBoxFuture<'static, Result<http::Response<Body>, OpError>> {
        let addr = self.addr;
        Box::pin(async move {
            let fail = |e: &dyn std::fmt::Display| OpError::Type(format!("fetch failed: {e}"));
            let stream = TcpStream::connect(addr).await.map_err(|e| fail(&e))?;
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|e| fail(&e))?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            let response = sender.send_request(request).await.map_err(|e| fail(&e))?;
            Ok(response.map(|b| b.map_err(|e| Box::new(e) as BoxError).boxed_unsync()))
        })
    }
}
