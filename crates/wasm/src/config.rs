//! How the process's WebAssembly engine is set up. Per-worker limits are in `verge_core::Limits`; these
//! are the node's: how many instances may live at once and how often limits are checked.

use std::time::Duration;

/// The node's WebAssembly engine settings. Build as `EngineConfig { field: value, ..Default::default() }`.
///
/// The defaults suit a small edge node (2 cores, 24 GiB): up to 256 instances alive at once (one per
/// request in flight, so a few hundred requests waiting on subrequests). Each slot reserves 4 GiB of
/// address space (so bounds checks compile to nothing), about 1 TiB in all; memory is committed only as
/// guests touch it and returned when their request ends.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Use the pooling instance allocator (slots reserved up front, instantiation without mmap calls).
    /// Off: every instance maps its own memory (slower, no fixed concurrency cap).
    pub pooling: bool,
    /// Component instances alive at once (requests in flight on Wasm workers across the node).
    pub max_instances: u32,
    /// Core module instances per component (a C guest with the WASI adapter has about 5).
    pub max_core_instances_per_component: u32,
    /// Linear memories per component (pool slots are `max_instances` of them in all).
    pub max_memories_per_component: u32,
    /// Largest linear memory any guest may have, in bytes; a worker's `limits.memory_mb` is enforced
    /// below it by the resource limiter.
    pub max_memory_bytes: usize,
    /// Linear memory kept resident (not returned to the OS) when a slot is reused, in bytes: saves page
    /// faults for the next instance.
    pub keep_resident_bytes: usize,
    /// How often the epoch advances; every tick, running guests check their CPU time and wall clock. The
    /// ticker thread sleeps when no guest runs.
    pub epoch_tick: Duration,
    /// Native stack for guest code, in bytes (deep recursion traps with "call stack exhausted").
    pub max_wasm_stack: usize,
    /// Compiled components kept in memory, by content hash (a reload of the same binary is not
    /// recompiled).
    pub cache_entries: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            pooling: true,
            max_instances: 256,
            max_core_instances_per_component: 20,
            max_memories_per_component: 2,
            max_memory_bytes: 4 << 30,
            keep_resident_bytes: 1 << 20,
            epoch_tick: Duration::from_millis(1),
            max_wasm_stack: 1 << 20,
            cache_entries: 256,
        }
    }
}
