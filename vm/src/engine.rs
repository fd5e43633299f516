//! The engine: validate → instrument → compile (singlepass) → cache, and the store factory.
//!
//! Compiling needs a wasmer engine that carries the instrumentation chain, and that chain holds
//! per-module state (the indexes of the globals it adds), so every compile gets a fresh compiler
//! and engine. The compiled artifact is then serialized and loaded into a headless *runtime*
//! engine, the same path an artifact read from disk takes.
//!
//! Runtime engines come in *generations*. A wasmer 5.0.6 engine never frees the machine code of
//! a module loaded into it (`EngineInner::code_memory` only grows, and every entry keeps the
//! module's unwind tables registered with the system unwinder until the engine drops), so one
//! engine for the life of a node would leak code memory with every cache miss (and, before the
//! vendored wasmer stopped capturing backtraces, made every trap slower). After
//! [`VmConfig::modules_per_generation`] loads the engine starts a new generation and empties
//! its in-memory cache; the old generation is freed once the last module and store using it are
//! dropped. Every generation has the same tunables and the artifacts are the same bytes, so a
//! rotation changes nothing a contract can observe. Signatures are registered per wasmer
//! engine, so a module must run in a store of its own generation:
//! [`CompiledModule::new_store`] makes one.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use wasmer::sys::{EngineBuilder, Features, NativeEngineExt};
use wasmer::{Module, Store};

use crate::cache::{
    CacheKey, ConfigDigest, DiskCache, MemoryCache, ModuleKey, StoredArtifact, code_hash,
    config_folder,
};
use crate::frame::FramePrices;
use crate::instrument::compiler_for;
use crate::limits::ChainLimits;
use crate::schedule::{CallShapes, GasSchedule};
use crate::tunables::ChainTunables;
use crate::validate::{ModuleSummary, Rules, ValidationError, validate_for};
use crate::warm::{ImageCell, WarmInstance, WarmLimits, WarmPool, WarmStats};

/// How the VM is set up; part of a node's chain configuration.
#[derive(Clone, Debug)]
pub struct VmConfig {
    /// Module-shape and depth limits.
    pub limits: ChainLimits,
    /// Instruction and run-time prices.
    pub schedule: GasSchedule,
    /// Folder of the on-disk artifact store; `None` keeps artifacts in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Compiled modules kept in memory.
    pub memory_cache_capacity: usize,
    /// Bytes the on-disk artifact store may take (least recently used artifacts go first);
    /// `None`, the default, keeps every artifact, since a call is priced for loading one and not
    /// for compiling one again (`crate::cache`).
    pub disk_cache_max_bytes: Option<u64>,
    /// Bytes of the stack wasm runs on; `None` picks twice [`ChainLimits::native_stack_bound`].
    pub wasm_stack_size: Option<usize>,
    /// Modules loaded into one runtime engine before the next generation starts (see the module
    /// docs); `None` keeps one engine for ever, for harnesses that link many modules in one
    /// store and load a bounded number of them.
    pub modules_per_generation: Option<usize>,
    /// Idle warm instances kept for reuse ([`crate::warm`]).
    pub warm: WarmLimits,
}

impl Default for VmConfig {
    fn default() -> Self {
        Self {
            limits: ChainLimits::default(),
            schedule: GasSchedule::v2(),
            cache_dir: None,
            memory_cache_capacity: 256,
            disk_cache_max_bytes: None,
            wasm_stack_size: None,
            modules_per_generation: Some(DEFAULT_MODULES_PER_GENERATION),
            warm: WarmLimits::default(),
        }
    }
}

/// Loads per runtime engine by default: what bounds the code memory of retired modules. A working
/// set that fits the memory cache loads nothing and never rotates. (Before issue 15 a trap also
/// walked the unwind tables of every loaded module to capture a backtrace, 1.8× slower at 256
/// loaded modules and 37× at 3000; the vendored wasmer no longer captures one.)
pub const DEFAULT_MODULES_PER_GENERATION: usize = 256;

