//! The runtime's error type.

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Loading a worker failed.
    #[error(transparent)]
    Load(#[from] crate::LoadError),
}

/// Result with the runtime [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
