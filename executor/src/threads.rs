//! Long-lived executor threads.
//!
//! Transactions, `eth_call`, `eth_estimateGas` and the state-test runner run on threads whose
//! stack is [`EXECUTOR_STACK_BYTES`]: every nested contract call adds host frames on the thread
//! that runs the transaction, and a host stack overflow would abort the node. Starting such a
//! thread costs about 100 µs (more than a whole warm contract call), so threads are started once,
//! in pools, and the work is handed to them: [`ExecutorPool::run`] runs a borrowed closure on a
//! pool thread and waits for it, like a scoped thread. Work already on an executor thread runs in
//! place, so a block's transactions or a gas estimate's trial runs never queue behind themselves.
//! Both sides look for each other for a few microseconds before sleeping, because waking a
//! sleeping thread costs more than the work.

use std::cell::Cell;
use std::hint::spin_loop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::world::HostFailure;

/// Native stack for a transaction's host side. Every nested call (up to depth 1024) adds host
/// frames — the EEI wrapper, the executor, wasmer's entry into the callee — on the thread that runs
/// the transaction (wasm itself runs on wasmer's own stacks). A depth-1024 chain needs under
/// 8 MiB in a debug build; the margin is wide. Only touched pages are committed.
pub const EXECUTOR_STACK_BYTES: usize = 256 << 20;

/// How long an executor thread keeps looking for the next job before it sleeps, and how long a
/// caller watches for its result before it sleeps. Waking a sleeping thread costs 10–30 µs on a
/// virtual machine (more than a warm contract call); work that arrives back to back (a benchmark,
/// a node under load) finds its thread awake.
const SPIN: Duration = Duration::from_micros(50);

/// The scheduling turn a thread answering requests asks for ([`request_slice`]): the kernel's
/// shortest, so that a request's thread gets a core as soon as it wakes.
pub const SHORT_SLICE: Duration = Duration::from_micros(100);

/// The scheduling turn of a pool started below the default priority (block building, taking
/// in submissions): long, so that it yields to a woken request handler at once and is itself
/// switched out less often. Measured on the 2-core machine, `docs/NODE.md` "The request path".
pub const LONG_SLICE: Duration = Duration::from_millis(3);

thread_local! {
    /// Set on executor threads, whose stack is [`EXECUTOR_STACK_BYTES`].
    static ON_EXECUTOR_STACK: Cell<bool> = const { Cell::new(false) };
    /// The [`ExecutorPool::id`] of the pool whose thread this is, 0 elsewhere.
    static POOL: Cell<u64> = const { Cell::new(0) };
}

/// The source of [`ExecutorPool::id`]s.
static NEXT_POOL_ID: AtomicU64 = AtomicU64::new(1);

/// A job whose borrows [`ExecutorPool::run`] keeps alive until it has run.
type Job = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of executor threads.
#[derive(Debug)]
pub struct ExecutorPool {
    jobs: Sender<Job>,
    threads: usize,
    /// Tells this pool's threads apart from others' ([`ExecutorPool::run_on_pool`]).
    id: u64,
}

impl ExecutorPool {
    /// Starts `threads` executor threads (at least one) named `name-N`. They end when the pool
    /// is dropped.
    pub fn new(threads: usize, name: &str) -> Result<Self, HostFailure> {
        Self::with_nice(threads, name, 0)
    }

