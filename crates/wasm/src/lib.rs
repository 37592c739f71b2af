//! The wasmtime host of verge: WebAssembly workers that serve the standard `wasi:http/proxy` world (the
//! world `wasmtime serve` and Spin accept), under the same [`Limits`](verge_core::Limits) as JS workers.
//!
//! - [`host`]: one [`WasmHost`] per process: the wasmtime engine set up for an edge node (Cranelift,
//!   pooling instance allocator, epoch interruption driven by a ticker thread), the linker with the WASI
//!   interfaces a worker may import, and compiled components cached by content hash;
//! - [`worker`]: a loaded [`WasmWorker`] (a pre-instantiated component) and serving one request with it
//!   on a fresh instance;
//! - [`meter`]: the limits of one request (CPU time on the thread's CPU clock, wall clock, memory,
//!   subrequests, request body) and the first violation;
//! - [`outbound`]: `wasi:http/outgoing-handler` requests handed to the embedder's [`Outbound`];
//! - [`log`]: the guest's stdout and stderr as the worker's log lines.
//!
//! ```no_run
//! # async fn demo(bytes: &[u8], outbound: std::sync::Arc<dyn verge_wasm::Outbound>) -> verge_wasm::Result<()> {
//! use verge_wasm::{EngineConfig, WasmHost, WorkerSpec};
//!
//! let host = WasmHost::new(EngineConfig::default())?;
//! let worker = host.load(WorkerSpec {
//!     name: "hello".into(),
//!     env: vec![("GREETING".into(), "hi".into())],
//!     limits: verge_core::Limits::default(),
//!     binary: bytes,
//! })?;
//! let request = http::Request::get("https://example.com/")
//!     .body(http_body_util::Empty::<bytes::Bytes>::new())
//!     .map_err(|e| verge_wasm::Error::Request(e.to_string()))?;
//! let served = worker.serve(request, outbound).await;
//! # let _ = served; Ok(()) }
//! ```

mod body;
mod config;
pub mod cpu;
mod error;
pub mod host;
mod limiter;
pub mod log;
pub mod meter;
pub mod outbound;
mod state;
pub mod worker;

pub use config::EngineConfig;
pub use error::{Error, Failure, Result};
pub use host::WasmHost;
pub use meter::RequestMeter;
pub use outbound::{Body, BoxError, Outbound, SendError};
pub use worker::{Finished, Served, WasmWorker, WorkerSpec};
