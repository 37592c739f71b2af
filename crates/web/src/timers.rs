//! Timers: `setTimeout`/`setInterval` wait on the host's clock as host operations.
//!
//! Every timer of a request is cancelled when the request ends, unless `ctx.waitUntil` keeps it alive.

use rquickjs::{Ctx, Function, Object};
use std::rc::Rc;
use std::time::Duration;
use verge_js::rquickjs;
use verge_js::{Ops, ops};

/// Register `timer(ms)` (returns `[id, promise]`) and `cancel(id)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>, ops: &Rc<Ops>) -> rquickjs::Result<()> {
    let o = ops.clone();
    target.set(
        "timer",
        Function::new(ctx.clone(), move |ctx: Ctx<'js>, ms: f64| {
            let ms = if ms.is_finite() && ms > 0.0 {
                ms.min(2_147_483_647.0)
            } else {
                0.0
            };
            let delay = Duration::from_secs_f64(ms / 1e3);
            let (id, promise) = o.spawn(&ctx, async move {
                tokio::time::sleep(delay).await;
                Ok(ops::undefined())
            })?;
            // Ids are exact in a double up to 2^53.
            let pair = rquickjs::Array::new(ctx.clone())?;
            #[expect(clippy::cast_precision_loss, reason = "op ids stay far below 2^53")]
            pair.set(0, id as f64)?;
            pair.set(1, promise)?;
            Ok::<_, rquickjs::Error>(pair)
        })?,
    )?;
    let o = ops.clone();
    target.set(
        "cancel",
        Function::new(ctx.clone(), move |id: f64| {
            if id.is_finite() && id >= 0.0 {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "checked above"
                )]
                o.cancel(id as u64);
            }
        })?,
    )?;
    Ok(())
}
