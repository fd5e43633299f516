//! Function bodies: locals and every instruction, our rules interleaved with wasmparser's.
//!
//! Each body is read once. For each local declaration and each instruction, our checks run first
//! (so `float`, `simd`, `limit:*` win over wasmparser's generic message), then wasmparser's
//! `FuncValidator` validates it, then the operand-stack height and block nesting it reports are
//! checked against the chain limits. The heights are what the deterministic stack budget relies on,
//! so the largest one is returned with the function's local count.

use wasmparser::{
    BinaryReader, BinaryReaderError, FuncValidator, FunctionBody, ValType, WasmModuleResources,
};

use super::error::{Location, ValidationError, Violation, malformed};
use super::{FunctionFrame, features, limits, operators};
use crate::limits::ChainLimits;

/// Where things are in the function being checked.
#[derive(Clone, Copy)]
struct Here {
    index: u32,
}

impl Here {
    fn at(self, offset: usize) -> Location {
        Location::Function {
            index: self.index,
            offset,
        }
    }

    fn violation(self, offset: usize) -> impl FnOnce(Violation) -> ValidationError {
        move |violation| violation.at(self.at(offset))
    }

    fn malformed(self) -> impl Fn(BinaryReaderError) -> ValidationError {
        move |error| malformed(&error, |offset| self.at(offset))
    }
}

/// Checks one function body with `validator` (created by wasmparser for this body).
pub(crate) fn check_function<T: WasmModuleResources>(
    validator: &mut FuncValidator<T>,
    body: &FunctionBody<'_>,
    limits: &ChainLimits,
) -> Result<FunctionFrame, ValidationError> {
    let here = Here {
        index: validator.index(),
    };
    let mut reader = body.get_binary_reader();
    let locals = check_locals(validator, &mut reader, limits, here)?;
    let max_operand_height = check_operators(validator, &mut reader, limits, here)?;
    Ok(FunctionFrame {
        locals,
        max_operand_height,
    })
}

/// The local declarations; returns the number of locals, parameters included.
fn check_locals<T: WasmModuleResources>(
    validator: &mut FuncValidator<T>,
    reader: &mut BinaryReader<'_>,
    limits: &ChainLimits,
    here: Here,
) -> Result<u32, ValidationError> {
    // Before any declaration, the validator's locals are the parameters.
    let params = validator.len_locals();
    let mut total = limits::add_locals(0, params, limits)
        .map_err(here.violation(reader.original_position()))?;
    let declarations = reader.read_var_u32().map_err(here.malformed())?;
    for _ in 0..declarations {
        let offset = reader.original_position();
        let count: u32 = reader.read().map_err(here.malformed())?;
        let ty: ValType = reader.read().map_err(here.malformed())?;
        features::check_value_type(ty, "local").map_err(here.violation(offset))?;
        total = limits::add_locals(total, count, limits).map_err(here.violation(offset))?;
        validator
            .define_locals(offset, count, ty)
            .map_err(here.malformed())?;
    }
    Ok(total)
}

/// Every instruction, reachable or not; returns the largest operand-stack height.
fn check_operators<T: WasmModuleResources>(
    validator: &mut FuncValidator<T>,
    reader: &mut BinaryReader<'_>,
    limits: &ChainLimits,
    here: Here,
) -> Result<u32, ValidationError> {
    let mut max_height = 0;
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read_operator().map_err(here.malformed())?;
        operators::check_body_operator(&op).map_err(here.violation(offset))?;
        limits::check_operator(&op, limits).map_err(here.violation(offset))?;
        validator.op(offset, &op).map_err(here.malformed())?;
        let height = validator.operand_stack_height();
        limits::check_operand_stack(height, limits).map_err(here.violation(offset))?;
        let control_height = validator.control_stack_height();
        limits::check_block_nesting(control_height, limits).map_err(here.violation(offset))?;
        max_height = max_height.max(height);
    }
    validator
        .finish(reader.original_position())
        .map_err(here.malformed())?;
    Ok(max_height)
}
