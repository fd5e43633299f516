//! Long-lived executor threads.
//!
//! Transactions, `eth_call`, `eth_estimateGas` and the state-test runner run on threads whose
//! stack is [`EXECUTOR_STACK_BYTES`]: every nested contract call adds host frames on the thread
//! that runs the transaction, and a host stack overflow would abort the node. Starting such a
//! thread costs about 100 µs (more than a whole warm contract call), so threads are started once,
//! in pools, and the work is handed to them: [`ExecutorPool::run`] runs a borrowed closure on a
//! pool thread and waits for it (rayon's `install`, which makes the borrow sound). Work already on
//! an executor thread runs in place, so a block's transactions or a gas estimate's trial runs
//! never queue behind themselves.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use crate::world::HostFailure;

/// Native stack for a transaction's host side. Every nested call (up to depth 1024) adds host
/// frames — the EEI wrapper, the executor, wasmer's entry into the callee — on the thread that runs
/// the transaction (wasm itself runs on wasmer's own stacks). A depth-1024 chain needs under
/// 8 MiB in a debug build; the margin is wide. Only touched pages are committed.
pub const EXECUTOR_STACK_BYTES: usize = 256 << 20;

thread_local! {
    /// Set on executor threads, whose stack is [`EXECUTOR_STACK_BYTES`].
    static ON_EXECUTOR_STACK: Cell<bool> = const { Cell::new(false) };
}

/// A fixed set of executor threads.
#[derive(Debug)]
pub struct ExecutorPool {
    pool: rayon_core::ThreadPool,
}

impl ExecutorPool {
    /// Starts `threads` executor threads (at least one) named `name-N`.
    pub fn new(threads: usize, name: &str) -> Result<Self, HostFailure> {
        let name = name.to_string();
        let pool = rayon_core::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .stack_size(EXECUTOR_STACK_BYTES)
            .thread_name(move |index| format!("{name}-{index}"))
            .start_handler(|_| ON_EXECUTOR_STACK.set(true))
            .build()
            .map_err(|error| HostFailure::Thread(error.to_string()))?;
        Ok(Self { pool })
    }

    /// The process-wide pool [`on_executor_stack`] uses: one thread per core, at least two.
    pub fn global() -> Result<&'static Self, HostFailure> {
        static GLOBAL: OnceLock<Result<ExecutorPool, HostFailure>> = OnceLock::new();
        GLOBAL
            .get_or_init(|| {
                let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
                Self::new(cores, "rewasm-exec")
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Runs `f` on one of the pool's threads and waits for it, or in place when the caller
    /// already is an executor thread. A panic in `f` is a failure of the host.
    pub fn run<R: Send>(&self, f: impl FnOnce() -> R + Send) -> Result<R, HostFailure> {
        let guarded = || {
            catch_unwind(AssertUnwindSafe(f))
                .map_err(|_| HostFailure::Thread("an executor thread panicked".to_string()))
        };
        if ON_EXECUTOR_STACK.get() {
            return guarded();
        }
        self.pool.install(guarded)
    }

    /// The number of threads.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }
}

/// Runs `f` on an executor thread of the [global](ExecutorPool::global) pool, or in place when
/// the caller already is on one. Every `execute_transaction` inside `f` then runs on that thread,
/// so a block's transactions, or a gas estimate's trial runs, share one.
pub fn on_executor_stack<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, HostFailure> {
    ExecutorPool::global()?.run(f)
}
