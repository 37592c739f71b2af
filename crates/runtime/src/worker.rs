//! A loaded worker: its bundle, the bytecode this node compiled from it, and how its isolates are configured.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use verge_core::{Bundle, Manifest, Violation, parse_dev_vars};
use verge_js::{CompiledBundle, IsolateConfig};
use verge_web::WebSetup;

/// Why a worker could not be loaded.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The path or a file could not be read.
    #[error("{0}")]
    Io(String),
    /// `verge.toml` or `.dev.vars` is invalid.
    #[error("{0}")]
    Config(String),
    /// The script failed: syntax error, missing import, throw at top level, no fetch handler.
    #[error("{0}")]
    Script(String),
    /// Evaluating the script at start-up exceeded a limit.
    #[error("{0}")]
    Limit(Violation),
}

impl LoadError {
    fn from_js(e: verge_js::Error) -> Self {
        match e {
            verge_js::Error::Limit(v) => Self::Limit(v),
            other => Self::Script(other.to_string()),
        }
    }
}

/// A worker ready to serve: immutable, shared by every shard.
#[derive(Debug)]
pub struct Worker {
    uid: u64,
    bundle: Bundle,
    compiled: Arc<CompiledBundle>,
    config: IsolateConfig,
    root: PathBuf,
    compile_time: Duration,
    stats: Arc<crate::metrics::WorkerStats>,
    wasm: Option<Arc<verge_wasm::WasmWorker>>,
}

fn next_uid() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Where a worker comes from on disk.
#[derive(Debug, Clone)]
pub struct WorkerPath {
    /// The bundle root folder.
    pub root: PathBuf,
    /// The manifest (read from `verge.toml`, or made up for a lone script).
    pub manifest: Manifest,
    /// Secrets from `.dev.vars`.
    pub secrets: BTreeMap<String, String>,
}

impl WorkerPath {
    /// Read the worker at `path`: a `.js`/`.mjs` file, a `.wasm` component, or a folder with `verge.toml` (and optional `.dev.vars`).
    pub fn read(path: &Path) -> Result<Self, LoadError> {
        let meta = std::fs::metadata(path)
            .map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
        if meta.is_file() {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .map(|s| {
                    s.chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                                c
                            } else {
                                '-'
                            }
                        })
                        .collect::<String>()
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "worker".into());
            let main = path.file_name().and_then(|s| s.to_str()).ok_or_else(|| {
                LoadError::Io(format!("{} has no usable file name", path.display()))
            })?;
            let root = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let secrets = read_dev_vars(&root)?;
            return Ok(Self {
                root,
                manifest: Manifest::for_script(&name, main),
                secrets,
            });
        }
        let toml_path = path.join("verge.toml");
        let text = std::fs::read_to_string(&toml_path).map_err(|e| {
            LoadError::Io(format!(
                "{}: {e} (a worker folder needs a verge.toml with `name` and `main`)",
                toml_path.display()
            ))
        })?;
        let manifest = Manifest::from_toml(&text)
            .map_err(|e| LoadError::Config(format!("{}: {e}", toml_path.display())))?;
        let secrets = read_dev_vars(path)?;
        Ok(Self {
            root: path.to_path_buf(),
            manifest,
            secrets,
        })
    }
}

fn read_dev_vars(root: &Path) -> Result<BTreeMap<String, String>, LoadError> {
    let p = root.join(".dev.vars");
    match std::fs::read_to_string(&p) {
        Ok(text) => {
            parse_dev_vars(&text).map_err(|e| LoadError::Config(format!("{}: {e}", p.display())))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(LoadError::Io(format!("{}: {e}", p.display()))),
    }
}

/// Normalise the manifest's `main` to a bundle path.
fn main_path(main: &str) -> Result<String, LoadError> {
    let p = Path::new(main);
    let mut parts = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => {
                return Err(LoadError::Config(format!(
                    "main = {main:?} must be a path inside the worker's folder"
                )));
            }
        }
    }
    Ok(parts.join("/"))
}

