//! Host operations: futures run by the host whose results settle JS promises.
//!
//! A Web API that does I/O (a timer, a body read, a subrequest) calls [`Ops::spawn`] with a future; JS gets a
//! promise at once. The isolate's driver ([`crate::Isolate::drive`]) polls the futures while no JS runs and
//! settles each promise when its future completes. Futures never touch the JS heap: they return a
//! [`Completion`] that turns their result into a JS value once the driver is back inside the context.

use futures::future::{AbortHandle, Abortable, LocalBoxFuture};
use futures::stream::{FuturesUnordered, StreamExt};
use rquickjs::{Ctx, Exception, Function, Persistent, Promise, Value};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;

/// Turns a host result into a JS value, inside the context.
pub type Completion = Box<dyn for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<Value<'js>>>;

/// An error a host operation rejects its promise with, by JS class.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum OpError {
    /// A `TypeError` (what fetch rejects with on network errors).
    Type(String),
    /// A `RangeError`.
    Range(String),
    /// A plain `Error`.
    Error(String),
}

impl OpError {
    /// Create the JS error value.
    pub fn to_js<'js>(&self, ctx: &Ctx<'js>) -> Value<'js> {
        let (ctor, msg) = match self {
            Self::Type(m) => ("TypeError", m),
            Self::Range(m) => ("RangeError", m),
            Self::Error(m) => ("Error", m),
        };
        let made: rquickjs::Result<Value<'js>> = ctx
            .globals()
            .get::<_, rquickjs::Constructor<'js>>(ctor)
            .and_then(|c| c.construct((msg.as_str(),)));
        match made {
            Ok(v) => v,
            Err(_) => Exception::from_message(ctx.clone(), msg)
                .map(|e| e.into_value())
                .unwrap_or_else(|_| Value::new_undefined(ctx.clone())),
        }
    }

    /// Throw this error into JS from a native function.
    pub fn throw(&self, ctx: &Ctx<'_>) -> rquickjs::Error {
        ctx.throw(self.to_js(ctx))
    }
}

/// The outcome of a host operation.
pub type OpResult = Result<Completion, OpError>;

type Resolvers = (Persistent<Function<'static>>, Persistent<Function<'static>>);

/// A running operation: its id, and its result unless it was cancelled.
type Running = LocalBoxFuture<'static, (u64, Option<OpResult>)>;

/// The pending host operations of one isolate, and its clock.
///
/// The clock JS sees (`Date.now()`, `performance.now()`) only moves when I/O completes or a request starts, as
/// on Workers: a script cannot time its own code to measure side channels.
#[derive(Default)]
pub struct Ops {
    clock_ms: Cell<f64>,
    next_id: Cell<u64>,
    resolvers: RefCell<HashMap<u64, Resolvers>>,
    aborts: RefCell<HashMap<u64, AbortHandle>>,
    futures: RefCell<FuturesUnordered<Running>>,
}

impl Ops {
    /// Move the isolate's clock to now.
    pub fn tick(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0);
        self.clock_ms.set(now);
    }

    /// The isolate's clock: milliseconds since the Unix epoch, as of the last I/O.
    pub fn now(&self) -> f64 {
        if self.clock_ms.get() == 0.0 {
            self.tick();
        }
        self.clock_ms.get()
    }

    /// Run `future` on the host and return a promise for its result, with an id to [`cancel`](Self::cancel) it.
    pub fn spawn<'js, F>(&self, ctx: &Ctx<'js>, future: F) -> rquickjs::Result<(u64, Promise<'js>)>
    where
        F: Future<Output = OpResult> + 'static,
    {
        let (promise, resolve, reject) = ctx.promise()?;
        let id = self.next_id.get() + 1;
        self.next_id.set(id);
        self.resolvers.borrow_mut().insert(
            id,
            (
                Persistent::save(ctx, resolve),
                Persistent::save(ctx, reject),
            ),
        );
        let (handle, registration) = AbortHandle::new_pair();
        self.aborts.borrow_mut().insert(id, handle);
        let fut = Abortable::new(future, registration);
        self.futures
            .borrow_mut()
            .push(Box::pin(async move { (id, fut.await.ok()) }));
        Ok((id, promise))
    }

    /// Cancel an operation: its future is dropped and its promise never settles.
    pub fn cancel(&self, id: u64) {
        if let Some(h) = self.aborts.borrow_mut().remove(&id) {
            h.abort();
        }
        self.resolvers.borrow_mut().remove(&id);
    }

    /// Whether any operation is still running.
    pub fn is_idle(&self) -> bool {
        self.resolvers.borrow().is_empty()
    }

    /// Wait for the next operation to complete. `None` when none is pending.
    pub async fn next(&self) -> Option<(u64, OpResult)> {
        loop {
            let polled = futures::future::poll_fn(|cx| {
                let mut futs = self.futures.borrow_mut();
                if futs.is_empty() {
                    return std::task::Poll::Ready(None);
                }
                futs.poll_next_unpin(cx)
            })
            .await;
            match polled {
                None => return None,
                Some((id, Some(result))) => return Some((id, result)),
                // Cancelled: keep waiting for a live one.
                Some((_, None)) => continue,
            }
        }
    }

    /// Settle the promise of operation `id` with its result. Call inside the context.
    pub fn settle<'js>(&self, ctx: &Ctx<'js>, id: u64, result: OpResult) -> rquickjs::Result<()> {
        self.tick();
        self.aborts.borrow_mut().remove(&id);
        let Some((resolve, reject)) = self.resolvers.borrow_mut().remove(&id) else {
            return Ok(());
        };
        match result {
            Ok(complete) => match complete(ctx) {
                Ok(value) => resolve.restore(ctx)?.call::<_, ()>((value,)),
                Err(rquickjs::Error::Exception) => {
                    let thrown = ctx.catch();
                    reject.restore(ctx)?.call::<_, ()>((thrown,))
                }
                Err(e) => reject
                    .restore(ctx)?
                    .call::<_, ()>((OpError::Error(e.to_string()).to_js(ctx),)),
            },
            Err(err) => reject.restore(ctx)?.call::<_, ()>((err.to_js(ctx),)),
        }
    }

    /// Drop every pending operation (the request is over or the isolate is being discarded).
    pub fn clear(&self) {
        for (_, h) in self.aborts.borrow_mut().drain() {
            h.abort();
        }
        self.resolvers.borrow_mut().clear();
        self.futures.borrow_mut().clear();
    }
}

/// A completion that resolves to `undefined`.
pub fn undefined() -> Completion {
    Box::new(|ctx| Ok(Value::new_undefined(ctx.clone())))
}

/// Box a completion closure (helps type inference of the higher-ranked closure).
pub fn complete<F>(f: F) -> Completion
where
    F: for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<Value<'js>> + 'static,
{
    Box::new(f)
}

/// A completion that resolves to `null`.
pub fn null() -> Completion {
    complete(|ctx| Ok(Value::new_null(ctx.clone())))
}

/// A completion that resolves to a `Uint8Array` holding `bytes`.
pub fn bytes(bytes: Vec<u8>) -> Completion {
    complete(move |ctx| rquickjs::TypedArray::<u8>::new(ctx.clone(), bytes).map(|a| a.into_value()))
}
