//! The deterministic stack: a counted call-depth budget.
//!
//! Native stack overflow depends on the machine (thread stack size, compiler version, frame
//! layout), so it cannot decide a consensus result. Instead every `call` and `call_indirect`
//! increments a depth counter (a global this middleware adds) and traps with the
//! stack-exhausted flag set when the counter passes `max_call_depth`; the counter drops again when
//! the call returns. The budget is the same on every machine, so the trap happens at the same
//! call with the same gas everywhere.
//!
//! Counting calls is enough because the validator bounds every frame (locals, parameters and
//! operand-stack height per function, see [`crate::limits`]): the deepest native stack a valid
//! module can build is `max_call_depth + 1` bounded frames, and the frame runner sizes the wasm
//! stack above that ([`crate::ChainLimits::native_stack_bound`]), so the native stack can never overflow first.
//!
//! The check sits at the call site, not in the callee's prologue, because a callee has many exits
//! (`return`, branches to the function label, the final `end`) and the caller has exactly one
//! return point. Calls to imported host functions are counted too: it costs nothing to be
//! uniform, and host functions run on the host stack, so they only make the bound looser.

use std::sync::Mutex;

use wasmer::wasmparser::{BlockType, Operator};
use wasmer::{
    ExportIndex, FunctionMiddleware, GlobalInit, GlobalType, LocalFunctionIndex, MiddlewareError,
    MiddlewareReaderState, ModuleMiddleware, Mutability, Type,
};
use wasmer_types::{GlobalIndex, ModuleInfo};

use super::{CALL_DEPTH_EXPORT, STACK_EXHAUSTED_EXPORT};

#[derive(Clone, Copy, Debug)]
struct Globals {
    depth: u32,
    exhausted: u32,
}

/// The module-level middleware; one per compile.
#[derive(Debug)]
pub struct StackLimit {
    max_depth: u32,
    globals: Mutex<Option<Globals>>,
}

impl StackLimit {
    /// A budget of `max_depth` nested calls below the entry function.
    pub fn new(max_depth: u32) -> Self {
        Self {
            max_depth,
            globals: Mutex::new(None),
        }
    }
}

fn add_exported_i32(info: &mut ModuleInfo, name: &str) -> u32 {
    let index: GlobalIndex = info
        .globals
        .push(GlobalType::new(Type::I32, Mutability::Var));
    info.global_initializers.push(GlobalInit::I32Const(0));
    info.exports
        .insert(name.to_string(), ExportIndex::Global(index));
    index.as_u32()
}

impl ModuleMiddleware for StackLimit {
    fn generate_function_middleware(&self, _: LocalFunctionIndex) -> Box<dyn FunctionMiddleware> {
        let globals = self.globals.lock().ok().and_then(|guard| *guard);
        Box::new(FunctionStackLimit {
            max_depth: self.max_depth,
            globals,
        })
    }

    fn transform_module_info(&self, info: &mut ModuleInfo) -> Result<(), MiddlewareError> {
        let depth = add_exported_i32(info, CALL_DEPTH_EXPORT);
        let exhausted = add_exported_i32(info, STACK_EXHAUSTED_EXPORT);
        let mut slot = self
            .globals
            .lock()
            .map_err(|_| MiddlewareError::new("StackLimit", "poisoned lock"))?;
        if slot.is_some() {
            return Err(MiddlewareError::new(
                "StackLimit",
                "one StackLimit per compile",
            ));
        }
        *slot = Some(Globals { depth, exhausted });
        Ok(())
    }
}

#[derive(Debug)]
struct FunctionStackLimit {
    max_depth: u32,
    globals: Option<Globals>,
}

impl FunctionMiddleware for FunctionStackLimit {
    fn feed<'a>(
        &mut self,
        operator: Operator<'a>,
        state: &mut MiddlewareReaderState<'a>,
    ) -> Result<(), MiddlewareError> {
        let is_call = matches!(
            operator,
            Operator::Call { .. } | Operator::CallIndirect { .. }
        );
        match (is_call, self.globals) {
            (true, Some(g)) => {
                state.extend(enter_call(g, self.max_depth));
                state.push_operator(operator);
                state.extend(leave_call(g));
            }
            _ => state.push_operator(operator),
        }
        Ok(())
    }
}

/// depth += 1; if depth > max { exhausted = 1; trap }
fn enter_call(g: Globals, max_depth: u32) -> [Operator<'static>; 12] {
    // max_depth is a chain limit far below i32::MAX; compared unsigned.
    let max = i32::try_from(max_depth).unwrap_or(i32::MAX);
    [
        Operator::GlobalGet {
            global_index: g.depth,
        },
        Operator::I32Const { value: 1 },
        Operator::I32Add,
        Operator::GlobalSet {
            global_index: g.depth,
        },
        Operator::GlobalGet {
            global_index: g.depth,
        },
        Operator::I32Const { value: max },
        Operator::I32GtU,
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

/// depth -= 1
fn leave_call(g: Globals) -> [Operator<'static>; 4] {
    [
        Operator::GlobalGet {
            global_index: g.depth,
        },
        Operator::I32Const { value: 1 },
        Operator::I32Sub,
        Operator::GlobalSet {
            global_index: g.depth,
        },
    ]
}
