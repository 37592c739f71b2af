//! The node: serves workers over HTTP on thread-per-core shards.
//!
//! Each shard is a thread with its own single-threaded async runtime, its own listening socket on the shared
//! port (`SO_REUSEPORT`: the kernel spreads connections over the shards) and its own warm isolates, so a
//! request never hops threads. Which worker answers a request is the [`Target`]'s decision.

pub mod admin;
mod listener;
pub mod routes;
mod server;
pub mod sync;
mod target;

pub use routes::{PlatformTarget, RouteTable};
pub use server::{Node, NodeConfig, NodeError};
pub use target::{Resolved, RouteRequest, SingleWorker, Target};