/// Errors setting the engine up.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(
        "wasm stack of {configured} bytes is below the {required} bytes the limits allow a module to use"
    )]
    StackTooSmall { configured: u64, required: u64 },
    #[error(
        "wasm stack bound of {0} bytes exceeds what the runtime supports (100 MiB); lower the limits"
    )]
    StackTooLarge(u64),
    #[error("opening the artifact cache in {path}: {source}")]
    CacheDir {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Why code could not be turned into a runnable module.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("invalid: {0}")]
    Invalid(#[from] ValidationError),
    #[error("compilation failed after validation: {0}")]
    Compile(String),
}

/// A validated, instrumented, compiled module, ready to instantiate in a store of the engine
/// that made it.
#[derive(Debug)]
pub struct CompiledModule {
    /// The compiled module; declared before `generation` so it drops first (wasmer deregisters
    /// the module's trap metadata before its engine frees the code).
    pub module: Module,
    /// What validation learned about it.
    pub summary: ModuleSummary,
    /// Keccak-256 of the original code.
    pub code_hash: [u8; 32],
    /// What every frame pays before it runs, and the unit its counter counts in.
    pub frame_prices: FramePrices,
    /// Code hash and rules: the key of the memory cache and the warm pool.
    pub(crate) key: ModuleKey,
    /// The memory right after instantiation, which every warm reset restores.
    pub(crate) image: ImageCell,
    /// The runtime engine holding the module's code, kept alive as long as the module.
    generation: Arc<Generation>,
    /// Whether its artifact is on disk or a write was tried: a module first compiled for an
    /// `eth_call` ([`ArtifactPolicy::MemoryOnly`]) is written when a block first runs it, once
    /// (a failed write is logged and not repeated at every call).
    on_disk: AtomicBool,
}

impl CompiledModule {
    /// A store of the module's generation, where it (and its host functions) can be instantiated.
    pub fn new_store(&self) -> Store {
        Store::new(self.generation.runtime.clone())
    }

    /// The number of the runtime-engine generation the module was loaded into (0 for the first).
    pub fn generation(&self) -> u64 {
        self.generation.number
    }
}

/// One runtime engine and its sequence number.
#[derive(Debug)]
struct Generation {
    number: u64,
    runtime: wasmer::Engine,
}

impl Generation {
    fn new(number: u64, tunables: &ChainTunables) -> Self {
        let mut runtime = wasmer::Engine::headless();
        runtime.set_tunables(tunables.clone());
        Self { number, runtime }
    }
}

/// The generation new modules are loaded into, and how many it holds.
#[derive(Debug)]
struct CurrentGeneration {
    generation: Arc<Generation>,
    loaded: usize,
}

/// Where [`Engine::compile`] found the module; for metrics and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheSource {
    Memory,
    Disk,
    Compiled,
}

/// Whether a module compiled on a cache miss may be written to the disk cache. Only code that
/// is (or is about to be) on chain earns disk space: an `eth_call` or init code runs code that
/// may never be seen again, and persisting it would let free requests fill the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactPolicy {
    /// Write the artifact to disk (and read it from there next time).
    Persist,
    /// Keep it in memory only (it is still served from disk if already there).
    MemoryOnly,
}

/// Compiles, caches and hosts modules under one chain configuration.
#[derive(Debug)]
pub struct Engine {
    config: VmConfig,
    current: Mutex<CurrentGeneration>,
    tunables: ChainTunables,
    memory: MemoryCache,
    disk: Option<DiskCache>,
    warm: WarmPool,
    /// The configuration's part of every cache key.
    config_digest: ConfigDigest,
}

/// The hard ceiling wasmer-vm puts on a wasm stack.
const MAX_WASM_STACK: u64 = 100 * 1024 * 1024;

