//! What the control plane publishes and every node applies: the platform's serving state, and what a node
//! reports back.
//!
//! The control plane keeps one [`PlatformConfig`] document in the store (bucket [`CONFIG_BUCKET`], key
//! [`CONFIG_KEY`]) and bundles as blobs named by [`bundle_blob`]. A node watches the document; on a change it
//! fetches the bundles it lacks, compiles them, swaps its route table in one step and writes its
//! [`PopStatus`] (bucket [`POPS_BUCKET`], key = its id) with the generation it now serves.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bucket of the platform configuration document.
pub const CONFIG_BUCKET: &str = "platform";
/// Key of the platform configuration document.
pub const CONFIG_KEY: &str = "config";
/// Bucket of PoP status reports (key: the PoP id).
pub const POPS_BUCKET: &str = "pops";

/// The blob name of the bundle with content hash `hash`.
pub fn bundle_blob(hash: &str) -> String {
    format!("bundle-{hash}")
}

/// Everything every node serves, as one versioned document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlatformConfig {
    /// Incremented by every change; nodes ack the generation they serve.
    pub generation: u64,
    /// Deployed workers by name.
    pub workers: BTreeMap<String, WorkerDeployment>,
    /// Routes with an origin and no worker: plain caching reverse proxies.
    #[serde(default)]
    pub proxies: Vec<ProxyRoute>,
}

/// One worker as deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkerDeployment {
    /// The worker's name (also its `<name>.<platform domain>` host).
    pub name: String,
    /// The versions serving traffic and their shares (percent, adding up to 100). One entry normally; two
    /// during a gradual rollout. A client's share is sticky.
    pub versions: Vec<VersionShare>,
    /// Route patterns (`api.example.com/*`).
    #[serde(default)]
    pub routes: Vec<String>,
    /// Where the worker's `fetch()` to its own host goes.
    #[serde(default)]
    pub origin: Option<String>,
    /// Secrets, sealed with the platform's secret key (see [`crate::secrets`]).
    #[serde(default)]
    pub secrets: BTreeMap<String, String>,
}

/// A version and its share of a worker's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionShare {
    /// Version number (1, 2, ... per worker).
    pub version: u64,
    /// The bundle's content hash.
    pub bundle: String,
    /// Percent of clients (0–100).
    pub percent: u8,
}

/// A route served by proxying to an origin, with no worker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyRoute {
    /// Route pattern.
    pub pattern: String,
    /// Origin URL.
    pub origin: String,
}

/// What a PoP reports about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopStatus {
    /// The PoP's id (`nrt-1`).
    pub id: String,
    /// IATA-style region code (`nrt`).
    pub region: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Where it serves HTTP (`127.0.0.1:8801`).
    pub http: String,
    /// Where its admin endpoints are.
    pub admin: String,
    /// The configuration generation it serves.
    pub generation: u64,
    /// Milliseconds since the Unix epoch of this report; a PoP is live while its reports are recent.
    pub heartbeat_ms: u64,
    /// Workers (by `name@version`) it could not load at this generation, with the error. It keeps serving the
    /// version it had.
    #[serde(default)]
    pub errors: BTreeMap<String, String>,
}
