//! Gas schedules: what each wasm instruction and each run-time-sized operation costs.
//!
//! A schedule is part of the chain configuration and therefore consensus-critical: its
//! [`GasSchedule::hash`] is part of the compiled-artifact cache key, so code metered under one
//! schedule never runs under another. Instruction costs are static (looked up per operator at
//! compile time and charged per basic block by wasmer-middlewares' `Metering`); the costs that
//! depend on an operand (`memory.copy/fill/init` length, `memory.grow` pages) and the initial
//! memory are charged at run time by [`crate::instrument::runtime_gas`] and the frame runner.
//!
//! # Ink
//!
//! Instructions are priced in *ink*, a fraction of gas ([`GasSchedule::ink_per_gas`] ink make one
//! gas, as Arbitrum Stylus meters), because a simple wasm instruction takes a fraction of the
//! time one EVM gas buys. The frame's counter holds ink: it starts at the frame's gas × the
//! rate, host functions charge their gas × the rate, and the gas the frame has left (for
//! `getGasLeft`, for what a nested call may forward, and when it ends) is its ink divided by the
//! rate, rounded down, the same on every machine. The gas a frame used is therefore its ink
//! used rounded *up* to whole gas: no frame runs a part of a gas for free, and a gas limit equal
//! to a transaction's gas used is exactly enough (`eth_estimateGas` returns it). With a rate of
//! 1 ink is gas, which is how `default` and `ewasm-conformance` meter.
//!
//! Three schedules ship (`docs/GAS.md` has the numbers and how they were measured):
//! - [`GasSchedule::ewasm_conformance`]: every instruction and run-time cost is 0, as the eWASM
//!   state tests were filled (only intrinsic and EEI host gas count).
//! - [`GasSchedule::default_schedule`] (`default`): the first production schedule, one whole gas
//!   per instruction and per-frame memory prices. Kept so that chains started with it replay.
//! - [`GasSchedule::v2`] (`v2`): gas proportional to time, calibrated so that one gas buys the
//!   time one EVM gas buys in revm; memory priced per transaction; module `rewasm` offered.
//!   The dev chain's default.

use rewasm_eei::HostModules;
use rewasm_eei::gas::HostPrices;
use rewasm_primitives::consensus::{CalldataPrices, CodeDeposit};
use sha3::{Digest, Keccak256};
use wasmparser::Operator;

/// The `default` schedule's prices for the host's bulk work (issue 13, finding 3). Copies cost
/// what `callDataCopy` charges per word, about what copying and allocating costs at one gas per
/// nanosecond. A create pays per byte of init code for validating and compiling it. `cargo
/// bench -p rewasm-vm --bench calibrate` (compile rows, 2026-12-06, this project's 2-core
/// machine) measured a fresh compile at 105 ns/byte for the example ERC-20's init code (22.5
/// KB, runtime code embedded as data), 120 for long straight-line code, 385 for its runtime
/// code, and up to 500 for thousands of tiny functions: 100 per byte covers honest init code,
/// and leaves the worst shape about 5x under-priced (30 M gas of creates buys at most ~150 ms
/// of compiling, against ~240 s under the old flat 32 000 per create).
pub const DEFAULT_HOST_PRICES: HostPrices = HostPrices {
    input_per_word: 3,
    output_per_word: 3,
    code_per_byte: 100,
    init_byte: 100,
    frame_start: 0,
    code_loads: None,
    state_access: None,
};

