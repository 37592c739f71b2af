//! API tests of the control plane over real HTTP on loopback, against the in-memory store.
//!
//! | module | what it covers |
//! | --- | --- |
//! | [`auth`] | missing, unknown and under-scoped tokens (401/403, nothing changes); token management |
//! | [`deploys`] | upload, versions, deploy, generations, rollback, gradual rollout, the version cap, concurrency |
//! | [`bundles`] | bad bundle bytes, hash checks, body limits |
//! | [`config`] | the config document for nodes, long-polled |
//! | [`secrets`] | sealed at rest, never returned |
//! | [`routes`] | route conflicts between workers |
//! | [`pops`] | the PoP registry, liveness, deployment progress and errors, node tokens |

mod support;

mod auth;
mod bundles;
mod config;
mod deploys;
mod pops;
mod routes;
mod secrets;
