//! The Web APIs, exercised through JS in real isolates.
#![expect(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod support;

mod apis;
mod blob;
mod buffer;
mod chunks;
mod compression;
mod crypto;
mod events;
mod html_rewriter;
mod sandbox;
mod wpt;