/// Cost classes: instructions whose singlepass code costs about the same share one price.
/// Prices are in ink ([`GasSchedule::ink_per_gas`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InstructionCosts {
    /// `i32/i64.const`, `nop`, `drop`, `local.get/set/tee`.
    pub trivial: u64,
    /// `global.get/set`, `select`, `block`, `loop`, `end`, `else`, `br`.
    pub control: u64,
    /// `if`, `br_if` (a compare and a branch).
    pub branch: u64,
    /// `br_table` (a bounds check and an indirect jump).
    pub br_table: u64,
    /// Integer add/sub/logic/shift/rotate/compare/extend/wrap/count.
    pub alu: u64,
    /// Integer multiplication.
    pub mul: u64,
    /// Integer division and remainder (the slowest ALU ops, and a trap check).
    pub div: u64,
    /// Loads (bounds check + memory access).
    pub load: u64,
    /// Stores.
    pub store: u64,
    /// Direct `call` of a function the module defines (frame setup, the stack-depth check,
    /// return).
    pub call: u64,
    /// Direct `call` of an imported (host) function: the trampoline into the host and back,
    /// before the host function's own gas.
    pub host_call: u64,
    /// `call_indirect` (a call plus a table bounds and signature check).
    pub call_indirect: u64,
    /// Added to `call` and `call_indirect` per parameter of the callee's type: arguments beyond
    /// the registers are moved through memory.
    pub call_param: u64,
    /// `return`, `unreachable`.
    pub ret: u64,
    /// `memory.size`.
    pub memory_size: u64,
    /// Base cost of `memory.grow`, on top of the memory price ([`MemoryPrices`]).
    pub memory_grow: u64,
    /// Base cost of `memory.copy`, `memory.fill`, `memory.init`, `data.drop`, on top of the
    /// per-word cost.
    pub bulk_memory: u64,
    /// Anything else the validator lets through (`ref.null`, `ref.is_null`, `ref.func`,
    /// `table.size`, `table.get`).
    pub other: u64,
}

/// How a contract pays for linear memory (gas, not ink).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemoryPrices {
    /// Each frame pays for its own pages: `initial_page` per page of the module's initial
    /// memory when the frame starts, and `grow_per_page` per page `memory.grow` asks for,
    /// whether or not the grow succeeds (`default`).
    PerFrame {
        /// Per page of a module's initial memory, charged when a frame starts.
        initial_page: u64,
        /// Per page requested by `memory.grow`.
        grow_per_page: u64,
    },
    /// The transaction pays for the most pages its live frames held at once (`v2`).
    Transaction(TransactionMemory),
}

/// Memory priced per frame and per transaction.
///
/// - **Per frame, linear:** every page a frame holds beyond its first `frame_free_pages` (its
///   initial memory when it starts, each `memory.grow` after) costs `page`. That is what a page
///   costs the node each time a frame uses it: a warm instance restores its first 256 KiB in
///   place, but releases the rest when it is reset, so the next frame faults those pages in
///   again. Every frame pays, so a transaction cannot call a memory-hungry frame repeatedly
///   for one payment.
/// - **Per frame, a cap:** a frame holding more than `frame_max_pages` runs out of gas (at its
///   start, or at the `memory.grow`). The time of a load depends on how much memory it can
///   wander over: a pointer chase through 1 MiB misses the 512 KiB L2 cache (9 ns a load on the
///   reference machine), through 8 MiB the TLB as well (140 ns). Loads are priced for the
///   largest memory a frame may hold, so that memory must stay small.
/// - **Per transaction, quadratic:** the pages all live frames hold at once are counted against
///   the transaction's high-water mark; raising the mark from `a` to `b` pages costs
///   `q(b) − q(a)`, `q(p) = tx_quadratic × max(p − tx_free_pages, 0)²`, and above `max_pages`
///   the frame start or `memory.grow` runs out of gas: what a transaction holds at once is
///   bounded whatever its gas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TransactionMemory {
    /// Pages of each frame that cost nothing (the part a warm instance resets in place).
    pub frame_free_pages: u32,
    /// Gas per page a frame holds above `frame_free_pages`.
    pub page: u64,
    /// The most pages one frame may hold.
    pub frame_max_pages: u32,
    /// Pages held at once in a transaction below which the quadratic part is zero.
    pub tx_free_pages: u32,
    /// Gas per page² of the quadratic part.
    pub tx_quadratic: u64,
    /// The most pages a transaction may hold at once.
    pub max_pages: u32,
}

