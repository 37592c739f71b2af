//! `console`: the prelude formats the arguments; the host writes one log line with the worker's name.

use rquickjs::{Ctx, Function, Object};
use verge_js::rquickjs;

/// Register `log(level, message)`.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>, worker: &str) -> rquickjs::Result<()> {
    let worker = worker.to_owned();
    target.set(
        "log",
        Function::new(ctx.clone(), move |level: String, message: String| {
            let w = worker.as_str();
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
