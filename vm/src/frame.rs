//! Running one frame: instantiate with an import set, set the gas, call an export, classify the
//! outcome.
//!
//! The outcome is read from the instrumentation's globals, not from the trap message, because
//! "out of gas" and "stack exhausted" are consensus results and both end in a plain
//! `unreachable`: the flag the instrumentation set just before it decides which one it was.
//! Host functions (the EEI, next layer up) charge the same gas counter through [`GasMeter`] and
//! end a frame by returning a `RuntimeError::user` error, which comes back as
//! [`Outcome::Host`].

use wasmer::{
    AsStoreMut, Global, Imports, Instance, InstantiationError, LinkError, RuntimeError, Store,
    Value,
};
use wasmer_types::TrapCode;

use crate::CompiledModule;
use crate::instrument::{
    CALL_DEPTH_EXPORT, GAS_EXHAUSTED_EXPORT, REMAINING_GAS_EXPORT, STACK_EXHAUSTED_EXPORT,
};

/// The instrumentation globals of one instance. Cloning is cheap (store handles).
#[derive(Clone, Debug)]
pub struct GasMeter {
    remaining: Global,
    exhausted: Global,
    depth: Global,
    stack_exhausted: Global,
}

/// A host function asked for more gas than is left; the frame ends as out of gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("out of gas")]
pub struct OutOfGas;

impl GasMeter {
    fn from_instance(instance: &Instance) -> Result<Self, InstantiateError> {
        let global = |name: &str| {
            instance
                .exports
                .get_global(name)
                .cloned()
                .map_err(|_| InstantiateError::NotInstrumented(name.to_string()))
        };
        Ok(Self {
            remaining: global(REMAINING_GAS_EXPORT)?,
            exhausted: global(GAS_EXHAUSTED_EXPORT)?,
            depth: global(CALL_DEPTH_EXPORT)?,
            stack_exhausted: global(STACK_EXHAUSTED_EXPORT)?,
        })
    }

    /// Gas left in the counter.
    pub fn remaining(&self, store: &mut impl AsStoreMut) -> u64 {
        match self.remaining.get(store) {
            Value::I64(left) => left as u64,
            _ => 0,
        }
    }

    /// Charges `amount`; when less is left, marks the frame out of gas and returns `OutOfGas`
    /// (the host function then returns it as its error).
    pub fn charge(&self, store: &mut impl AsStoreMut, amount: u64) -> Result<(), OutOfGas> {
        let left = self.remaining(store);
        match left.checked_sub(amount) {
            Some(rest) => {
                self.set_remaining(store, rest);
                Ok(())
            }
            None => {
                self.exhaust(store);
                Err(OutOfGas)
            }
        }
    }

    /// Gives back `amount` (e.g. a callee's unused gas); saturates instead of wrapping.
    pub fn refund(&self, store: &mut impl AsStoreMut, amount: u64) {
        let left = self.remaining(store);
        self.set_remaining(store, left.saturating_add(amount));
    }

    /// Marks the frame out of gas: nothing left, and the outcome will be [`Outcome::OutOfGas`].
    pub fn exhaust(&self, store: &mut impl AsStoreMut) {
        self.set_remaining(store, 0);
        let _ = self.exhausted.set(store, Value::I32(1));
    }

    /// Sets the gas left (a host function that kept its own count writes it back).
    pub fn set_remaining(&self, store: &mut impl AsStoreMut, value: u64) {
        // The global is a mutable i64 the instrumentation added; `set` can only fail on a type
        // or mutability mismatch, which instantiation already ruled out.
        let _ = self.remaining.set(store, Value::I64(value as i64));
    }

    /// The current wasm call depth (calls made and not returned, host calls included).
    pub fn depth(&self, store: &mut impl AsStoreMut) -> u32 {
        match self.depth.get(store) {
            Value::I32(depth) => depth as u32,
            _ => 0,
        }
    }

    fn reset(&self, store: &mut impl AsStoreMut, gas: u64, depth: u32) {
        self.set_remaining(store, gas);
        let _ = self.exhausted.set(store, Value::I32(0));
        let _ = self.depth.set(store, Value::I32(depth as i32));
        let _ = self.stack_exhausted.set(store, Value::I32(0));
    }

    fn flag(global: &Global, store: &mut impl AsStoreMut) -> bool {
        !matches!(global.get(store), Value::I32(0))
    }
}