impl Engine {
    /// An engine for `config`; checks that the wasm stack covers the limits' worst case.
    pub fn new(config: VmConfig) -> Result<Self, EngineError> {
        let required = config.limits.native_stack_bound();
        let stack = match config.wasm_stack_size {
            Some(size) => size as u64,
            None => required.saturating_mul(2).min(MAX_WASM_STACK),
        };
        if required > MAX_WASM_STACK {
            return Err(EngineError::StackTooLarge(required));
        }
        if stack < required {
            return Err(EngineError::StackTooSmall {
                configured: stack,
                required,
            });
        }
        let stack = usize::try_from(stack).map_err(|_| EngineError::StackTooLarge(stack))?;
        let tunables = ChainTunables::new(config.limits.max_memory_pages, stack);
        let current = Mutex::new(CurrentGeneration {
            generation: Arc::new(Generation::new(0, &tunables)),
            loaded: 0,
        });
        let config_digest = ConfigDigest::new(&config.schedule, &config.limits);
        let disk = match &config.cache_dir {
            Some(root) => Some(
                config_folder(root, &config_digest)
                    .and_then(|folder| DiskCache::open(folder, config.disk_cache_max_bytes))
                    .map_err(|source| EngineError::CacheDir {
                        path: root.clone(),
                        source,
                    })?,
            ),
            None => None,
        };
        let memory = MemoryCache::new(config.memory_cache_capacity);
        let warm = WarmPool::new(config.warm);
        Ok(Self {
            config_digest,
            config,
            current,
            tunables,
            memory,
            disk,
            warm,
        })
    }

    /// The configuration this engine runs under.
    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    /// A store of the current generation. Modules compiled later may belong to a newer one;
    /// prefer [`CompiledModule::new_store`] unless one store must host several modules, and then
    /// set [`VmConfig::modules_per_generation`] to `None`.
    pub fn new_store(&self) -> Store {
        Store::new(self.lock_current().generation.runtime.clone())
    }

    /// The number of the generation new modules are loaded into.
    pub fn generation(&self) -> u64 {
        self.lock_current().generation.number
    }

    /// Validates and compiles `code` under `rules`, or returns the cached module.
    pub fn compile(&self, code: &[u8], rules: Rules) -> Result<Arc<CompiledModule>, CompileError> {
        self.compile_traced(code, rules).map(|(module, _)| module)
    }

    /// As [`Engine::compile`], also saying which cache level (if any) served the module.
    pub fn compile_traced(
        &self,
        code: &[u8],
        rules: Rules,
    ) -> Result<(Arc<CompiledModule>, CacheSource), CompileError> {
        self.compile_with(code, rules, ArtifactPolicy::Persist)
    }

    /// As [`Engine::compile_traced`], with the artifact written to disk only when `policy`
    /// allows it.
    pub fn compile_with(
        &self,
        code: &[u8],
        rules: Rules,
        policy: ArtifactPolicy,
    ) -> Result<(Arc<CompiledModule>, CacheSource), CompileError> {
        self.compile_hashed(code, code_hash(code), rules, policy)
    }

    /// As [`Engine::compile_with`] for code whose Keccak-256 `hash` the caller already knows
    /// (an account's code hash): a cache hit then costs no hashing. `hash` must be the code's.
    pub fn compile_hashed(
        &self,
        code: &[u8],
        hash: [u8; 32],
        rules: Rules,
        policy: ArtifactPolicy,
    ) -> Result<(Arc<CompiledModule>, CacheSource), CompileError> {
        let key = ModuleKey {
            code_hash: hash,
            rules,
        };
        if let Some(module) = self.memory.get(&key) {
            if policy == ArtifactPolicy::Persist {
                self.persist(&module);
            }
            return Ok((module, CacheSource::Memory));
        }
        let disk_key = CacheKey::for_config(&self.config_digest, &hash, rules);
        let stored = self.read_artifact(&disk_key);
        // An artifact carries the summary of the code it was compiled from, validated then;
        // code without one is validated (and compiled) now.
        let summary = match &stored {
            Some(artifact) => artifact.summary.clone(),
            None => validate_for(
                code,
                &self.config.limits,
                rules,
                self.config.schedule.modules,
            )?,
        };
        let generation = self.generation_for_load();
        let loaded = stored.and_then(|artifact| {
            self.deserialize_stored(&disk_key, artifact.payload, &generation.runtime)
        });
        let (module, source, on_disk) = match loaded {
            Some(module) => (module, CacheSource::Disk, true),
            None => {
                let (module, on_disk) =
                    self.compile_fresh(code, &disk_key, &generation.runtime, policy, &summary)?;
                (module, CacheSource::Compiled, on_disk)
            }
        };
        let frame_prices = FramePrices::new(&self.config.schedule, summary.initial_pages);
        let compiled = Arc::new(CompiledModule {
            module,
            summary,
            code_hash: hash,
            frame_prices,
            key,
            image: ImageCell::new(),
            generation,
            on_disk: AtomicBool::new(on_disk),
        });
        self.remember(key, &compiled);
        Ok((compiled, source))
    }

