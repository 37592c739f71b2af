//! Runtime tests: loading workers and the isolate pool.
#![expect(clippy::unwrap_used, reason = "tests fail loudly")]

mod pool;
