//! Warm instances: live `(Store, Instance)` pairs kept per compiled module and reset between
//! calls, so a contract call costs a reset instead of a new store, new host functions, a 6 GiB
//! memory reservation and its teardown.
//!
//! # Why a reused instance equals a fresh one
//!
//! Everything wasm can observe of an instance is its memory, its globals, its tables and its
//! data and element segments; everything the host keeps for it is in the embedder's function
//! environment. After a call, [`WarmInstance::reset`] puts each back to what instantiation made:
//!
//! - **Memory**: its size must still be the initial size (wasmer 5.0.6's memory cannot shrink, so
//!   an instance whose memory grew is dropped, not reused). The contents go back to the
//!   post-instantiation image: the first 256 KiB page by page in place (image pages copied back,
//!   other pages zeroed unless they read as zeros), the rest released with
//!   `madvise(MADV_DONTNEED)` (a private anonymous mapping then reads as zeros, swapped-out pages
//!   included) and its image pages copied back. The image is taken from the module's first
//!   instance right after instantiation, before any call; instantiation is deterministic, so every
//!   instance of the module starts from the same bytes.
//! - **Globals**: the instrumentation exports every mutable global, the module's own (such as
//!   `__stack_pointer`) and its own counters, under reserved names; their values right after
//!   instantiation are written back. Immutable globals cannot change.
//! - **Tables**: validation rejects every instruction that changes a table (`table.set`,
//!   `table.grow`, `table.fill`, `table.copy`, `table.init`, `elem.drop`) and passive element
//!   segments, so a table is what instantiation made.
//! - **Segments**: active segments are dropped by instantiation itself. `data.drop` on a passive
//!   data segment cannot be undone in wasmer 5.0.6, so a module with a passive data segment is
//!   never pooled: it runs on a fresh instance every time.
//! - **Host state**: the embedder overwrites its environment (world, frame, return data) when it
//!   takes an instance and clears it when it gives one back.
//!
//! An instance is dropped instead of reused after anything unusual: a host failure, an aborted
//! execution, a failed `madvise`, a grown memory. `tests/it/warm.rs` runs the same calls on fresh
//! and on reused instances and compares every result.
//!
//! # Bounds
//!
//! Idle instances are bounded per module, in total and in bytes of memory (the initial memory of
//! each, an upper bound on what it keeps resident after a reset); the least recently used
//! module's instances go first. Each instance's memory reserves 6 GiB of address space (4 GiB plus
//! a 2 GiB guard), so idle instances take at most `total × 6 GiB` of it; instances in use are
//! bounded by executor threads × call depth, as without the pool.

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use lru::LruCache;
use wasmer::{AsStoreMut, Extern, Function, Global, Mutability, Store, Value};

use crate::cache::ModuleKey;
use crate::engine::CompiledModule;
use crate::frame::MeteredInstance;

/// Bytes per page of the host (the unit `madvise` and the image work in).
const HOST_PAGE: usize = 4096;
/// Bytes per wasm page.
const WASM_PAGE: u64 = 65536;

/// How many idle instances the engine keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarmLimits {
    /// Idle instances of one module (a re-entrant call takes a second one).
    pub per_module: usize,
    /// Idle instances of all modules together.
    pub total: usize,
    /// Initial memory of all idle instances together, in bytes.
    pub total_memory_bytes: u64,
}

impl Default for WarmLimits {
    fn default() -> Self {
        Self {
            per_module: 4,
            total: 64,
            total_memory_bytes: 256 << 20,
        }
    }
}

impl WarmLimits {
    /// No pooling: every call instantiates afresh.
    pub const DISABLED: Self = Self {
        per_module: 0,
        total: 0,
        total_memory_bytes: 0,
    };
}

/// A module's memory right after instantiation: its size and its non-zero host pages.
#[derive(Debug, Default)]
pub(crate) struct MemoryImage {
    bytes: u64,
    /// For every host page of the memory, its contents if they are not all zero.
    pages: Vec<Option<Box<[u8]>>>,
}

