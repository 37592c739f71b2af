//! HTTP caching for the edge: freshness from `Cache-Control`/`Expires` (RFC 9111, as a shared cache), and an
//! in-memory store per node behind the [`CacheStore`] trait.
//!
//! ```
//! use verge_cache::{CachedResponse, MemoryCache, CacheStore, freshness};
//! use std::time::{Duration, SystemTime};
//! let headers = vec![("cache-control".to_owned(), b"public, max-age=60".to_vec())];
//! let now = SystemTime::now();
//! let ttl = freshness(&headers, now).unwrap();
//! assert_eq!(ttl, Duration::from_secs(60));
//! let cache = MemoryCache::new(1 << 20);
//! cache.put("tenant/default", "https://example.com/a", CachedResponse::new(200, headers, vec![], "hi".into(), now + ttl));
//! assert!(cache.get("tenant/default", "https://example.com/a", &[], now).is_some());
//! ```

mod freshness;
mod memory;

pub use freshness::{CacheDecision, freshness, storable};
pub use memory::{CacheStore, CachedResponse, MemoryCache};
