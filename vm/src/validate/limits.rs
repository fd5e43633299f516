//! Checks against the chain's [`ChainLimits`].
//!
//! Why: compile time and compiled size must be bounded by the upload, not by what it declares. A
//! few hundred bytes can declare a function type with thousands of parameters, a function with
//! millions of locals, or a `br_table` with a huge jump table; singlepass output grows with each
//! (CosmWasm advisory CWA-2023-004 was exactly this). The deterministic stack budget also needs
//! each native frame bounded, which it is only when locals and operand-stack height are.
//!
//! Counts are compared as `u64`, so a declared count near `u32::MAX` plus the imports cannot wrap.
//! `max_call_depth` is the one field not checked here: it is enforced at run time.

use wasmparser::{FuncType, MemoryType, Operator, TableType};

use super::error::{Limit, Rule, Violation};
use crate::limits::ChainLimits;

/// `value` must not exceed `max`; `what` names the counted thing for the error detail.
fn at_most(limit: Limit, what: &str, value: u64, max: u32) -> Result<(), Violation> {
    if value > u64::from(max) {
        return Err(Violation::new(
            Rule::Limit(limit),
            format!("{value} {what}, the chain allows {max}"),
        ));
    }
    Ok(())
}

/// The binary itself: checked before parsing anything.
pub(crate) fn check_code_size(len: usize, limits: &ChainLimits) -> Result<(), Violation> {
    let len = u64::try_from(len).unwrap_or(u64::MAX);
    at_most(Limit::CodeSize, "bytes of code", len, limits.max_code_size)
}

/// Entries of the type section.
pub(crate) fn check_types(count: u32, limits: &ChainLimits) -> Result<(), Violation> {
    at_most(Limit::Types, "types", count.into(), limits.max_types)
}

/// Parameters and results of one function type.
pub(crate) fn check_function_type(ty: &FuncType, limits: &ChainLimits) -> Result<(), Violation> {
    at_most(
        Limit::Params,
        "parameters",
        len(ty.params()),
        limits.max_params,
    )?;
    at_most(
        Limit::Results,
        "results",
        len(ty.results()),
        limits.max_results,
    )
}

fn len<T>(items: &[T]) -> u64 {
    u64::try_from(items.len()).unwrap_or(u64::MAX)
}

/// Functions, imported plus defined.
pub(crate) fn check_functions(
    imported: u32,
    defined: u32,
    limits: &ChainLimits,
) -> Result<(), Violation> {
    let total = u64::from(imported) + u64::from(defined);
    at_most(Limit::Functions, "functions", total, limits.max_functions)
}

/// Globals, imported plus defined.
pub(crate) fn check_globals(
    imported: u32,
    defined: u32,
    limits: &ChainLimits,
) -> Result<(), Violation> {
    let total = u64::from(imported) + u64::from(defined);
    at_most(Limit::Globals, "globals", total, limits.max_globals)
}

/// Entries of the import section.
pub(crate) fn check_imports(count: u32, limits: &ChainLimits) -> Result<(), Violation> {
    at_most(Limit::Imports, "imports", count.into(), limits.max_imports)
}

/// Entries of the export section.
pub(crate) fn check_exports(count: u32, limits: &ChainLimits) -> Result<(), Violation> {
    at_most(Limit::Exports, "exports", count.into(), limits.max_exports)
}

/// Data segments (the data count section and the data section).
pub(crate) fn check_data_segments(count: u32, limits: &ChainLimits) -> Result<(), Violation> {
    at_most(
        Limit::DataSegments,
        "data segments",
        count.into(),
        limits.max_data_segments,
    )
}

/// Element segments.
pub(crate) fn check_element_segments(count: u32, limits: &ChainLimits) -> Result<(), Violation> {
    let max = limits.max_element_segments;
    at_most(
        Limit::ElementSegments,
        "element segments",
        count.into(),
        max,
    )
}

/// The table's initial size and its declared maximum, if any. Without a maximum nothing can grow
/// the table (`table.grow` is rejected), so the initial size bounds it.
pub(crate) fn check_table_size(ty: &TableType, limits: &ChainLimits) -> Result<(), Violation> {
    let max = limits.max_table_size;
    at_most(Limit::TableSize, "initial table entries", ty.initial, max)?;
    match ty.maximum {
        Some(maximum) => at_most(Limit::TableSize, "maximum table entries", maximum, max),
        None => Ok(()),
    }
}

