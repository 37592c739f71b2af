//! The error type of the core crate.

/// Errors raised while reading manifests and bundles.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `verge.toml` could not be parsed or holds an invalid value.
    #[error("invalid verge.toml: {0}")]
    Manifest(String),
    /// A `.dev.vars` line could not be parsed.
    #[error("invalid .dev.vars line {line}: {message}")]
    DevVars {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        message: String,
    },
}

/// Result with the core [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
