//! Which WebAssembly features a module may use, outside of instructions (types, tables, memories,
//! globals, segments, the start function).
//!
//! Allowed: the MVP, mutable globals, sign extension and bulk memory — Rust ≥ 1.82 emits them by
//! default for `wasm32-unknown-unknown`, so real contracts need them — and reference types only as
//! far as `call_indirect` through one `funcref` table needs.
//!
//! Multi-value is rejected although DESIGN.md lists it as allowed: wasmer 5.0.6 singlepass fails
//! to compile blocks with parameters or several results and calls of functions with several
//! results, and an exported function with several results returns wrong values without an error
//! (found by the WebAssembly core suite: `br.wast`, `fac.wast`, `block.wast`). rustc's C ABI for
//! `wasm32-unknown-unknown` returns aggregates through memory, so contracts do not need it; the
//! SDK's build can also pass `-C target-feature=-multivalue`. That last one is subtle:
//! rustc enables the reference-types target feature by default, and the linker then encodes the
//! table index of `call_indirect` as a (possibly padded) LEB128, which wasmparser decodes only with
//! reference types on. So wasmparser runs with reference types enabled, and we take back
//! everything beyond that one table ourselves: `externref`, references as values, more tables, and
//! table mutation. (wasmparser 0.216 gates even `funcref` tables behind `GC_TYPES`, hence that
//! flag; GC proper stays off.)
//!
//! Rejected, each for a determinism reason given on its [`Rule`]: floats, SIMD, threads, exceptions,
//! tail calls, GC, memory64, multiple memories or tables, table mutation, and a start function —
//! code that would run at instantiation, before `main` and outside its gas and call accounting.
//! (The WebAssembly core suite's `start.wast` is therefore skipped by the spec-test runner.)
//!
//! Element segments must be active: a passive segment can only be used by `table.init` and a
//! declarative one only by `ref.func`, both rejected, so either would be dead weight that still
//! costs memory at instantiation.

use wasmparser::{
    CompositeInnerType, ElementKind, GlobalType, MemoryType, RefType, SubType, TableType, ValType,
    WasmFeatures,
};

use super::error::{Rule, Violation};
use super::floats::is_float_type;

/// The feature set wasmparser validates with. Floats are off too (a second line of defence
/// behind [`super::floats`]), as are multi-value, SIMD, threads, exceptions, tail calls, GC,
/// memory64 and multi-memory.
pub(crate) fn wasm_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::REFERENCE_TYPES
        | WasmFeatures::GC_TYPES
}

/// A value type where values live (parameter, result, local, global, block result): integers only.
/// `what` names the position for the error detail (`"f64 local"`).
pub(crate) fn check_value_type(ty: ValType, what: &str) -> Result<(), Violation> {
    let rule = match ty {
        ValType::I32 | ValType::I64 => return Ok(()),
        _ if is_float_type(ty) => Rule::Float,
        ValType::V128 => Rule::Simd,
        // References as values are only useful with the reference-type instructions we reject.
        _ => Rule::ReferenceTypes,
    };
    Err(Violation::new(rule, format!("{ty} {what}")))
}

/// A type-section entry: a plain, final function type over allowed value types.
pub(crate) fn check_sub_type(ty: &SubType, explicit_rec_group: bool) -> Result<(), Violation> {
    if explicit_rec_group || !ty.is_final || ty.supertype_idx.is_some() {
        return Err(Violation::new(
            Rule::Gc,
            "recursive or sub-typed type definition",
        ));
    }
    if ty.composite_type.shared {
        return Err(Violation::new(Rule::Threads, "shared type"));
    }
    match &ty.composite_type.inner {
        CompositeInnerType::Func(func) => {
            func.params()
                .iter()
                .try_for_each(|ty| check_value_type(*ty, "parameter"))?;
            func.results()
                .iter()
                .try_for_each(|ty| check_value_type(*ty, "result"))?;
            check_result_count(func.results().len())
        }
        CompositeInnerType::Array(_) => Err(Violation::new(Rule::Gc, "array type")),
        CompositeInnerType::Struct(_) => Err(Violation::new(Rule::Gc, "struct type")),
    }
}

