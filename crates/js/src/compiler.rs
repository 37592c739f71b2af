//! The compiler: turns a bundle's files into QuickJS bytecode, in a runtime of its own.
//!
//! Worker isolates are made without the ability to compile code from strings (no `eval`, no `new Function`,
//! unless the worker's manifest allows it), so even a worker's own modules are compiled here and loaded into
//! isolates as bytecode. QuickJS resolves a module's imports while compiling it, so the compiler has a loader
//! of its own that compiles dependencies as it meets them; every module's source and bytecode is recorded.

use crate::loader::{Builtins, BundleResolver, Importers, ReadFile, module_source};
use rquickjs::loader::{ImportAttributes, Loader};
use rquickjs::module::{Declared, WriteOptions};
use rquickjs::{Context, Ctx, Module, Runtime};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use verge_core::{ModuleKind, SourceModule};

/// Modules compiled so far.
#[derive(Default)]
pub struct Recorded {
    /// Sources by path (built-in modules have none).
    pub sources: BTreeMap<String, SourceModule>,
    /// Bytecode by module name.
    pub bytecode: BTreeMap<String, Arc<[u8]>>,
}

struct Inputs {
    read: ReadFile,
    builtins: Builtins,
    importers: Importers,
    recorded: RefCell<Recorded>,
}

impl Inputs {
    fn imported_from(&self, name: &str) -> String {
        match self.importers.borrow().get(name) {
            Some((base, spec)) => format!(" (imported as \"{spec}\" from {base})"),
            None => String::new(),
        }
    }

    /// The JS source of module `name`, and its bundle file when it is one.
    fn source(&self, name: &str) -> rquickjs::Result<(String, Option<SourceModule>)> {
        if let Some(js) = (self.builtins)(name) {
            return Ok((js, None));
        }
        let Some(kind) = ModuleKind::from_path(name) else {
            return Err(rquickjs::Error::new_loading_message(
                name,
                format!(
                    "unknown file type (use .js, .mjs, .json or a text file such as .txt/.html){}",
                    self.imported_from(name)
                ),
            ));
        };
        let text = (self.read)(name).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::NotFound {
                "no such file in the worker's folder".to_owned()
            } else {
                format!("cannot read it: {e}")
            };
            rquickjs::Error::new_loading_message(name, format!("{why}{}", self.imported_from(name)))
        })?;
        let module = SourceModule {
            path: name.to_owned(),
            kind,
            source: text,
        };
        let js =
            module_source(&module).map_err(|m| rquickjs::Error::new_loading_message(name, m))?;
        Ok((js, Some(module)))
    }

    /// Compile module `name` in `ctx` (the compiler's), recording its source and bytecode.
    fn compile<'js>(&self, ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Module<'js, Declared>> {
        let (js, module) = self.source(name)?;
        let declared = Module::declare(ctx.clone(), name, js)?;
        let bytes = declared.write(WriteOptions::default())?;
        let mut rec = self.recorded.borrow_mut();
        rec.bytecode.insert(name.to_owned(), bytes.into());
        if let Some(module) = module {
            rec.sources.insert(name.to_owned(), module);
        }
        Ok(declared)
    }
}

struct CompilerLoader(Rc<Inputs>);

impl Loader for CompilerLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        self.0.compile(ctx, name)
    }
}

/// Compiles a bundle's modules on demand. Not `Send`: it lives on the thread that builds the bundle.
pub struct Compiler {
    inputs: Rc<Inputs>,
    // Field order is drop order: the context goes before its runtime.
    context: Context,
    _runtime: Runtime,
}

impl Compiler {
    /// A compiler reading files through `read`, with the host's `builtins`.
    pub fn new(read: ReadFile, builtins: Builtins) -> rquickjs::Result<Self> {
        let inputs = Rc::new(Inputs {
            read,
            builtins,
            importers: Importers::default(),
            recorded: RefCell::new(Recorded::default()),
        });
        let runtime = Runtime::new()?;
        runtime.set_loader(
            BundleResolver::new(inputs.importers.clone(), builtins),
            CompilerLoader(inputs.clone()),
        );
        let context = Context::full(&runtime)?;
        Ok(Self {
            inputs,
            context,
            _runtime: runtime,
        })
    }

    /// The bytecode of module `name`, compiling it (and what it imports) if needed. A failure is thrown into
    /// `target`, the context that asked, with the compiler's message.
    pub fn bytecode(&self, target: &Ctx<'_>, name: &str) -> rquickjs::Result<Arc<[u8]>> {
        if let Some(b) = self.inputs.recorded.borrow().bytecode.get(name) {
            return Ok(b.clone());
        }
        let compiled = self
            .context
            .with(|ctx| match self.inputs.compile(&ctx, name) {
                Ok(_) => Ok(()),
                Err(rquickjs::Error::Exception) => Err(describe(&ctx.catch())),
                Err(e) => Err((String::new(), e.to_string())),
            });
        if let Err((kind, message)) = compiled {
            let kind = if kind.is_empty() {
                "Error"
            } else {
                kind.as_str()
            };
            return Err(throw(target, kind, &message));
        }
        self.inputs
            .recorded
            .borrow()
            .bytecode
            .get(name)
            .cloned()
            .ok_or_else(|| {
                rquickjs::Error::new_loading_message(name, "the compiler produced nothing")
            })
    }

    /// A handle to what this compiler records, usable after the compiler moved into a loader.
    pub fn recorded_handle(&self) -> RecordedHandle {
        RecordedHandle(self.inputs.clone())
    }
}

/// Reads what a [`Compiler`] has compiled.
pub struct RecordedHandle(Rc<Inputs>);

impl RecordedHandle {
    /// Take everything compiled so far.
    pub fn take(&self) -> Recorded {
        std::mem::take(&mut *self.0.recorded.borrow_mut())
    }
}

/// A thrown value's name and message (with the location line QuickJS puts in a SyntaxError's stack).
fn describe(thrown: &rquickjs::Value<'_>) -> (String, String) {
    let Some(obj) = thrown.as_object() else {
        return (String::new(), format!("{thrown:?}"));
    };
    let get = |k: &str| {
        obj.get::<_, Option<String>>(k)
            .ok()
            .flatten()
            .unwrap_or_default()
    };
    let (name, message, stack) = (get("name"), get("message"), get("stack"));
    let at = stack.lines().next().map(str::trim).unwrap_or_default();
    if at.is_empty() {
        (name, message)
    } else {
        (name, format!("{message}\n    {at}"))
    }
}

/// Throw an error of class `kind` (`SyntaxError`, `ReferenceError`, ...) into `ctx`.
fn throw(ctx: &Ctx<'_>, kind: &str, message: &str) -> rquickjs::Error {
    let made = ctx
        .globals()
        .get::<_, rquickjs::Constructor<'_>>(kind)
        .or_else(|_| ctx.globals().get::<_, rquickjs::Constructor<'_>>("Error"))
        .and_then(|c| c.construct::<_, rquickjs::Value<'_>>((message,)));
    match made {
        Ok(v) => ctx.throw(v),
        Err(e) => e,
    }
}
