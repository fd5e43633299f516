//! Run-time gas for operations whose cost depends on an operand.
//!
//! `memory.copy`, `memory.fill` and `memory.init` cost per 32-byte word of their length, and
//! `memory.grow` per page requested: a static table cannot express that, yet without it a single
//! instruction could copy 4 GiB for the price of one. Just before such an operator this
//! middleware computes `cost = f(operand)` from the value on top of the operand stack and charges
//! it against Metering's own counter, with the same out-of-gas protocol as Metering (set the
//! exhausted flag, then `unreachable`), so out of gas is one outcome wherever it happens.
//!
//! The operand has to be read without consuming it, and a middleware cannot add locals, so two
//! scratch globals added by this middleware hold the operand and the cost.
//!
//! Under [`MemoryPrices::Transaction`] `memory.grow` pays the frame's linear page price and
//! raises the transaction's high-water mark of pages (see [`TransactionMemory`]). The frame
//! runner tells the instance where the transaction stands in two more globals, exported under
//! the reserved [`GLOBAL_EXPORT_PREFIX`]: [`MEMORY_BASE_EXPORT`] (pages the frame's live callers
//! hold) and [`MEMORY_HIGH_WATER_EXPORT`] (the mark so far), and reads the mark back when the
//! frame ends or calls out. All prices are in ink.

use std::sync::Mutex;

use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{
    ExportIndex, FunctionMiddleware, GlobalInit, GlobalType, LocalFunctionIndex, MiddlewareError,
    MiddlewareReaderState, ModuleMiddleware, Mutability, Type,
};
use wasmer_types::{GlobalIndex, ModuleInfo};

use super::{GAS_EXHAUSTED_EXPORT, GLOBAL_EXPORT_PREFIX, REMAINING_GAS_EXPORT};
use crate::schedule::{GasSchedule, MemoryPrices, TransactionMemory};

/// Export name of the pages held by the frame's live callers (i64), under
/// [`MemoryPrices::Transaction`].
pub const MEMORY_BASE_EXPORT: &str = "rewasm_global_memory_base";
/// Export name of the transaction's high-water mark of pages (i64), under
/// [`MemoryPrices::Transaction`].
pub const MEMORY_HIGH_WATER_EXPORT: &str = "rewasm_global_memory_high_water";

const _: () = assert!(MEMORY_BASE_EXPORT.len() > GLOBAL_EXPORT_PREFIX.len());

/// Global indexes this middleware reads and writes in one module.
#[derive(Clone, Copy, Debug)]
struct Globals {
    remaining: u32,
    exhausted: u32,
    operand: u32,
    cost: u32,
    /// Only under [`MemoryPrices::Transaction`].
    transaction: Option<TransactionGlobals>,
}

/// The globals of the transaction-wide memory price.
#[derive(Clone, Copy, Debug)]
struct TransactionGlobals {
    base: u32,
    high_water: u32,
    /// Scratch: the pages the transaction would hold after the grow.
    open: u32,
    /// Scratch: the pages above the quadratic part's free pages.
    above: u32,
}

/// `memory.grow`'s price, in ink.
#[derive(Clone, Copy, Debug)]
enum GrowPrice {
    PerPage(u64),
    Transaction {
        memory: TransactionMemory,
        ink_per_gas: u64,
    },
}

/// The module-level middleware; one per compile.
#[derive(Debug)]
pub struct RuntimeGas {
    per_word: u64,
    grow: GrowPrice,
    globals: Mutex<Option<Globals>>,
}

impl RuntimeGas {
    /// Takes the run-time prices from `schedule`.
    pub fn new(schedule: &GasSchedule) -> Self {
        let ink_per_gas = schedule.ink_per_gas.max(1);
        let grow = match &schedule.memory {
            MemoryPrices::PerFrame { grow_per_page, .. } => {
                GrowPrice::PerPage(grow_per_page.saturating_mul(ink_per_gas))
            }
            MemoryPrices::Transaction(memory) => GrowPrice::Transaction {
                memory: *memory,
                ink_per_gas,
            },
        };
        Self {
            per_word: schedule.bulk_memory_per_word,
            grow,
            globals: Mutex::new(None),
        }
    }
}

fn exported_global(info: &ModuleInfo, name: &str) -> Result<u32, MiddlewareError> {
    match info.exports.get(name) {
        Some(ExportIndex::Global(index)) => Ok(index.as_u32()),
        _ => Err(MiddlewareError::new(
            "RuntimeGas",
            format!("Metering must run first: no global export {name}"),
        )),
    }
}

fn push_global(info: &mut ModuleInfo, ty: Type, init: GlobalInit) -> u32 {
    let index: GlobalIndex = info.globals.push(GlobalType::new(ty, Mutability::Var));
    info.global_initializers.push(init);
    index.as_u32()
}