impl MemoryImage {
    fn capture(data: &[u8]) -> Self {
        let pages = data
            .chunks(HOST_PAGE)
            .map(|page| (!is_zero(page)).then(|| Box::from(page)))
            .collect();
        Self {
            bytes: data.len() as u64,
            pages,
        }
    }
}

/// An instance with its own store, ready to run a call, and what it takes to reset it.
pub struct WarmInstance {
    /// The store the instance lives in; nothing else uses it.
    pub store: Store,
    /// The instance.
    pub instance: MeteredInstance,
    /// The `main` export, looked up once.
    pub main: Option<Function>,
    /// The embedder's handle on its host environment (its `FunctionEnv`).
    pub host: Box<dyn Any + Send>,
    module: Arc<CompiledModule>,
    memory: Option<wasmer::Memory>,
    globals: Vec<(Global, Value)>,
    /// False when the instance has state a reset cannot reach (a memory it does not export).
    resettable: bool,
}

impl std::fmt::Debug for WarmInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WarmInstance")
            .field("code_hash", &self.module.code_hash)
            .field("globals", &self.globals.len())
            .finish()
    }
}

impl WarmInstance {
    /// Wraps an instance of `module` that has just been instantiated in `store` and not run:
    /// its globals and memory now are what every reset restores.
    pub fn new(
        mut store: Store,
        instance: MeteredInstance,
        host: Box<dyn Any + Send>,
        module: Arc<CompiledModule>,
    ) -> Self {
        let exports = &instance.instance().exports;
        let main = exports.get_function("main").ok().cloned();
        // A module has at most one memory (validation); whatever its export name.
        let memory = exports.iter().find_map(|(_, export)| match export {
            Extern::Memory(memory) => Some(memory.clone()),
            _ => None,
        });
        let mut globals = Vec::new();
        for (_, export) in exports.iter() {
            if let Extern::Global(global) = export
                && global.ty(&store).mutability == Mutability::Var
            {
                let value = global.get(&mut store);
                globals.push((global.clone(), value));
            }
        }
        let memories = module.module.info().memories.len();
        let resettable = memories == usize::from(memory.is_some());
        if let Some(memory) = &memory {
            module.image.get_or_init(|| {
                let view = memory.view(&store);
                // SAFETY: no wasm runs while the view is read (the store is borrowed here), and
                // the slice ends at the memory's current size.
                let data = unsafe { view.data_unchecked() };
                Arc::new(MemoryImage::capture(data))
            });
        }
        Self {
            store,
            instance,
            main,
            host,
            module,
            memory,
            globals,
            resettable,
        }
    }

    /// The module this is an instance of.
    pub fn module(&self) -> &Arc<CompiledModule> {
        &self.module
    }

    /// Puts memory and globals back to their post-instantiation state; false when the instance
    /// cannot be reused (its memory grew, or the host refused to release its pages).
    pub fn reset(&mut self) -> bool {
        if !self.resettable {
            return false;
        }
        if let Some(memory) = &self.memory {
            let Some(image) = self.module.image.get() else {
                return false;
            };
            if !reset_memory(&mut self.store, memory, image) {
                return false;
            }
        }
        for (global, value) in &self.globals {
            if global.set(&mut self.store, value.clone()).is_err() {
                return false;
            }
        }
        true
    }

    /// Bytes the instance's memory counts against [`WarmLimits::total_memory_bytes`].
    fn memory_bytes(&self) -> u64 {
        self.module.image.get().map_or(0, |image| image.bytes)
    }
}

/// Bytes at the start of a memory that a reset restores in place and keeps resident, so the
/// next call does not fault them in again; beyond them, pages are given back to the system.
/// A contract's stack and data usually live in its first pages (the SDK's stack is 32 KiB).
const KEEP_RESIDENT_BYTES: usize = 256 << 10;

