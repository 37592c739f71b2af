//! The verge control plane: an HTTP+JSON API that takes deploys and publishes them to every PoP.
//!
//! It keeps one [`verge_core::platform::PlatformConfig`] document in the store and the bundles as blobs;
//! nodes watch the document and report their [`verge_core::platform::PopStatus`]. Every change to the
//! document is a compare-and-set write with the generation one higher, so concurrent deploys never lose one
//! another. Beside it the control plane keeps worker records (versions, sealed secrets, deploy history) and
//! hashed bearer tokens.
//!
//! | module | job |
//! | --- | --- |
//! | `auth` | tokens and scopes |
//! | `control` | the [`Control`] state; bundles, versions, workers |
//! | `deploy` | deploys, gradual rollouts, rollbacks |
//! | `secrets` | sealed worker secrets |
//! | `pops` | the PoP registry and deployment progress |
//! | `proxies` | proxy routes (an origin, no worker) |
//! | `http` | routing, authentication, body limits, JSON errors |
//! | `server` | the listener loop and the key file |
//! | [`client`] | a client of the API (the CLI's) |
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use verge_control::{Control, ControlOptions};
//! let store = Arc::new(verge_store::MemoryStore::new());
//! let control = Control::new(store, verge_core::secrets::SecretKey::generate(), ControlOptions::default());
//! if let Some(token) = control.bootstrap_admin_token().await? {
//!     println!("admin token: {token}");
//! }
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8800").await?;
//! verge_control::serve(Arc::new(control), listener).await;
//! # Ok(()) }
//! ```

mod auth;
pub mod client;
mod control;
mod deploy;
mod documents;
mod error;
mod http;
pub mod model;
mod pops;
mod proxies;
mod secrets;
mod server;

pub use auth::{Scope, TOKENS_BUCKET, TokenRecord, create_token, token_hash};
pub use control::{Control, ControlOptions};
pub use error::{Error, Result};
pub use http::{BUNDLE_HASH_HEADER, Body, BoxError, StoreGateway, store_access};
pub use server::{load_or_create_key, serve, write_private};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