impl ModuleMiddleware for RuntimeGas {
    fn generate_function_middleware(&self, _: LocalFunctionIndex) -> Box<dyn FunctionMiddleware> {
        let globals = self.globals.lock().ok().and_then(|guard| *guard);
        Box::new(FunctionRuntimeGas {
            per_word: self.per_word,
            grow: self.grow,
            globals,
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let remaining = exported_global(info, REMAINING_GAS_EXPORT)?;
        let exhausted = exported_global(info, GAS_EXHAUSTED_EXPORT)?;
        let operand = push_global(info, Type::I32, GlobalInit::I32Const(0));
        let cost = push_global(info, Type::I64, GlobalInit::I64Const(0));
        let transaction = match self.grow {
            GrowPrice::PerPage(_) => None,
            GrowPrice::Transaction { .. } => {
                let mut exported = |name: &str| {
                    let index = push_global(info, Type::I64, GlobalInit::I64Const(0));
                    info.exports.insert(
                        name.to_string(),
                        ExportIndex::Global(GlobalIndex::from_u32(index)),
                    );
                    index
                };
                let base = exported(MEMORY_BASE_EXPORT);
                let high_water = exported(MEMORY_HIGH_WATER_EXPORT);
                Some(TransactionGlobals {
                    base,
                    high_water,
                    open: push_global(info, Type::I64, GlobalInit::I64Const(0)),
                    above: push_global(info, Type::I64, GlobalInit::I64Const(0)),
                })
            }
        };
        let mut slot = self
            .globals
            .lock()
            .map_err(|_| MiddlewareError::new("RuntimeGas", "poisoned lock"))?;
        if slot.is_some() {
            return Err(MiddlewareError::new(
                "RuntimeGas",
                "one RuntimeGas per compile",
            ));
        }
        *slot = Some(Globals {
            remaining,
            exhausted,
            operand,
            cost,
            transaction,
        });
        Ok(())
    }
}

/// The function-level middleware.
#[derive(Debug)]
struct FunctionRuntimeGas {
    per_word: u64,
    grow: GrowPrice,
    globals: Option<Globals>,
}

impl FunctionRuntimeGas {
    /// The operators that charge `operator`'s variable part, if it has one.
    fn charge_for(&self, operator: &Operator, globals: Globals) -> Option<Vec<Operator<'static>>> {
        match (operator, self.grow, globals.transaction) {
            (
                Operator::MemoryCopy { .. }
                | Operator::MemoryFill { .. }
                | Operator::MemoryInit { .. },
                _,
                _,
            ) if self.per_word > 0 => Some(charge_sequence(globals, self.per_word, Units::Words)),
            (Operator::MemoryGrow { .. }, GrowPrice::PerPage(price), _) if price > 0 => {
                Some(charge_sequence(globals, price, Units::Pages))
            }
            (
                Operator::MemoryGrow { .. },
                GrowPrice::Transaction {
                    memory,
                    ink_per_gas,
                },
                Some(transaction),
            ) => Some(transaction_grow_sequence(
                globals,
                transaction,
                &memory,
                ink_per_gas,
            )),
            _ => None,
        }
    }
}

/// How the i32 length operand becomes a number of charged units.
#[derive(Clone, Copy, Debug)]
enum Units {
    /// ceil(bytes / 32).
    Words,
    /// The operand itself.
    Pages,
}

impl FunctionMiddleware for FunctionRuntimeGas {
    fn feed<'a>(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        if let Some(globals) = self.globals
            && let Some(charge) = self.charge_for(&operator, globals)
        {
            state.extend(charge);
        }
        state.push_operator(operator);
        Ok(())
    }
}

/// Operators that charge `price × units(top of stack)` and leave the operand stack unchanged.
fn charge_sequence(g: Globals, price: u64, units: Units) -> Vec<Operator<'static>> {
    // Prices are small chain constants; u32::MAX units × a price below 2^31 fits in i64.
    let price = i64::try_from(price).unwrap_or(i64::MAX);
    let mut ops = vec![
        Operator::GlobalSet {
            global_index: g.operand,
        },
        Operator::GlobalGet {
            global_index: g.operand,
        },
        Operator::GlobalGet {
            global_index: g.operand,
        },
        Operator::I64ExtendI32U,
    ];
    if let Units::Words = units {
        ops.extend([
            Operator::I64Const { value: 31 },
            Operator::I64Add,
            Operator::I64Const { value: 5 },
            Operator::I64ShrU,
        ]);
    }
    ops.extend([
        Operator::I64Const { value: price },
        Operator::I64Mul,
        Operator::GlobalSet {
            global_index: g.cost,
        },
    ]);
    ops.extend(charge_cost(g));
    ops
}

/// Operators that, when the i32 on top of the stack is not 0, mark the frame out of gas and trap.
fn trap_out_of_gas_if(g: Globals) -> [Operator<'static>; 5] {
    [
        Operator::If {
            blockty: BlockType::Empty,
        },
        Operator::I32Const { value: 1 },
        Operator::GlobalSet {
            global_index: g.exhausted,
        },
        Operator::Unreachable,
        Operator::End,
    ]
}

