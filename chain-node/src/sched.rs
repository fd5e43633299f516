//! Requests before sealing: the time slices the node's threads ask the kernel for.
//!
//! Under a stream of transactions the node's cores are busy sealing blocks (executing, hashing
//! the trie, writing) and a read that arrives must wait for a core. Linux's EEVDF scheduler
//! (6.6 and later) runs the eligible thread with the earliest virtual deadline, a thread's
//! deadline being its slice ahead of it, and since 6.12 a thread may ask for its own slice
//! (`sched_setattr` with `sched_runtime` under `SCHED_OTHER`; 0.1–100 ms, the default 0.7–3 ms).
//! A woken thread whose slice is shorter than the running one's preempts it. So the request
//! threads ask for [`REQUEST_SLICE`], and a thread sealing a block asks for the default back
//! while it seals ([`SealingSlice`]): a read that wakes while a block is being sealed runs at
//! once, and the sealing gets the rest of the core; neither changes its weight (nice), so
//! throughput is shared as before. Kernels without custom slices ignore the request, and a
//! failure changes nothing but latency, so errors are logged once at debug level.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The slice a request thread asks for: the kernel's least.
pub const REQUEST_SLICE: Duration = Duration::from_micros(100);

/// `struct sched_attr` of `sched_setattr(2)`, its first version (48 bytes).
#[repr(C)]
struct SchedAttr {
    size: u32,
    policy: u32,
    flags: u64,
    nice: i32,
    priority: u32,
    runtime: u64,
    deadline: u64,
    period: u64,
}

/// Asks for `slice` on the calling thread (`None`: the kernel's default), keeping its policy
/// (`SCHED_OTHER`) and nice value.
pub fn ask_slice(slice: Option<Duration>) {
    static REPORTED: AtomicBool = AtomicBool::new(false);
    if let Err(error) = set_slice(slice)
        && !REPORTED.swap(true, Ordering::Relaxed)
    {
        tracing::debug!(%error, "the kernel took no custom time slice");
    }
}

#[cfg(target_os = "linux")]
fn set_slice(slice: Option<Duration>) -> std::io::Result<()> {
    // SAFETY: getpriority reads the calling thread's nice value; it takes no pointers.
    let nice = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
    let attr = SchedAttr {
        size: std::mem::size_of::<SchedAttr>() as u32,
        policy: libc::SCHED_OTHER as u32,
        flags: 0,
        nice,
        priority: 0,
        runtime: slice.map_or(0, |slice| {
            u64::try_from(slice.as_nanos()).unwrap_or(u64::MAX)
        }),
        deadline: 0,
        period: 0,
    };
    // SAFETY: `attr` is a live, initialised `struct sched_attr` whose `size` field says how
    // much of it the kernel may read; pid 0 is the calling thread; the call writes nothing.
    let result = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn set_slice(_slice: Option<Duration>) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// While alive, the calling thread seals with the default slice; then it asks for
/// [`REQUEST_SLICE`] again.
pub(crate) struct SealingSlice(());

impl SealingSlice {
    pub(crate) fn begin() -> Self {
        ask_slice(None);
        Self(())
    }
}

impl Drop for SealingSlice {
    fn drop(&mut self) {
        ask_slice(Some(REQUEST_SLICE));
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// `sched_getattr` of the calling thread: its slice, as the kernel reports it.
    fn slice_now() -> u64 {
        let mut attr = SchedAttr {
            size: std::mem::size_of::<SchedAttr>() as u32,
            policy: 0,
            flags: 0,
            nice: 0,
            priority: 0,
            runtime: 0,
            deadline: 0,
            period: 0,
        };
        // SAFETY: `attr` is writable and `size` bytes long; pid 0 is the calling thread.
        let result = unsafe {
            libc::syscall(
                libc::SYS_sched_getattr,
                0,
                &mut attr as *mut SchedAttr,
                std::mem::size_of::<SchedAttr>() as u32,
                0,
            )
        };
        assert_eq!(result, 0, "{}", std::io::Error::last_os_error());
        assert_eq!(attr.policy, libc::SCHED_OTHER as u32);
        attr.runtime
    }

    #[test]
    fn a_request_thread_asks_for_a_short_slice_and_sealing_for_the_default() {
        std::thread::spawn(|| {
            let default = slice_now();
            ask_slice(Some(REQUEST_SLICE));
            let short = slice_now();
            if short == default {
                // A kernel before 6.12 keeps one slice for all; nothing to check.
                return;
            }
            assert_eq!(short, 100_000);
            {
                let _sealing = SealingSlice::begin();
                assert_eq!(slice_now(), default);
            }
            assert_eq!(slice_now(), 100_000);
        })
        .join()
        .unwrap();
    }
}
