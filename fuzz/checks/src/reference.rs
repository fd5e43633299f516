//! The differential target's reference: the same module run by wasmi, with gas counted
//! independently of rewasm's metering.
//!
//! The count is in ink (the schedule's `ink_per_gas` per gas): the limit is the gas limit × the
//! rate, and the gas a returning call used is the count divided by the rate, rounded up.
//!
//! rewasm charges static gas per *basic block* (wasmer-middlewares `Metering` adds up a block's
//! operator costs and subtracts the sum just before the block's closing accounting operator:
//! `loop`, `end`, `if`, `else`, `br*`, `call*`, `return`), run-time gas just before
//! `memory.grow/copy/fill/init`, the initial pages when a frame starts, and it counts call depth
//! around every `call`/`call_indirect`. The reference knows none of that machinery: [`instrument`]
//! rewrites the module (wasmparser → wasm-encoder) so that *before every original instruction*
//! a counter global grows by that instruction's price under the same [`GasSchedule`], and traps
//! with a flag as soon as the counter passes the limit. The run-time prices and the depth budget
//! are re-implemented from their specification (per 32-byte word, per page, the transaction
//! memory's linear price on the frame's pages above its free ones plus the quadratic price of
//! raising the high-water mark, `depth > max`), not shared with the engine; only the static
//! price table (`GasSchedule::operator_cost`) and the schedule's numbers are shared, since they
//! *are* the schedule.
//!
//! Where the two must agree (the differential target asserts it):
//! - the reference returns with count `C` (so `C ≤ limit`) ⇒ rewasm returns the same values and
//!   its `gas_used() == C`. Every instruction rewasm executes lies in a basic block it completes,
//!   and a branch out of a block skips exactly the closing `end`/`else` whose price the
//!   reference's counter also skips (the counter update sits before that instruction);
//! - the reference traps (an ordinary trap or the depth budget) with count `C ≤ limit` ⇒ rewasm
//!   traps the same way and uses the whole limit: rewasm has charged at most `C` by then (the
//!   trapping instruction's own block is not yet charged), so it cannot run out of gas first;
//! - the reference runs out of gas (its count would pass the limit) ⇒ rewasm does not return: it
//!   runs out of gas, or traps inside the block whose charge would have failed (rewasm charges a
//!   block at its end, so a trap inside the block comes first). Memory is not compared then,
//!   because rewasm stops at a block boundary and the reference at an instruction.

use rewasm_vm::schedule::CallShapes;
use rewasm_vm::{GasSchedule, MemoryPrices, TransactionMemory};
use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasm_encoder::{
    BlockType, CodeSection, ConstExpr, DataCountSection, DataSection, ElementSection, ExportKind,
    ExportSection, Function, FunctionSection, GlobalSection, GlobalType, ImportSection,
    Instruction, MemorySection, Module, StartSection, TableSection, TypeSection, ValType,
};
use wasmparser_latest as wp;

/// Prefix of the reference's export names. (A module that already exports such a name cannot be
/// rewritten; the differential target skips it.)
pub const EXPORT_PREFIX: &str = "__rewasm_reference_";
/// Export names of the reference's bookkeeping globals.
pub const GAS_EXPORT: &str = "__rewasm_reference_gas";
pub const LIMIT_EXPORT: &str = "__rewasm_reference_limit";
pub const OUT_OF_GAS_EXPORT: &str = "__rewasm_reference_out_of_gas";
pub const DEPTH_EXPORT: &str = "__rewasm_reference_depth";
pub const STACK_EXPORT: &str = "__rewasm_reference_stack_exhausted";
pub const HIGH_WATER_EXPORT: &str = "__rewasm_reference_high_water";

