//! Keeping a PoP in step with the control plane: watch the platform configuration, fetch and compile the
//! bundles it names, swap the route table in one step, and report what is served.
//!
//! A node that loses its store keeps serving the last table it built and re-watches until the store is back;
//! a worker version that fails to load (missing bundle, bad script, undecryptable secret) is reported in the
//! node's [`PopStatus`] and the version served before stays in place.

use crate::routes::{Deployed, PlatformTarget, RouteTable, RouteTo};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use verge_core::platform::{
    CONFIG_BUCKET, CONFIG_KEY, POPS_BUCKET, PlatformConfig, PopStatus, VersionShare,
    WorkerDeployment, bundle_blob,
};
use verge_core::secrets::SecretKey;
use verge_core::{Bundle, RoutePattern, sha256_hex};
use verge_runtime::Worker;
use verge_store::{Change, Store, StoreError};

/// Who this PoP is.
#[derive(Debug, Clone)]
pub struct PopInfo {
    /// Id (`nrt-1`).
    pub id: String,
    /// Region code (`nrt`).
    pub region: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Public HTTP address.
    pub http: String,
    /// Admin address.
    pub admin: String,
}

/// How a node follows the configuration.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// This PoP.
    pub pop: PopInfo,
    /// The platform domain (`<name>.<domain>` reaches a worker).
    pub domain: String,
    /// Opens deployed secrets; without it, a worker with secrets fails to load.
    pub secret_key: Option<SecretKey>,
    /// How often the PoP reports itself.
    pub heartbeat: Duration,
    /// Wait before watching again after the store went away.
    pub retry: Duration,
    /// Where the node keeps the last configuration it applied and the bundles it uses, so that a node
    /// restarted while its store is unreachable serves what it served before. `None`: memory only.
    pub cache_dir: Option<std::path::PathBuf>,
}

/// The file in the cache dir holding the last applied configuration.
const CACHED_CONFIG: &str = "config.json";

/// Write `bytes` to `path` through a temporary file and a rename, so a crash leaves the old file or the new.
fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// What the node is serving, for `/readyz`, `/metrics` and status reports.
#[derive(Debug, Default)]
pub struct SyncState {
    ready: AtomicBool,
    generation: AtomicU64,
    connected: AtomicBool,
    errors: Mutex<BTreeMap<String, String>>,
}

impl SyncState {
    /// Whether a configuration has been applied.
    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
    /// The configuration generation being served.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
    /// Whether the store's watch is up.
    pub fn connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }
    /// Worker versions (`name@version`) that failed to load, with why.
    pub fn errors(&self) -> BTreeMap<String, String> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Follow the store's configuration until the process ends.
pub async fn run(
    store: Arc<dyn Store>,
    target: Arc<PlatformTarget>,
    config: SyncConfig,
    state: Arc<SyncState>,
) {
    let mut syncer = Syncer {
        store: store.clone(),
        target,
        config: config.clone(),
        state: state.clone(),
        compiled: HashMap::new(),
    };
    tokio::spawn(report_loop(store.clone(), config.clone(), state.clone()));
    let mut last: Option<PlatformConfig> = None;
    // Serve what this node served before it stopped, until the store says otherwise.
    if let Some(dir) = &config.cache_dir {
        match std::fs::read(dir.join(CACHED_CONFIG)) {
            Ok(bytes) => match serde_json::from_slice::<PlatformConfig>(&bytes) {
                Ok(platform) => {
                    tracing::info!(
                        pop = config.pop.id,
                        generation = platform.generation,
                        "serving the configuration cached before the restart"
                    );
                    last = Some(platform.clone());
                    syncer.apply(platform).await;
                }
                Err(e) => tracing::warn!(
                    pop = config.pop.id,
                    "ignoring the cached configuration: {e}"
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(
                pop = config.pop.id,
                "cannot read the cached configuration: {e}"
            ),
        }
    }
    let mut retry_transient = false;
    loop {
        match store.watch(CONFIG_BUCKET).await {
            Ok(mut changes) => {
                state.connected.store(true, Ordering::Release);
                tracing::info!(pop = config.pop.id, "watching the platform configuration");
                'watch: loop {
                    // A version that failed for a passing reason (store briefly away) is tried again.
                    let first = if retry_transient {
                        match tokio::time::timeout(config.retry, changes.next()).await {
                            Ok(next) => next,
                            Err(_) => {
                                if let Some(platform) = last.clone() {
                                    retry_transient = syncer.apply(platform).await;
                                    report(&*store, &config, &state).await;
                                }
                                continue 'watch;
                            }
                        }
                    } else {
                        changes.next().await
                    };
                    let Some(first) = first else {
                        break 'watch;
                    };
                    // Apply only the newest of the changes already waiting.
                    let mut latest = None;
                    let mut item = Some(first);
                    while let Some(change) = item {
                        match change {
                            Ok(Change::Put(e)) if e.key == CONFIG_KEY => latest = Some(e),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(
                                    pop = config.pop.id,
                                    "configuration watch ended: {e}"
                                );
                                break 'watch;
                            }
                        }
                        item = futures::FutureExt::now_or_never(changes.next()).flatten();
                    }
                    if let Some(entry) = latest {
                        match serde_json::from_slice::<PlatformConfig>(&entry.value) {
                            Ok(platform) => {
                                last = Some(platform.clone());
                                retry_transient = syncer.apply(platform).await;
                                if let Some(dir) = &config.cache_dir
                                    && let Err(e) = std::fs::create_dir_all(dir).and_then(|()| {
                                        write_atomic(&dir.join(CACHED_CONFIG), &entry.value)
                                    })
                                {
                                    tracing::warn!(
                                        pop = config.pop.id,
                                        "cannot cache the configuration: {e}"
                                    );
                                }
                            }
                            Err(e) => tracing::error!(
                                pop = config.pop.id,
                                "the platform configuration is unreadable, keeping the current one: {e}"
                            ),
                        }
                        report(&*store, &config, &state).await;
                    }
                }
            }
            Err(e) => tracing::warn!(pop = config.pop.id, "cannot watch the configuration: {e}"),
        }
        state.connected.store(false, Ordering::Release);
        tokio::time::sleep(config.retry).await;
    }
}