    /// The generation the next module is loaded into, starting a new one (and emptying the
    /// memory cache, which would pin the old one) when the current one is full.
    fn generation_for_load(&self) -> Arc<Generation> {
        let mut current = self.lock_current();
        let full = self
            .config
            .modules_per_generation
            .is_some_and(|limit| current.loaded >= limit);
        if full {
            let number = current.generation.number.saturating_add(1);
            tracing::debug!(
                generation = number,
                "starting a new runtime engine generation"
            );
            current.generation = Arc::new(Generation::new(number, &self.tunables));
            current.loaded = 0;
            self.memory.clear();
            self.warm.clear();
        }
        current.loaded = current.loaded.saturating_add(1);
        current.generation.clone()
    }

    /// Caches `module` unless a rotation made its generation old while it loaded.
    fn remember(&self, key: ModuleKey, module: &Arc<CompiledModule>) {
        let current = self.lock_current();
        if Arc::ptr_eq(&current.generation, &module.generation) {
            self.memory.put(key, module.clone());
        }
    }

    /// The current generation; a panic elsewhere while holding the lock cannot leave it
    /// inconsistent (every update is a single assignment), so poisoning is ignored.
    fn lock_current(&self) -> MutexGuard<'_, CurrentGeneration> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Number of modules in the in-memory cache.
    pub fn cached_modules(&self) -> usize {
        self.memory.len()
    }

    /// An idle warm instance of `module`, reset and ready to run, if the pool holds one.
    pub fn take_warm(&self, module: &Arc<CompiledModule>) -> Option<WarmInstance> {
        self.warm.take(module)
    }

    /// Resets `warm` and keeps it for the next call of its module; drops it instead when it
    /// cannot be reused (see [`crate::warm`]) or the pool is full. The embedder must have
    /// cleared its host environment first.
    pub fn release_warm(&self, mut warm: WarmInstance) {
        // An instance of a retired generation would keep that generation's code alive.
        let current = Arc::ptr_eq(&warm.module().generation, &self.lock_current().generation);
        if !current || warm.module().summary.passive_data || !warm.reset() {
            return;
        }
        self.warm.put(warm);
    }

    /// The warm pool's counters.
    pub fn warm_stats(&self) -> WarmStats {
        self.warm.stats()
    }

    fn compile_fresh(
        &self,
        code: &[u8],
        key: &CacheKey,
        runtime: &wasmer::Engine,
        policy: ArtifactPolicy,
        summary: &ModuleSummary,
    ) -> Result<(Module, bool), CompileError> {
        let compiler = compiler_for(
            &self.config.schedule,
            &self.config.limits,
            CallShapes::of(code),
        );
        let mut compiling: wasmer::Engine = EngineBuilder::new(compiler)
            .set_features(Some(Features::default()))
            .engine()
            .into();
        compiling.set_tunables(self.tunables.clone());
        let compiled =
            Module::new(&compiling, code).map_err(|e| CompileError::Compile(e.to_string()))?;
        let artifact = compiled
            .serialize()
            .map_err(|e| CompileError::Compile(e.to_string()))?;
        let on_disk =
            policy == ArtifactPolicy::Persist && self.store_artifact(key, &artifact, summary);
        // SAFETY: `artifact` was produced by `serialize` a line above, by this same wasmer
        // version, so it is a well-formed artifact for this engine.
        let module = unsafe { Module::deserialize_unchecked(runtime, artifact) }
            .map_err(|e| CompileError::Compile(e.to_string()))?;
        Ok((module, on_disk))
    }