/// Global indexes of the bookkeeping globals in the rewritten module.
#[derive(Clone, Copy, Debug)]
struct Globals {
    gas: u32,
    limit: u32,
    out_of_gas: u32,
    depth: u32,
    stack: u32,
    operand: u32,
    /// The pages the frame would hold after a grow (i64).
    pages: u32,
    /// The high-water mark of pages (i64).
    high_water: u32,
    /// Scratch for the quadratic part (i64).
    scratch: u32,
}

/// Static prices of every operator of every function body, in order, priced by the schedule
/// on the engine's own `wasmparser` type.
fn static_costs(code: &[u8], schedule: &GasSchedule) -> Result<Vec<Vec<u64>>, String> {
    let shapes = CallShapes::of(code);
    let mut bodies = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(code) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? {
            let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
            let mut costs = Vec::new();
            while !reader.eof() {
                let op = reader.read().map_err(|e| e.to_string())?;
                costs.push(schedule.operator_cost(&op, &shapes));
            }
            bodies.push(costs);
        }
    }
    Ok(bodies)
}

/// The gas a frame of a module with `initial_pages` pays when it starts a transaction (no
/// callers, no mark yet), from the specification of the schedule's memory prices.
pub fn initial_memory_gas(schedule: &GasSchedule, initial_pages: u64) -> Option<u64> {
    match schedule.memory {
        MemoryPrices::PerFrame { initial_page, .. } => {
            Some(initial_pages.saturating_mul(initial_page))
        }
        MemoryPrices::Transaction(memory) => {
            if initial_pages > u64::from(memory.max_pages.min(memory.frame_max_pages)) {
                return None;
            }
            let linear = initial_pages.max(u64::from(memory.frame_free_pages))
                - u64::from(memory.frame_free_pages);
            Some(linear * memory.page + quadratic(&memory, initial_pages))
        }
    }
}

/// The quadratic part of holding `pages`, from its specification.
fn quadratic(memory: &TransactionMemory, pages: u64) -> u64 {
    let above = pages.max(u64::from(memory.tx_free_pages)) - u64::from(memory.tx_free_pages);
    above * above * memory.tx_quadratic
}

fn error<E: std::fmt::Display>(error: E) -> String {
    error.to_string()
}

