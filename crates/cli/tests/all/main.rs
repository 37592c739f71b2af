//! End-to-end tests of `verge dev`: each test copies a worker (an example or a fixture) into a temp dir,
//! starts its own `verge dev` process on a free loopback port, and talks to it over real HTTP.
//!
//! | module | what it covers |
//! | --- | --- |
//! | [`examples`] | every folder under `examples/` |
//! | [`examples_compress`] | `examples/compress`: gzip on the way out, gunzip on the way in, streamed |
//! | [`examples_crypto`] | `examples/jwt-auth` and `examples/hmac-signed-urls` with tokens and links signed here |
//! | [`examples_html`] | `examples/html-rewrite`: HTMLRewriter personalising a page and rewriting its links |
//! | [`limits`] | CPU, memory, stack, wall-clock, subrequest and request-body limits; the node keeps serving |
//! | [`errors`] | uncaught exceptions, non-Response results, `console.log` |
//! | [`bad_scripts`] | workers that fail to load, and a fix by hot reload |
//! | [`hot_reload`] | editing the worker while it serves |
//! | [`streaming`] | a 100 MiB body through the echo example in bounded memory |
//! | [`outbound`] | `fetch()` to a loopback origin, allowed and refused |
//! | [`wait_until`] | `ctx.waitUntil` work after the response |
//! | [`wasm`] | WebAssembly workers: the wasm examples, limits, traps, env and logs, outbound, reproducible guests |
//! | [`web_api`] | Request, URL, encoders, crypto, structuredClone and friends |
//! | [`deploy`] | `verge control` + `verge deploy`/`versions`/`rollback`/`secret put`, with fake PoPs |
//! | [`cluster`] | the platform as processes: `verge control` (embedded or NATS) + 3 `verge node`s + `verge deploy` |
//! | [`harness`] | the test's own HTTP client and origin server, without verge |
//!
//! The binary under test is this package's `verge`; set `VERGE_TEST_BIN=/path/to/verge` to run the same
//! tests against another build.
//!
//! Shared machinery lives in [`support`] (the `verge dev` child process and temp copies), [`client`] (a
//! small client with timeouts) and [`origin`] (an HTTP server the workers fetch from).

#![expect(
    clippy::expect_used,
    reason = "test support code outside #[test] fns: a failed setup step must fail the test loudly"
)]

mod client;
mod origin;
mod support;

mod bad_scripts;
mod cluster;
mod deploy;
mod errors;
mod examples;
mod examples_compress;
mod examples_crypto;
mod examples_edge;
mod examples_html;
mod harness;
mod hot_reload;
mod limits;
mod outbound;
mod platform;
mod streaming;
mod wait_until;
mod wasm;
mod web_api;
