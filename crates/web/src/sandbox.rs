//! Sandbox hygiene the prelude applies on top of QuickJS: the isolate's coarse clock, and built-in modules.

use rquickjs::{Ctx, Function, Object};
use std::rc::Rc;
use verge_js::Ops;
use verge_js::rquickjs;

/// Register `now()`: the isolate's clock, which moves only across I/O.
pub fn register<'js>(ctx: &Ctx<'js>, target: &Object<'js>, ops: &Rc<Ops>) -> rquickjs::Result<()> {
    let o = ops.clone();
    target.set("now", Function::new(ctx.clone(), move || o.now())?)?;
    Ok(())
}

/// Export names of each built-in module; the prelude fills in their values with `defineNodeModule`.
const NODE_MODULES: &[(&str, &[&str])] = &[(
    "buffer",
    &[
        "Buffer",
        "kMaxLength",
        "constants",
        "atob",
        "btoa",
        "isUtf8",
        "isAscii",
    ],
)];

/// The source of a built-in module, for `import { Buffer } from "node:buffer"`.
pub fn builtin_source(specifier: &str) -> Option<String> {
    let name = specifier.strip_prefix("node:")?;
    let (_, exports) = NODE_MODULES.iter().find(|(n, _)| *n == name)?;
    let mut src = format!(
        "const m = globalThis[Symbol.for(\"verge.node\")]?.[{name:?}];\n\
         if (!m) throw new Error(\"node:{name} is not available\");\n\
         export default m;\n"
    );
    for e in *exports {
        src.push_str(&format!("export const {e} = m.{e};\n"));
    }
    Some(src)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_known_node_modules() {
        let src = super::builtin_source("node:buffer").unwrap();
        assert!(src.contains("export const Buffer = m.Buffer;"));
        assert!(super::builtin_source("node:fs").is_none());
        assert!(super::builtin_source("buffer").is_none());
    }
}
