//! QuickJS isolates for workers, on rquickjs.
//!
//! An [`Isolate`] is one QuickJS runtime and context with a worker's modules evaluated in it. This crate owns
//! what makes isolates safe to share a thread with other tenants:
//!
//! - [`alloc`]: a metered allocator that enforces the heap limit and remembers that it was hit, even when the
//!   script catches the resulting out-of-memory error;
//! - [`guard`]: the CPU budget checked from QuickJS's interrupt handler against the thread's CPU clock;
//! - [`compile`] and [`loader`]: bundles are compiled once to QuickJS bytecode by the node itself, and isolates
//!   are instantiated from that bytecode; bytecode from anywhere else is never loaded;
//! - [`ops`]: host futures (timers, I/O) whose results settle JS promises, and the loop that drives them.

pub mod alloc;
pub mod compile;
pub mod compiler;
mod error;
pub mod guard;
mod isolate;
pub mod loader;
pub mod ops;

pub use compile::CompiledBundle;
pub use error::{Error, JsError, Result};
pub use guard::Guard;
pub use isolate::{Blank, Isolate, IsolateConfig, RejectionHandler, Setup};
pub use loader::ReadFile;
pub use ops::Ops;
pub use rquickjs;
