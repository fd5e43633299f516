//! The wasm32 global allocator (feature `allocator`, on by default): a bump allocator.
//!
//! A contract frame runs once and its memory is discarded, so freeing is not worth its code: the
//! allocator hands out memory upward from `__heap_base` (the end of the stack and static data the
//! linker laid out) and only reclaims or grows in place the most recent allocation, which covers
//! the common `Vec` growth pattern. When the current memory is used up it grows memory by whole
//! 64 KiB pages (`memory.grow`), which the default gas schedule charges 30,000 gas per page: keep
//! buffers small, and prefer fixed arrays on the stack for hashing and storage words.

#[cfg(all(target_arch = "wasm32", feature = "allocator"))]
mod bump {
    use core::alloc::{GlobalAlloc, Layout};
    use core::cell::Cell;

    const PAGE: usize = 65536;

    unsafe extern "C" {
        /// The first byte after the stack and static data (defined by wasm-ld).
        static __heap_base: u8;
    }

    /// The next free byte (0 until the first allocation) and the last allocation's start.
    struct Bump {
        next: Cell<usize>,
        last: Cell<usize>,
    }

    // SAFETY: wasm32-unknown-unknown contracts are single-threaded (no threads proposal in a
    // contract), so the `Cell`s are never shared between threads.
    unsafe impl Sync for Bump {}

    #[global_allocator]
    static ALLOCATOR: Bump = Bump {
        next: Cell::new(0),
        last: Cell::new(0),
    };

    impl Bump {
        /// Makes sure memory extends to `end`; false when memory cannot grow that far.
        fn ensure(&self, end: usize) -> bool {
            let have = core::arch::wasm32::memory_size(0) * PAGE;
            if end <= have {
                return true;
            }
            let pages = (end - have).div_ceil(PAGE);
            core::arch::wasm32::memory_grow(0, pages) != usize::MAX
        }

        fn start(&self) -> usize {
            match self.next.get() {
                0 => core::ptr::addr_of!(__heap_base) as usize,
                next => next,
            }
        }
    }

    // SAFETY: `alloc` returns blocks aligned to `layout.align()` and inside memory that exists
    // (`ensure` grows it first) or null, and never hands out a byte twice: `next` only moves
    // back over the most recent block, when it is freed or resized.
    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let start = self.start();
            let Some(aligned) = start.checked_next_multiple_of(layout.align()) else {
                return core::ptr::null_mut();
            };
            let Some(end) = aligned.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            if !self.ensure(end) {
                return core::ptr::null_mut();
            }
            self.next.set(end);
            self.last.set(aligned);
            aligned as *mut u8
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // Only the most recent allocation can be given back.
            let ptr = ptr as usize;
            if ptr == self.last.get() && ptr + layout.size() == self.next.get() {
                self.next.set(ptr);
            }
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let addr = ptr as usize;
            if addr == self.last.get() && addr + layout.size() == self.next.get() {
                // The last allocation grows or shrinks in place.
                let Some(end) = addr.checked_add(new_size) else {
                    return core::ptr::null_mut();
                };
                if !self.ensure(end) {
                    return core::ptr::null_mut();
                }
                self.next.set(end);
                return ptr;
            }
            if new_size <= layout.size() {
                return ptr;
            }
            let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
                return core::ptr::null_mut();
            };
            // SAFETY: the new block does not overlap the old one, which stays valid for
            // `layout.size()` bytes.
            unsafe {
                let new = self.alloc(new_layout);
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size());
                }
                new
            }
        }
    }
}