/// The memory's initial and declared maximum pages, returned as `u32` once within limits. A
/// missing maximum is allowed: `memory.grow` is capped by the chain at run time.
pub(crate) fn check_memory_pages(
    ty: &MemoryType,
    limits: &ChainLimits,
) -> Result<(u32, Option<u32>), Violation> {
    at_most(
        Limit::InitialPages,
        "initial pages",
        ty.initial,
        limits.max_initial_pages,
    )?;
    let max = limits.max_memory_pages;
    at_most(Limit::MemoryPages, "initial pages", ty.initial, max)?;
    if let Some(maximum) = ty.maximum {
        at_most(Limit::MemoryPages, "maximum pages", maximum, max)?;
    }
    // Both are at most a u32 limit now; `try_from` cannot fail, but never panics either.
    let initial = u32::try_from(ty.initial).unwrap_or(u32::MAX);
    let maximum = ty
        .maximum
        .map(|maximum| u32::try_from(maximum).unwrap_or(u32::MAX));
    Ok((initial, maximum))
}

/// Adds one local declaration (`count` locals) to the running total, parameters included.
pub(crate) fn add_locals(total: u32, count: u32, limits: &ChainLimits) -> Result<u32, Violation> {
    let sum = u64::from(total) + u64::from(count);
    at_most(
        Limit::Locals,
        "locals (parameters included)",
        sum,
        limits.max_locals,
    )?;
    Ok(u32::try_from(sum).unwrap_or(u32::MAX))
}

/// The operand-stack height after an instruction.
pub(crate) fn check_operand_stack(height: u32, limits: &ChainLimits) -> Result<(), Violation> {
    let max = limits.max_operand_stack_height;
    at_most(
        Limit::OperandStackHeight,
        "operands on the stack",
        height.into(),
        max,
    )
}

/// Block nesting after an instruction, from wasmparser's control-stack height, which counts the
/// function's own frame too.
pub(crate) fn check_block_nesting(
    control_height: u32,
    limits: &ChainLimits,
) -> Result<(), Violation> {
    let nesting = control_height.saturating_sub(1);
    at_most(
        Limit::BlockNesting,
        "nested blocks",
        nesting.into(),
        limits.max_block_nesting,
    )
}

/// Instruction-level limits: the targets of a `br_table`, default target not counted.
pub(crate) fn check_operator(op: &Operator<'_>, limits: &ChainLimits) -> Result<(), Violation> {
    match op {
        Operator::BrTable { targets } => {
            let max = limits.max_br_table_targets;
            at_most(
                Limit::BrTableTargets,
                "br_table targets",
                targets.len().into(),
                max,
            )
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule<T>(result: Result<T, Violation>) -> Option<Rule> {
        result.err().map(|violation| violation.rule)
    }

    #[test]
    fn limits_are_inclusive() {
        let limits = ChainLimits {
            max_code_size: 10,
            max_functions: 3,
            max_locals: 4,
            max_block_nesting: 2,
            ..ChainLimits::default()
        };
        assert_eq!(rule(check_code_size(10, &limits)), None);
        assert_eq!(
            rule(check_code_size(11, &limits)),
            Some(Rule::Limit(Limit::CodeSize))
        );
        assert_eq!(rule(check_functions(1, 2, &limits)), None);
        assert_eq!(
            rule(check_functions(2, 2, &limits)),
            Some(Rule::Limit(Limit::Functions))
        );
        assert_eq!(add_locals(1, 3, &limits), Ok(4));
        assert_eq!(
            rule(add_locals(4, 1, &limits)),
            Some(Rule::Limit(Limit::Locals))
        );
        assert_eq!(rule(check_block_nesting(3, &limits)), None);
        assert_eq!(
            rule(check_block_nesting(4, &limits)),
            Some(Rule::Limit(Limit::BlockNesting))
        );
    }

    #[test]
    fn counts_do_not_wrap() {
        let limits = ChainLimits::default();
        let error = check_functions(u32::MAX, u32::MAX, &limits);
        assert_eq!(rule(error), Some(Rule::Limit(Limit::Functions)));
        assert_eq!(
            rule(add_locals(u32::MAX, u32::MAX, &limits)),
            Some(Rule::Limit(Limit::Locals))
        );
    }

    #[test]
    fn memory_maximum_is_optional() {
        let limits = ChainLimits::default();
        let memory = |initial, maximum| MemoryType {
            memory64: false,
            shared: false,
            initial,
            maximum,
            page_size_log2: None,
        };
        assert_eq!(
            check_memory_pages(&memory(17, None), &limits),
            Ok((17, None))
        );
        assert_eq!(
            check_memory_pages(&memory(1, Some(512)), &limits),
            Ok((1, Some(512)))
        );
        let too_big = check_memory_pages(&memory(1, Some(513)), &limits);
        assert_eq!(rule(too_big), Some(Rule::Limit(Limit::MemoryPages)));
        let too_many = check_memory_pages(&memory(129, None), &limits);
        assert_eq!(rule(too_many), Some(Rule::Limit(Limit::InitialPages)));
    }
}