/// Operators that charge the ink in global `cost`: out of gas when less is left.
fn charge_cost(g: Globals) -> Vec<Operator<'static>> {
    let mut ops = vec![
        // if remaining < cost { exhausted = 1; trap }
        Operator::GlobalGet {
            global_index: g.remaining,
        },
        Operator::GlobalGet {
            global_index: g.cost,
        },
        Operator::I64LtU,
    ];
    ops.extend(trap_out_of_gas_if(g));
    ops.extend([
        // remaining -= cost
        Operator::GlobalGet {
            global_index: g.remaining,
        },
        Operator::GlobalGet {
            global_index: g.cost,
        },
        Operator::I64Sub,
        Operator::GlobalSet {
            global_index: g.remaining,
        },
    ]);
    ops
}

/// `i64(value)` as an operator.
fn i64_const(value: u64) -> Operator<'static> {
    Operator::I64Const {
        value: i64::try_from(value).unwrap_or(i64::MAX),
    }
}

/// Pushes `max(x − free, 0)` for the i64 `x` pushed by `push_x` (twice, so it must be pure).
fn above(push_x: &[Operator<'static>], free: u64) -> Vec<Operator<'static>> {
    let mut ops = push_x.to_vec();
    ops.extend([i64_const(free), Operator::I64Sub, i64_const(0)]);
    ops.extend_from_slice(push_x);
    ops.extend([i64_const(free), Operator::I64GtU, Operator::Select]);
    ops
}

/// Pushes the quadratic part of holding the pages in global `pages`, in ink.
fn quadratic(
    pages: u32,
    scratch: u32,
    memory: &TransactionMemory,
    ink_per_gas: u64,
) -> Vec<Operator<'static>> {
    let get = |global_index| Operator::GlobalGet { global_index };
    let mut ops = above(&[get(pages)], u64::from(memory.tx_free_pages));
    ops.extend([
        Operator::GlobalSet {
            global_index: scratch,
        },
        get(scratch),
        get(scratch),
        Operator::I64Mul,
        i64_const(memory.tx_quadratic.saturating_mul(ink_per_gas)),
        Operator::I64Mul,
    ]);
    ops
}

/// Operators that end the frame out of gas when the i64 in global `pages` exceeds `limit`.
fn out_of_gas_above(g: Globals, pages: u32, limit: u32) -> Vec<Operator<'static>> {
    let mut ops = vec![
        Operator::GlobalGet {
            global_index: pages,
        },
        i64_const(u64::from(limit)),
        Operator::I64GtU,
    ];
    ops.extend(trap_out_of_gas_if(g));
    ops
}

/// Operators that charge `memory.grow`'s transaction price and leave the operand stack
/// unchanged: out of gas when the frame would hold more than `frame_max_pages`; the frame's
/// linear price for the pages it would hold beyond its free ones; and, when the transaction's
/// pages would pass the high-water mark, the rise of the quadratic part (out of gas above
/// `max_pages`); the mark then moves up. Charged whether or not the grow succeeds. Every value
/// fits in i64: the frame's pages are checked against its cap before they are priced, and the
/// quadratic part is computed only for at most `max_pages`.
fn transaction_grow_sequence(
    g: Globals,
    t: TransactionGlobals,
    memory: &TransactionMemory,
    ink_per_gas: u64,
) -> Vec<Operator<'static>> {
    let get = |global_index| Operator::GlobalGet { global_index };
    let set = |global_index| Operator::GlobalSet { global_index };
    let size = [Operator::MemorySize { mem: 0 }, Operator::I64ExtendI32U];
    let frame_free = u64::from(memory.frame_free_pages);
    let page_ink = memory.page.saturating_mul(ink_per_gas);
    // open = memory.size + n: the frame's pages after the grow.
    let mut ops = vec![set(g.operand)];
    ops.extend(size.clone());
    ops.extend([
        get(g.operand),
        Operator::I64ExtendI32U,
        Operator::I64Add,
        set(t.open),
    ]);
    ops.extend(out_of_gas_above(g, t.open, memory.frame_max_pages));
    // cost = page × (above(open) − above(size)).
    ops.extend(above(&[get(t.open)], frame_free));
    ops.extend(above(&size, frame_free));
    ops.extend([
        Operator::I64Sub,
        i64_const(page_ink),
        Operator::I64Mul,
        set(g.cost),
    ]);
    // open += base: the transaction's pages after the grow.
    ops.extend([get(t.base), get(t.open), Operator::I64Add, set(t.open)]);
    ops.extend([
        get(t.open),
        get(t.high_water),
        Operator::I64GtU,
        Operator::If {
            blockty: BlockType::Empty,
        },
    ]);
    ops.extend(out_of_gas_above(g, t.open, memory.max_pages));
    ops.push(get(g.cost));
    ops.extend(quadratic(t.open, t.above, memory, ink_per_gas));
    ops.push(Operator::I64Add);
    ops.extend(quadratic(t.high_water, t.above, memory, ink_per_gas));
    ops.extend([
        Operator::I64Sub,
        set(g.cost),
        get(t.open),
        set(t.high_water),
        Operator::End,
    ]);
    ops.extend(charge_cost(g));
    ops.push(get(g.operand));
    ops
}
