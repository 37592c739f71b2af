//! The data model shared by every part of verge: worker manifests (`verge.toml`), limits, bundles and errors.
//!
//! Nothing here does I/O; reading files and compiling scripts happen in the crates above.
//!
//! ```
//! let manifest = verge_core::Manifest::from_toml(r#"
//!     name = "hello"
//!     main = "worker.js"
//!     [limits]
//!     cpu_ms = 20
//! "#).unwrap();
//! assert_eq!(manifest.limits.cpu_ms, 20);
//! assert_eq!(manifest.limits.subrequests, 50);
//! ```

mod bundle;
mod error;
mod limits;
mod manifest;
pub mod platform;
mod route;
pub mod secrets;

pub use bundle::{ArchiveError, Bundle, ModuleKind, SourceModule, sha256_hex};
pub use error::{Error, Result};
pub use limits::{Limits, Violation, ViolationKind};
pub use manifest::{Manifest, OutboundPolicy, Sandbox, parse_dev_vars};
pub use route::{RoutePattern, strip_port};