    /// As [`ExecutorPool::new`], with threads `nice` steps below the scheduling priority of
    /// the thread that starts them (Linux's nice value, at most 19, the lowest). Relative, so
    /// that a node started under `nice` keeps the difference. Work that may wait, such as
    /// sealing blocks, runs below the threads that answer requests, so that a saturated node
    /// still answers a call quickly; the priority matters only while the cores are all busy.
    /// Such threads also take a [`LONG_SLICE`], so a woken request handler does not wait for
    /// their turn to end. Where the priority cannot be set the threads run at the starter's
    /// (logged).
    pub fn with_nice(threads: usize, name: &str, nice: i32) -> Result<Self, HostFailure> {
        let threads = threads.max(1);
        let id = NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed);
        let lowered = (nice != 0).then(|| current_thread_nice().saturating_add(nice).min(19));
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{index}"))
                .stack_size(EXECUTOR_STACK_BYTES)
                .spawn(move || {
                    ON_EXECUTOR_STACK.set(true);
                    POOL.set(id);
                    if let Some(nice) = lowered {
                        set_current_thread_nice(nice);
                        request_slice(LONG_SLICE);
                    }
                    while let Some(job) = next_job(&receiver) {
                        job();
                    }
                })
                .map_err(|error| HostFailure::Thread(error.to_string()))?;
        }
        Ok(Self {
            jobs: sender,
            threads,
            id,
        })
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
        if ON_EXECUTOR_STACK.get() {
            return run_here(f);
        }
        self.hand_over(f)
    }

    /// Runs `f` on one of the pool's threads and waits for it, also when the caller is another
    /// executor thread (for a pool whose threads differ, such as in [priority](Self::with_nice));
    /// in place when the caller is one of this pool's threads.
    pub fn run_on_pool<R: Send>(&self, f: impl FnOnce() -> R + Send) -> Result<R, HostFailure> {
        if POOL.get() == self.id {
            return run_here(f);
        }
        self.hand_over(f)
    }

    /// Sends `f` to the pool's threads without waiting for it: work whose caller must not block
    /// (an async task that awaits the work's effect instead). A panic in `f` is logged and
    /// ends only `f`; the thread takes the next job.
    pub fn spawn(&self, f: impl FnOnce() + Send + 'static) -> Result<(), HostFailure> {
        let job: Job = Box::new(move || {
            if catch_unwind(AssertUnwindSafe(f)).is_err() {
                tracing::error!("{}", panicked());
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| HostFailure::Thread("the executor threads are gone".to_string()))
    }

    /// Sends `f` to the pool's threads and waits for its result.
    fn hand_over<R: Send>(&self, f: impl FnOnce() -> R + Send) -> Result<R, HostFailure> {
        let done = Completion::new();
        let mut result = None;
        let slot = &mut result;
        let signal = &done;
        let job: Box<dyn FnOnce() + Send + '_> = Box::new(move || {
            *slot = Some(catch_unwind(AssertUnwindSafe(f)));
            signal.set();
        });
        // SAFETY: only the lifetime is erased. The job borrows `result`, `done` and what `f`
        // borrows; this function does not return before the job has run to its end (it waits
        // for `done`, which the job sets as its very last access to them), and a job that was
        // not sent is dropped here unrun. A panic in `f` is caught inside the job, so the job
        // always reaches `set`.
        let job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Job>(job) };
        if self.jobs.send(job).is_err() {
            return Err(HostFailure::Thread(
                "the executor threads are gone".to_string(),
            ));
        }
        done.wait();
        match result {
            Some(outcome) => outcome.map_err(|_| panicked()),
            None => Err(HostFailure::Thread(
                "an executor job ended without a result".to_string(),
            )),
        }
    }

    /// The number of threads.
    pub fn threads(&self) -> usize {
        self.threads
    }
}

/// The next job, looking for one for [`SPIN`] before sleeping; `None` once the pool is gone.
fn next_job(receiver: &Mutex<Receiver<Job>>) -> Option<Job> {
    let spin_until = Instant::now() + SPIN;
    loop {
        let jobs = receiver.lock().unwrap_or_else(PoisonError::into_inner);
        match jobs.try_recv() {
            Ok(job) => return Some(job),
            Err(TryRecvError::Disconnected) => return None,
            Err(TryRecvError::Empty) if Instant::now() < spin_until => {
                drop(jobs);
                spin_loop();
            }
            // The other idle threads sleep on the lock meanwhile.
            Err(TryRecvError::Empty) => return jobs.recv().ok(),
        }
    }
}

/// Runs `f` on the calling thread; a panic in it is a failure of the host.
fn run_here<R>(f: impl FnOnce() -> R) -> Result<R, HostFailure> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| panicked())
}

fn panicked() -> HostFailure {
    HostFailure::Thread("an executor thread panicked".to_string())
}

/// The calling thread's nice value (0 where it cannot be read).
#[cfg(target_os = "linux")]
fn current_thread_nice() -> i32 {
    // SAFETY: `gettid` has no preconditions and `getpriority` only reads the calling thread's
    // own priority.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
}

#[cfg(not(target_os = "linux"))]
fn current_thread_nice() -> i32 {
    0
}