/// Rewrites `code` so that it counts its own gas under `schedule` and its own call depth under
/// `max_depth` (see the module docs). Custom sections are dropped.
pub fn instrument(code: &[u8], schedule: &GasSchedule, max_depth: u32) -> Result<Vec<u8>, String> {
    let costs = static_costs(code, schedule)?;
    let mut bodies = costs.iter();
    let mut re = RoundtripReencoder;
    let mut types = None;
    let mut imports = None;
    let mut functions = None;
    let mut tables = None;
    let mut memories = None;
    let mut globals = GlobalSection::new();
    let mut exports = ExportSection::new();
    let mut start = None;
    let mut elements = None;
    let mut data_count = None;
    let mut code_section = CodeSection::new();
    let mut data = None;
    let mut imported_globals = 0u32;
    // The bookkeeping globals go after all others; their indexes are known once the global
    // section has been read, which is before the code section.
    let mut book: Option<Globals> = None;
    for payload in wp::Parser::new(0).parse_all(code) {
        match payload.map_err(error)? {
            wp::Payload::TypeSection(reader) => {
                let mut section = TypeSection::new();
                re.parse_type_section(&mut section, reader).map_err(error)?;
                types = Some(section);
            }
            wp::Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    if let wp::TypeRef::Global(_) = import.map_err(error)?.ty {
                        imported_globals += 1;
                    }
                }
                let mut section = ImportSection::new();
                re.parse_import_section(&mut section, reader)
                    .map_err(error)?;
                imports = Some(section);
            }
            wp::Payload::FunctionSection(reader) => {
                let mut section = FunctionSection::new();
                re.parse_function_section(&mut section, reader)
                    .map_err(error)?;
                functions = Some(section);
            }
            wp::Payload::TableSection(reader) => {
                let mut section = TableSection::new();
                re.parse_table_section(&mut section, reader)
                    .map_err(error)?;
                tables = Some(section);
            }
            wp::Payload::MemorySection(reader) => {
                let mut section = MemorySection::new();
                re.parse_memory_section(&mut section, reader)
                    .map_err(error)?;
                memories = Some(section);
            }
            wp::Payload::GlobalSection(reader) => {
                re.parse_global_section(&mut globals, reader)
                    .map_err(error)?;
            }
            wp::Payload::ExportSection(reader) => {
                re.parse_export_section(&mut exports, reader)
                    .map_err(error)?;
            }
            wp::Payload::StartSection { func, .. } => start = Some(func),
            wp::Payload::ElementSection(reader) => {
                let mut section = ElementSection::new();
                re.parse_element_section(&mut section, reader)
                    .map_err(error)?;
                elements = Some(section);
            }
            wp::Payload::DataCountSection { count, .. } => data_count = Some(count),
            wp::Payload::CodeSectionEntry(body) => {
                let g = *book.get_or_insert_with(|| {
                    add_globals(&mut globals, imported_globals, &mut exports)
                });
                let costs = bodies.next().ok_or("more bodies than priced")?;
                let function = instrument_body(&mut re, body, costs, g, schedule, max_depth)?;
                code_section.function(&function);
            }
            wp::Payload::DataSection(reader) => {
                let mut section = DataSection::new();
                re.parse_data_section(&mut section, reader).map_err(error)?;
                data = Some(section);
            }
            _ => {}
        }
    }
    if book.is_none() {
        add_globals(&mut globals, imported_globals, &mut exports);
    }
    let mut module = Module::new();
    if let Some(section) = &types {
        module.section(section);
    }
    if let Some(section) = &imports {
        module.section(section);
    }
    if let Some(section) = &functions {
        module.section(section);
    }
    if let Some(section) = &tables {
        module.section(section);
    }
    if let Some(section) = &memories {
        module.section(section);
    }
    module.section(&globals);
    module.section(&exports);
    if let Some(function_index) = start {
        module.section(&StartSection { function_index });
    }
    if let Some(section) = &elements {
        module.section(section);
    }
    if let Some(count) = data_count {
        module.section(&DataCountSection { count });
    }
    if !code_section.is_empty() {
        module.section(&code_section);
    }
    if let Some(section) = &data {
        module.section(section);
    }
    Ok(module.finish())
}

/// Appends the bookkeeping globals (mutable, zero) after the module's own and exports them.
fn add_globals(globals: &mut GlobalSection, imported: u32, exports: &mut ExportSection) -> Globals {
    let base = imported + globals.len();
    let mut add = |ty: ValType, export: Option<&str>, offset: u32| {
        let init = match ty {
            ValType::I64 => ConstExpr::i64_const(0),
            _ => ConstExpr::i32_const(0),
        };
        globals.global(
            GlobalType {
                val_type: ty,
                mutable: true,
                shared: false,
            },
            &init,
        );
        if let Some(name) = export {
            exports.export(name, ExportKind::Global, base + offset);
        }
        base + offset
    };
    Globals {
        gas: add(ValType::I64, Some(GAS_EXPORT), 0),
        limit: add(ValType::I64, Some(LIMIT_EXPORT), 1),
        out_of_gas: add(ValType::I32, Some(OUT_OF_GAS_EXPORT), 2),
        depth: add(ValType::I32, Some(DEPTH_EXPORT), 3),
        stack: add(ValType::I32, Some(STACK_EXPORT), 4),
        operand: add(ValType::I32, None, 5),
        pages: add(ValType::I64, None, 6),
        high_water: add(ValType::I64, Some(HIGH_WATER_EXPORT), 7),
        scratch: add(ValType::I64, None, 8),
    }
}

