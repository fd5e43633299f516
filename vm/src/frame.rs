//! Running one frame: instantiate with an import set, set the gas, call an export, classify the
//! outcome.
//!
//! The outcome is read from the instrumentation's globals, not from the trap message, because
//! "out of gas" and "stack exhausted" are consensus results and both end in a plain
//! `unreachable`: the flag the instrumentation set just before it decides which one it was.
//! Host functions (the EEI, next layer up) charge the same gas counter through [`GasMeter`] and
//! end a frame by returning a `RuntimeError::user` error, which comes back as
//! [`Outcome::Host`].
//!
//! The counter holds ink ([`crate::schedule`]): a frame with `g` gas starts with `g` × the
//! schedule's rate, and the gas it has left is the ink left divided by the rate, rounded down.

use wasmer::{
    AsStoreMut, Global, Imports, Instance, InstantiationError, LinkError, RuntimeError, Store,
    Value,
};
use wasmer_types::TrapCode;

use crate::CompiledModule;
use crate::instrument::runtime_gas::{MEMORY_BASE_EXPORT, MEMORY_HIGH_WATER_EXPORT};
use crate::instrument::{
    CALL_DEPTH_EXPORT, GAS_EXHAUSTED_EXPORT, REMAINING_GAS_EXPORT, STACK_EXHAUSTED_EXPORT,
};
use crate::schedule::{GasSchedule, MemoryPrices, TransactionMemory};

/// The instrumentation globals of one instance. Cloning is cheap (store handles).
#[derive(Clone, Debug)]
pub struct GasMeter {
    remaining: Global,
    exhausted: Global,
    depth: Global,
    stack_exhausted: Global,
    /// Under transaction memory prices: the pages the frame's callers hold, and the
    /// transaction's high-water mark.
    pages: Option<(Global, Global)>,
    ink_per_gas: u64,
}

/// Where the transaction's memory stands when a frame starts, under
/// [`MemoryPrices::Transaction`] (ignored otherwise).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxPages {
    /// Pages held by the frame's live callers.
    pub base: u64,
    /// The most pages the transaction's live frames have held at once so far.
    pub high_water: u64,
}

/// How a frame starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameStart {
    /// Gas for the frame.
    pub gas: u64,
    /// Where the call-depth counter starts (0, or the caller's depth under
    /// [`crate::CallDepthScope::Transaction`]).
    pub depth: u32,
    /// The transaction's memory.
    pub pages: TxPages,
}

/// What every frame of a module pays before it runs, and the unit its counter counts in; taken
/// from the schedule when the module is loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramePrices {
    /// Ink per gas.
    pub ink_per_gas: u64,
    /// The module's initial pages.
    pub initial_pages: u64,
    /// How its memory is paid for.
    pub memory: MemoryPrices,
}

impl FramePrices {
    /// The prices of `schedule` for a module with `initial_pages`.
    pub fn new(schedule: &GasSchedule, initial_pages: u32) -> Self {
        Self {
            ink_per_gas: schedule.ink_per_gas.max(1),
            initial_pages: initial_pages.into(),
            memory: schedule.memory,
        }
    }

    /// The gas a frame starting with `pages` pays for its initial memory, and the high-water
    /// mark after it; `None` when the frame or the transaction would pass its page limit (out
    /// of gas).
    pub fn initial_memory(&self, pages: TxPages) -> Option<(u64, u64)> {
        match self.memory {
            MemoryPrices::PerFrame { initial_page, .. } => Some((
                self.initial_pages.saturating_mul(initial_page),
                pages.high_water,
            )),
            MemoryPrices::Transaction(memory) => {
                Self::transaction_initial_memory(&memory, self.initial_pages, pages)
            }
        }
    }

    fn transaction_initial_memory(
        memory: &TransactionMemory,
        initial_pages: u64,
        pages: TxPages,
    ) -> Option<(u64, u64)> {
        let open = pages.base.saturating_add(initial_pages);
        let rise = memory.raise(pages.high_water, open)?;
        let gas = memory.frame_pages(0, initial_pages)?.saturating_add(rise);
        Some((gas, pages.high_water.max(open)))
    }
}

/// A host function asked for more gas than is left; the frame ends as out of gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("out of gas")]
pub struct OutOfGas;

