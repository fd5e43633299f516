//! The C allocator's settings, made before any thread starts.
//!
//! RocksDB's memtables live in arenas of 1/8 of the write buffer (8 MiB by default), allocated
//! and freed with the C allocator as memtables fill and flush. glibc raises its mmap threshold to
//! the size of each large block freed, so after the first flush these blocks come from the heap,
//! and freed heap memory mostly stays with the process; and every thread that allocates may get
//! an arena of its own (up to 8 per core), each keeping its freed memory. Under the soak
//! (`docs/NODE.md`) that memory grew from 110 to 160 MiB in ten minutes beside bounded caches that
//! held less. A fixed mmap threshold of [`MMAP_THRESHOLD`] returns such blocks to the system when
//! freed, and one arena per core bounds the rest: the same soak held it flat at 46–49 MiB, for
//! about 4% fewer transfers a second.

/// Blocks at least this large are mapped and unmapped on their own.
const MMAP_THRESHOLD: i32 = 1 << 20;

/// Applies the settings (on other C libraries, nothing); false when glibc refused them.
pub(crate) fn configure() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let arenas = i32::try_from(cores.max(2)).unwrap_or(i32::MAX);
        // SAFETY: mallopt takes two integers and touches no memory of ours; it only changes
        // glibc's allocator parameters, here before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_ARENA_MAX, arenas) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    true
}
