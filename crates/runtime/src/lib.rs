//! Running workers: loading and compiling them, keeping warm isolates per shard, and serving a request under
//! the worker's limits.
//!
//! - [`worker`]: a loaded worker (bundle + bytecode + config), and loading one from a folder or file;
//! - [`pool`]: each shard's warm isolates;
//! - [`limits`]: the limit enforcer — every limit of a request is checked and reported there;
//! - [`invoke`]: one request through a worker, from hyper request to streamed response;
//! - [`outbound`]: the gateway every subrequest goes through (SSRF guard, connection pool);
//! - [`wasm`]: WebAssembly workers (a `.wasm` component as `main`), served through `verge-wasm`.

mod body;
pub mod cf;
mod error;
pub mod invoke;
pub mod limits;
pub mod metrics;
pub mod outbound;
pub mod pool;
pub mod proxy;
mod shard;
pub mod wasm;
pub mod worker;

pub use body::{ChannelBody, ChannelSender, LimitedBody, Tripwire};
pub use error::{Error, Result};
pub use shard::{NodeShared, Shard, ShardConfig};
pub use worker::{LoadError, Worker};