impl GasMeter {
    fn from_instance(instance: &Instance, prices: &FramePrices) -> Result<Self, InstantiateError> {
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
            pages: match prices.memory {
                MemoryPrices::PerFrame { .. } => None,
                MemoryPrices::Transaction(_) => Some((
                    global(MEMORY_BASE_EXPORT)?,
                    global(MEMORY_HIGH_WATER_EXPORT)?,
                )),
            },
            ink_per_gas: prices.ink_per_gas,
        })
    }

    /// Ink per gas in this instance's counter.
    pub fn ink_per_gas(&self) -> u64 {
        self.ink_per_gas
    }

    /// Ink left in the counter.
    pub fn ink(&self, store: &mut impl AsStoreMut) -> u64 {
        match self.remaining.get(store) {
            Value::I64(left) => left as u64,
            _ => 0,
        }
    }

    /// Gas left: the ink left divided by the rate, rounded down.
    pub fn remaining(&self, store: &mut impl AsStoreMut) -> u64 {
        self.ink(store) / self.ink_per_gas
    }

    /// Charges `amount` gas; when less is left, marks the frame out of gas and returns
    /// `OutOfGas` (the host function then returns it as its error).
    pub fn charge(&self, store: &mut impl AsStoreMut, amount: u64) -> Result<(), OutOfGas> {
        let left = self.ink(store);
        match amount
            .checked_mul(self.ink_per_gas)
            .and_then(|ink| left.checked_sub(ink))
        {
            Some(rest) => {
                self.set_ink(store, rest);
                Ok(())
            }
            None => {
                self.exhaust(store);
                Err(OutOfGas)
            }
        }
    }

    /// Gives back `amount` gas (e.g. a callee's unused gas); saturates instead of wrapping.
    pub fn refund(&self, store: &mut impl AsStoreMut, amount: u64) {
        let left = self.ink(store);
        let ink = amount.saturating_mul(self.ink_per_gas);
        self.set_ink(store, left.saturating_add(ink));
    }

    /// Marks the frame out of gas: nothing left, and the outcome will be [`Outcome::OutOfGas`].
    pub fn exhaust(&self, store: &mut impl AsStoreMut) {
        self.set_ink(store, 0);
        let _ = self.exhausted.set(store, Value::I32(1));
    }

    /// Sets the ink left (a host function that kept its own count writes it back).
    pub fn set_ink(&self, store: &mut impl AsStoreMut, value: u64) {
        // The global is a mutable i64 the instrumentation added; `set` can only fail on a type
        // or mutability mismatch, which instantiation already ruled out.
        let _ = self.remaining.set(store, Value::I64(value as i64));
    }

    /// The transaction's high-water mark of pages as this frame sees it (`fallback` when the
    /// schedule prices memory per frame).
    pub fn high_water(&self, store: &mut impl AsStoreMut, fallback: u64) -> u64 {
        match &self.pages {
            Some((_, mark)) => match mark.get(store) {
                Value::I64(pages) => pages as u64,
                _ => fallback,
            },
            None => fallback,
        }
    }

    /// Sets the high-water mark (after a nested frame raised it).
    pub fn set_high_water(&self, store: &mut impl AsStoreMut, pages: u64) {
        if let Some((_, mark)) = &self.pages {
            let _ = mark.set(store, Value::I64(pages as i64));
        }
    }

    /// The current wasm call depth (calls made and not returned, host calls included).
    pub fn depth(&self, store: &mut impl AsStoreMut) -> u32 {
        match self.depth.get(store) {
            Value::I32(depth) => depth as u32,
            _ => 0,
        }
    }

    fn reset(&self, store: &mut impl AsStoreMut, ink: u64, depth: u32, pages: TxPages) {
        self.set_ink(store, ink);
        let _ = self.exhausted.set(store, Value::I32(0));
        let _ = self.depth.set(store, Value::I32(depth as i32));
        let _ = self.stack_exhausted.set(store, Value::I32(0));
        if let Some((base, mark)) = &self.pages {
            let _ = base.set(store, Value::I64(pages.base as i64));
            let _ = mark.set(store, Value::I64(pages.high_water as i64));
        }
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
    /// Gas left when it ended: the ink left divided by the rate, rounded down (0 after out of
    /// gas).
    pub gas_left: u64,
    /// The transaction's high-water mark of pages after the frame.
    pub high_water: u64,
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
    prices: FramePrices,
}