async fn report_loop(store: Arc<dyn Store>, config: SyncConfig, state: Arc<SyncState>) {
    loop {
        report(&*store, &config, &state).await;
        tokio::time::sleep(config.heartbeat).await;
    }
}

async fn report(store: &dyn Store, config: &SyncConfig, state: &SyncState) {
    let status = PopStatus {
        id: config.pop.id.clone(),
        region: config.pop.region.clone(),
        lat: config.pop.lat,
        lon: config.pop.lon,
        http: config.pop.http.clone(),
        admin: config.pop.admin.clone(),
        generation: state.generation(),
        heartbeat_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
        errors: state.errors(),
    };
    let Ok(body) = serde_json::to_vec(&status) else {
        return;
    };
    let put = tokio::time::timeout(
        Duration::from_secs(5),
        store.put(POPS_BUCKET, &config.pop.id, body.into()),
    )
    .await;
    match put {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::debug!(pop = config.pop.id, "status report failed: {e}"),
        Err(_) => tracing::debug!(pop = config.pop.id, "status report timed out"),
    }
}

struct Syncer {
    store: Arc<dyn Store>,
    target: Arc<PlatformTarget>,
    config: SyncConfig,
    state: Arc<SyncState>,
    /// Compiled worker versions by what makes them (name, version, bundle, secrets, origin).
    compiled: HashMap<String, Arc<Worker>>,
}

/// Why one worker version did not load, and whether trying again later may help.
struct LoadFailure {
    message: String,
    transient: bool,
}

impl Syncer {
    /// Build and swap in the table for `platform`; true when a version failed for a passing reason.
    async fn apply(&mut self, platform: PlatformConfig) -> bool {
        let started = std::time::Instant::now();
        let previous = self.target.current();
        let mut workers = HashMap::new();
        let mut routes = Vec::new();
        let mut errors = BTreeMap::new();
        let mut used = HashMap::new();
        let mut transient = false;
        for (name, dep) in &platform.workers {
            let mut versions = Vec::new();
            let mut failed = false;
            for share in &dep.versions {
                let key = compile_key(dep, share);
                match self.load(dep, share, &key).await {
                    Ok(w) => {
                        used.insert(key, w.clone());
                        versions.push((share.version, w, share.percent));
                    }
                    Err(f) => {
                        tracing::error!(
                            pop = self.config.pop.id,
                            worker = %name,
                            version = share.version,
                            "cannot load: {}",
                            f.message
                        );
                        // A failure that may pass (the store briefly away) is retried, not reported:
                        // a deploy waits for this node rather than fail on a passing error.
                        if !f.transient {
                            errors.insert(format!("{name}@{}", share.version), f.message);
                        }
                        transient |= f.transient;
                        failed = true;
                    }
                }
            }
            let deployed = if failed {
                // Keep serving what was served; a worker new to this node serves the versions that loaded.
                match previous.workers().get(name) {
                    Some(prev) => Some(prev.clone()),
                    None if !versions.is_empty() => {
                        let n = versions.len() as u8;
                        for (i, v) in versions.iter_mut().enumerate() {
                            v.2 = 100 / n + u8::from((i as u8) < 100 % n);
                        }
                        Some(Deployed { versions })
                    }
                    None => None,
                }
            } else {
                Some(Deployed { versions })
            };
            let Some(deployed) = deployed else { continue };
            for w in deployed.versions.iter().map(|v| &v.1) {
                used.entry(format!("kept:{}", w.uid()))
                    .or_insert_with(|| w.clone());
            }
            workers.insert(name.clone(), deployed);
            for r in &dep.routes {
                match RoutePattern::parse(r) {
                    Ok(p) => routes.push((p, RouteTo::Worker(name.clone()))),
                    Err(e) => {
                        errors.insert(format!("{name}:route"), e);
                    }
                }
            }
        }
        for proxy in &platform.proxies {
            match RoutePattern::parse(&proxy.pattern) {
                Ok(p) => routes.push((p, RouteTo::Proxy(proxy.origin.as_str().into()))),
                Err(e) => {
                    errors.insert(format!("proxy:{}", proxy.pattern), e);
                }
            }
        }
        let count = workers.len();
        self.target.swap(RouteTable::new(
            platform.generation,
            &self.config.domain,
            workers,
            routes,
        ));
        self.compiled = used;
        *self.state.errors.lock().unwrap_or_else(|p| p.into_inner()) = errors;
        self.state
            .generation
            .store(platform.generation, Ordering::Release);
        self.state.ready.store(true, Ordering::Release);
        tracing::info!(
            pop = self.config.pop.id,
            generation = platform.generation,
            workers = count,
            took_ms = started.elapsed().as_millis() as u64,
            "configuration applied"
        );
        transient
    }