fn instrument_body(
    re: &mut RoundtripReencoder,
    body: wp::FunctionBody<'_>,
    costs: &[u64],
    g: Globals,
    schedule: &GasSchedule,
    max_depth: u32,
) -> Result<Function, String> {
    let mut f = re.new_function_with_parsed_locals(&body).map_err(error)?;
    let mut reader = body.get_operators_reader().map_err(error)?;
    let mut costs = costs.iter();
    while !reader.eof() {
        let op = reader.read().map_err(error)?;
        // Both parsers read the same bytes, so their operator sequences line up one to one.
        let cost = *costs
            .next()
            .ok_or("operator count differs between parsers")?;
        if cost > 0 {
            charge_static(&mut f, g, cost);
        }
        let rate = schedule.ink_per_gas.max(1);
        match (&op, schedule.memory) {
            (wp::Operator::MemoryGrow { .. }, MemoryPrices::PerFrame { grow_per_page, .. }) => {
                charge_runtime(&mut f, g, grow_per_page * rate, false);
            }
            (wp::Operator::MemoryGrow { .. }, MemoryPrices::Transaction(memory)) => {
                charge_grow(&mut f, g, &memory, rate);
            }
            (
                wp::Operator::MemoryCopy { .. }
                | wp::Operator::MemoryFill { .. }
                | wp::Operator::MemoryInit { .. },
                _,
            ) => {
                charge_runtime(&mut f, g, schedule.bulk_memory_per_word, true);
            }
            _ => {}
        }
        let is_call = matches!(
            op,
            wp::Operator::Call { .. } | wp::Operator::CallIndirect { .. }
        );
        if is_call {
            enter_call(&mut f, g, max_depth);
        }
        let instruction = re.instruction(op).map_err(error)?;
        f.instruction(&instruction);
        if is_call {
            leave_call(&mut f, g);
        }
    }
    if costs.next().is_some() {
        return Err("operator count differs between parsers".into());
    }
    Ok(f)
}

/// `if gas > limit { out_of_gas = 1; unreachable }`
fn check_limit(f: &mut Function, g: Globals) {
    f.instruction(&Instruction::GlobalGet(g.gas))
        .instruction(&Instruction::GlobalGet(g.limit));
    out_of_gas_if_greater(f, g);
}

/// With two i64 operands pushed: `if a > b { out_of_gas = 1; unreachable }`.
fn out_of_gas_if_greater(f: &mut Function, g: Globals) {
    f.instruction(&Instruction::I64GtU)
        .instruction(&Instruction::If(BlockType::Empty))
        .instruction(&Instruction::I32Const(1))
        .instruction(&Instruction::GlobalSet(g.out_of_gas))
        .instruction(&Instruction::Unreachable)
        .instruction(&Instruction::End);
}

/// `gas += cost`, then the limit check.
fn charge_static(f: &mut Function, g: Globals, cost: u64) {
    // Schedule prices are small constants; saturate rather than wrap if one is not.
    let cost = i64::try_from(cost).unwrap_or(i64::MAX);
    f.instruction(&Instruction::GlobalGet(g.gas))
        .instruction(&Instruction::I64Const(cost))
        .instruction(&Instruction::I64Add)
        .instruction(&Instruction::GlobalSet(g.gas));
    check_limit(f, g);
}

/// `gas += price × units(top of stack)`, leaving the operand on the stack: `units` is the i32
/// read as unsigned, in pages, or in 32-byte words rounded up when `words`.
fn charge_runtime(f: &mut Function, g: Globals, price: u64, words: bool) {
    if price == 0 {
        return;
    }
    let price = i64::try_from(price).unwrap_or(i64::MAX);
    f.instruction(&Instruction::GlobalSet(g.operand))
        .instruction(&Instruction::GlobalGet(g.operand))
        .instruction(&Instruction::GlobalGet(g.operand))
        .instruction(&Instruction::I64ExtendI32U);
    if words {
        f.instruction(&Instruction::I64Const(31))
            .instruction(&Instruction::I64Add)
            .instruction(&Instruction::I64Const(5))
            .instruction(&Instruction::I64ShrU);
    }
    f.instruction(&Instruction::I64Const(price))
        .instruction(&Instruction::I64Mul)
        .instruction(&Instruction::GlobalGet(g.gas))
        .instruction(&Instruction::I64Add)
        .instruction(&Instruction::GlobalSet(g.gas));
    check_limit(f, g);
}