/// At most one result: see the module docs on multi-value.
pub(crate) fn check_result_count(results: usize) -> Result<(), Violation> {
    if results > 1 {
        return Err(Violation::new(
            Rule::MultiValue,
            format!("function type with {results} results, at most 1"),
        ));
    }
    Ok(())
}

/// The one table: 32-bit, unshared, of `funcref` (what `call_indirect` calls through).
pub(crate) fn check_table_type(ty: &TableType) -> Result<(), Violation> {
    if ty.table64 {
        return Err(Violation::new(Rule::Memory64, "64-bit table"));
    }
    if ty.shared {
        return Err(Violation::new(Rule::Threads, "shared table"));
    }
    check_element_type(ty.element_type, "table")
}

/// Table elements and element segments hold `funcref`, nothing else.
pub(crate) fn check_element_type(ty: RefType, what: &str) -> Result<(), Violation> {
    if ty == RefType::FUNCREF {
        Ok(())
    } else {
        Err(Violation::new(Rule::ReferenceTypes, format!("{ty} {what}")))
    }
}

/// More than one table: `call_indirect` needs one, and engines differ in how they lay out more.
pub(crate) fn check_table_count(tables: u32) -> Result<(), Violation> {
    if tables > 1 {
        return Err(Violation::new(
            Rule::MultiTable,
            format!("{tables} tables, at most 1"),
        ));
    }
    Ok(())
}

/// The one memory: 32-bit, unshared, 64 KiB pages.
pub(crate) fn check_memory_type(ty: &MemoryType) -> Result<(), Violation> {
    if ty.memory64 {
        return Err(Violation::new(Rule::Memory64, "64-bit memory"));
    }
    if ty.shared {
        return Err(Violation::new(Rule::Threads, "shared memory"));
    }
    if ty.page_size_log2.is_some() {
        return Err(Violation::new(Rule::Feature, "custom page size"));
    }
    Ok(())
}

/// More than one memory (imported or defined).
pub(crate) fn check_memory_count(memories: u32) -> Result<(), Violation> {
    if memories > 1 {
        return Err(Violation::new(
            Rule::MultiMemory,
            format!("{memories} memories, at most 1"),
        ));
    }
    Ok(())
}

/// A global: unshared, of an integer type.
pub(crate) fn check_global_type(ty: &GlobalType) -> Result<(), Violation> {
    if ty.shared {
        return Err(Violation::new(Rule::Threads, "shared global"));
    }
    check_value_type(ty.content_type, "global")
}

/// Element segments must be active (see the module docs).
pub(crate) fn check_element_kind(kind: &ElementKind<'_>) -> Result<(), Violation> {
    match kind {
        ElementKind::Active { .. } => Ok(()),
        ElementKind::Passive => Err(Violation::new(
            Rule::TableMutation,
            "passive element segment (only table.init could use it)",
        )),
        ElementKind::Declared => Err(Violation::new(
            Rule::ReferenceTypes,
            "declarative element segment (only ref.func could use it)",
        )),
    }
}

/// A start function runs at instantiation, outside `main`.
pub(crate) fn start_function(func: u32) -> Violation {
    Violation::new(Rule::StartFunction, format!("start function {func}"))
}

/// Tags exist only for exception handling.
pub(crate) fn tag() -> Violation {
    Violation::new(Rule::Exceptions, "exception tag")
}

