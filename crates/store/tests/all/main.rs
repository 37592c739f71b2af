//! The store crate's integration tests: one conformance suite run against every backend.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr,
    reason = "test helpers fail loudly"
)]

mod conformance;
mod embedded;
mod memory;
mod nats;
mod remote;