/// Pushes `max(global x, bound) − bound` (i64).
fn excess(f: &mut Function, x: u32, bound: u64) {
    let bound = i64::try_from(bound).unwrap_or(i64::MAX);
    f.instruction(&Instruction::GlobalGet(x))
        .instruction(&Instruction::I64Const(bound))
        .instruction(&Instruction::GlobalGet(x))
        .instruction(&Instruction::I64Const(bound))
        .instruction(&Instruction::I64GtU)
        .instruction(&Instruction::Select)
        .instruction(&Instruction::I64Const(bound))
        .instruction(&Instruction::I64Sub);
}

/// `memory.grow` under transaction memory prices, leaving the operand on the stack: out of gas
/// when `size + n` passes the frame's cap, else `gas += page × (excess(size + n) −
/// excess(size))` over the frame's free pages, then, when `size + n` passes the high-water
/// mark, out of gas above `max_pages`, else `gas += q(size + n) − q(mark)` and the mark moves up
/// (the differential target's frames have no callers).
fn charge_grow(f: &mut Function, g: Globals, memory: &TransactionMemory, rate: u64) {
    let as_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    let frame_free = u64::from(memory.frame_free_pages);
    f.instruction(&Instruction::GlobalSet(g.operand))
        .instruction(&Instruction::MemorySize(0))
        .instruction(&Instruction::I64ExtendI32U)
        .instruction(&Instruction::GlobalGet(g.operand))
        .instruction(&Instruction::I64ExtendI32U)
        .instruction(&Instruction::I64Add)
        .instruction(&Instruction::GlobalSet(g.pages));
    out_of_gas_above(f, g, memory.frame_max_pages);
    excess(f, g.pages, frame_free);
    f.instruction(&Instruction::MemorySize(0))
        .instruction(&Instruction::I64ExtendI32U)
        .instruction(&Instruction::GlobalSet(g.scratch));
    excess(f, g.scratch, frame_free);
    f.instruction(&Instruction::I64Sub)
        .instruction(&Instruction::I64Const(as_i64(memory.page * rate)))
        .instruction(&Instruction::I64Mul)
        .instruction(&Instruction::GlobalGet(g.gas))
        .instruction(&Instruction::I64Add)
        .instruction(&Instruction::GlobalSet(g.gas))
        .instruction(&Instruction::GlobalGet(g.pages))
        .instruction(&Instruction::GlobalGet(g.high_water))
        .instruction(&Instruction::I64GtU)
        .instruction(&Instruction::If(BlockType::Empty));
    out_of_gas_above(f, g, memory.max_pages);
    for (global, sign) in [
        (g.pages, Instruction::I64Add),
        (g.high_water, Instruction::I64Sub),
    ] {
        f.instruction(&Instruction::GlobalGet(g.gas));
        excess(f, global, u64::from(memory.tx_free_pages));
        f.instruction(&Instruction::GlobalSet(g.scratch))
            .instruction(&Instruction::GlobalGet(g.scratch))
            .instruction(&Instruction::GlobalGet(g.scratch))
            .instruction(&Instruction::I64Mul)
            .instruction(&Instruction::I64Const(as_i64(memory.tx_quadratic)))
            .instruction(&Instruction::I64Mul)
            .instruction(&Instruction::I64Const(as_i64(rate)))
            .instruction(&Instruction::I64Mul)
            .instruction(&sign)
            .instruction(&Instruction::GlobalSet(g.gas));
    }
    f.instruction(&Instruction::GlobalGet(g.pages))
        .instruction(&Instruction::GlobalSet(g.high_water))
        .instruction(&Instruction::End);
    check_limit(f, g);
    f.instruction(&Instruction::GlobalGet(g.operand));
}