/// The ink a frame starts with, and what to make of what is left when it ends.
#[derive(Clone, Copy, Debug)]
struct InkBudget {
    /// Gas that did not fit in the counter (only above `u64::MAX / rate`, which no block
    /// allows).
    held: u64,
    ink: u64,
    rate: u64,
}

impl InkBudget {
    fn new(gas: u64, rate: u64) -> Self {
        let rate = rate.max(1);
        let counted = gas.min(u64::MAX / rate);
        Self {
            held: gas - counted,
            ink: counted * rate,
            rate,
        }
    }

    /// Gas left when `ink_left` remains: rounded down, so the gas used is rounded up and a
    /// frame never uses a part of a gas for free.
    fn gas_left(&self, ink_left: u64) -> u64 {
        self.held.saturating_add(ink_left / self.rate)
    }
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
        let meter = GasMeter::from_instance(&instance, &module.frame_prices)?;
        Ok(Self {
            instance,
            meter,
            prices: module.frame_prices,
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
        let start = FrameStart {
            gas: gas_limit,
            ..FrameStart::default()
        };
        self.call_export(store, export, args, start)
    }

    /// As [`MeteredInstance::call`], starting as `start` says (a nested frame: the call depth
    /// under [`crate::CallDepthScope::Transaction`], the transaction's memory).
    pub fn call_export(
        &self,
        store: &mut Store,
        export: &str,
        args: &[Value],
        start: FrameStart,
    ) -> FrameResult {
        match self.instance.exports.get_function(export) {
            Ok(function) => {
                let function = function.clone();
                self.call_function(store, &function, args, start)
            }
            Err(err) => {
                // The same order as a call: the initial memory is paid for first.
                let (budget, started) = self.begin(store, start);
                let outcome = match started {
                    Ok(()) => Outcome::BadExport(err.to_string()),
                    Err(OutOfGas) => Outcome::OutOfGas,
                };
                self.finish(store, outcome, budget, start)
            }
        }
    }

    /// As [`MeteredInstance::call_export`] with the export's function already looked up
    /// (a warm instance keeps it), so a call does no lookup by name.
    pub fn call_function(
        &self,
        store: &mut Store,
        function: &wasmer::Function,
        args: &[Value],
        start: FrameStart,
    ) -> FrameResult {
        let (budget, started) = self.begin(store, start);
        if started.is_err() {
            return self.finish(store, Outcome::OutOfGas, budget, start);
        }
        let outcome = match function.call(store, args) {
            Ok(values) => Outcome::Returned(values.into_vec()),
            Err(err) => self.classify(store, err),
        };
        let outcome = match crate::host_failure::take() {
            Some(failure) => Outcome::HostFailure(failure),
            None => outcome,
        };
        self.finish(store, outcome, budget, start)
    }

    /// Sets the counters for a frame and charges its initial memory.
    fn begin(&self, store: &mut Store, start: FrameStart) -> (InkBudget, Result<(), OutOfGas>) {
        let budget = InkBudget::new(start.gas, self.prices.ink_per_gas);
        self.meter
            .reset(store, budget.ink, start.depth, start.pages);
        let charged = match self.prices.initial_memory(start.pages) {
            Some((gas, high_water)) => {
                self.meter.set_high_water(store, high_water);
                self.meter.charge(store, gas)
            }
            None => {
                self.meter.exhaust(store);
                Err(OutOfGas)
            }
        };
        (budget, charged)
    }

    fn finish(
        &self,
        store: &mut Store,
        outcome: Outcome,
        budget: InkBudget,
        start: FrameStart,
    ) -> FrameResult {
        if matches!(outcome, Outcome::OutOfGas) {
            self.meter.set_ink(store, 0);
        }
        let ink_left = self.meter.ink(store);
        FrameResult {
            outcome,
            gas_limit: start.gas,
            gas_left: budget.gas_left(ink_left),
            high_water: self.meter.high_water(store, start.pages.high_water),
        }
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
