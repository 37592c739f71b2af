//! Errors: loading a component (`Error`) and how one request ended badly (`Failure`).

use verge_core::Violation;

/// Why a component could not be loaded or a request could not be started.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The engine could not be set up (a bad [`EngineConfig`](crate::EngineConfig), or the OS refused the
    /// memory the pooling allocator reserves).
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
    /// The bytes are not a valid WebAssembly component.
    #[error("not a valid WebAssembly component: {0}")]
    Compile(String),
    /// The component imports something verge does not provide, or does not export
    /// `wasi:http/incoming-handler`.
    #[error("the component cannot run as a wasi:http/proxy worker: {0}")]
    Link(String),
    /// The request could not be handed to the guest.
    #[error("invalid request: {0}")]
    Request(String),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a request that reached the guest failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Failure {
    /// A limit was exceeded (the guest was stopped).
    Limit(Violation),
    /// The guest trapped (`unreachable`, out-of-bounds access, stack overflow, ...), with wasmtime's message
    /// and the guest's backtrace.
    Trap(String),
    /// The guest returned without a response, or answered with an error code.
    NoResponse(String),
    /// No instance slot was free: the node is at its configured concurrency for WebAssembly.
    Busy(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Limit(v) => write!(f, "{v}"),
            Self::Trap(m) => write!(f, "the worker trapped: {m}"),
            Self::NoResponse(m) => write!(f, "the worker did not respond: {m}"),
            Self::Busy(m) => write!(f, "no WebAssembly instance slot free: {m}"),
        }
    }
}
