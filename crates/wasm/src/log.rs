//! The guest's stdout and stderr: each line becomes a log line tagged with the worker's name, as JS
//! `console` output does (target `verge::console`; stdout at info level, stderr at error level).

use bytes::Bytes;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// A line longer than this is logged in pieces.
const MAX_LINE: usize = 8 * 1024;
/// Bytes a guest may write to its log per request; the rest is dropped (with one note saying so).
const MAX_PER_REQUEST: usize = 1 << 20;

/// Which stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// stdout: info level.
    Stdout,
    /// stderr: error level.
    Stderr,
}

#[derive(Debug, Default)]
struct Pending {
    line: Vec<u8>,
    written: usize,
    truncated: bool,
}

/// One stream of one request's guest, written to the log line by line.
#[derive(Debug, Clone)]
pub struct LogStream {
    worker: Arc<str>,
    stream: Stream,
    pending: Arc<Mutex<Pending>>,
}

impl LogStream {
    /// A stream of `worker`'s log.
    pub fn new(worker: Arc<str>, stream: Stream) -> Self {
        Self {
            worker,
            stream,
            pending: Arc::default(),
        }
    }

    fn emit(&self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        let w = &*self.worker;
        match self.stream {
            Stream::Stdout => tracing::info!(target: "verge::console", worker = w, "{text}"),
            Stream::Stderr => tracing::error!(target: "verge::console", worker = w, "{text}"),
        }
    }

    fn push(&self, mut bytes: &[u8]) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if p.written >= MAX_PER_REQUEST {
            if !p.truncated {
                p.truncated = true;
                tracing::warn!(
                    target: "verge::console",
                    worker = &*self.worker,
                    "log output over {MAX_PER_REQUEST} bytes in one request; the rest is dropped"
                );
            }
            return;
        }
        p.written += bytes.len();
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            p.line.extend_from_slice(&bytes[..nl]);
            let line = std::mem::take(&mut p.line);
            self.emit(&line);
            bytes = &bytes[nl + 1..];
        }
        p.line.extend_from_slice(bytes);
        while p.line.len() >= MAX_LINE {
            let rest = p.line.split_off(MAX_LINE);
            let line = std::mem::replace(&mut p.line, rest);
            self.emit(&line);
        }
    }

    /// Log what is left of an unfinished last line.
    pub fn finish(&self) {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if !p.line.is_empty() {
            let line = std::mem::take(&mut p.line);
            drop(p);
            self.emit(&line);
        }
    }
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

impl tokio::io::AsyncWrite for LogStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.push(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LogStream {
    async fn ready(&mut self) {}
}

impl OutputStream for LogStream {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_keeps_the_rest() {
        let s = LogStream::new("w".into(), Stream::Stdout);
        s.push(b"one\ntw");
        s.push(b"o\r\nthree");
        let p = s.pending.lock().unwrap();
        assert_eq!(p.line, b"three");
        drop(p);
        s.finish();
        assert!(s.pending.lock().unwrap().line.is_empty());
    }

    #[test]
    fn long_lines_are_cut() {
        let s = LogStream::new("w".into(), Stream::Stderr);
        s.push(&vec![b'x'; MAX_LINE * 2 + 10]);
        assert_eq!(s.pending.lock().unwrap().line.len(), 10);
    }
}
