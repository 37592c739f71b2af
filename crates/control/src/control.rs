//! The control plane's state and its operations on bundles, versions and workers (the HTTP layer is in
//! `http.rs`; deploys in `deploy.rs`, secrets in `secrets.rs`, the PoP registry in `pops.rs`).

use crate::documents::{read_config, read_record, require_record, update_record};
use crate::error::{Error, Result};
use crate::http::StoreGateway;
use crate::model::{
    BundleInfo, MAX_VERSIONS, ManifestSummary, VersionInfo, WORKERS_BUCKET, WorkerSummary,
};
use crate::now_ms;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;
use verge_core::platform::bundle_blob;
use verge_core::secrets::SecretKey;
use verge_core::{Bundle, Manifest, RoutePattern, sha256_hex};
use verge_store::Store;

/// Settings of a control plane.
#[derive(Debug, Clone)]
pub struct ControlOptions {
    /// A PoP is live while its last heartbeat is at most this old (default 10 s).
    pub live_window: Duration,
    /// Largest bundle upload accepted, in bytes (default 64 MiB).
    pub max_bundle_bytes: usize,
    /// Largest JSON request body accepted, in bytes (default 1 MiB).
    pub max_json_bytes: usize,
}

impl Default for ControlOptions {
    fn default() -> Self {
        Self {
            live_window: Duration::from_secs(10),
            max_bundle_bytes: 64 << 20,
            max_json_bytes: 1 << 20,
        }
    }
}

/// A control plane: a store, the platform's secret key and settings. Serve it with
/// [`crate::serve`]; every operation is also callable directly.
pub struct Control {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) key: SecretKey,
    pub(crate) options: ControlOptions,
    pub(crate) gateway: Option<StoreGateway>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("options", &self.options)
            .field("store_gateway", &self.gateway.is_some())
            .finish_non_exhaustive()
    }
}

impl Control {
    /// A control plane over `store`, sealing secrets with `key`.
    pub fn new(store: Arc<dyn Store>, key: SecretKey, options: ControlOptions) -> Self {
        Self {
            store,
            key,
            options,
            gateway: None,
        }
    }

