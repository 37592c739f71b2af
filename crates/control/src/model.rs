//! The control plane's documents (worker records with their versions) and the API's request and response
//! bodies. The CLI and tests use the same types.

use crate::auth::{Scope, TokenRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use verge_core::platform::VersionShare;
use verge_core::{Bundle, Manifest};

/// Bucket of worker records (key: worker name).
pub const WORKERS_BUCKET: &str = "control-workers";

/// How many versions of a worker are kept; older ones are dropped.
pub const MAX_VERSIONS: usize = 100;

/// What a version's manifest says, in short.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestSummary {
    /// The worker's name.
    pub name: String,
    /// The entry module.
    pub main: String,
    /// The compatibility date, if set.
    #[serde(default)]
    pub compatibility_date: Option<String>,
    /// Route patterns.
    #[serde(default)]
    pub routes: Vec<String>,
    /// The origin behind the routes.
    #[serde(default)]
    pub origin: Option<String>,
    /// Module paths.
    #[serde(default)]
    pub modules: Vec<String>,
    /// Binary file paths.
    #[serde(default)]
    pub binaries: Vec<String>,
    /// Names of the plain-text vars.
    #[serde(default)]
    pub vars: Vec<String>,
}

impl ManifestSummary {
    /// The summary of `bundle`.
    pub fn of(bundle: &Bundle) -> Self {
        let m: &Manifest = &bundle.manifest;
        Self {
            name: m.name.clone(),
            main: m.main.clone(),
            compatibility_date: m.compatibility_date.clone(),
            routes: m.routes.clone(),
            origin: m.origin.clone(),
            modules: bundle.modules.keys().cloned().collect(),
            binaries: bundle.binaries.keys().cloned().collect(),
            vars: m.vars.keys().cloned().collect(),
        }
    }
}

/// One version of a worker: an uploaded bundle with a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    /// The worker.
    pub worker: String,
    /// 1, 2, ... per worker.
    pub version: u64,
    /// The bundle's content hash.
    pub bundle: String,
    /// Size of the bundle archive in bytes.
    pub size: u64,
    /// Milliseconds since the Unix epoch of its creation.
    pub created_ms: u64,
    /// The deployer's note.
    #[serde(default)]
    pub message: Option<String>,
    /// The manifest, in short.
    pub manifest: ManifestSummary,
}

/// A worker's record in the control plane: its versions (the last [`MAX_VERSIONS`]), its sealed secrets and
/// the versions it was deployed at, newest last (for rollback).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRecord {
    /// The worker's name.
    pub name: String,
    /// The number the next version gets.
    pub next_version: u64,
    /// Versions, oldest first.
    pub versions: Vec<VersionInfo>,
    /// Secrets, sealed with the platform key.
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
    /// Versions made the primary one by deploys and rollbacks, oldest first (at most [`MAX_VERSIONS`]).
    #[serde(default)]
    pub history: Vec<u64>,
}

impl WorkerRecord {
    /// Version `v`, if kept.
    pub fn version(&self, v: u64) -> Option<&VersionInfo> {
        self.versions.iter().find(|x| x.version == v)
    }
}

/// Response of `POST /v1/bundles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleInfo {
    /// The content hash (sha256 of the canonical archive).
    pub hash: String,
    /// Archive size in bytes.
    pub size: u64,
    /// Whether this upload stored it (false: it was there already).
    pub created: bool,
    /// The manifest, in short.
    pub manifest: ManifestSummary,
}

/// Body of `POST /v1/workers/{name}/versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateVersion {
    /// Hash of an uploaded bundle.
    pub bundle: String,
    /// A note for the version list.
    #[serde(default)]
    pub message: Option<String>,
}

/// Body of `POST /v1/workers/{name}/deployments`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployRequest {
    /// The version to deploy.
    pub version: u64,
    /// Its share of traffic (1–100, default 100); below 100 the current version keeps the rest.
    #[serde(default)]
    pub percent: Option<u8>,
}

/// Body of `POST /v1/workers/{name}/rollback`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollbackRequest {
    /// The version to go back to (default: the previous one).
    #[serde(default)]
    pub version: Option<u64>,
}

/// Response of a deploy or rollback: the new serving state and the generation that carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployResult {
    /// The worker.
    pub worker: String,
    /// The platform config generation that first carries this deployment; PoPs serving a generation at
    /// least this have it.
    pub generation: u64,
    /// Versions and shares now serving, the one just deployed first.
    pub versions: Vec<VersionShare>,
    /// Its routes.
    pub routes: Vec<String>,
}

/// A worker in `GET /v1/workers` and `GET /v1/workers/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerSummary {
    /// The name.
    pub name: String,
    /// The newest version number, if any.
    pub latest_version: Option<u64>,
    /// How many versions are kept.
    pub version_count: usize,
    /// What serves now (empty: not deployed).
    pub active: Vec<VersionShare>,
    /// Routes it serves.
    pub routes: Vec<String>,
    /// Its origin.
    pub origin: Option<String>,
    /// Names of its secrets (never the values).
    pub secrets: Vec<String>,
}

/// Body of `PUT /v1/workers/{name}/secrets/{NAME}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretValue {
    /// The secret's value.
    pub value: String,
}

/// Response of the secret endpoints: names only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretNames {
    /// The worker.
    pub worker: String,
    /// Its secrets' names.
    pub names: Vec<String>,
    /// The config generation carrying the change, when the worker is deployed.
    #[serde(default)]
    pub generation: Option<u64>,
}

/// A PoP as the registry shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopView {
    /// Its id.
    pub id: String,
    /// Region code.
    pub region: String,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// Its HTTP address.
    pub http: String,
    /// Its admin address.
    pub admin: String,
    /// Whether its last heartbeat is within the liveness window.
    pub live: bool,
    /// The generation it serves.
    pub generation: u64,
    /// Its last heartbeat (ms since the epoch).
    pub heartbeat_ms: u64,
    /// How long ago that was, in ms.
    pub age_ms: u64,
    /// Load errors by `name@version`.
    pub errors: BTreeMap<String, String>,
}

/// One PoP's progress towards a deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopProgress {
    /// The PoP's id.
    pub id: String,
    /// Region code.
    pub region: String,
    /// HTTP address.
    pub http: String,
    /// Whether it is live.
    pub live: bool,
    /// The generation it serves.
    pub generation: u64,
    /// Whether it serves the deployment's generation (or a later one).
    pub acked: bool,
    /// Its load errors for the versions of this deployment (`name@version` → message).
    pub errors: BTreeMap<String, String>,
}

/// Response of `GET /v1/workers/{name}/deployment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeploymentStatus {
    /// The worker.
    pub worker: String,
    /// The generation waited for (`?generation=`, default the current one).
    pub generation: u64,
    /// The platform's current generation.
    pub current_generation: u64,
    /// What serves now.
    pub versions: Vec<VersionShare>,
    /// Every known PoP.
    pub pops: Vec<PopProgress>,
    /// Live PoPs that acked / live PoPs.
    pub acked: usize,
    /// Live PoPs.
    pub live: usize,
    /// Every live PoP acked without an error for this deployment.
    pub done: bool,
    /// Some PoP reported an error loading a version of this deployment.
    pub failed: bool,
}

/// Body of `POST /v1/tokens`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    /// A label.
    pub name: String,
    /// Its scopes.
    pub scopes: Vec<Scope>,
    /// For a node token: the PoP it speaks for.
    #[serde(default)]
    pub pop: Option<String>,
}

/// Response of `POST /v1/tokens`: the plaintext token, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    /// The token.
    pub token: String,
    /// What is stored about it.
    pub record: TokenRecord,
}