    /// Writes `artifact` to the disk store, if there is one; whether it is there now.
    fn store_artifact(&self, key: &CacheKey, artifact: &[u8], summary: &ModuleSummary) -> bool {
        let Some(disk) = &self.disk else {
            return false;
        };
        match disk.store(key, artifact, summary) {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(%err, "could not write compiled artifact; continuing without disk cache");
                false
            }
        }
    }

    /// Writes the artifact of a module compiled without one (for an `eth_call`) once a block
    /// runs it, so that after a restart its calls load it instead of compiling it unpaid.
    fn persist(&self, module: &CompiledModule) {
        if self.disk.is_none() || module.on_disk.load(Ordering::Relaxed) {
            return;
        }
        if module.on_disk.swap(true, Ordering::Relaxed) {
            return;
        }
        let key = CacheKey::for_config(&self.config_digest, &module.code_hash, module.key.rules);
        match module.module.serialize() {
            Ok(artifact) => {
                self.store_artifact(&key, &artifact, &module.summary);
            }
            Err(err) => {
                tracing::warn!(%err, "could not serialize a compiled module for the disk cache");
            }
        }
    }

    /// The verified artifact for `key` from the disk store, if there is one; a bad file is
    /// removed (and the module compiled again).
    fn read_artifact(&self, key: &CacheKey) -> Option<StoredArtifact> {
        let disk = self.disk.as_ref()?;
        match disk.load(key) {
            Ok(artifact) => artifact,
            Err(err) => {
                tracing::warn!(%err, "ignoring cached artifact; recompiling");
                disk.remove(key);
                None
            }
        }
    }

    fn deserialize_stored(
        &self,
        key: &CacheKey,
        payload: Bytes,
        runtime: &wasmer::Engine,
    ) -> Option<Module> {
        // SAFETY: the payload's xxh3-128 checksum matched the one written with it, so these are
        // exactly the bytes `Module::serialize` produced for this key (wasmer version,
        // instrumentation, schedule, limits and target are all in the key), and they start
        // 16-byte aligned, as the archive read in place needs.
        match unsafe { Module::deserialize_unchecked(runtime, payload) } {
            Ok(module) => Some(module),
            Err(err) => {
                tracing::warn!(%err, "cached artifact did not load; recompiling");
                if let Some(disk) = &self.disk {
                    disk.remove(key);
                }
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Weak;

    use super::*;

    fn module(n: u32) -> Vec<u8> {
        wat::parse_str(format!(
            "(module (func (export \"f\") (result i32) i32.const {n}))"
        ))
        .expect("wat")
    }

    /// The point of generations: once no module uses a retired engine (and no store, which holds
    /// its own handle to the wasmer engine), it is dropped, and with it the code memory and
    /// unwind registrations of everything loaded into it.
    #[test]
    fn a_retired_generation_is_freed_with_its_last_module() {
        let engine = Engine::new(VmConfig {
            modules_per_generation: Some(2),
            ..VmConfig::default()
        })
        .expect("engine");
        let first = engine
            .compile(&module(0), Rules::Determinism)
            .expect("compile");
        let retired: Weak<Generation> = Arc::downgrade(&first.generation);
        engine
            .compile(&module(1), Rules::Determinism)
            .expect("compile");
        engine
            .compile(&module(2), Rules::Determinism)
            .expect("compile");
        assert_eq!(engine.generation(), 1);
        assert!(
            retired.upgrade().is_some(),
            "a live module keeps its engine"
        );
        drop(first);
        assert!(
            retired.upgrade().is_none(),
            "nothing uses the old engine any more"
        );
    }
}