    async fn load(
        &self,
        dep: &WorkerDeployment,
        share: &VersionShare,
        key: &str,
    ) -> Result<Arc<Worker>, LoadFailure> {
        if let Some(w) = self.compiled.get(key) {
            return Ok(w.clone());
        }
        let permanent = |message: String| LoadFailure {
            message,
            transient: false,
        };
        let cached = self
            .config
            .cache_dir
            .as_ref()
            .map(|d| d.join("bundles").join(&share.bundle));
        let from_cache = cached
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .filter(|b| sha256_hex(b) == share.bundle);
        let blob = match from_cache {
            Some(b) => bytes::Bytes::from(b),
            None => {
                let blob = tokio::time::timeout(
                    Duration::from_secs(30),
                    self.store.get_blob(&bundle_blob(&share.bundle)),
                )
                .await
                .map_err(|_| LoadFailure {
                    message: format!("fetching bundle {} timed out", share.bundle),
                    transient: true,
                })?
                .map_err(|e| LoadFailure {
                    transient: matches!(e, StoreError::Unavailable(_)),
                    message: format!("fetching bundle {}: {e}", share.bundle),
                })?
                .ok_or_else(|| permanent(format!("bundle {} is not in the store", share.bundle)))?;
                if let Some(p) = &cached
                    && sha256_hex(&blob) == share.bundle
                    && let Err(e) = p
                        .parent()
                        .map_or(Ok(()), std::fs::create_dir_all)
                        .and_then(|()| write_atomic(p, &blob))
                {
                    tracing::warn!(
                        pop = self.config.pop.id,
                        "cannot cache bundle {}: {e}",
                        share.bundle
                    );
                }
                blob
            }
        };
        let actual = sha256_hex(&blob);
        if actual != share.bundle {
            return Err(permanent(format!(
                "bundle {} has the wrong content (sha256 {actual})",
                share.bundle
            )));
        }
        let mut bundle = Bundle::from_archive(&blob).map_err(|e| permanent(e.to_string()))?;
        for (secret, sealed) in &dep.secrets {
            let key = self.config.secret_key.as_ref().ok_or_else(|| {
                permanent(format!(
                    "secret {secret} cannot be opened: this node has no secret key"
                ))
            })?;
            let value = key
                .open(&dep.name, secret, sealed)
                .map_err(|e| permanent(e.to_string()))?;
            bundle.secrets.insert(secret.clone(), value);
        }
        bundle.manifest.origin = dep.origin.clone();
        bundle.manifest.routes = dep.routes.clone();
        let worker = tokio::task::spawn_blocking(move || Worker::from_bundle(bundle))
            .await
            .map_err(|e| permanent(format!("compiler task failed: {e}")))?
            .map_err(|e| permanent(e.to_string()))?;
        Ok(Arc::new(worker))
    }
}

impl std::fmt::Debug for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (transient: {})", self.message, self.transient)
    }
}

fn compile_key(dep: &WorkerDeployment, share: &VersionShare) -> String {
    let secrets = serde_json::to_string(&dep.secrets).unwrap_or_default();
    format!(
        "{}@{}:{}:{}:{:?}",
        dep.name,
        share.version,
        share.bundle,
        sha256_hex(secrets.as_bytes()),
        dep.origin
    )
}
