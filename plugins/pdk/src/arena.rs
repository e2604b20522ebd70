//! The component's memory allocator: a bump arena in front of the system allocator.
//!
//! Every call runs in a fresh instance that is thrown away when it returns, so most of what
//! a call allocates (its arguments, the request, the answer's text, the decoded items, the
//! result's text) lives until the end anyway, and the general-purpose allocator's work to
//! keep and reuse free blocks is wasted. The first [`ARENA_BYTES`] of a call's allocations
//! are carved from one block by moving a pointer; freeing the newest block gives it back
//! (a temporary string), and the newest block grows in place (a `Vec` or `String` being
//! filled). Once the arena is used up, allocations go to the system allocator (wasi-libc's
//! dlmalloc), which reuses freed memory as before: a call that reads thousands of items
//! uses at most [`ARENA_BYTES`] more memory than it did without the arena.
//!
//! The arena is installed as the global allocator of single-threaded wasm builds only (the
//! components); native builds (unit tests) and a wasm build with threads keep the system
//! allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::ptr;

/// Bytes served by bumping before the system allocator takes over: more than a typical
/// read call allocates in all (the bench's six-record list uses a few KiB), and small
/// enough to fit the room the initial memory leaves after the stack and static data, so
/// taking it grows no memory.
pub const ARENA_BYTES: usize = 32 << 10;

/// A bump arena over `backing`, taken from it in one block on first use.
pub struct Arena<A> {
    backing: A,
    /// The arena's first byte.
    start: Cell<usize>,
    /// Where the next block starts.
    next: Cell<usize>,
    /// One past the arena's last byte (0: the block is not taken yet).
    end: Cell<usize>,
}

// SAFETY: the global arena exists only in wasm builds without threads (see `ALLOCATOR`), so
// its cells are never touched concurrently; native tests use their own `Arena` value from
// one thread.
unsafe impl<A: Sync> Sync for Arena<A> {}

impl<A> Arena<A> {
    /// An arena taking its block from `backing` on first use.
    pub const fn new(backing: A) -> Self {
        Arena {
            backing,
            start: Cell::new(0),
            next: Cell::new(0),
            end: Cell::new(0),
        }
    }

    /// Whether `ptr` was handed out by the arena (rather than by the backing allocator).
    fn owns(&self, ptr: *mut u8) -> bool {
        let at = ptr.addr();
        at >= self.start.get() && at < self.end.get()
    }

    /// `layout` carved from the arena, if it fits in what is left.
    fn bump(&self, layout: Layout) -> Option<*mut u8> {
        let at = self.next.get().checked_next_multiple_of(layout.align())?;
        let end = at.checked_add(layout.size())?;
        if end > self.end.get() {
            return None;
        }
        self.next.set(end);
        Some(ptr::with_exposed_provenance_mut(at))
    }
}

impl<A: GlobalAlloc> Arena<A> {
    /// Takes the arena's block from the backing allocator (once; if that fails, the
    /// arena stays empty, `1..1`, and everything goes to the backing allocator).
    unsafe fn take_block(&self) {
        self.start.set(1);
        self.next.set(1);
        self.end.set(1);
        let Ok(layout) = Layout::from_size_align(ARENA_BYTES, 16) else {
            return;
        };
        // SAFETY: the layout has a non-zero size.
        let block = unsafe { self.backing.alloc(layout) };
        if block.is_null() {
            return;
        }
        let start = block.expose_provenance();
        self.start.set(start);
        self.next.set(start);
        self.end.set(start + ARENA_BYTES);
    }
}

// SAFETY: blocks from the arena are disjoint (the pointer only moves forward, except to give
// back the newest block), aligned to their layout, and never handed to the backing
// allocator; every other block is the backing allocator's and goes back to it.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Arena<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if self.end.get() == 0 {
            // SAFETY: called once, before the arena hands anything out.
            unsafe { self.take_block() };
        }
        match self.bump(layout) {
            Some(block) => block,
            // SAFETY: forwarded with the caller's layout.
            None => unsafe { self.backing.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if self.end.get() == 0 {
            // SAFETY: as in `alloc`.
            unsafe { self.take_block() };
        }
        match self.bump(layout) {
            Some(block) => {
                // SAFETY: the block was just carved, `layout.size()` bytes long. The arena
                // reuses given-back bytes, so they are not zero already.
                unsafe { block.write_bytes(0, layout.size()) };
                block
            }
            // SAFETY: forwarded with the caller's layout.
            None => unsafe { self.backing.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.owns(ptr) {
            if ptr.addr() + layout.size() == self.next.get() {
                self.next.set(ptr.addr());
            }
            return;
        }
        // SAFETY: not the arena's, so the backing allocator's, with this layout.
        unsafe { self.backing.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !self.owns(ptr) {
            // SAFETY: the backing allocator's block, with the caller's arguments.
            return unsafe { self.backing.realloc(ptr, layout, new_size) };
        }
        let newest = ptr.addr() + layout.size() == self.next.get();
        if newest && let Some(end) = ptr.addr().checked_add(new_size) {
            if end <= self.end.get() {
                self.next.set(end);
                return ptr;
            }
        } else if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: `GlobalAlloc::realloc` guarantees a valid layout for `new_size`.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as `alloc`.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live and distinct; the old one holds `layout.size()`
            // bytes, the new one at least `min` of the two sizes.
            unsafe { ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size)) };
            // SAFETY: the arena's block, with its layout.
            unsafe { self.dealloc(ptr, layout) };
        }
        moved
    }
}