/// Why a module could not be instantiated.
#[derive(Debug, thiserror::Error)]
pub enum InstantiateError {
    /// Instantiation trapped (an active data or element segment out of bounds): the same on
    /// every machine, so a contract-visible failure.
    #[error("instantiation trapped: {0}")]
    Trap(String),
    /// The host could not instantiate (memory or table allocation refused, an import the
    /// engine bound wrongly): a node failure, never a contract result.
    #[error("the host could not instantiate the module: {0}")]
    Host(String),
    #[error("module lacks instrumentation global {0}; was it compiled by this engine?")]
    NotInstrumented(String),
}

/// How a wasm trap ended a frame (the traps that are not gas or stack exhaustion).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerOverflow,
    IntegerDivisionByZero,
    UnalignedAtomic,
    /// The native stack overflowed. The call-depth budget makes this impossible for modules
    /// that passed validation; it is reported distinctly so a test can prove that.
    NativeStackOverflow,
    /// A trap wasmer reported without a code (should not happen for validated modules).
    Other(String),
}

/// How a frame ended.
#[derive(Debug)]
pub enum Outcome {
    /// The export returned these values.
    Returned(Vec<Value>),
    /// The gas counter ran out, in wasm code, in a run-time charge or in a host function.
    OutOfGas,
    /// The counted call-depth budget was exceeded.
    StackExhausted,
    /// A wasm trap.
    Trap(TrapKind),
    /// A host function ended the frame with its own error (e.g. the EEI's `finish`/`revert`).
    Host(Box<dyn std::error::Error + Send + Sync>),
    /// The export does not exist or has another signature than the call assumed.
    BadExport(String),
    /// The host failed while the frame ran (see [`crate::host_failure`]); whatever the wasm
    /// did afterwards is not a result.
    HostFailure(String),
}

/// The result of running one frame.
#[derive(Debug)]
pub struct FrameResult {
    /// How it ended.
    pub outcome: Outcome,
    /// Gas the frame was given.
    pub gas_limit: u64,
    /// Gas left in the counter when it ended (0 after out of gas).
    pub gas_left: u64,
}

impl FrameResult {
    /// Gas consumed. Every trap, including out of gas and stack exhaustion, consumes all gas;
    /// a normal return or a host exit consumes what was used.
    pub fn gas_used(&self) -> u64 {
        match self.outcome {
            Outcome::Returned(_) | Outcome::Host(_) => self.gas_limit.saturating_sub(self.gas_left),
            _ => self.gas_limit,
        }
    }
}

/// An instance of a compiled module plus handles on its instrumentation.
#[derive(Debug, Clone)]
pub struct MeteredInstance {
    instance: Instance,
    meter: GasMeter,
    initial_memory_gas: u64,
}

impl MeteredInstance {
    /// Instantiates `module` in `store` with `imports`.
    pub fn new(
        store: &mut Store,
        module: &CompiledModule,
        imports: &Imports,
    ) -> Result<Self, InstantiateError> {
        let instance =
            Instance::new(store, &module.module, imports).map_err(classify_instantiation)?;
        let meter = GasMeter::from_instance(&instance)?;
        Ok(Self {
            instance,
            meter,
            initial_memory_gas: module.initial_memory_gas,
        })
    }

    /// The underlying wasmer instance (exports, memory).
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The gas meter host functions charge; hand a clone to the host environment.
    pub fn meter(&self) -> &GasMeter {
        &self.meter
    }

    /// Runs `export` with `args` as one frame with `gas_limit` gas. The frame first pays for
    /// the module's initial memory pages, then runs.
    pub fn call(
        &self,
        store: &mut Store,
        export: &str,
        args: &[Value],
        gas_limit: u64,
    ) -> FrameResult {
        self.call_at_depth(store, export, args, gas_limit, 0)
    }

