//! A bundle: a worker's modules plus its manifest, vars and secrets, content-addressed.

use crate::Manifest;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How a module's source becomes a JS module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModuleKind {
    /// An ES module.
    JavaScript,
    /// A JSON file, imported as its parsed value (`export default`).
    Json,
    /// A text file, imported as a string (`export default`).
    Text,
}

impl ModuleKind {
    /// The kind of module a file name denotes, or `None` when it cannot be imported.
    pub fn from_path(path: &str) -> Option<Self> {
        let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "js" | "mjs" => Some(Self::JavaScript),
            "json" => Some(Self::Json),
            "txt" | "html" | "htm" | "md" | "csv" | "svg" | "xml" | "css" => Some(Self::Text),
            _ => None,
        }
    }
}

/// One module's source text, by its path inside the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceModule {
    /// Path relative to the bundle root, with `/` separators (`lib/util.js`).
    pub path: String,
    /// How it is imported.
    pub kind: ModuleKind,
    /// The file's text.
    pub source: String,
}

/// A worker's code and configuration: everything a node needs to run it.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The manifest (name, entry module, vars, limits).
    pub manifest: Manifest,
    /// Secrets, visible as `env.NAME` beside vars. Never logged.
    pub secrets: BTreeMap<String, String>,
    /// Modules by path; the manifest's `main` is among them.
    pub modules: BTreeMap<String, SourceModule>,
}

impl Bundle {
    /// The sha256 of the bundle's canonical form (modules in path order, then the manifest), as hex.
    ///
    /// Secrets are not part of the hash: the same code with other secrets is the same bundle.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        for m in self.modules.values() {
            h.update((m.path.len() as u64).to_le_bytes());
            h.update(m.path.as_bytes());
            h.update((m.source.len() as u64).to_le_bytes());
            h.update(m.source.as_bytes());
        }
        h.update(format!("{:?}", self.manifest).as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