/// Only where wasm has no threads (no `atomics` feature): the cells are not synchronized.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: Arena<std::alloc::System> = Arena::new(std::alloc::System);

#[cfg(test)]
mod tests {
    use super::*;
    use std::alloc::System;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn small_blocks_come_from_the_arena_aligned_and_disjoint() {
        let arena = Arena::new(System);
        unsafe {
            let a = arena.alloc(layout(3, 1));
            let b = arena.alloc(layout(8, 8));
            let c = arena.alloc(layout(24, 16));
            assert!(arena.owns(a) && arena.owns(b) && arena.owns(c));
            assert_eq!(b.addr() % 8, 0);
            assert_eq!(c.addr() % 16, 0);
            assert!(b.addr() >= a.addr() + 3 && c.addr() >= b.addr() + 8);
            a.write_bytes(1, 3);
            b.write_bytes(2, 8);
            c.write_bytes(3, 24);
            assert_eq!(*a.add(2), 1);
            assert_eq!(*b.add(7), 2);
            assert_eq!(*c, 3);
        }
    }

    #[test]
    fn the_newest_block_is_given_back_and_grows_in_place() {
        let arena = Arena::new(System);
        unsafe {
            let keep = arena.alloc(layout(16, 8));
            let temp = arena.alloc(layout(100, 1));
            arena.dealloc(temp, layout(100, 1));
            let again = arena.alloc(layout(100, 1));
            assert_eq!(again, temp, "the freed newest block is reused");

            again.write_bytes(7, 100);
            let grown = arena.realloc(again, layout(100, 1), 1000);
            assert_eq!(grown, again, "the newest block grows where it is");
            assert_eq!(*grown.add(99), 7);

            // An older block moves when it grows, keeping its bytes.
            keep.write_bytes(9, 16);
            let moved = arena.realloc(keep, layout(16, 8), 64);
            assert_ne!(moved, keep);
            assert!(arena.owns(moved));
            assert_eq!(*moved.add(15), 9);
            // ...and shrinking never moves.
            assert_eq!(arena.realloc(grown, layout(1000, 1), 10), grown);
        }
    }

    #[test]
    fn past_the_arena_the_backing_allocator_takes_over() {
        let arena = Arena::new(System);
        unsafe {
            let first = arena.alloc(layout(8, 8));
            let big = arena.alloc(layout(ARENA_BYTES, 8));
            assert!(arena.owns(first));
            assert!(
                !arena.owns(big),
                "a block larger than what is left is the system's"
            );
            big.write_bytes(5, ARENA_BYTES);
            arena.dealloc(big, layout(ARENA_BYTES, 8));

            // An arena block growing past the arena moves out to the backing allocator.
            first.write_bytes(4, 8);
            let out = arena.realloc(first, layout(8, 8), 2 * ARENA_BYTES);
            assert!(!arena.owns(out));
            assert_eq!(*out.add(7), 4);
            let out = arena.realloc(out, layout(2 * ARENA_BYTES, 8), 4 * ARENA_BYTES);
            assert_eq!(*out, 4);
            arena.dealloc(out, layout(4 * ARENA_BYTES, 8));

            // Filling the arena with small blocks spills over too, and nothing overlaps.
            let mut blocks = Vec::new();
            for i in 0..(ARENA_BYTES / 64 + 8) {
                let b = arena.alloc(layout(64, 16));
                b.write_bytes(i as u8, 64);
                blocks.push(b);
            }
            assert!(blocks.iter().any(|b| !arena.owns(*b)));
            for (i, b) in blocks.iter().enumerate() {
                assert_eq!(*b.add(63), i as u8);
            }
            for b in blocks {
                arena.dealloc(b, layout(64, 16));
            }
        }
    }

    /// A backing allocator with no memory at all.
    struct Empty;

    unsafe impl GlobalAlloc for Empty {
        unsafe fn alloc(&self, _: Layout) -> *mut u8 {
            ptr::null_mut()
        }
        unsafe fn dealloc(&self, _: *mut u8, _: Layout) {
            unreachable!("nothing was handed out");
        }
    }

    #[test]
    fn without_a_block_every_allocation_is_the_backing_allocators() {
        let arena = Arena::new(Empty);
        unsafe {
            assert!(arena.alloc(layout(8, 8)).is_null());
            assert!(arena.alloc_zeroed(layout(1, 1)).is_null());
            assert!(!arena.owns(ptr::without_provenance_mut(1)));
            assert!(!arena.owns(ptr::without_provenance_mut(4096)));
        }
    }
}