    /// As [`MeteredInstance::call`], with the call-depth counter starting at `depth` instead of
    /// 0 (a nested frame under [`crate::CallDepthScope::Transaction`]).
    pub fn call_at_depth(
        &self,
        store: &mut Store,
        export: &str,
        args: &[Value],
        gas_limit: u64,
        depth: u32,
    ) -> FrameResult {
        match self.instance.exports.get_function(export) {
            Ok(function) => {
                let function = function.clone();
                self.call_function_at_depth(store, &function, args, gas_limit, depth)
            }
            Err(err) => {
                // The same order as a call: the initial memory is paid for first.
                self.meter.reset(store, gas_limit, depth);
                let outcome = match self.meter.charge(store, self.initial_memory_gas) {
                    Ok(()) => Outcome::BadExport(err.to_string()),
                    Err(OutOfGas) => Outcome::OutOfGas,
                };
                FrameResult {
                    outcome,
                    gas_limit,
                    gas_left: self.meter.remaining(store),
                }
            }
        }
    }

    /// As [`MeteredInstance::call_at_depth`] with the export's function already looked up
    /// (a warm instance keeps it), so a call does no lookup by name.
    pub fn call_function_at_depth(
        &self,
        store: &mut Store,
        function: &wasmer::Function,
        args: &[Value],
        gas_limit: u64,
        depth: u32,
    ) -> FrameResult {
        self.meter.reset(store, gas_limit, depth);
        let finish = |store: &mut Store, outcome| FrameResult {
            outcome,
            gas_limit,
            gas_left: self.meter.remaining(store),
        };
        if self.meter.charge(store, self.initial_memory_gas).is_err() {
            return finish(store, Outcome::OutOfGas);
        }
        let outcome = match function.call(store, args) {
            Ok(values) => Outcome::Returned(values.into_vec()),
            Err(err) => self.classify(store, err),
        };
        let outcome = match crate::host_failure::take() {
            Some(failure) => Outcome::HostFailure(failure),
            None => outcome,
        };
        if matches!(outcome, Outcome::OutOfGas) {
            self.meter.set_remaining(store, 0);
        }
        finish(store, outcome)
    }

    fn classify(&self, store: &mut Store, err: RuntimeError) -> Outcome {
        if GasMeter::flag(&self.meter.exhausted, store) {
            return Outcome::OutOfGas;
        }
        if GasMeter::flag(&self.meter.stack_exhausted, store) {
            return Outcome::StackExhausted;
        }
        if err.is::<HostErrorBox>() {
            return match err.downcast::<HostErrorBox>() {
                Ok(host) => Outcome::Host(host.0),
                Err(err) => unknown_error(err.message()),
            };
        }
        let message = err.message();
        match err.to_trap() {
            Some(code) => Outcome::Trap(trap_kind(code)),
            None => unknown_error(message),
        }
    }
}

/// A trap while instantiating is the module's doing; anything else is the host's.
fn classify_instantiation(error: InstantiationError) -> InstantiateError {
    match error {
        InstantiationError::Start(trap) | InstantiationError::Link(LinkError::Trap(trap))
            if trap.clone().to_trap().is_some() =>
        {
            InstantiateError::Trap(trap.to_string())
        }
        other => InstantiateError::Host(other.to_string()),
    }
}

/// Wraps a host function's error so the frame runner can hand it back unchanged.
#[derive(Debug)]
pub struct HostErrorBox(pub Box<dyn std::error::Error + Send + Sync>);

impl std::fmt::Display for HostErrorBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for HostErrorBox {}

/// The error a host function returns to end the frame with `error` as [`Outcome::Host`].
pub fn host_exit(error: impl std::error::Error + Send + Sync + 'static) -> RuntimeError {
    RuntimeError::user(Box::new(HostErrorBox(Box::new(error))))
}

/// A `RuntimeError::new` from a host function, or an error wasmer raised itself.
fn unknown_error(message: String) -> Outcome {
    Outcome::Host(message.into())
}

fn trap_kind(code: TrapCode) -> TrapKind {
    match code {
        TrapCode::UnreachableCodeReached => TrapKind::Unreachable,
        TrapCode::HeapAccessOutOfBounds => TrapKind::MemoryOutOfBounds,
        TrapCode::TableAccessOutOfBounds => TrapKind::TableOutOfBounds,
        TrapCode::IndirectCallToNull => TrapKind::IndirectCallToNull,
        TrapCode::BadSignature => TrapKind::BadSignature,
        TrapCode::IntegerOverflow => TrapKind::IntegerOverflow,
        TrapCode::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        TrapCode::UnalignedAtomic => TrapKind::UnalignedAtomic,
        TrapCode::StackOverflow => TrapKind::NativeStackOverflow,
        other => TrapKind::Other(format!("{other:?}")),
    }
}
