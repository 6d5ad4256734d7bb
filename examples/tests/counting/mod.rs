//! The system allocator, counting the bytes in use and their peak as the
//! blocks it really hands out: glibc's, a request plus an 8-byte header
//! rounded up to 16 bytes, at least 32 (a one-byte string takes 32).
//!
//! Shared by the programs that measure memory (`examples/tests/memory_per_answer.rs`, and the
//! commercetools change feed benchmark by path); each installs it with
//! `#[global_allocator] static ALLOCATOR: Counting = Counting;`.

// Each program reads only what it reports.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The allocator; see the module docs.
pub struct Counting;

fn block(size: usize) -> usize {
    ((size + 8 + 15) & !15).max(32)
}

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// The only unsafe code of the project: a global allocator must implement an
// unsafe trait. It forwards every call to the system allocator unchanged.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let size = block(layout.size());
            let now = IN_USE.fetch_add(size, Ordering::SeqCst) + size;
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(block(layout.size()), Ordering::SeqCst);
    }
}

/// The bytes in use now.
pub fn in_use() -> usize {
    IN_USE.load(Ordering::SeqCst)
}

/// What running a piece of code cost, above what was in use before it.
pub struct Measured<R> {
    /// What the code returned.
    pub value: R,
    /// The most in use at once while it ran.
    pub peak: usize,
    /// What was still in use when it returned (its value included).
    pub kept: usize,
}

/// Runs `run`, measuring its peak and what it kept. Only meaningful while
/// nothing else allocates at the same time.
pub fn measure<R>(run: impl FnOnce() -> R) -> Measured<R> {
    let before = in_use();
    PEAK.store(before, Ordering::SeqCst);
    let value = run();
    Measured {
        peak: PEAK.load(Ordering::SeqCst).saturating_sub(before),
        kept: in_use().saturating_sub(before),
        value,
    }
}
