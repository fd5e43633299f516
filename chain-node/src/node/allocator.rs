//! What the C allocator holds, for the metrics: the node's own heap (Rust's `Vec`s and maps,
//! RocksDB's memtables and caches, wasmer's code) comes from glibc's malloc, and resident memory
//! alone cannot tell memory in use from memory freed but kept in malloc's arenas.

/// The C allocator's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Bytes handed out and not freed: arena allocations and separately mapped blocks.
    pub in_use: u64,
    /// Bytes freed into the arenas and kept there (glibc returns only the top of a heap).
    pub free: u64,
}

/// The counters now; zeros where the C library is not glibc.
pub fn stats() -> Stats {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallinfo2` takes no arguments and returns a struct by value; it only reads
        // the allocator's bookkeeping under its locks.
        let info = unsafe { libc::mallinfo2() };
        let bytes = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        Stats {
            in_use: bytes(info.uordblks).saturating_add(bytes(info.hblkhd)),
            free: bytes(info.fordblks),
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    Stats::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_live_allocation_counts_as_in_use() {
        // The counts are the process's: another test freeing memory in between can hide the
        // block, so one of a few tries must see it.
        let mut seen = Vec::new();
        for _ in 0..20 {
            let before = stats().in_use;
            let block = vec![1u8; 4 << 20];
            let during = stats().in_use;
            drop(block);
            if during >= before + (4 << 20) {
                return;
            }
            seen.push((before, during));
        }
        panic!("never saw 4 MiB held: {seen:?}");
    }
}