/// Puts the memory back to `image`; false if its size is not the image's or the host refused.
///
/// The first [`KEEP_RESIDENT_BYTES`] are restored in place: each host page gets its image page
/// copied back, or is zeroed unless it reads as zeros already (wasmtime's `keep_resident`). The
/// rest is released with `MADV_DONTNEED`, after which a private anonymous mapping reads as zeros
/// (swapped-out pages included), and its image pages are copied back.
fn reset_memory(store: &mut impl AsStoreMut, memory: &wasmer::Memory, image: &MemoryImage) -> bool {
    let view = memory.view(store);
    let size = view.data_size();
    if size != image.bytes || !size.is_multiple_of(WASM_PAGE) {
        return false;
    }
    let base = view.data_ptr();
    let Ok(len) = usize::try_from(size) else {
        return false;
    };
    let resident = len.min(KEEP_RESIDENT_BYTES);
    if len > resident {
        // SAFETY: `resident` is a multiple of the host page size and below `len`, so the range
        // lies inside the memory and starts on a page boundary.
        let tail = unsafe { base.add(resident) };
        if !release_pages(tail, len - resident) {
            return false;
        }
    }
    for (index, page) in image.pages.iter().enumerate() {
        let offset = index * HOST_PAGE;
        // SAFETY: the image has one entry per host page of the memory (its size was checked
        // above), so [offset, offset + 4096) lies inside it; no wasm runs on this store while it
        // is borrowed here, and nothing else holds a reference into the memory.
        let current = unsafe { std::slice::from_raw_parts_mut(base.add(offset), HOST_PAGE) };
        match page {
            Some(original) => current.copy_from_slice(original),
            None if offset < resident && !is_zero(current) => current.fill(0),
            None => {}
        }
    }
    true
}

/// Whether `bytes` are all zero; in 512-byte blocks the compiler turns into vector code (a
/// byte-by-byte scan with an early exit costs about 1.5 µs per page).
fn is_zero(bytes: &[u8]) -> bool {
    let blocks = bytes.chunks_exact(512);
    let rest = blocks.remainder();
    blocks
        .map(|block| block.iter().fold(0u8, |acc, &byte| acc | byte))
        .chain(rest.iter().copied())
        .all(|byte| byte == 0)
}

/// Gives the pages of `[base, base + len)` back to the system so that they read as zeros.
#[cfg(unix)]
fn release_pages(base: *mut u8, len: usize) -> bool {
    // SAFETY: `base` is the start of a wasm memory's accessible region (page aligned: wasmer maps
    // memories with `mmap`), `len` its current size, and the mapping is wasmer's private
    // anonymous one, so MADV_DONTNEED only makes those pages read as zeros; nothing else (no
    // running wasm, no host reference) points into it while the store is borrowed.
    unsafe { libc::madvise(base.cast(), len, libc::MADV_DONTNEED) == 0 }
}

/// Gives the pages of `[base, base + len)` back to the system so that they read as zeros.
#[cfg(not(unix))]
fn release_pages(base: *mut u8, len: usize) -> bool {
    // SAFETY: as above: the region is the memory's accessible part and nothing else uses it.
    unsafe { std::ptr::write_bytes(base, 0, len) };
    true
}

/// Counters of the pool, for metrics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WarmStats {
    /// Calls that found an idle instance.
    pub hits: u64,
    /// Calls that had to instantiate.
    pub misses: u64,
    /// Idle instances held now.
    pub idle: usize,
}

/// The engine's idle instances.
#[derive(Debug)]
pub(crate) struct WarmPool {
    limits: WarmLimits,
    inner: Mutex<Idle>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Debug)]
struct Idle {
    modules: LruCache<ModuleKey, Vec<WarmInstance>>,
    count: usize,
    memory_bytes: u64,
}

