//! Errors of the JS engine layer, and errors thrown by JS, captured as plain data.

use std::fmt;

/// An exception thrown by JS, captured with its name, message and stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsError {
    /// The error's name (`TypeError`), when it was an Error object.
    pub name: String,
    /// The message, or the thrown value as a string.
    pub message: String,
    /// The stack trace, when there was one.
    pub stack: String,
}

impl fmt::Display for JsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name.is_empty() {
            write!(f, "Uncaught {}", self.message)?;
        } else {
            write!(f, "Uncaught {}: {}", self.name, self.message)?;
        }
        // The host's own prelude frames say nothing to the worker's author.
        for frame in self.stack.lines().filter(|l| !l.contains("verge:prelude")) {
            if !frame.trim().is_empty() {
                write!(f, "\n{frame}")?;
            }
        }
        Ok(())
    }
}

/// Errors raised while building and running isolates.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// JS code threw.
    #[error("{0}")]
    Thrown(JsError),
    /// A limit was exceeded; the isolate must be discarded.
    #[error("{0}")]
    Limit(verge_core::Violation),
    /// A module could not be found or read.
    #[error("{0}")]
    Module(String),
    /// Nothing is left that could finish the work (no pending I/O, and the promise is unsettled).
    #[error(
        "the script will never generate a response: its promise is unsettled and no I/O is pending"
    )]
    Hung,
    /// The worker does not define a fetch handler.
    #[error("{0}")]
    NoHandler(String),
    /// QuickJS itself failed (out of memory while setting up, bad state).
    #[error("engine error: {0}")]
    Engine(String),
}

/// Result with the js [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
