//! Terminal output: the only place the CLI writes to stdout/stderr directly. Broken pipes are ignored.

use std::io::{IsTerminal, Write};

/// A line for the user, on stdout.
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// An error for the user, on stderr.
pub fn error(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{text}");
    let _ = err.flush();
}

/// Send logs (worker console output, limit violations) to stderr. `VERGE_LOG` overrides the filter.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VERGE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,hyper=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .try_init();
}