    /// Serve the node-facing store protocol under `/v1/store/` through `gateway` (for tokens with the `node`
    /// scope; see [`StoreGateway`]).
    pub fn with_store_gateway(mut self, gateway: StoreGateway) -> Self {
        self.gateway = Some(gateway);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The settings.
    pub fn options(&self) -> &ControlOptions {
        &self.options
    }

    /// Create the bootstrap admin token if the store has no token yet; returns its plaintext.
    pub async fn bootstrap_admin_token(&self) -> Result<Option<String>> {
        crate::auth::bootstrap_admin(self.store.as_ref()).await
    }

    /// Create a token (for `verge up`: one `node` token per PoP, a `deploy` token for the user). Returns the
    /// plaintext, stored nowhere, and the record.
    pub async fn create_token(
        &self,
        name: &str,
        scopes: &[crate::Scope],
        pop: Option<&str>,
    ) -> Result<(String, crate::TokenRecord)> {
        crate::auth::create_token(self.store.as_ref(), name, scopes, pop).await
    }

    /// Store a bundle archive. The bytes must parse as a bundle with a valid manifest; the canonical archive
    /// is stored under its sha256. `expected`, when given, must be that hash.
    pub async fn upload_bundle(&self, bytes: &[u8], expected: Option<&str>) -> Result<BundleInfo> {
        let bundle = Bundle::from_archive(bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        validate_manifest(&bundle.manifest)?;
        let main = main_path(&bundle.manifest.main)?;
        if !bundle.modules.contains_key(&main) && !bundle.binaries.contains_key(&main) {
            return Err(Error::BadRequest(format!(
                "the bundle has no module {main:?}, its manifest's main"
            )));
        }
        let canonical = bundle.to_archive();
        let hash = sha256_hex(&canonical);
        if let Some(expected) = expected
            && expected != hash
        {
            return Err(Error::BadRequest(format!(
                "bundle hash mismatch: the upload hashes to {hash}, the client said {expected}"
            )));
        }
        let name = bundle_blob(&hash);
        let created = self.store.get_blob(&name).await?.is_none();
        if created {
            self.store
                .put_blob(&name, Bytes::from(canonical.clone()))
                .await?;
        }
        Ok(BundleInfo {
            hash,
            size: canonical.len() as u64,
            created,
            manifest: ManifestSummary::of(&bundle),
        })
    }

    /// The archive of bundle `hash`.
    pub async fn bundle(&self, hash: &str) -> Result<Bytes> {
        check_hash(hash)?;
        self.store
            .get_blob(&bundle_blob(hash))
            .await?
            .ok_or_else(|| Error::NotFound(format!("no bundle {hash}")))
    }

    /// Make a new version of worker `name` from the uploaded bundle `hash` (whose manifest must name the
    /// same worker). Only the last [`MAX_VERSIONS`] versions are kept.
    pub async fn create_version(
        &self,
        name: &str,
        hash: &str,
        message: Option<String>,
    ) -> Result<VersionInfo> {
        check_worker_name(name)?;
        let bytes = self.bundle(hash).await.map_err(|e| match e {
            Error::NotFound(_) => Error::NotFound(format!(
                "no bundle {hash}: upload it first (POST /v1/bundles)"
            )),
            other => other,
        })?;
        let bundle = Bundle::from_archive(&bytes)
            .map_err(|e| Error::internal(&format!("stored bundle {hash}"), e))?;
        if bundle.manifest.name != name {
            return Err(Error::BadRequest(format!(
                "bundle {hash} is worker {:?}, not {name:?}",
                bundle.manifest.name
            )));
        }
        if let Some(m) = &message
            && m.len() > 4096
        {
            return Err(Error::BadRequest(
                "a version message has at most 4096 bytes".into(),
            ));
        }
        let manifest = ManifestSummary::of(&bundle);
        let size = bytes.len() as u64;
        let (_, info) = update_record(self.store.as_ref(), name, true, |rec| {
            let info = VersionInfo {
                worker: name.to_owned(),
                version: rec.next_version.max(1),
                bundle: hash.to_owned(),
                size,
                created_ms: now_ms(),
                message: message.clone(),
                manifest: manifest.clone(),
            };
            rec.next_version = info.version + 1;
            rec.versions.push(info.clone());
            let excess = rec.versions.len().saturating_sub(MAX_VERSIONS);
            rec.versions.drain(..excess);
            Ok(info)
        })
        .await?;
        Ok(info)
    }

    /// A worker's kept versions, newest first.
    pub async fn versions(&self, name: &str) -> Result<Vec<VersionInfo>> {
        check_worker_name(name)?;
        let rec = require_record(self.store.as_ref(), name).await?;
        Ok(rec.versions.into_iter().rev().collect())
    }

    /// One version of a worker.
    pub async fn version(&self, name: &str, version: u64) -> Result<VersionInfo> {
        check_worker_name(name)?;
        let rec = require_record(self.store.as_ref(), name).await?;
        rec.version(version)
            .cloned()
            .ok_or_else(|| not_kept(name, version))
    }

    /// Every worker the control plane knows, by name.
    pub async fn workers(&self) -> Result<Vec<WorkerSummary>> {
        let (cfg, _) = read_config(self.store.as_ref()).await?;
        let mut out = Vec::new();
        for name in self.store.keys(WORKERS_BUCKET).await? {
            if let Some((rec, _)) = read_record(self.store.as_ref(), &name).await? {
                out.push(summary(&rec, cfg.workers.get(&name)));
            }
        }
        Ok(out)
    }

    /// One worker.
    pub async fn worker(&self, name: &str) -> Result<WorkerSummary> {
        check_worker_name(name)?;
        let (cfg, _) = read_config(self.store.as_ref()).await?;
        let rec = require_record(self.store.as_ref(), name).await?;
        Ok(summary(&rec, cfg.workers.get(name)))
    }
}

fn summary(
    rec: &crate::model::WorkerRecord,
    dep: Option<&verge_core::platform::WorkerDeployment>,
) -> WorkerSummary {
    WorkerSummary {
        name: rec.name.clone(),
        latest_version: rec.versions.last().map(|v| v.version),
        version_count: rec.versions.len(),
        active: dep.map(|d| d.versions.clone()).unwrap_or_default(),
        routes: dep.map(|d| d.routes.clone()).unwrap_or_default(),
        origin: dep.and_then(|d| d.origin.clone()),
        secrets: rec.secrets.keys().cloned().collect(),
    }
}

pub(crate) fn not_kept(name: &str, version: u64) -> Error {
    Error::NotFound(format!(
        "worker {name:?} has no version {version} (only the last {MAX_VERSIONS} are kept)"
    ))
}

/// A worker name: what a manifest allows (letters, digits, `-`, `_`), at most 63 bytes (a DNS label).
pub(crate) fn check_worker_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "worker name {name:?}: use 1 to 63 letters, digits, '-' and '_'"
        )))
    }
}

fn check_hash(hash: &str) -> Result<()> {
    if hash.len() == 64
        && hash
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "{hash:?} is not a bundle hash (64 lower-case hex digits)"
        )))
    }
}

/// The bundle path of a manifest's `main` (`./src/w.js` is `src/w.js`); no `..`, not absolute.
fn main_path(main: &str) -> Result<String> {
    let mut parts = Vec::new();
    for part in main.split('/') {
        match part {
            "" | "." if !parts.is_empty() || part == "." => {}
            ".." | "" => {
                return Err(Error::BadRequest(format!(
                    "main = {main:?} must be a path inside the bundle"
                )));
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// What the node will rely on: a valid name, parseable routes, an http(s) origin, a `main`.
fn validate_manifest(m: &Manifest) -> Result<()> {
    check_worker_name(&m.name)?;
    for r in &m.routes {
        RoutePattern::parse(r).map_err(Error::BadRequest)?;
    }
    if let Some(o) = &m.origin
        && !(o.starts_with("http://") || o.starts_with("https://"))
    {
        return Err(Error::BadRequest(format!(
            "origin {o:?} must be an http:// or https:// URL"
        )));
    }
    if m.main.is_empty() {
        return Err(Error::BadRequest(
            "the manifest names no main module".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_paths() {
        assert_eq!(main_path("worker.js").unwrap(), "worker.js");
        assert_eq!(main_path("./src/w.js").unwrap(), "src/w.js");
        assert_eq!(main_path("src//w.js").unwrap(), "src/w.js");
        assert!(main_path("../w.js").is_err());
        assert!(main_path("/etc/w.js").is_err());
    }
}
