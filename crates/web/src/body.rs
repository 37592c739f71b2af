//! Host-side bodies (an incoming request's, a subrequest's response) that JS reads chunk by chunk.

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::UnsyncBoxBody;
use rquickjs::{Ctx, Function, Object, TypedArray};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use verge_js::Ops;
use verge_js::ops::OpError;
use verge_js::rquickjs;

/// An error inside a body stream.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A streaming HTTP body as verge passes it around.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// Bodies JS can read, by handle.
#[derive(Default)]
pub struct BodyTable {
    next: Cell<u32>,
    bodies: RefCell<HashMap<u32, Body>>,
}

impl BodyTable {
    /// Keep `body` and return its handle.
    pub fn insert(&self, body: Body) -> u32 {
        let id = self.next.get().wrapping_add(1).max(1);
        self.next.set(id);
        self.bodies.borrow_mut().insert(id, body);
        id
    }
    /// Take a body out (to stream it natively, or to drop it).
    pub fn take(&self, id: u32) -> Option<Body> {
        self.bodies.borrow_mut().remove(&id)
    }
    /// Drop every body.
    pub fn clear(&self) {
        self.bodies.borrow_mut().clear();
    }
}

/// Read the next data chunk of a body; `None` at the end. Trailers are skipped.
pub async fn next_data(body: &mut Body) -> Result<Option<Bytes>, BoxError> {
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data()
            && !data.is_empty()
        {
            return Ok(Some(data));
        }
    }
    Ok(None)
}

/// Copy a `Uint8Array`'s bytes out of the JS heap.
pub fn copy_bytes(array: &TypedArray<'_, u8>) -> Vec<u8> {
    match array.as_raw() {
        // SAFETY: the pointer is valid for the array's length while no JS runs; we copy before returning.
        #[expect(unsafe_code, reason = "reading a typed array's backing store")]
        Some(ptr) => unsafe { ptr.as_ref().to_vec() },
        None => Vec::new(),
    }
}

/// Register `bodyRead(handle)` and `bodyCancel(handle)` on the ops object.
pub fn register<'js>(
    ctx: &Ctx<'js>,
    target: &Object<'js>,
    ops: &Rc<Ops>,
    table: &Rc<BodyTable>,
) -> rquickjs::Result<()> {
    let (o, t) = (ops.clone(), table.clone());
    target.set(
        "bodyRead",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, id: u32| {
            let Some(mut body) = t.take(id) else {
                return Err(
                    OpError::Type("body stream is closed or already being read".into()).throw(&ctx),
                );
            };
            let table = t.clone();
            let (_, promise) = o.spawn(&ctx, async move {
                match next_data(&mut body).await {
                    Ok(Some(bytes)) => {
                        table.bodies.borrow_mut().insert(id, body);
                        Ok(verge_js::ops::bytes(bytes.to_vec()))
                    }
                    Ok(None) => Ok(verge_js::ops::null()),
                    Err(e) => Err(OpError::Type(format!("body stream failed: {e}"))),
                }
            })?;
            Ok(promise)
        })?,
    )?;
    let t = table.clone();
    target.set(
        "bodyCancel",
        Function::new(ctx.clone(), move |id: u32| {
            t.take(id);
        })?,
    )?;
    Ok(())
}