impl Worker {
    /// Compile the worker at `source`: every module reachable from `main` is read, compiled to bytecode and
    /// evaluated once under the start-up limits, as a node would before serving it.
    pub fn compile(source: WorkerPath) -> Result<Self, LoadError> {
        let WorkerPath {
            root,
            manifest,
            secrets,
        } = source;
        let mut binaries = BTreeMap::new();
        if crate::wasm::is_wasm(&manifest.main) {
            let main = main_path(&manifest.main)?;
            let path = root.join(&main);
            let bytes = std::fs::read(&path)
                .map_err(|e| LoadError::Io(format!("cannot read {}: {e}", path.display())))?;
            binaries.insert(main, bytes);
        }
        let read_root = root.clone();
        let read = Box::new(move |p: &str| std::fs::read_to_string(read_root.join(p)));
        Self::build(manifest, secrets, binaries, read, root)
    }

    /// Compile a bundle as it came from the control plane (its modules are all it may import).
    pub fn from_bundle(bundle: Bundle) -> Result<Self, LoadError> {
        let Bundle {
            manifest,
            secrets,
            modules,
            binaries,
        } = bundle;
        let sources: BTreeMap<String, String> = modules
            .into_iter()
            .map(|(path, m)| (path, m.source))
            .collect();
        let read = Box::new(move |p: &str| {
            sources.get(p).cloned().ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{p} is not in the bundle"),
                )
            })
        });
        Self::build(manifest, secrets, binaries, read, PathBuf::new())
    }

    fn build(
        manifest: Manifest,
        secrets: BTreeMap<String, String>,
        binaries: BTreeMap<String, Vec<u8>>,
        read: verge_js::ReadFile,
        root: PathBuf,
    ) -> Result<Self, LoadError> {
        let started = Instant::now();
        let main = main_path(&manifest.main)?;
        let mut env = manifest.vars.clone();
        env.extend(secrets.iter().map(|(k, v)| (k.clone(), v.clone())));
        let config = IsolateConfig {
            name: manifest.name.clone(),
            limits: manifest.limits.clone(),
            env,
            allow_eval: manifest.sandbox.allow_eval,
        };
        let (compiled, modules, wasm) = if crate::wasm::is_wasm(&main) {
            let wasm = crate::wasm::load(&manifest, &config.env, &main, &binaries)?;
            (
                CompiledBundle::empty(&main),
                BTreeMap::new(),
                Some(Arc::new(wasm)),
            )
        } else {
            let (compiled, modules) = verge_js::compile::compile(&config, &WebSetup, &main, read)
                .map_err(LoadError::from_js)?;
            (compiled, modules, None)
        };
        let name = config.name.clone();
        Ok(Self {
            uid: next_uid(),
            bundle: Bundle {
                manifest,
                secrets,
                modules,
                binaries,
            },
            compiled: Arc::new(compiled),
            config,
            root,
            compile_time: started.elapsed(),
            stats: crate::metrics::for_worker(&name),
            wasm,
        })
    }

    /// Unique per load: a reloaded worker gets a new one, so no isolate of the old version is reused.
    pub fn uid(&self) -> u64 {
        self.uid
    }
    /// The worker's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }
    /// The bundle (sources, manifest, secrets).
    pub fn bundle(&self) -> &Bundle {
        &self.bundle
    }
    /// The bytecode.
    pub fn compiled(&self) -> &Arc<CompiledBundle> {
        &self.compiled
    }
    /// How isolates of this worker are configured.
    pub fn config(&self) -> &IsolateConfig {
        &self.config
    }
    /// The folder the worker was loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The worker's counters (shared by every version of the same name).
    pub fn stats(&self) -> &Arc<crate::metrics::WorkerStats> {
        &self.stats
    }
    /// The compiled component, for a WebAssembly worker (`main` ends in `.wasm`); `None` for JS.
    pub fn wasm(&self) -> Option<&Arc<verge_wasm::WasmWorker>> {
        self.wasm.as_ref()
    }
    /// Time spent compiling and validating.
    pub fn compile_time(&self) -> Duration {
        self.compile_time
    }
}