/// A component instead of a core module.
pub(crate) fn component() -> Violation {
    Violation::new(Rule::Feature, "component model")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{CompositeType, FuncType, HeapType};

    fn rule<T>(result: Result<T, Violation>) -> Option<Rule> {
        result.err().map(|violation| violation.rule)
    }

    #[test]
    fn value_types() {
        assert_eq!(rule(check_value_type(ValType::I32, "local")), None);
        assert_eq!(rule(check_value_type(ValType::I64, "local")), None);
        assert_eq!(
            rule(check_value_type(ValType::F32, "local")),
            Some(Rule::Float)
        );
        let error = check_value_type(ValType::F64, "local").err();
        assert_eq!(error.map(|v| v.detail), Some("f64 local".to_owned()));
        assert_eq!(
            rule(check_value_type(ValType::V128, "local")),
            Some(Rule::Simd)
        );
        let externref = ValType::Ref(RefType::EXTERNREF);
        assert_eq!(
            rule(check_value_type(externref, "local")),
            Some(Rule::ReferenceTypes)
        );
        assert_eq!(
            rule(check_value_type(ValType::FUNCREF, "local")),
            Some(Rule::ReferenceTypes)
        );
    }

    fn func_type(params: &[ValType], results: &[ValType]) -> SubType {
        SubType {
            is_final: true,
            supertype_idx: None,
            composite_type: CompositeType {
                inner: CompositeInnerType::Func(FuncType::new(
                    params.iter().copied(),
                    results.iter().copied(),
                )),
                shared: false,
            },
        }
    }

    #[test]
    fn function_types() {
        let ok = func_type(&[ValType::I32, ValType::I64], &[ValType::I32]);
        assert_eq!(rule(check_sub_type(&ok, false)), None);
        assert_eq!(rule(check_sub_type(&ok, true)), Some(Rule::Gc));
        let two_results = func_type(&[], &[ValType::I32, ValType::I32]);
        assert_eq!(
            rule(check_sub_type(&two_results, false)),
            Some(Rule::MultiValue)
        );
        let float = func_type(&[], &[ValType::F32]);
        assert_eq!(rule(check_sub_type(&float, false)), Some(Rule::Float));
    }

    #[test]
    fn tables() {
        let table = |element_type, table64| TableType {
            element_type,
            table64,
            initial: 1,
            maximum: None,
            shared: false,
        };
        assert_eq!(
            rule(check_table_type(&table(RefType::FUNCREF, false))),
            None
        );
        let extern_table = table(RefType::EXTERNREF, false);
        assert_eq!(
            rule(check_table_type(&extern_table)),
            Some(Rule::ReferenceTypes)
        );
        let table64 = table(RefType::FUNCREF, true);
        assert_eq!(rule(check_table_type(&table64)), Some(Rule::Memory64));
        let non_null = RefType::new(false, HeapType::FUNC);
        assert!(non_null.is_some_and(|ty| check_element_type(ty, "segment").is_err()));
        assert_eq!(rule(check_table_count(1)), None);
        assert_eq!(rule(check_table_count(2)), Some(Rule::MultiTable));
    }

    #[test]
    fn memories() {
        let memory = |memory64, shared| MemoryType {
            memory64,
            shared,
            initial: 1,
            maximum: Some(2),
            page_size_log2: None,
        };
        assert_eq!(rule(check_memory_type(&memory(false, false))), None);
        assert_eq!(
            rule(check_memory_type(&memory(true, false))),
            Some(Rule::Memory64)
        );
        assert_eq!(
            rule(check_memory_type(&memory(false, true))),
            Some(Rule::Threads)
        );
        assert_eq!(rule(check_memory_count(2)), Some(Rule::MultiMemory));
    }

    #[test]
    fn features_exclude_floats_and_proposals() {
        let features = wasm_features();
        assert!(!features.floats());
        assert!(!features.simd());
        assert!(!features.threads());
        assert!(!features.gc());
        assert!(!features.memory64());
        assert!(!features.multi_memory());
        assert!(!features.tail_call());
        assert!(!features.exceptions());
        assert!(!features.multi_value());
        assert!(features.bulk_memory() && features.sign_extension());
    }
}
