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

/// How often a node hands the free pages inside glibc's heaps back to the system.
const TRIM_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts a thread that calls `malloc_trim` every [`TRIM_EVERY`] (on other C libraries,
/// nothing). glibc returns freed memory to the system only from the top of a heap; what is
/// freed below live blocks stays resident. Under the soak that kept memory grew from 4 to
/// 12 MiB in ten minutes (`rewasm_allocator_free_bytes`), beside an in-use total that stayed
/// flat; `malloc_trim` releases its whole pages (`MADV_DONTNEED`). A pass holds each arena's
/// lock for about a millisecond, once a minute.
pub(crate) fn start_trimming() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let started = std::thread::Builder::new()
            .name("rewasm-malloc-trim".to_string())
            .spawn(|| {
                loop {
                    std::thread::sleep(TRIM_EVERY);
                    // SAFETY: malloc_trim takes a byte count to keep and only walks glibc's
                    // own free lists under their locks.
                    let released = unsafe { libc::malloc_trim(0) } == 1;
                    tracing::trace!(released, "malloc_trim");
                }
            });
        if let Err(error) = started {
            tracing::warn!(%error, "could not start the malloc_trim thread");
        }
    }
}

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