impl TransactionMemory {
    /// The frame's price for going from `from` to `to` pages (0 when it does not grow); `None`
    /// above `frame_max_pages`.
    pub fn frame_pages(&self, from: u64, to: u64) -> Option<u64> {
        if to > u64::from(self.frame_max_pages) {
            return None;
        }
        let free = u64::from(self.frame_free_pages);
        Some(
            to.saturating_sub(free)
                .saturating_sub(from.saturating_sub(free))
                .saturating_mul(self.page),
        )
    }

    /// The quadratic part of holding `pages` at once; `None` above `max_pages`.
    pub fn quadratic(&self, pages: u64) -> Option<u64> {
        if pages > u64::from(self.max_pages) {
            return None;
        }
        let above = pages.saturating_sub(u64::from(self.tx_free_pages));
        Some(
            above
                .saturating_mul(above)
                .saturating_mul(self.tx_quadratic),
        )
    }

    /// Gas for raising the transaction's high-water mark from `mark` to `open` pages (0 when it
    /// does not rise); `None` above `max_pages`.
    pub fn raise(&self, mark: u64, open: u64) -> Option<u64> {
        if open <= mark {
            return Some(0);
        }
        let new = self.quadratic(open)?;
        Some(new.saturating_sub(self.quadratic(mark).unwrap_or(0)))
    }
}

/// What the cost of a call depends on in one module: which functions are imported and how
/// many parameters each function and each type has. Taken from the module's type, import and
/// function sections ([`CallShapes::of`]); unknown indexes count as no parameters (validation
/// rejects such modules before they are compiled).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallShapes {
    /// Imported functions (the first function indexes).
    pub imported_functions: u32,
    /// Parameters of each type.
    pub types: Vec<u32>,
    /// The type of each function, imported ones first.
    pub functions: Vec<u32>,
}

impl CallShapes {
    /// The shapes of `code`'s calls; a malformed module gives what was read before the fault.
    pub fn of(code: &[u8]) -> Self {
        let mut shapes = Self::default();
        for payload in wasmparser::Parser::new(0).parse_all(code) {
            match payload {
                Ok(wasmparser::Payload::TypeSection(reader)) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let params = ty.map_or(0, |ty| ty.params().len());
                        shapes.types.push(u32::try_from(params).unwrap_or(u32::MAX));
                    }
                }
                Ok(wasmparser::Payload::ImportSection(reader)) => {
                    for import in reader.into_iter().flatten() {
                        if let wasmparser::TypeRef::Func(ty) = import.ty {
                            shapes.functions.push(ty);
                            shapes.imported_functions += 1;
                        }
                    }
                }
                Ok(wasmparser::Payload::FunctionSection(reader)) => {
                    shapes.functions.extend(reader.into_iter().flatten());
                }
                Ok(wasmparser::Payload::CodeSectionStart { .. }) | Err(_) => break,
                Ok(_) => {}
            }
        }
        shapes
    }

    /// Parameters of function `index`.
    pub fn function_params(&self, index: u32) -> u64 {
        let ty = usize::try_from(index)
            .ok()
            .and_then(|index| self.functions.get(index));
        ty.map_or(0, |ty| self.type_params(*ty))
    }

    /// Parameters of type `index`.
    pub fn type_params(&self, index: u32) -> u64 {
        usize::try_from(index)
            .ok()
            .and_then(|index| self.types.get(index))
            .map_or(0, |params| u64::from(*params))
    }
}

/// A complete gas schedule.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GasSchedule {
    /// Name used on the command line and in configuration files.
    pub name: &'static str,
    /// Ink per gas: the unit instructions are priced in (1: instructions cost whole gas).
    pub ink_per_gas: u64,
    /// Static per-instruction costs, in ink.
    pub instructions: InstructionCosts,
    /// `memory.copy`, `memory.fill`, `memory.init`: ink per 32-byte word of the length operand,
    /// rounded up.
    pub bulk_memory_per_word: u64,
    /// Linear memory.
    pub memory: MemoryPrices,
    /// The host's bulk work: input and output copies, validating and compiling init code,
    /// starting a frame (gas).
    pub host: HostPrices,
    /// The import modules beyond `ethereum` the chain offers.
    pub modules: HostModules,
    /// Intrinsic gas per byte of transaction data.
    pub calldata: CalldataPrices,
    /// What a create pays for the code it deposits.
    pub deposit: CodeDeposit,
}

