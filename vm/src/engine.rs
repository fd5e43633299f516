//! The engine: validate → instrument → compile (singlepass) → cache, and the store factory.
//!
//! Compiling needs a wasmer engine that carries the instrumentation chain, and that chain holds
//! per-module state (the indexes of the globals it adds), so every compile gets a fresh compiler
//! and engine. The compiled artifact is then serialized and loaded into one long-lived headless
//! *runtime* engine, the same path an artifact read from disk takes. Every module therefore lives
//! in one engine, with one set of tunables, and a store made by [`Engine::new_store`] can
//! instantiate any of them.

use std::path::PathBuf;
use std::sync::Arc;

use wasmer::sys::{EngineBuilder, Features, NativeEngineExt};
use wasmer::{Module, Store};

use crate::cache::{CacheKey, DiskCache, MemoryCache, code_hash};
use crate::instrument::compiler_for;
use crate::limits::ChainLimits;
use crate::schedule::GasSchedule;
use crate::tunables::ChainTunables;
use crate::validate::{ModuleSummary, Rules, ValidationError, validate};

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
    /// Bytes of the stack wasm runs on; `None` picks twice [`ChainLimits::native_stack_bound`].
    pub wasm_stack_size: Option<usize>,
}

impl Default for VmConfig {
    fn default() -> Self {
        Self {
            limits: ChainLimits::default(),
            schedule: GasSchedule::default_schedule(),
            cache_dir: None,
            memory_cache_capacity: 256,
            wasm_stack_size: None,
        }
    }
}

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
    /// The compiled module.
    pub module: Module,
    /// What validation learned about it.
    pub summary: ModuleSummary,
    /// Keccak-256 of the original code.
    pub code_hash: [u8; 32],
    /// Gas every frame pays before it runs: initial pages × the schedule's page price.
    pub initial_memory_gas: u64,
}

/// Where [`Engine::compile`] found the module; for metrics and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheSource {
    Memory,
    Disk,
    Compiled,
}

/// Compiles, caches and hosts modules under one chain configuration.
#[derive(Debug)]
pub struct Engine {
    config: VmConfig,
    runtime: wasmer::Engine,
    tunables: ChainTunables,
    memory: MemoryCache,
    disk: Option<DiskCache>,
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
        let mut runtime = wasmer::Engine::headless();
        runtime.set_tunables(tunables.clone());
        let disk = match &config.cache_dir {
            Some(path) => Some(
                DiskCache::open(path).map_err(|source| EngineError::CacheDir {
                    path: path.clone(),
                    source,
                })?,
            ),
            None => None,
        };
        let memory = MemoryCache::new(config.memory_cache_capacity);
        Ok(Self {
            config,
            runtime,
            tunables,
            memory,
            disk,
        })
    }

    /// The configuration this engine runs under.
    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    /// A store whose instances run under this engine's tunables.
    pub fn new_store(&self) -> Store {
        Store::new(self.runtime.clone())
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
        let hash = code_hash(code);
        let key = CacheKey::new(&hash, &self.config.schedule, &self.config.limits, rules);
        if let Some(module) = self.memory.get(&key) {
            return Ok((module, CacheSource::Memory));
        }
        // Validation runs again for code loaded from disk: the rules are checked whenever code
        // is loaded, and the summary is not stored in the artifact.
        let summary = validate(code, &self.config.limits, rules)?;
        let (module, source) = match self.load_from_disk(&key) {
            Some(module) => (module, CacheSource::Disk),
            None => (self.compile_fresh(code, &key)?, CacheSource::Compiled),
        };
        let initial_memory_gas =
            u64::from(summary.initial_pages).saturating_mul(self.config.schedule.initial_page);
        let compiled = Arc::new(CompiledModule {
            module,
            summary,
            code_hash: hash,
            initial_memory_gas,
        });
        self.memory.put(key, compiled.clone());
        Ok((compiled, source))
    }

    /// Number of modules in the in-memory cache.
    pub fn cached_modules(&self) -> usize {
        self.memory.len()
    }

    fn compile_fresh(&self, code: &[u8], key: &CacheKey) -> Result<Module, CompileError> {
        let compiler = compiler_for(&self.config.schedule, &self.config.limits);
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
        if let Some(disk) = &self.disk
            && let Err(err) = disk.store(key, &artifact)
        {
            tracing::warn!(%err, "could not write compiled artifact; continuing without disk cache");
        }
        // SAFETY: `artifact` was produced by `serialize` a line above, by this same wasmer
        // version, so it is a well-formed artifact for this engine.
        unsafe { Module::deserialize_unchecked(&self.runtime, artifact) }
            .map_err(|e| CompileError::Compile(e.to_string()))
    }

    fn load_from_disk(&self, key: &CacheKey) -> Option<Module> {
        let disk = self.disk.as_ref()?;
        let payload = match disk.load(key) {
            Ok(payload) => payload?,
            Err(err) => {
                tracing::warn!(%err, "ignoring cached artifact; recompiling");
                disk.remove(key);
                return None;
            }
        };
        // SAFETY: the payload's Keccak-256 checksum matched the one written with it, so these are
        // exactly the bytes `Module::serialize` produced for this key (wasmer version,
        // instrumentation, schedule, limits and target are all in the key).
        match unsafe { Module::deserialize_unchecked(&self.runtime, payload) } {
            Ok(module) => Some(module),
            Err(err) => {
                tracing::warn!(%err, "cached artifact did not load; recompiling");
                disk.remove(key);
                None
            }
        }
    }
}
