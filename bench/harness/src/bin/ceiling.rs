//! The ceiling row of the benchmarks: a bare hyper hello-world server, built the way a verge node is (one
//! thread per core, each with a current-thread tokio runtime and its own `SO_REUSEPORT` listener, HTTP/1.1
//! and HTTP/2 auto-detected) but with no JavaScript at all. What the HTTP stack alone does on this machine.
//!
//! Usage: `verge-ceiling [--port 8080] [--threads N]`; prints `Ready on http://ADDR` when listening.

use anyhow::Context as _;
use bytes::Bytes;
use clap::Parser;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use socket2::{Domain, Protocol, Socket, Type};
use std::convert::Infallible;
use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};

/// Arguments.
#[derive(Parser)]
#[command(about = "A bare hyper hello-world server: the ceiling row of bench/run.sh")]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Server threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
}

fn bind(addr: SocketAddr, count: usize) -> std::io::Result<Vec<TcpListener>> {
    let mut out = Vec::with_capacity(count);
    let mut addr = addr;
    for _ in 0..count.max(1) {
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        socket.set_reuse_port(true)?;
        socket.set_nonblocking(true)?;
        socket.bind(&addr.into())?;
        socket.listen(1024)?;
        let listener: TcpListener = socket.into();
        addr = listener.local_addr()?;
        out.push(listener);
    }
    Ok(out)
}

async fn hello(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(b"Hello, world!\n")));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    Ok(response)
}

fn serve(listener: TcpListener) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        loop {
            let (stream, _) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let builder = auto::Builder::new(TokioExecutor::new());
                let _ = builder
                    .serve_connection(TokioIo::new(stream), service_fn(hello))
                    .await;
            });
        }
    })
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let listeners = bind(SocketAddr::from(([127, 0, 0, 1], args.port)), threads)
        .context("binding the listeners")?;
    let addr = listeners
        .first()
        .map(TcpListener::local_addr)
        .transpose()?
        .context("no listener")?;
    let handles: Vec<_> = listeners
        .into_iter()
        .map(|l| std::thread::spawn(move || serve(l)))
        .collect();
    let mut out = std::io::stdout().lock();
    writeln!(out, "Ready on http://{addr}")?;
    out.flush()?;
    drop(out);
    for h in handles {
        match h.join() {
            Ok(result) => result?,
            Err(_) => anyhow::bail!("a server thread panicked"),
        }
    }
    Ok(())
}