/// `if pages > limit { out_of_gas = 1; unreachable }`
fn out_of_gas_above(f: &mut Function, g: Globals, limit: u32) {
    f.instruction(&Instruction::GlobalGet(g.pages))
        .instruction(&Instruction::I64Const(i64::from(limit)));
    out_of_gas_if_greater(f, g);
}

/// `depth += 1; if depth > max { stack = 1; unreachable }`
fn enter_call(f: &mut Function, g: Globals, max_depth: u32) {
    let max = i32::try_from(max_depth).unwrap_or(i32::MAX);
    f.instruction(&Instruction::GlobalGet(g.depth))
        .instruction(&Instruction::I32Const(1))
        .instruction(&Instruction::I32Add)
        .instruction(&Instruction::GlobalSet(g.depth))
        .instruction(&Instruction::GlobalGet(g.depth))
        .instruction(&Instruction::I32Const(max))
        .instruction(&Instruction::I32GtU)
        .instruction(&Instruction::If(BlockType::Empty))
        .instruction(&Instruction::I32Const(1))
        .instruction(&Instruction::GlobalSet(g.stack))
        .instruction(&Instruction::Unreachable)
        .instruction(&Instruction::End);
}

/// `depth -= 1`
fn leave_call(f: &mut Function, g: Globals) {
    f.instruction(&Instruction::GlobalGet(g.depth))
        .instruction(&Instruction::I32Const(1))
        .instruction(&Instruction::I32Sub)
        .instruction(&Instruction::GlobalSet(g.depth));
}

/// How a reference call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefOutcome {
    /// Returned these values (as i64; i32 results sign-extended, tagged by `Value`).
    Returned(Vec<Value>),
    /// An ordinary wasm trap.
    Trap(wasmi::TrapCode),
    /// The depth budget was exceeded.
    StackExhausted,
    /// The count passed the limit.
    OutOfGas,
}

/// An integer value, engine-neutral.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    I32(i32),
    I64(i64),
}

/// A reference call's outcome and the count (ink) at its end (at the trap for a trap).
#[derive(Clone, Debug)]
pub struct RefResult {
    pub outcome: RefOutcome,
    pub gas: u64,
}

/// A wasmi instance of an instrumented module.
#[derive(Debug)]
pub struct Reference {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
    gas: wasmi::Global,
    limit: wasmi::Global,
    out_of_gas: wasmi::Global,
    depth: wasmi::Global,
    stack: wasmi::Global,
    high_water: wasmi::Global,
}

/// How a reference call starts, in ink.
#[derive(Clone, Copy, Debug)]
pub struct RefStart {
    /// What the frame pays for its initial memory.
    pub initial: u64,
    /// The limit.
    pub limit: u64,
    /// The high-water mark of pages after the initial memory.
    pub high_water: u64,
}

impl Reference {
    /// Compiles and instantiates an [`instrument`]ed module. `Err` when wasmi rejects it;
    /// `Ok(None)` when instantiation fails (e.g. a data segment out of bounds).
    pub fn new(instrumented: &[u8]) -> Result<Option<Self>, String> {
        let mut config = wasmi::Config::default();
        // rewasm's own budget (1024 nested calls) must trap first; wasmi's limits only guard
        // the fuzzing process.
        config.set_max_recursion_depth(1 << 16);
        config.set_max_stack_height(1 << 26);
        config.floats(false);
        let engine = wasmi::Engine::new(&config);
        let module = wasmi::Module::new(&engine, instrumented).map_err(error)?;
        let mut store = wasmi::Store::new(&engine, ());
        let linker = wasmi::Linker::<()>::new(&engine);
        let Ok(instance) = linker.instantiate_and_start(&mut store, &module) else {
            return Ok(None);
        };
        let global = |name: &str| {
            instance
                .get_global(&store, name)
                .ok_or_else(|| format!("no {name}"))
        };
        Ok(Some(Self {
            gas: global(GAS_EXPORT)?,
            limit: global(LIMIT_EXPORT)?,
            out_of_gas: global(OUT_OF_GAS_EXPORT)?,
            depth: global(DEPTH_EXPORT)?,
            stack: global(STACK_EXPORT)?,
            high_water: global(HIGH_WATER_EXPORT)?,
            store,
            instance,
        }))
    }

