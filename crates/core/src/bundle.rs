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
    /// Secrets, visible as `env.NAME` beside vars. Never logged, never part of the archive or the hash.
    pub secrets: BTreeMap<String, String>,
    /// Modules by path; for a JavaScript worker the manifest's `main` is among them.
    pub modules: BTreeMap<String, SourceModule>,
    /// Binary files by path; a WebAssembly worker's component (its `main`) is among them.
    pub binaries: BTreeMap<String, Vec<u8>>,
}

/// The first bytes of a bundle archive: a name and a format version.
const MAGIC: &[u8] = b"verge-bundle\0\x01";

/// Why bytes are not a bundle archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a verge bundle archive: {0}")]
pub struct ArchiveError(String);

impl Bundle {
    /// The bundle's canonical archive: the manifest, the modules and the binaries, in path order. The same
    /// code always gives the same bytes; secrets are left out.
    pub fn to_archive(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            256 + self
                .modules
                .values()
                .map(|m| m.source.len() + 64)
                .sum::<usize>()
                + self.binaries.values().map(|b| b.len() + 64).sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        // Serialising a Manifest cannot fail: it holds only strings, numbers, bools and string-keyed maps.
        let manifest = serde_json::to_vec(&self.manifest).unwrap_or_default();
        put_bytes(&mut out, &manifest);
        put_len(&mut out, self.modules.len());
        for m in self.modules.values() {
            put_bytes(&mut out, m.path.as_bytes());
            out.push(match m.kind {
                ModuleKind::JavaScript => 0,
                ModuleKind::Json => 1,
                ModuleKind::Text => 2,
            });
            put_bytes(&mut out, m.source.as_bytes());
        }
        put_len(&mut out, self.binaries.len());
        for (path, bytes) in &self.binaries {
            put_bytes(&mut out, path.as_bytes());
            put_bytes(&mut out, bytes);
        }
        out
    }

    /// Read an archive made by [`Bundle::to_archive`] (with no secrets: they travel separately).
    pub fn from_archive(bytes: &[u8]) -> Result<Self, ArchiveError> {
        let mut r = Reader(bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(ArchiveError("bad magic or unknown format version".into()));
        }
        let manifest: Manifest = serde_json::from_slice(r.bytes()?)
            .map_err(|e| ArchiveError(format!("manifest: {e}")))?;
        let mut modules = BTreeMap::new();
        for _ in 0..r.len()? {
            let path = r.string()?;
            let kind = match r.take(1)?[0] {
                0 => ModuleKind::JavaScript,
                1 => ModuleKind::Json,
                2 => ModuleKind::Text,
                k => return Err(ArchiveError(format!("module {path}: unknown kind {k}"))),
            };
            let source = r.string()?;
            modules.insert(path.clone(), SourceModule { path, kind, source });
        }
        let mut binaries = BTreeMap::new();
        for _ in 0..r.len()? {
            let path = r.string()?;
            binaries.insert(path, r.bytes()?.to_vec());
        }
        if !r.0.is_empty() {
            return Err(ArchiveError("trailing bytes".into()));
        }
        Ok(Self {
            manifest,
            secrets: BTreeMap::new(),
            modules,
            binaries,
        })
    }

    /// The sha256 of the bundle's archive, as hex: the bundle's content address.
    pub fn hash(&self) -> String {
        sha256_hex(&self.to_archive())
    }
}

/// The sha256 of `bytes`, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_len(out, b.len());
    out.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ArchiveError> {
        if self.0.len() < n {
            return Err(ArchiveError("truncated".into()));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn len(&mut self) -> Result<usize, ArchiveError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        usize::try_from(u64::from_le_bytes(a)).map_err(|_| ArchiveError("length too large".into()))
    }
    fn bytes(&mut self) -> Result<&'a [u8], ArchiveError> {
        let n = self.len()?;
        self.take(n)
    }
    fn string(&mut self) -> Result<String, ArchiveError> {
        let b = self.bytes()?;
        String::from_utf8(b.to_vec())
            .map_err(|_| ArchiveError("a path or source is not UTF-8".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Bundle {
        let mut modules = BTreeMap::new();
        for (path, kind, source) in [
            ("worker.js", ModuleKind::JavaScript, "export default {}"),
            ("data.json", ModuleKind::Json, "{\"a\":1}"),
        ] {
            modules.insert(
                path.to_owned(),
                SourceModule {
                    path: path.into(),
                    kind,
                    source: source.into(),
                },
            );
        }
        let mut binaries = BTreeMap::new();
        binaries.insert("app.wasm".to_owned(), vec![0, 97, 115, 109, 255]);
        Bundle {
            manifest: Manifest::for_script("w", "worker.js"),
            secrets: BTreeMap::from([("S".into(), "secret".into())]),
            modules,
            binaries,
        }
    }

    #[test]
    fn archive_round_trips_without_secrets() {
        let b = sample();
        let bytes = b.to_archive();
        assert!(!bytes.windows(6).any(|w| w == b"secret"));
        let back = Bundle::from_archive(&bytes).unwrap();
        assert_eq!(back.manifest, b.manifest);
        assert_eq!(back.modules, b.modules);
        assert_eq!(back.binaries, b.binaries);
        assert!(back.secrets.is_empty());
        assert_eq!(back.hash(), b.hash());
        assert_eq!(b.hash().len(), 64);
    }

    #[test]
    fn hash_is_content_addressed() {
        let a = sample();
        let mut b = sample();
        b.secrets.clear();
        assert_eq!(a.hash(), b.hash());
        b.modules.get_mut("worker.js").unwrap().source.push(' ');
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn rejects_garbage() {
        let bytes = sample().to_archive();
        assert!(Bundle::from_archive(b"nope").is_err());
        assert!(Bundle::from_archive(&bytes[..bytes.len() - 1]).is_err());
        let mut more = bytes.clone();
        more.push(0);
        assert!(Bundle::from_archive(&more).is_err());
    }
}