/// Sets the calling thread's nice value (on Linux a thread has its own; elsewhere the thread
/// keeps the default, logged).
#[cfg(target_os = "linux")]
fn set_current_thread_nice(nice: i32) {
    // SAFETY: `gettid` has no preconditions; `setpriority` on the calling thread's own id only
    // changes its scheduling priority.
    let failed = unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice) != 0
    };
    if failed {
        tracing::warn!(
            nice,
            error = %std::io::Error::last_os_error(),
            "could not lower an executor thread's priority; it runs at the default"
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_current_thread_nice(nice: i32) {
    tracing::warn!(
        nice,
        "thread priorities are set on Linux only; this thread runs at the default"
    );
}

/// Asks the scheduler to run the calling thread in turns of `slice` (Linux 6.12 and later:
/// EEVDF's custom slice, which the kernel clamps to 0.1–100 ms; `Duration::ZERO` asks for the
/// default again). When a thread wakes, the scheduler picks by deadline, and a thread's
/// deadline is its slice away: a thread with a short slice takes a core from one with a long
/// slice at once instead of waiting for that one's turn to end. Request handlers
/// ([`SHORT_SLICE`]) want that while block building ([`LONG_SLICE`]) keeps the cores busy.
///
/// Only the slice changes: the share of the CPU (the nice value, passed back as it is) and the
/// policy stay. An operator's `chrt --batch` thread gets the slice too; idle and real-time
/// threads, kernels before 6.12 (which take the request and ignore the slice) and before 5.3
/// (which refuse it) keep their scheduling. A refusal costs latency only, so it is logged at
/// debug level.
#[cfg(target_os = "linux")]
pub fn request_slice(slice: Duration) {
    let attr = libc::sched_attr {
        size: std::mem::size_of::<libc::sched_attr>() as u32,
        // Ignored under `SCHED_FLAG_KEEP_POLICY`, which also keeps the reset-on-fork flag.
        sched_policy: 0,
        sched_flags: libc::SCHED_FLAG_KEEP_POLICY as u64,
        sched_nice: current_thread_nice(),
        sched_priority: 0,
        sched_runtime: u64::try_from(slice.as_nanos()).unwrap_or(u64::MAX),
        sched_deadline: 0,
        sched_period: 0,
    };
    // SAFETY: `sched_setattr` reads `attr.size` bytes (48, `SCHED_ATTR_SIZE_VER0`) from a
    // valid, initialised `sched_attr` and changes only the calling thread's (id 0) scheduling.
    let failed = unsafe {
        libc::syscall(
            libc::SYS_sched_setattr,
            0,
            &raw const attr,
            0 as libc::c_uint,
        ) != 0
    };
    if failed {
        tracing::debug!(
            ?slice,
            error = %std::io::Error::last_os_error(),
            "the scheduler refused a custom slice; the thread keeps its scheduling"
        );
    }
}

#[cfg(not(target_os = "linux"))]
pub fn request_slice(_slice: Duration) {}

/// A one-shot signal from an executor thread to the caller waiting for its job.
struct Completion {
    done: AtomicBool,
    caller: Thread,
}

impl Completion {
    fn new() -> Self {
        Self {
            done: AtomicBool::new(false),
            caller: std::thread::current(),
        }
    }

    /// Marks the job done and wakes the caller. The caller may return (and free `self`) as
    /// soon as it sees the flag, so nothing of `self` is touched after the store.
    fn set(&self) {
        let caller = self.caller.clone();
        self.done.store(true, Ordering::Release);
        caller.unpark();
    }

    /// Returns once [`Completion::set`] has run: watching for [`SPIN`], then sleeping.
    fn wait(&self) {
        let spin_until = Instant::now() + SPIN;
        while !self.done.load(Ordering::Acquire) {
            if Instant::now() < spin_until {
                spin_loop();
            } else {
                std::thread::park();
            }
        }
    }
}

/// Whether the calling thread is an executor thread (a pool's, or one declared with
/// [`declare_executor_stack`]): work handed to an [`ExecutorPool`] from it runs in place.
pub fn is_executor_stack() -> bool {
    ON_EXECUTOR_STACK.get()
}

/// Declares the calling thread an executor thread: work handed to any [`ExecutorPool`] from it
/// runs in place. For the threads of another pool (an async runtime's) that were started with a
/// stack of [`EXECUTOR_STACK_BYTES`]; on a smaller stack, deep nested calls could overflow it
/// and abort the process.
pub fn declare_executor_stack() {
    ON_EXECUTOR_STACK.set(true);
}

/// Runs `f` on an executor thread of the [global](ExecutorPool::global) pool, or in place when
/// the caller already is on one. Every `execute_transaction` inside `f` then runs on that thread,
/// so a block's transactions, or a gas estimate's trial runs, share one.
pub fn on_executor_stack<R: Send>(f: impl FnOnce() -> R + Send) -> Result<R, HostFailure> {
    ExecutorPool::global()?.run(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_runs_on_an_executor_thread_with_its_borrows() {
        let pool = ExecutorPool::new(2, "test-exec").unwrap();
        let mut counted = 0;
        let caller = std::thread::current().id();
        let (thread, on_stack) = pool
            .run(|| {
                counted += 1;
                (std::thread::current().id(), ON_EXECUTOR_STACK.get())
            })
            .unwrap();
        assert_eq!(counted, 1);
        assert_ne!(thread, caller);
        assert!(on_stack);
        let nested = pool
            .run(|| {
                pool.run(|| std::thread::current().id()).unwrap() == std::thread::current().id()
            })
            .unwrap();
        assert!(nested, "nested work runs in place");
    }

    #[test]
    fn a_panic_is_a_host_failure_and_the_pool_goes_on() {
        let pool = ExecutorPool::new(1, "test-panic").unwrap();
        let failed = pool.run(|| -> u32 { panic!("boom") });
        assert!(matches!(failed, Err(HostFailure::Thread(_))));
        assert_eq!(pool.run(|| 7).unwrap(), 7);
    }

    #[test]
    fn spawned_work_runs_on_the_pool_without_the_caller_and_survives_a_panic() {
        let pool = ExecutorPool::new(1, "test-spawn").unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        pool.spawn(|| panic!("boom")).unwrap();
        pool.spawn(move || {
            let here = std::thread::current().name().map(str::to_string);
            sender.send((here, ON_EXECUTOR_STACK.get())).unwrap();
        })
        .unwrap();
        let (thread, on_stack) = receiver.recv().unwrap();
        assert_eq!(
            thread.as_deref(),
            Some("test-spawn-0"),
            "the panic left the thread alive"
        );
        assert!(on_stack);
    }

    /// Work for a pool of another priority leaves the executor thread it was handed from, and
    /// runs at that pool's priority; work from the pool's own thread runs in place.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_niced_pool_takes_work_from_other_executor_threads() {
        let normal = ExecutorPool::new(1, "test-normal").unwrap();
        let low = ExecutorPool::with_nice(1, "test-low", 5).unwrap();
        let nice_of_current = current_thread_nice;
        let name = || std::thread::current().name().map(str::to_string);
        let (outer, inner, inner_nice, nested) = normal
            .run(|| {
                let (inner, inner_nice, nested) = low
                    .run_on_pool(|| {
                        let here = name();
                        let nested = low.run_on_pool(name).unwrap() == here;
                        (here, nice_of_current(), nested)
                    })
                    .unwrap();
                (name(), inner, inner_nice, nested)
            })
            .unwrap();
        assert_eq!(outer.as_deref(), Some("test-normal-0"));
        assert_eq!(inner.as_deref(), Some("test-low-0"));
        assert_eq!(
            inner_nice,
            (nice_of_current() + 5).min(19),
            "relative to the starter's"
        );
        assert!(nested, "the pool's own thread runs its work in place");
        // `run` from an executor thread stays in place, whatever the pool.
        let stayed = normal.run(|| low.run(name).unwrap()).unwrap();
        assert_eq!(stayed.as_deref(), Some("test-normal-0"));
    }

    /// The slice the kernel reports for the calling thread: `None` where it reports none
    /// (kernels before 6.12) or cannot be asked.
    #[cfg(target_os = "linux")]
    fn current_thread_slice() -> Option<Duration> {
        // SAFETY: `sched_attr` is plain integers, for which zero is a valid value.
        let mut attr: libc::sched_attr = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::sched_attr>() as libc::c_uint;
        // SAFETY: `sched_getattr` writes at most `size` bytes into `attr`, a valid
        // `sched_attr`, about the calling thread (id 0).
        let read = unsafe { libc::syscall(libc::SYS_sched_getattr, 0, &raw mut attr, size, 0) };
        (read == 0 && attr.sched_runtime != 0).then(|| Duration::from_nanos(attr.sched_runtime))
    }

    /// A niced pool's threads take the long slice and keep their nice value; a thread that
    /// asks for the short one gets it, at its own nice value.
    #[cfg(target_os = "linux")]
    #[test]
    fn slices_are_set_and_nice_values_kept() {
        let low = ExecutorPool::with_nice(1, "test-slice", 3).unwrap();
        let (slice, nice) = low
            .run_on_pool(|| (current_thread_slice(), current_thread_nice()))
            .unwrap();
        assert_eq!(nice, (current_thread_nice() + 3).min(19));
        let supported = slice.is_some();
        if supported {
            assert_eq!(slice, Some(LONG_SLICE));
        }
        let lower = (current_thread_nice() + 1).min(19);
        let (slice, nice) = std::thread::spawn(move || {
            set_current_thread_nice(lower);
            request_slice(SHORT_SLICE);
            (current_thread_slice(), current_thread_nice())
        })
        .join()
        .unwrap();
        assert_eq!(nice, lower);
        assert_eq!(slice.is_some(), supported);
        if supported {
            assert_eq!(slice, Some(SHORT_SLICE));
        }
    }

    #[test]
    fn many_callers_share_few_threads() {
        let pool = ExecutorPool::new(2, "test-many").unwrap();
        let sums: Vec<u64> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8u64)
                .map(|n| {
                    let pool = &pool;
                    scope.spawn(move || (0..200).map(|i| pool.run(|| n * i).unwrap()).sum::<u64>())
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let expected: Vec<u64> = (0..8u64).map(|n| n * (0..200).sum::<u64>()).collect();
        assert_eq!(sums, expected);
    }
}
