//! The JS prelude: compiled to bytecode at build time. Every isolate installs its core; its chunks (streams, Web
//! Crypto's subtle, node:buffer, HTMLRewriter, ...) are loaded into an isolate the first time its worker reaches
//! them (see `build.rs`).

use rquickjs::{Ctx, Function, Module, Object};
use verge_js::ops::OpError;
use verge_js::rquickjs;

include!(concat!(env!("OUT_DIR"), "/chunks.rs"));

/// The prelude's bytecode: every `js/*.js` file, in name order, inside `export function install(ops)`,
/// compiled by `build.rs` with the QuickJS this binary embeds.
const BYTECODE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/prelude.bc"));

/// Register `loadChunk(name)` on the ops object: evaluates that chunk's module and returns its
/// `install(ops, scope)`. The prelude's core calls it at most once per chunk and isolate.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>) -> rquickjs::Result<()> {
    target.set(
        "loadChunk",
        Function::new(
            ctx.clone(),
            |ctx: Ctx<'js>, name: String| -> rquickjs::Result<Function<'js>> {
                let Some((_, bytes)) = CHUNKS.iter().find(|(n, _)| *n == name) else {
                    return Err(OpError::Type(format!("no prelude chunk {name}")).throw(&ctx));
                };
                // SAFETY: as for the core below: bytecode of this build, written by the same QuickJS.
                #[expect(unsafe_code, reason = "loading our own bytecode")]
                let module = unsafe { Module::load(ctx.clone(), bytes)? };
                let (module, _done) = module.eval()?;
                module.get("install")
            },
        )?,
    )
}

/// Evaluate the prelude in `ctx` and call its `install(ops)`; returns the prelude's entry object.
pub fn install<'js>(ctx: &Ctx<'js>, ops: Object<'js>) -> rquickjs::Result<Object<'js>> {
    // SAFETY: the bytes were written by `Module::write` of the same QuickJS (the same rquickjs version, the
    // workspace's), at build time, from the prelude source of this build.
    #[expect(unsafe_code, reason = "loading our own bytecode")]
    let module = unsafe { Module::load(ctx.clone(), BYTECODE)? };
    let (module, _done) = module.eval()?;
    let install: Function<'js> = module.get("install")?;
    install.call((ops,))
}
