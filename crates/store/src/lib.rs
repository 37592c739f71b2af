//! Storage behind the platform, one set of traits over several backends.
//!
//! Everything that crosses nodes goes through [`Store`]: small documents in buckets, each write with a
//! revision (compare-and-set writes for read-modify-write), watches that deliver every change in order, and
//! blobs for bundles. Backends:
//! - [`MemoryStore`]: in-process, nothing on disk (unit tests);
//! - [`EmbeddedStore`]: in-process, durable files under a data dir (`verge dev`, `verge up`, single host);
//! - [`NatsStore`]: NATS JetStream (KV buckets, Object Store) for many hosts;
//! - [`RemoteStore`]: another process's store over HTTP (nodes of an embedded control plane), served by
//!   [`remote::serve`].
//!
//! Every backend passes the same conformance suite (`tests/all/`).
//!
//! ```
//! # async fn demo() -> verge_store::Result<()> {
//! use verge_store::{MemoryStore, Store, StoreError};
//! let store = MemoryStore::new();
//! let r1 = store.update("platform", "config", "v1".into(), 0).await?; // create
//! let r2 = store.update("platform", "config", "v2".into(), r1).await?; // compare-and-set
//! assert!(r2 > r1);
//! let stale = store.update("platform", "config", "v3".into(), r1).await;
//! assert!(matches!(stale, Err(StoreError::Conflict { .. })));
//! # Ok(()) }
//! ```

mod embedded;
mod memory;
mod nats;
pub mod remote;

pub use embedded::EmbeddedStore;
pub use memory::MemoryStore;
pub use nats::{NatsOptions, NatsStore};
pub use remote::{RemoteOptions, RemoteStore};

use bytes::Bytes;
use futures::stream::BoxStream;

/// Store results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A compare-and-set write found another revision than it expected.
    #[error("{bucket}/{key} changed meanwhile (expected revision {expected}, found {found})")]
    Conflict {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The revision the writer read (0: the key must not exist).
        expected: u64,
        /// The revision it has now (0: it does not exist).
        found: u64,
    },
    /// The backend cannot be reached now (a later call may succeed).
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A bucket, key or blob name is not acceptable.
    #[error("invalid name {0:?}: use letters, digits, '-', '_', '.', '=' and '/'")]
    InvalidName(String),
    /// Anything else the backend reported.
    #[error("store error: {0}")]
    Backend(String),
}

/// A key's current value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: Bytes,
    /// The revision of the write that made it; grows with every write to the bucket.
    pub revision: u64,
}

/// One change seen by a watch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A key was written.
    Put(Entry),
    /// A key was deleted.
    Delete {
        /// The key.
        key: String,
        /// The revision of the delete.
        revision: u64,
    },
}

/// A store: buckets of small documents, and blobs.
///
/// Revisions are per bucket: every write or delete in a bucket gets a revision greater than every earlier one in
/// that bucket (also across restarts of a durable backend); they are not contiguous. Buckets spring into being
/// on first use. Every call of a networked backend is bounded by a configurable timeout and fails with
/// [`StoreError::Unavailable`] when the backend cannot be reached, rather than hanging.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// The current value of `key`, if any.
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Entry>>;
    /// Write `value` whatever was there; returns the new revision.
    async fn put(&self, bucket: &str, key: &str, value: Bytes) -> Result<u64>;
    /// Write `value` only if the key's revision is still `expected` (0: only if the key does not exist);
    /// returns the new revision, or [`StoreError::Conflict`].
    async fn update(&self, bucket: &str, key: &str, value: Bytes, expected: u64) -> Result<u64>;
    /// Delete `key` (no error when it does not exist).
    async fn delete(&self, bucket: &str, key: &str) -> Result<()>;
    /// Every key in `bucket`, sorted.
    async fn keys(&self, bucket: &str) -> Result<Vec<String>>;
    /// Every current entry of `bucket` (as [`Change::Put`]), then every change after, in order, until dropped.
    ///
    /// The current entries come first (in no promised order between keys), each exactly once; keys deleted
    /// before the watch started are not reported. Then every later write comes as [`Change::Put`] and every
    /// delete as [`Change::Delete`], in revision order. A watch of a networked backend that loses its
    /// connection yields one `Err` (usually [`StoreError::Unavailable`]) and ends, or just ends: callers that
    /// want to follow a bucket for good watch again (and get the current entries again, which tells them what
    /// they missed).
    async fn watch(&self, bucket: &str) -> Result<BoxStream<'static, Result<Change>>>;
    /// Store a blob (blobs are immutable: writing a name again with other bytes is a caller's bug).
    async fn put_blob(&self, name: &str, bytes: Bytes) -> Result<()>;
    /// A blob, if it exists.
    async fn get_blob(&self, name: &str) -> Result<Option<Bytes>>;
}

/// Check a bucket, key or blob name: non-empty, at most 255 bytes, `[A-Za-z0-9_=./-]`, no `..`, not starting
/// with `.` or `/`. Every backend accepts exactly these.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && !name.starts_with(['.', '/'])
        && !name.ends_with('/')
        && !name.contains("..")
        && !name.contains("//")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '.' | '/'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidName(name.to_owned()))
    }
}
