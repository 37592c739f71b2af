//! A store served over HTTP, for processes that do not own it (nodes of a control plane on the embedded backend).
//!
//! The server side is one function, [`serve`] (or [`serve_with`]), to call from inside any hyper service after
//! authenticating the request; the client side is [`RemoteStore`], a [`Store`](crate::Store) on hyper-util's
//! HTTP/1 client.
//!
//! # Layout
//! Names in paths are percent-encoded (`/` as `%2F`), so a bucket is always one segment.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /kv/{bucket}/{key}` | 200, the value as the body, `verge-revision: N`; 404 when absent |
//! | `PUT /kv/{bucket}/{key}` (body: the value) | 200 `{"revision":N}` and `verge-revision: N` |
//! | same, with `verge-expected-revision: N` | compare-and-set (0: must not exist); 409 on conflict |
//! | `DELETE /kv/{bucket}/{key}` | 204 (also when absent) |
//! | `GET /kv/{bucket}?keys` | 200, a JSON array of keys, sorted |
//! | `GET /watch/{bucket}` | 200, newline-delimited JSON, streamed: `{"op":"put","key":..,"value":base64,"revision":N}`, `{"op":"delete","key":..,"revision":N}`, `{"op":"ping"}` when idle, `{"op":"error",...}` then the end |
//! | `PUT /blobs/{name}` (body: the bytes) | 204 |
//! | `GET /blobs/{name}` | 200, the bytes; 404 when absent |
//!
//! Errors are JSON, `{"error": kind, "message": .., ...}`, with a status: 400 `invalid_name` (with `name`),
//! 409 `conflict` (with `bucket`, `key`, `expected`, `found`), 503 `unavailable`, 500 `backend`, 413
//! `too_large`; the client turns them back into the same [`StoreError`](crate::StoreError).

mod client;
mod server;
mod wire;

pub use client::{RemoteOptions, RemoteStore};
pub use server::{Body, ServeOptions, serve, serve_with};
pub use wire::{EXPECTED_HEADER, REVISION_HEADER};