impl WarmPool {
    pub(crate) fn new(limits: WarmLimits) -> Self {
        Self {
            limits,
            inner: Mutex::new(Idle {
                modules: LruCache::unbounded(),
                count: 0,
                memory_bytes: 0,
            }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// A poisoned lock only means a panic elsewhere while holding it; every update below keeps
    /// the counts consistent with the lists, so the pool is used anyway.
    fn lock(&self) -> std::sync::MutexGuard<'_, Idle> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle instance of `module`, if there is one.
    pub(crate) fn take(&self, module: &Arc<CompiledModule>) -> Option<WarmInstance> {
        let taken = self.take_idle(module);
        let counter = if taken.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        taken
    }

    fn take_idle(&self, module: &Arc<CompiledModule>) -> Option<WarmInstance> {
        let mut idle = self.lock();
        let instances = idle.modules.get_mut(&module.key)?;
        let position = instances
            .iter()
            .rposition(|warm| Arc::ptr_eq(&warm.module, module))?;
        let warm = instances.swap_remove(position);
        idle.count = idle.count.saturating_sub(1);
        idle.memory_bytes = idle.memory_bytes.saturating_sub(warm.memory_bytes());
        Some(warm)
    }

    /// Keeps `warm` (already reset) for the next call of its module, within the limits.
    pub(crate) fn put(&self, warm: WarmInstance) {
        let bytes = warm.memory_bytes();
        let limits = self.limits;
        if limits.per_module == 0 || limits.total == 0 || bytes > limits.total_memory_bytes {
            return;
        }
        let mut evicted = Vec::new();
        {
            let mut idle = self.lock();
            let key = warm.module.key;
            let full = idle
                .modules
                .get(&key)
                .is_some_and(|instances| instances.len() >= limits.per_module);
            if full {
                evicted.push(warm);
            } else {
                idle.count = idle.count.saturating_add(1);
                idle.memory_bytes = idle.memory_bytes.saturating_add(bytes);
                idle.modules.get_or_insert_mut(key, Vec::new).push(warm);
                while idle.count > limits.total || idle.memory_bytes > limits.total_memory_bytes {
                    let Some(instance) = idle.pop_least_recent() else {
                        break;
                    };
                    evicted.push(instance);
                }
            }
        }
        // Dropping an instance unmaps its memory: done outside the lock.
        drop(evicted);
    }

    /// Drops every idle instance (their engine generation is being retired).
    pub(crate) fn clear(&self) {
        let dropped = {
            let mut idle = self.lock();
            idle.count = 0;
            idle.memory_bytes = 0;
            std::mem::replace(&mut idle.modules, LruCache::unbounded())
        };
        drop(dropped);
    }

    pub(crate) fn stats(&self) -> WarmStats {
        WarmStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            idle: self.lock().count,
        }
    }
}

impl Idle {
    /// One instance of the least recently used module.
    fn pop_least_recent(&mut self) -> Option<WarmInstance> {
        loop {
            let (key, instances) = self.modules.peek_lru()?;
            let key = *key;
            if instances.is_empty() {
                self.modules.pop(&key);
                continue;
            }
            let instance = self.modules.peek_mut(&key)?.pop()?;
            self.count = self.count.saturating_sub(1);
            self.memory_bytes = self.memory_bytes.saturating_sub(instance.memory_bytes());
            return Some(instance);
        }
    }
}

/// The per-module part of the pool: the memory image every reset restores.
pub(crate) type ImageCell = OnceLock<Arc<MemoryImage>>;

#[cfg(test)]
mod tests {
    use super::is_zero;

    #[test]
    fn is_zero_sees_every_byte() {
        for len in [0, 1, 63, 64, 65, 4096, 4100] {
            let mut bytes = vec![0u8; len];
            assert!(is_zero(&bytes));
            for index in 0..len {
                bytes[index] = 1;
                assert!(!is_zero(&bytes), "byte {index} of {len}");
                bytes[index] = 0;
            }
        }
    }
}
