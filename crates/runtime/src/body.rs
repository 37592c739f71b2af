//! Bodies the runtime makes: a response body fed from a task with backpressure, and a request body that
//! enforces the body-size limit.

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::mpsc;
use verge_core::{Violation, ViolationKind};
use verge_web::BoxError;

/// The receiving end of a streamed response: a `http_body::Body`.
///
/// If the producer goes away without calling [`ChannelSender::finish`], the body ends with an error rather
/// than looking complete, so a client never mistakes a cut-off response for a whole one.
pub struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
    finished: Arc<AtomicBool>,
}

/// The producing end of a [`ChannelBody`].
#[derive(Clone)]
pub struct ChannelSender {
    tx: mpsc::Sender<Bytes>,
    finished: Arc<AtomicBool>,
}

impl ChannelSender {
    /// Send one chunk, waiting while the client is slower than the worker. `false` if the client is gone.
    pub async fn send(&self, chunk: Bytes) -> bool {
        self.tx.send(chunk).await.is_ok()
    }
    /// Mark the body complete.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::Release);
    }
}

impl ChannelBody {
    /// A body and the sender that feeds it; at most `depth` chunks wait in between.
    pub fn new(depth: usize) -> (ChannelSender, Self) {
        let (tx, rx) = mpsc::channel(depth.max(1));
        let finished = Arc::new(AtomicBool::new(false));
        (
            ChannelSender {
                tx,
                finished: finished.clone(),
            },
            Self { rx, finished },
        )
    }
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Poll::Ready(None) if self.finished.load(Ordering::Acquire) => Poll::Ready(None),
            Poll::Ready(None) => {
                Poll::Ready(Some(Err("the worker's response stream was aborted".into())))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// Where a [`LimitedBody`] records that it went over its limit, and leaves the unread rest of the body.
pub struct Tripwire<B> {
    violation: Mutex<Option<Violation>>,
    rest: Mutex<Option<B>>,
}

impl<B> Default for Tripwire<B> {
    fn default() -> Self {
        Self {
            violation: Mutex::new(None),
            rest: Mutex::new(None),
        }
    }
}

impl<B> Tripwire<B> {
    /// The violation, once the body went over its limit.
    pub fn violation(&self) -> Option<Violation> {
        self.violation.lock().ok().and_then(|v| v.clone())
    }

    /// The part of the body that was never read, once the body went over its limit.
    pub fn take_rest(&self) -> Option<B> {
        self.rest.lock().ok().and_then(|mut r| r.take())
    }
}

/// A request body that fails, and records the violation, once more than `limit` bytes arrive.
///
/// The unread rest of the body is left in the [`Tripwire`], so the node can read and discard it while the
/// client is sent its 413: a client still uploading would otherwise see a reset connection, not the answer.
pub struct LimitedBody<B> {
    inner: Option<B>,
    seen: u64,
    limit: u64,
    tripwire: Arc<Tripwire<B>>,
}

impl<B> LimitedBody<B> {
    /// Wrap `inner`.
    pub fn new(inner: B, limit: u64, tripwire: Arc<Tripwire<B>>) -> Self {
        Self {
            inner: Some(inner),
            seen: 0,
            limit,
            tripwire,
        }
    }
}

impl<B> Body for LimitedBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Ready(Some(Err("the request body is over its size limit".into())));
        };
        let polled = Pin::new(inner).poll_frame(cx);
        match polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.seen += data.len() as u64;
                    if self.seen > self.limit {
                        let v = Violation {
                            kind: ViolationKind::RequestBody,
                            used: self.seen as f64,
                            limit: self.limit as f64,
                        };
                        let msg = v.to_string();
                        if let Ok(mut t) = self.tripwire.violation.lock() {
                            t.get_or_insert(v);
                        }
                        let rest = self.inner.take();
                        if let Ok(mut r) = self.tripwire.rest.lock() {
                            *r = rest;
                        }
                        return Poll::Ready(Some(Err(msg.into())));
                    }
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(|b| b.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map(|b| b.size_hint())
            .unwrap_or_default()
    }
}

/// Read and discard what is left of a rejected request body, for at most `max_bytes` or `max_time`, so the
/// client gets to read the response instead of a reset connection (a "lingering close").
pub async fn drain<B>(mut body: B, max_bytes: u64, max_time: Duration)
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut seen = 0u64;
    let _ = tokio::time::timeout(max_time, async {
        while let Some(Ok(frame)) = body.frame().await {
            seen += frame.data_ref().map_or(0, |d| d.len() as u64);
            if seen > max_bytes {
                break;
            }
        }
    })
    .await;
}
