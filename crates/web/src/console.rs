//! `console`: the prelude formats the arguments; the host writes one log line with the worker's name.

use rquickjs::{Ctx, Function, Object};
use std::cell::RefCell;
use std::rc::Rc;
use verge_js::rquickjs;

/// The worker's name, as console lines show it; set when the isolate is given its worker.
pub type WorkerName = Rc<RefCell<String>>;

/// Register `log(level, message)`.
pub fn register<'js>(
    ctx: &Ctx<'js>,
    target: &Object<'js>,
    worker: &WorkerName,
) -> rquickjs::Result<()> {
    let worker = worker.clone();
    target.set(
        "log",
        Function::new(ctx.clone(), move |level: String, message: String| {
            let name = worker.borrow();
            let w = name.as_str();
            match level.as_str() {
                "error" => tracing::error!(target: "verge::console", worker = w, "{message}"),
                "warn" => tracing::warn!(target: "verge::console", worker = w, "{message}"),
                "debug" => tracing::debug!(target: "verge::console", worker = w, "{message}"),
                _ => tracing::info!(target: "verge::console", worker = w, "{message}"),
            }
        })?,
    )?;
    Ok(())
}