impl GasSchedule {
    /// Instruction metering off: the schedule the eWASM state tests were filled with.
    pub fn ewasm_conformance() -> Self {
        Self {
            name: "ewasm-conformance",
            ink_per_gas: 1,
            instructions: InstructionCosts {
                trivial: 0,
                control: 0,
                branch: 0,
                br_table: 0,
                alu: 0,
                mul: 0,
                div: 0,
                load: 0,
                store: 0,
                call: 0,
                host_call: 0,
                call_indirect: 0,
                call_param: 0,
                ret: 0,
                memory_size: 0,
                memory_grow: 0,
                bulk_memory: 0,
                other: 0,
            },
            bulk_memory_per_word: 0,
            memory: MemoryPrices::PerFrame {
                initial_page: 0,
                grow_per_page: 0,
            },
            host: HostPrices::REFERENCE,
            modules: HostModules::EEI_ONLY,
            calldata: CalldataPrices::BYZANTIUM,
            deposit: CodeDeposit::YELLOW_PAPER,
        }
    }

    /// The first production schedule: about one gas per nanosecond of singlepass code, every
    /// instruction at least one gas.
    pub fn default_schedule() -> Self {
        Self {
            name: "default",
            ink_per_gas: 1,
            instructions: InstructionCosts {
                trivial: 1,
                control: 1,
                branch: 1,
                br_table: 3,
                alu: 1,
                mul: 1,
                div: 4,
                load: 1,
                store: 1,
                call: 5,
                host_call: 5,
                call_indirect: 7,
                call_param: 0,
                ret: 1,
                memory_size: 2,
                memory_grow: 500,
                bulk_memory: 10,
                other: 2,
            },
            bulk_memory_per_word: 1,
            memory: MemoryPrices::PerFrame {
                initial_page: 30_000,
                grow_per_page: 30_000,
            },
            host: DEFAULT_HOST_PRICES,
            modules: HostModules::EEI_ONLY,
            calldata: CalldataPrices::BYZANTIUM,
            deposit: CodeDeposit::YELLOW_PAPER,
        }
    }

    /// Gas proportional to time (see `docs/GAS.md` for the measurements behind each price).
    pub fn v2() -> Self {
        crate::schedule_v2::schedule()
    }