    fn flag(&self, global: wasmi::Global) -> bool {
        !matches!(global.get(&self.store), wasmi::Val::I32(0))
    }

    /// The counter.
    fn count(&self) -> u64 {
        match self.gas.get(&self.store) {
            wasmi::Val::I64(count) => count as u64,
            _ => u64::MAX,
        }
    }

    /// Calls export `name` with `args` as one frame started as `start` says (in ink).
    pub fn call(&mut self, name: &str, args: &[Value], start: RefStart) -> RefResult {
        let RefStart { initial, limit, .. } = start;
        let as_i64 = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let reset = [
            (self.gas, wasmi::Val::I64(as_i64(initial))),
            (self.limit, wasmi::Val::I64(as_i64(limit))),
            (self.out_of_gas, wasmi::Val::I32(0)),
            (self.depth, wasmi::Val::I32(0)),
            (self.stack, wasmi::Val::I32(0)),
            (self.high_water, wasmi::Val::I64(as_i64(start.high_water))),
        ];
        for (global, value) in reset {
            if let Err(err) = global.set(&mut self.store, value) {
                panic!("resetting a bookkeeping global: {err}");
            }
        }
        if initial > limit {
            return RefResult {
                outcome: RefOutcome::OutOfGas,
                gas: initial,
            };
        }
        let Some(func) = self.instance.get_func(&self.store, name) else {
            panic!("reference lacks export {name}");
        };
        let ty = func.ty(&self.store);
        let params: Vec<wasmi::Val> = args
            .iter()
            .map(|arg| match arg {
                Value::I32(v) => wasmi::Val::I32(*v),
                Value::I64(v) => wasmi::Val::I64(*v),
            })
            .collect();
        let mut results: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|ty| match ty {
                wasmi::ValType::I64 => wasmi::Val::I64(0),
                _ => wasmi::Val::I32(0),
            })
            .collect();
        let outcome = match func.call(&mut self.store, &params, &mut results) {
            Ok(()) => RefOutcome::Returned(
                results
                    .iter()
                    .map(|value| match value {
                        wasmi::Val::I32(v) => Value::I32(*v),
                        wasmi::Val::I64(v) => Value::I64(*v),
                        other => panic!("non-integer result {other:?}"),
                    })
                    .collect(),
            ),
            Err(_) if self.flag(self.out_of_gas) => RefOutcome::OutOfGas,
            Err(_) if self.flag(self.stack) => RefOutcome::StackExhausted,
            Err(err) => match err.as_trap_code() {
                Some(code) => RefOutcome::Trap(code),
                None => panic!("reference failed without a trap code: {err}"),
            },
        };
        RefResult {
            outcome,
            gas: self.count(),
        }
    }

    /// The bytes of exported memory `name`.
    pub fn memory(&self, name: &str) -> Option<Vec<u8>> {
        let memory = self.instance.get_memory(&self.store, name)?;
        Some(memory.data(&self.store).to_vec())
    }

    /// The value of exported global `name`.
    pub fn global(&self, name: &str) -> Option<Value> {
        match self
            .instance
            .get_global(&self.store, name)?
            .get(&self.store)
        {
            wasmi::Val::I32(v) => Some(Value::I32(v)),
            wasmi::Val::I64(v) => Some(Value::I64(v)),
            _ => None,
        }
    }
}
