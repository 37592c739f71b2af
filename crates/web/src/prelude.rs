//! The JS prelude: compiled to bytecode once per process, instantiated in every isolate.

use rquickjs::module::WriteOptions;
use rquickjs::{Context, Ctx, Function, Module, Object, Runtime};
use std::sync::OnceLock;
use verge_js::rquickjs;

/// The prelude's source: every `js/*.js` file, in name order, inside `export function install(ops)`.
const SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/prelude.js"));

/// The module name; no worker specifier can resolve to it (workers may import only their own files).
const NAME: &str = "verge:prelude";

fn compiled() -> Result<&'static [u8], String> {
    static BYTECODE: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    BYTECODE
        .get_or_init(|| {
            let rt = Runtime::new().map_err(|e| e.to_string())?;
            let cx = Context::full(&rt).map_err(|e| e.to_string())?;
            cx.with(|ctx| {
                let m = Module::declare(ctx.clone(), NAME, SOURCE).map_err(|e| {
                    let thrown = ctx.catch();
                    format!("prelude does not compile: {e} {thrown:?}")
                })?;
                m.write(WriteOptions {
                    strip_debug: true,
                    strip_source: true,
                    ..WriteOptions::default()
                })
                .map_err(|e| e.to_string())
            })
        })
        .as_ref()
        .map(|v| v.as_slice())
        .map_err(Clone::clone)
}

/// Evaluate the prelude in `ctx` and call its `install(ops)`; returns the prelude's entry object.
pub fn install<'js>(ctx: &Ctx<'js>, ops: Object<'js>) -> rquickjs::Result<Object<'js>> {
    let bytes = compiled().map_err(|m| rquickjs::Error::new_loading_message(NAME, m))?;
    // SAFETY: the bytes were written by `Module::write` in this process, from the prelude source built into
    // this binary.
    #[expect(unsafe_code, reason = "loading our own bytecode")]
    let module = unsafe { Module::load(ctx.clone(), bytes)? };
    let (module, _done) = module.eval()?;
    let install: Function<'js> = module.get("install")?;
    install.call((ops,))
}
