//! The JS prelude: compiled to bytecode at build time, instantiated in every isolate.

use rquickjs::{Ctx, Function, Module, Object};
use verge_js::rquickjs;

/// The prelude's bytecode: every `js/*.js` file, in name order, inside `export function install(ops)`,
/// compiled by `build.rs` with the QuickJS this binary embeds.
const BYTECODE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/prelude.bc"));

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
