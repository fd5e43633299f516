//! Failures of the host while wasm runs, which must never become a contract-visible result.
//!
//! Only validation results and wasm traps are consensus. When the machine fails — an `mmap` or
//! `mprotect` is refused, the address space or `vm.max_map_count` runs out — another machine
//! would not fail at the same point, so the transaction (or block) must abort as a node error
//! instead of recording a result. wasmer hands a refused `memory.grow` to wasm as -1, exactly
//! like a grow past the maximum; [`crate::tunables`] tells the two apart and records the host's
//! failure here. wasm and its libcalls run on the thread that called into the instance (on
//! another stack, not another thread), so a thread-local reaches the frame runner, which takes
//! it when the frame ends and reports [`crate::Outcome::HostFailure`] whatever the wasm did
//! after the failure.

use std::cell::Cell;

thread_local! {
    static FAILURE: Cell<Option<String>> = const { Cell::new(None) };
}

/// Records a failure of the host on this thread; the first one recorded is kept.
pub(crate) fn record(message: String) {
    FAILURE.with(|failure| {
        let first = failure.take().unwrap_or(message);
        failure.set(Some(first));
    });
}

/// Takes the failure recorded on this thread since the last take, if any.
pub fn take() -> Option<String> {
    FAILURE.with(Cell::take)
}
