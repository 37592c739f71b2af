//! Module resolution and loading for a worker's bundle.
//!
//! Specifiers are resolved relative to the importing module, inside the bundle root; a module is either compiled
//! from a file (when a bundle is first built) or instantiated from bytecode this node compiled itself.

#![expect(unsafe_code, reason = "loading QuickJS bytecode is unsafe by contract")]

use crate::compile::CompiledBundle;
use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Module};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use verge_core::{ModuleKind, SourceModule};

/// Resolve `specifier` imported from module `base` to a bundle path (`lib/util.js`).
pub fn resolve_specifier(base: &str, specifier: &str) -> Result<String, String> {
    let joined = if let Some(rest) = specifier.strip_prefix('/') {
        rest.to_owned()
    } else if specifier.starts_with("./") || specifier.starts_with("../") || base.is_empty() {
        match base.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{specifier}"),
            None => specifier.to_owned(),
        }
    } else {
        return Err(format!(
            "Cannot resolve module \"{specifier}\" imported from \"{base}\": only relative imports of the \
             bundle's own files (\"./x.js\") are supported"
        ));
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!(
                        "Cannot resolve module \"{specifier}\" imported from \"{base}\": it points outside the bundle"
                    ));
                }
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// The JS source a bundle file becomes as a module.
pub fn module_source(module: &SourceModule) -> Result<String, String> {
    match module.kind {
        ModuleKind::JavaScript => Ok(module.source.clone()),
        ModuleKind::Json => {
            // Parsed by the engine's JSON.parse when the module runs: JSON that is valid for JS (lone
            // surrogate escapes included) imports, and invalid JSON fails the load with a SyntaxError.
            let literal = serde_json::to_string(&module.source).map_err(|e| e.to_string())?;
            let path = serde_json::to_string(&module.path).map_err(|e| e.to_string())?;
            Ok(format!(
                "let value;\ntry {{ value = JSON.parse({literal}); }}\n\
                 catch (e) {{ throw new SyntaxError(`${{{path}}} is not valid JSON: ${{e.message}}`); }}\n\
                 export default value;\n"
            ))
        }
        ModuleKind::Text => {
            let literal = serde_json::to_string(&module.source).map_err(|e| e.to_string())?;
            Ok(format!("export default {literal};\n"))
        }
        _ => Err(format!("{} cannot be imported", module.path)),
    }
}

/// Reads a bundle file's text by its bundle path.
pub type ReadFile = Box<dyn Fn(&str) -> std::io::Result<String>>;

/// Where an isolate's modules come from.
pub enum Source {
    /// Bytecode compiled by this node.
    Bytecode(Arc<CompiledBundle>),
    /// Files, compiled now by a [`Compiler`](crate::compiler::Compiler), which records each module's source and
    /// bytecode.
    Files(crate::compiler::Compiler),
}

/// Which module first imported each path, to name it when the path cannot be loaded.
pub type Importers = Rc<RefCell<BTreeMap<String, (String, String)>>>;

/// The source of a built-in module (`node:buffer`), by specifier; `None` for anything else.
pub type Builtins = fn(&str) -> Option<String>;

/// No built-in modules.
pub fn no_builtins(_: &str) -> Option<String> {
    None
}

/// The resolver installed in every worker runtime (and in the compiler's).
pub struct BundleResolver {
    importers: Importers,
    builtins: Builtins,
}

impl BundleResolver {
    /// A resolver that records importers into `importers` and knows the host's `builtins`.
    pub fn new(importers: Importers, builtins: Builtins) -> Self {
        Self {
            importers,
            builtins,
        }
    }
}

impl Resolver for BundleResolver {
    fn resolve<'js>(
        &mut self,
        _ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        if (self.builtins)(name).is_some() {
            return Ok(name.to_owned());
        }
        let path = resolve_specifier(base, name)
            .map_err(|msg| rquickjs::Error::new_resolving_message(base, name, msg))?;
        if !base.is_empty() {
            self.importers
                .borrow_mut()
                .entry(path.clone())
                .or_insert_with(|| (base.to_owned(), name.to_owned()));
        }
        Ok(path)
    }
}

/// The loader installed in every worker runtime.
pub struct BundleLoader {
    source: Source,
}

impl BundleLoader {
    /// A loader over `source`.
    pub fn new(source: Source) -> Self {
        Self { source }
    }
}

impl Loader for BundleLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        let bytes: &[u8] = match &self.source {
            Source::Bytecode(bundle) => bundle.bytecode(name).ok_or_else(|| {
                rquickjs::Error::new_loading_message(name, "no such module in the bundle")
            })?,
            Source::Files(compiler) => &compiler.bytecode(ctx, name)?,
        };
        // SAFETY: a `CompiledBundle` can only be built by `compile`, and a `Compiler` only hands out bytecode its
        // own `Module::write` produced, both in this process on this QuickJS build; bytes from outside never
        // reach this point.
        unsafe { Module::load(ctx.clone(), bytes) }
    }
}

#[cfg(test)]
mod tests {
    use super::resolve_specifier as r;

    #[test]
    fn resolves_relative_inside_the_bundle() {
        assert_eq!(r("src/a.js", "./b.js").unwrap(), "src/b.js");
        assert_eq!(r("src/a.js", "../c.js").unwrap(), "c.js");
        assert_eq!(r("a.js", "./lib/./d.js").unwrap(), "lib/d.js");
        assert_eq!(r("", "worker.js").unwrap(), "worker.js");
        assert_eq!(r("src/a.js", "/x.js").unwrap(), "x.js");
        assert!(r("a.js", "../../etc/passwd").is_err());
        assert!(r("a.js", "lodash").is_err());
    }
}
