//! Compiling a bundle: its files become QuickJS bytecode, once, validated by evaluating them.

use crate::compiler::Compiler;
use crate::loader::{ReadFile, Source};
use crate::{Isolate, IsolateConfig, Result, Setup};
use std::collections::BTreeMap;
use std::sync::Arc;
use verge_core::SourceModule;

/// A bundle's modules as bytecode compiled by this process, ready to instantiate isolates from.
///
/// There is deliberately no way to build one from bytes: only [`compile`] makes them.
#[derive(Debug)]
pub struct CompiledBundle {
    main: String,
    bytecode: BTreeMap<String, Arc<[u8]>>,
}

impl CompiledBundle {
    /// A bundle without JavaScript (a worker whose `main` is a WebAssembly component): no bytecode, so
    /// nothing to trust.
    pub fn empty(main: &str) -> Self {
        Self {
            main: main.to_owned(),
            bytecode: BTreeMap::new(),
        }
    }
    /// The entry module's path.
    pub fn main(&self) -> &str {
        &self.main
    }
    /// Bytecode of the module at `path`.
    pub fn bytecode(&self, path: &str) -> Option<&[u8]> {
        self.bytecode.get(path).map(|b| &b[..])
    }
    /// Total bytecode size in bytes.
    pub fn size(&self) -> usize {
        self.bytecode.values().map(|b| b.len()).sum()
    }
}

/// Compile the modules reachable from `main` (read through `read`), evaluating them once in a fresh isolate
/// under the start-up limits, as a node would. Returns the bytecode and the sources that were used.
pub fn compile(
    config: &IsolateConfig,
    setup: &dyn Setup,
    main: &str,
    read: ReadFile,
) -> Result<(CompiledBundle, BTreeMap<String, SourceModule>)> {
    let compiler =
        Compiler::new(read, setup.builtins()).map_err(|e| crate::Error::Engine(e.to_string()))?;
    let isolate = Isolate::new(config, setup, main, Source::Files(compiler))?;
    let recorded = isolate.take_compiled().unwrap_or_default();
    drop(isolate);
    Ok((
        CompiledBundle {
            main: main.to_owned(),
            bytecode: recorded.bytecode,
        },
        recorded.sources,
    ))
}
