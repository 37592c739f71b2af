//! The Web APIs a worker sees, installed into each isolate.
//!
//! Most classes (Headers, Request, Response, streams, URLSearchParams, ...) are written in JavaScript under
//! `js/`, concatenated in file-name order into one prelude module that is compiled to bytecode once per process.
//! The prelude reaches the host only through the `ops` object built here, one Rust module per API
//! ([`url`], [`encoding`], [`crypto`], [`timers`], [`console`], [`body`], [`fetch`], [`compression`]). [`dispatch`] is the host's
//! side of a request: it hands a request to the worker and takes its response apart.

pub mod body;
mod cache;
pub mod compression;
mod console;
mod crypto;
pub mod dispatch;
mod encoding;
pub mod fetch;
mod html_rewriter;
mod prelude;
mod sandbox;
mod setup;
mod timers;
mod url;
mod urlpattern;

pub use body::{Body, BoxError};
pub use dispatch::{JsStream, ResponseBody, WorkerResponse};
pub use fetch::Host;
pub use setup::{WebSetup, WebState};