    /// The schedule with this name, if one ships.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "v2" => Some(Self::v2()),
            "default" => Some(Self::default_schedule()),
            "ewasm-conformance" => Some(Self::ewasm_conformance()),
            _ => None,
        }
    }

    /// The names [`GasSchedule::by_name`] knows, for messages.
    pub const NAMES: [&'static str; 3] = ["v2", "default", "ewasm-conformance"];

    /// The static cost of one operator in ink, in a module whose calls have `shapes` (a `call`
    /// of an imported function is a host call). Floats and every other operator the validator
    /// rejects never reach metering; they fall into `other` so the function stays total.
    pub fn operator_cost(&self, operator: &Operator, shapes: &CallShapes) -> u64 {
        let costs = &self.instructions;
        use Operator as O;
        match operator {
            O::Nop | O::Drop | O::I32Const { .. } | O::I64Const { .. } => costs.trivial,
            O::LocalGet { .. } | O::LocalSet { .. } | O::LocalTee { .. } => costs.trivial,
            O::GlobalGet { .. } | O::GlobalSet { .. } | O::Select | O::TypedSelect { .. } => {
                costs.control
            }
            O::Block { .. } | O::Loop { .. } | O::End | O::Else | O::Br { .. } => costs.control,
            O::If { .. } | O::BrIf { .. } => costs.branch,
            O::BrTable { .. } => costs.br_table,
            O::Return | O::Unreachable => costs.ret,
            O::Call { function_index } if *function_index < shapes.imported_functions => {
                costs.host_call
            }
            O::Call { function_index } => costs.call.saturating_add(
                costs
                    .call_param
                    .saturating_mul(shapes.function_params(*function_index)),
            ),
            O::CallIndirect { type_index, .. } => costs.call_indirect.saturating_add(
                costs
                    .call_param
                    .saturating_mul(shapes.type_params(*type_index)),
            ),
            O::MemorySize { .. } => costs.memory_size,
            O::MemoryGrow { .. } => costs.memory_grow,
            O::MemoryCopy { .. }
            | O::MemoryFill { .. }
            | O::MemoryInit { .. }
            | O::DataDrop { .. } => costs.bulk_memory,
            O::I32Mul | O::I64Mul => costs.mul,
            O::I32DivS | O::I32DivU | O::I32RemS | O::I32RemU => costs.div,
            O::I64DivS | O::I64DivU | O::I64RemS | O::I64RemU => costs.div,
            op if is_integer_load(op) => costs.load,
            op if is_integer_store(op) => costs.store,
            op if is_integer_alu(op) => costs.alu,
            _ => costs.other,
        }
    }

    /// What a create pays to validate and compile `code` (init code without its constructor
    /// arguments), before it does: [`HostPrices::code_per_byte`] per byte of the code section,
    /// [`HostPrices::init_byte`] per other byte. Code whose sections cannot be read pays the
    /// code price for every byte (it fails validation anyway). Saturates.
    pub fn init_code_gas(&self, code: &[u8]) -> u64 {
        let total = u64::try_from(code.len()).unwrap_or(u64::MAX);
        let compiled = code_section_len(code).map_or(total, |len| len.min(total));
        compiled
            .saturating_mul(self.host.code_per_byte)
            .saturating_add((total - compiled).saturating_mul(self.host.init_byte))
    }

    /// Keccak-256 over the name and every price, in a fixed order. Part of the cache key and of
    /// a chain's stored parameters. A schedule that meters in whole gas with per-frame memory and
    /// no extra module hashes exactly as before those options existed, so chains started with
    /// `default` keep opening.
    pub fn hash(&self) -> [u8; 32] {
        let c = &self.instructions;
        let (initial_page, grow_per_page) = match &self.memory {
            MemoryPrices::PerFrame {
                initial_page,
                grow_per_page,
            } => (*initial_page, *grow_per_page),
            MemoryPrices::Transaction(_) => (0, 0),
        };
        let costs = [
            c.trivial,
            c.control,
            c.branch,
            c.br_table,
            c.alu,
            c.mul,
            c.div,
            c.load,
            c.store,
            c.call,
            c.call_indirect,
            c.ret,
            c.memory_size,
            c.memory_grow,
            c.bulk_memory,
            c.other,
            self.bulk_memory_per_word,
            grow_per_page,
            initial_page,
            self.host.input_per_word,
            self.host.output_per_word,
            self.host.code_per_byte,
        ];
        let mut hasher = Keccak256::new();
        hasher.update(b"rewasm-gas-schedule-v1");
        hasher.update((self.name.len() as u64).to_le_bytes());
        hasher.update(self.name.as_bytes());
        for cost in costs {
            hasher.update(cost.to_le_bytes());
        }
        if !self.is_v1_shaped() {
            self.hash_v2_fields(&mut hasher);
        }
        hasher.finalize().into()
    }

    /// Whether every option added after the first schedule is at its first-schedule value.
    fn is_v1_shaped(&self) -> bool {
        self.ink_per_gas == 1
            && self.instructions.host_call == self.instructions.call
            && self.instructions.call_param == 0
            && matches!(self.memory, MemoryPrices::PerFrame { .. })
            && self.host.frame_start == 0
            && self.host.code_loads.is_none()
            && self.host.state_access.is_none()
            && self.host.init_byte == self.host.code_per_byte
            && !self.modules.rewasm
            && self.calldata == CalldataPrices::BYZANTIUM
            && self.deposit == CodeDeposit::YELLOW_PAPER
    }

    fn hash_v2_fields(&self, hasher: &mut Keccak256) {
        hasher.update(b"rewasm-gas-schedule-v2");
        let memory = match &self.memory {
            MemoryPrices::Transaction(memory) => [
                1,
                u64::from(memory.frame_free_pages),
                memory.page,
                u64::from(memory.frame_max_pages),
                u64::from(memory.tx_free_pages),
                memory.tx_quadratic,
                u64::from(memory.max_pages),
            ],
            MemoryPrices::PerFrame { .. } => [0; 7],
        };
        let fields = [
            self.ink_per_gas,
            self.instructions.host_call,
            self.instructions.call_param,
        ]
        .into_iter()
        .chain(memory)
        .chain([
            self.host.frame_start,
            self.host.init_byte,
            u64::from(self.modules.rewasm),
            self.calldata.zero,
            self.calldata.non_zero,
        ])
        .chain(match self.deposit {
            CodeDeposit::PerByte(gas) => [0, gas],
            CodeDeposit::PerCompressedByte(gas) => [1, gas],
        })
        .chain(match self.host.code_loads {
            Some(loads) => [
                1,
                loads.cold,
                loads.cold_per_byte,
                loads.target_allowance,
                u64::from(loads.max_per_transaction),
            ],
            None => [0; 5],
        });
        for field in fields {
            hasher.update(field.to_le_bytes());
        }
        // Added after `v2`'s first version; a schedule without it hashes as that one did.
        if let Some(access) = self.host.state_access {
            hasher.update(b"state-access");
            for field in [
                access.cold_account,
                access.cold_slot,
                access.warm,
                access.store_set,
                access.store_reset,
                access.clear_refund,
                access.max_refund_quotient,
            ] {
                hasher.update(field.to_le_bytes());
            }
        }
    }
}

