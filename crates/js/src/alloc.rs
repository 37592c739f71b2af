//! The isolate's allocator: counts every byte QuickJS holds and refuses to go past the heap limit.
//!
//! QuickJS turns a refused allocation into an out-of-memory `InternalError`, which a script can catch. The
//! [`MemoryMeter`] therefore remembers the first refusal, so the host condemns the isolate whatever the script did.

#![expect(
    unsafe_code,
    reason = "an allocator for QuickJS is a C-facing contract"
)]

use rquickjs::allocator::Allocator;
use std::alloc::{Layout, alloc, alloc_zeroed, dealloc, realloc};
use std::cell::Cell;
use std::rc::Rc;

/// Heap accounting shared between an isolate's allocator and its host.
#[derive(Debug, Default)]
pub struct MemoryMeter {
    used: Cell<usize>,
    peak: Cell<usize>,
    limit: Cell<usize>,
    /// Size the heap would have reached with the first refused allocation.
    refused_at: Cell<Option<usize>>,
}

impl MemoryMeter {
    /// A meter with the given limit in bytes.
    pub fn new(limit: usize) -> Rc<Self> {
        let m = Self::default();
        m.limit.set(limit);
        Rc::new(m)
    }
    /// Change the limit (an isolate made ahead of time gets its worker's limit).
    pub fn set_limit(&self, limit: usize) {
        self.limit.set(limit);
    }

    /// Bytes held now.
    pub fn used(&self) -> usize {
        self.used.get()
    }
    /// Most bytes ever held at once.
    pub fn peak(&self) -> usize {
        self.peak.get()
    }
    /// The limit in bytes.
    pub fn limit(&self) -> usize {
        self.limit.get()
    }
    /// The heap size the first refused allocation asked for, if one was refused.
    pub fn refused_at(&self) -> Option<usize> {
        self.refused_at.get()
    }

    fn admit(&self, old: usize, new: usize) -> bool {
        let next = self.used.get() - old + new;
        if new > old && next > self.limit.get() {
            if self.refused_at.get().is_none() {
                self.refused_at.set(Some(next));
            }
            return false;
        }
        self.used.set(next);
        if next > self.peak.get() {
            self.peak.set(next);
        }
        true
    }
}

/// Allocations are aligned like QuickJS's own (to a u64) and carry their size in a header.
const ALIGN: usize = std::mem::align_of::<u64>();
const HEADER: usize = if std::mem::size_of::<usize>() > ALIGN {
    std::mem::size_of::<usize>()
} else {
    ALIGN
};

/// The allocator given to each isolate's runtime.
pub struct MeteredAllocator {
    meter: Rc<MemoryMeter>,
}

impl MeteredAllocator {
    /// An allocator that reports to `meter`.
    pub fn new(meter: Rc<MemoryMeter>) -> Self {
        Self { meter }
    }
}

fn layout(size: usize) -> Option<Layout> {
    let total = size
        .div_ceil(ALIGN)
        .checked_mul(ALIGN)?
        .checked_add(HEADER)?;
    Layout::from_size_align(total, ALIGN).ok()
}

/// Write the header in front of a fresh block and return the user pointer.
///
/// # Safety
/// `block` must be null or point to at least `HEADER + size` writable bytes aligned to `ALIGN`.
unsafe fn finish(block: *mut u8, size: usize) -> *mut u8 {
    if block.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: the block is large enough and aligned for a usize header (caller's contract).
    unsafe {
        block.cast::<usize>().write(size);
        block.add(HEADER)
    }
}

// SAFETY: every pointer returned points `HEADER` bytes into a block from the global allocator whose layout is
// recomputed from the size stored in the header; blocks are aligned to 8 and at least the requested size.
unsafe impl Allocator for MeteredAllocator {
    fn alloc(&mut self, size: usize) -> *mut u8 {
        let Some(l) = layout(size) else {
            return std::ptr::null_mut();
        };
        if !self.meter.admit(0, l.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the layout has a non-zero size (it includes the header).
        let p = unsafe { alloc(l) };
        if p.is_null() {
            self.meter.admit(l.size(), 0);
        }
        // SAFETY: `p` is null or a block of `l.size()` bytes.
        unsafe { finish(p, size) }
    }

    fn calloc(&mut self, count: usize, size: usize) -> *mut u8 {
        let Some(total) = count.checked_mul(size) else {
            return std::ptr::null_mut();
        };
        let Some(l) = layout(total) else {
            return std::ptr::null_mut();
        };
        if !self.meter.admit(0, l.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { alloc_zeroed(l) };
        if p.is_null() {
            self.meter.admit(l.size(), 0);
        }
        // SAFETY: `p` is null or a block of `l.size()` bytes.
        unsafe { finish(p, total) }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8) {
        if ptr.is_null() {
            return;
        }
        // SAFETY: `ptr` came from this allocator, so a header precedes it.
        let block = unsafe { ptr.sub(HEADER) };
        // SAFETY: the header holds the size the block was made for.
        let size = unsafe { block.cast::<usize>().read() };
        if let Some(l) = layout(size) {
            self.meter.admit(l.size(), 0);
            // SAFETY: same block and layout as at allocation.
            unsafe { dealloc(block, l) };
        }
    }

    unsafe fn realloc(&mut self, ptr: *mut u8, new_size: usize) -> *mut u8 {
        if ptr.is_null() {
            return self.alloc(new_size);
        }
        // SAFETY: `ptr` came from this allocator, so a header precedes it.
        let block = unsafe { ptr.sub(HEADER) };
        // SAFETY: the header holds the size the block was made for.
        let old_size = unsafe { block.cast::<usize>().read() };
        let (Some(old), Some(new)) = (layout(old_size), layout(new_size)) else {
            return std::ptr::null_mut();
        };
        if !self.meter.admit(old.size(), new.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: same block and layout as at allocation; the new size is non-zero.
        let p = unsafe { realloc(block, old, new.size()) };
        if p.is_null() {
            // The old block is untouched: undo the accounting.
            self.meter.admit(new.size(), old.size());
        }
        // SAFETY: `p` is null or a block of `new.size()` bytes.
        unsafe { finish(p, new_size) }
    }

    unsafe fn usable_size(ptr: *mut u8) -> usize {
        // SAFETY: `ptr` came from this allocator, so a header precedes it.
        unsafe { ptr.sub(HEADER).cast::<usize>().read() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_and_remembers() {
        let meter = MemoryMeter::new(1024);
        let mut a = MeteredAllocator::new(meter.clone());
        let p = a.alloc(100);
        assert!(!p.is_null());
        assert!(meter.used() >= 100);
        assert!(a.alloc(4096).is_null());
        assert!(meter.refused_at().unwrap() > 1024);
        // SAFETY: `p` came from `a`.
        let q = unsafe { a.realloc(p, 200) };
        assert!(!q.is_null());
        // SAFETY: `q` came from `a`.
        unsafe { a.dealloc(q) };
        assert_eq!(meter.used(), 0);
    }
}
