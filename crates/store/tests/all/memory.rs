//! The conformance suite on the in-memory backend.

use std::sync::Arc;
use verge_store::{MemoryStore, Store};

async fn make() -> Option<(Arc<dyn Store>, ())> {
    Some((Arc::new(MemoryStore::new()), ()))
}

crate::conformance::conformance_tests!(make());