/// The size of `code`'s code section in bytes (0 without one); `None` when the module's
/// sections cannot be read up to the code section.
fn code_section_len(code: &[u8]) -> Option<u64> {
    for payload in wasmparser::Parser::new(0).parse_all(code) {
        match payload.ok()? {
            wasmparser::Payload::CodeSectionStart { size, .. } => return Some(u64::from(size)),
            wasmparser::Payload::End(_) => return Some(0),
            _ => {}
        }
    }
    None
}

fn is_integer_load(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::I32Load { .. }
            | O::I64Load { .. }
            | O::I32Load8S { .. }
            | O::I32Load8U { .. }
            | O::I32Load16S { .. }
            | O::I32Load16U { .. }
            | O::I64Load8S { .. }
            | O::I64Load8U { .. }
            | O::I64Load16S { .. }
            | O::I64Load16U { .. }
            | O::I64Load32S { .. }
            | O::I64Load32U { .. }
    )
}

fn is_integer_store(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::I32Store { .. }
            | O::I64Store { .. }
            | O::I32Store8 { .. }
            | O::I32Store16 { .. }
            | O::I64Store8 { .. }
            | O::I64Store16 { .. }
            | O::I64Store32 { .. }
    )
}

fn is_integer_alu(op: &Operator) -> bool {
    use Operator as O;
    matches!(
        op,
        O::I32Eqz
            | O::I32Eq
            | O::I32Ne
            | O::I32LtS
            | O::I32LtU
            | O::I32GtS
            | O::I32GtU
            | O::I32LeS
            | O::I32LeU
            | O::I32GeS
            | O::I32GeU
            | O::I64Eqz
            | O::I64Eq
            | O::I64Ne
            | O::I64LtS
            | O::I64LtU
            | O::I64GtS
            | O::I64GtU
            | O::I64LeS
            | O::I64LeU
            | O::I64GeS
            | O::I64GeU
            | O::I32Clz
            | O::I32Ctz
            | O::I32Popcnt
            | O::I32Add
            | O::I32Sub
            | O::I32And
            | O::I32Or
            | O::I32Xor
            | O::I32Shl
            | O::I32ShrS
            | O::I32ShrU
            | O::I32Rotl
            | O::I32Rotr
            | O::I64Clz
            | O::I64Ctz
            | O::I64Popcnt
            | O::I64Add
            | O::I64Sub
            | O::I64And
            | O::I64Or
            | O::I64Xor
            | O::I64Shl
            | O::I64ShrS
            | O::I64ShrU
            | O::I64Rotl
            | O::I64Rotr
            | O::I32WrapI64
            | O::I64ExtendI32S
            | O::I64ExtendI32U
            | O::I32Extend8S
            | O::I32Extend16S
            | O::I64Extend8S
            | O::I64Extend16S
            | O::I64Extend32S
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_calls() -> CallShapes {
        CallShapes::default()
    }

    #[test]
    fn conformance_schedule_charges_nothing() {
        let schedule = GasSchedule::ewasm_conformance();
        for op in [
            Operator::I32Add,
            Operator::Call { function_index: 0 },
            Operator::I64DivU,
        ] {
            assert_eq!(schedule.operator_cost(&op, &no_calls()), 0);
        }
    }

    #[test]
    fn schedules_classify_operators() {
        for s in [GasSchedule::default_schedule(), GasSchedule::v2()] {
            let c = &s.instructions;
            let none = no_calls();
            assert_eq!(s.operator_cost(&Operator::I64DivU, &none), c.div);
            assert_eq!(s.operator_cost(&Operator::I32Mul, &none), c.mul);
            assert_eq!(s.operator_cost(&Operator::I64Rotl, &none), c.alu);
            let fill = Operator::MemoryFill { mem: 0 };
            assert_eq!(s.operator_cost(&fill, &none), c.bulk_memory);
            // Type 0 takes 3 parameters, type 1 none; function 0 is imported, 1 and 2 defined.
            let shapes = CallShapes {
                imported_functions: 1,
                types: vec![3, 0],
                functions: vec![1, 0, 1],
            };
            let call = |function_index| Operator::Call { function_index };
            assert_eq!(s.operator_cost(&call(0), &shapes), c.host_call);
            assert_eq!(
                s.operator_cost(&call(1), &shapes),
                c.call + 3 * c.call_param
            );
            assert_eq!(s.operator_cost(&call(2), &shapes), c.call);
            let indirect = Operator::CallIndirect {
                type_index: 0,
                table_index: 0,
            };
            assert_eq!(
                s.operator_cost(&indirect, &shapes),
                c.call_indirect + 3 * c.call_param
            );
        }
    }

    /// The hashes of the first schedules as they were before ink, transaction memory and
    /// module `rewasm` existed, computed by an independent implementation (js-sha3 over the
    /// documented encoding): chains started with them must keep opening.
    #[test]
    fn first_schedules_hash_as_they_always_did() {
        let hex = |hash: [u8; 32]| hash.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(GasSchedule::default_schedule().hash()),
            "b1a0da250b9869cce51cb8e38a814e45b8bb547117ff592c86651cf592fcff2d"
        );
        assert_eq!(
            hex(GasSchedule::ewasm_conformance().hash()),
            "644ba492af7e086b25866211acd9660ff5add170f35814f41fb2a3530f69e777"
        );
    }

    #[test]
    fn call_shapes_are_read_from_the_module() {
        let code = wat::parse_str(
            r#"(module
                 (type (func (param i32 i64)))
                 (import "ethereum" "finish" (func (param i32 i32)))
                 (func (type 0))
                 (func (param i64) (result i64) (local.get 0)))"#,
        )
        .unwrap_or_default();
        let shapes = CallShapes::of(&code);
        assert_eq!(shapes.imported_functions, 1);
        assert_eq!(
            (0..4)
                .map(|f| shapes.function_params(f))
                .collect::<Vec<_>>(),
            vec![2, 2, 1, 0]
        );
        assert_eq!(shapes.type_params(9), 0);
    }

    #[test]
    fn init_code_pays_for_its_code_section_at_the_compile_price() {
        let v2 = GasSchedule::v2();
        let host = v2.host;
        let code = wat::parse_str(
            r#"(module (memory 1) (data (i32.const 0) "0123456789")
                 (func (export "f") (result i32) (i32.const 7)))"#,
        )
        .unwrap_or_default();
        let section = code_section_len(&code).unwrap_or_default();
        assert!(section > 0 && section < code.len() as u64);
        assert_eq!(
            v2.init_code_gas(&code),
            section * host.code_per_byte + (code.len() as u64 - section) * host.init_byte
        );
        // The first schedule prices every byte alike.
        let default = GasSchedule::default_schedule();
        assert_eq!(default.init_code_gas(&code), code.len() as u64 * 100);
        // Unreadable code pays the code price throughout.
        assert_eq!(v2.init_code_gas(b"\0asm\x01"), 5 * host.code_per_byte);
    }

    #[test]
    fn schedules_hash_differently_and_stably() {
        let default = GasSchedule::default_schedule();
        let v2 = GasSchedule::v2();
        assert_ne!(default.hash(), GasSchedule::ewasm_conformance().hash());
        assert_ne!(default.hash(), v2.hash());
        assert_eq!(v2.hash(), GasSchedule::v2().hash());
        let mut changed = default.clone();
        changed.instructions.div += 1;
        assert_ne!(changed.hash(), default.hash());
        let mut changed = v2.clone();
        changed.ink_per_gas += 1;
        assert_ne!(changed.hash(), v2.hash());
        let mut changed = v2.clone();
        changed.modules = HostModules::EEI_ONLY;
        assert_ne!(changed.hash(), v2.hash());
        // The dev chains' `debug` module follows genesis `devMode`, recorded on its own: a dev
        // chain's schedule hashes as the same schedule elsewhere.
        for schedule in [&v2, &default] {
            let mut dev = schedule.clone();
            dev.modules = dev.modules.with_debug();
            assert_eq!(dev.hash(), schedule.hash());
        }
        let mut changed = v2.clone();
        changed.host.frame_start += 1;
        assert_ne!(changed.hash(), v2.hash());
        let mut changed = v2.clone();
        changed.host.code_loads = None;
        assert_ne!(changed.hash(), v2.hash());
        let mut changed = v2.clone();
        changed.host.state_access = None;
        assert_ne!(changed.hash(), v2.hash());
        let mut changed = v2.clone();
        if let Some(access) = changed.host.state_access.as_mut() {
            access.cold_slot += 1;
        }
        assert_ne!(changed.hash(), v2.hash());
        let mut changed = v2.clone();
        changed.deposit = CodeDeposit::PerByte(200);
        assert_ne!(changed.hash(), v2.hash());
        let mut changed = v2.clone();
        changed.calldata = CalldataPrices::BYZANTIUM;
        assert_ne!(changed.hash(), v2.hash());
    }

    #[test]
    fn by_name_finds_every_schedule() {
        for name in GasSchedule::NAMES {
            assert_eq!(GasSchedule::by_name(name).map(|s| s.name), Some(name));
        }
        assert!(GasSchedule::by_name("cheap").is_none());
    }

    #[test]
    fn transaction_memory_prices() {
        let memory = TransactionMemory {
            frame_free_pages: 4,
            page: 100,
            frame_max_pages: 9,
            tx_free_pages: 10,
            tx_quadratic: 2,
            max_pages: 20,
        };
        assert_eq!(memory.frame_pages(0, 4), Some(0));
        assert_eq!(memory.frame_pages(1, 6), Some(200));
        assert_eq!(memory.frame_pages(6, 8), Some(200));
        assert_eq!(memory.frame_pages(8, 8), Some(0));
        assert_eq!(memory.frame_pages(8, 9), Some(100));
        assert_eq!(memory.frame_pages(8, 10), None);
        assert_eq!(memory.quadratic(10), Some(0));
        assert_eq!(memory.quadratic(14), Some(32));
        assert_eq!(memory.quadratic(21), None);
        assert_eq!(memory.raise(14, 12), Some(0));
        assert_eq!(memory.raise(12, 14), Some(24));
        assert_eq!(memory.raise(0, 20), Some(200));
        assert_eq!(memory.raise(0, 21), None);
    }
}
