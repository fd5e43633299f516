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

use std::sync::Mutex;

use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{
    ExportIndex, FunctionMiddleware, GlobalInit, GlobalType, LocalFunctionIndex, MiddlewareError,
    MiddlewareReaderState, ModuleMiddleware, Mutability, Type,
};
use wasmer_types::{GlobalIndex, ModuleInfo};

use super::{GAS_EXHAUSTED_EXPORT, REMAINING_GAS_EXPORT};
use crate::schedule::GasSchedule;

/// Global indexes this middleware reads and writes in one module.
#[derive(Clone, Copy, Debug)]
struct Globals {
    remaining: u32,
    exhausted: u32,
    operand: u32,
    cost: u32,
}

/// The module-level middleware; one per compile.
#[derive(Debug)]
pub struct RuntimeGas {
    per_word: u64,
    per_page: u64,
    globals: Mutex<Option<Globals>>,
}

impl RuntimeGas {
    /// Takes the run-time prices from `schedule`.
    pub fn new(schedule: &GasSchedule) -> Self {
        Self {
            per_word: schedule.bulk_memory_per_word,
            per_page: schedule.memory_grow_per_page,
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
            per_page: self.per_page,
            globals,
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let remaining = exported_global(info, REMAINING_GAS_EXPORT)?;
        let exhausted = exported_global(info, GAS_EXHAUSTED_EXPORT)?;
        let operand = push_global(info, Type::I32, GlobalInit::I32Const(0));
        let cost = push_global(info, Type::I64, GlobalInit::I64Const(0));
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
        });
        Ok(())
    }
}

/// The function-level middleware.
#[derive(Debug)]
struct FunctionRuntimeGas {
    per_word: u64,
    per_page: u64,
    globals: Option<Globals>,
}

impl FunctionRuntimeGas {
    /// Price of the operator's variable part, as (unit price, operand→units conversion).
    fn priced(&self, operator: &Operator) -> Option<(u64, Units)> {
        match operator {
            Operator::MemoryCopy { .. }
            | Operator::MemoryFill { .. }
            | Operator::MemoryInit { .. } => Some((self.per_word, Units::Words)),
            Operator::MemoryGrow { .. } => Some((self.per_page, Units::Pages)),
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
        if let (Some((price, units)), Some(globals)) = (self.priced(&operator), self.globals)
            && price > 0
        {
            state.extend(charge_sequence(globals, price, units));
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
        // if remaining < cost { exhausted = 1; trap }
        Operator::GlobalGet {
            global_index: g.remaining,
        },
        Operator::GlobalGet {
            global_index: g.cost,
        },
        Operator::I64LtU,
        Operator::If {
            blockty: BlockType::Empty,
        },
        Operator::I32Const { value: 1 },
        Operator::GlobalSet {
            global_index: g.exhausted,
        },
        Operator::Unreachable,
        Operator::End,
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
