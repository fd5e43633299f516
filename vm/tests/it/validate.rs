//! The validator, rule by rule: for each rule one module it accepts and one it rejects, with the
//! rule name (and, where it matters, the location) asserted. Plus a realistic contract and a
//! proptest that no input can make it panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use rewasm_vm::limits::ChainLimits;
use rewasm_vm::validate::{
    Location, ModuleSummary, Rule, Rules, Section, ValidationError, validate,
};

fn wasm(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).unwrap_or_else(|error| panic!("{error}\n{wat}"))
}

fn check(wat: &str, limits: &ChainLimits, rules: Rules) -> Result<ModuleSummary, ValidationError> {
    validate(&wasm(wat), limits, rules)
}

/// Accepted under the determinism rules and default limits.
fn accepts(wat: &str) -> ModuleSummary {
    check(wat, &ChainLimits::default(), Rules::Determinism).unwrap_or_else(|e| panic!("{e}\n{wat}"))
}

/// Rejected under the determinism rules and default limits, by `rule`.
fn rejects(wat: &str, rule: &str) -> ValidationError {
    rejects_with(wat, &ChainLimits::default(), Rules::Determinism, rule)
}

fn rejects_with(wat: &str, limits: &ChainLimits, rules: Rules, rule: &str) -> ValidationError {
    let error = check(wat, limits, rules).expect_err(wat);
    assert_eq!(error.rule.name(), rule, "{error}\n{wat}");
    assert_eq!(error.to_string().split(':').next(), rule.split(':').next());
    error
}

fn accepts_with(wat: &str, limits: &ChainLimits, rules: Rules) -> ModuleSummary {
    check(wat, limits, rules).unwrap_or_else(|e| panic!("{e}\n{wat}"))
}

/// Offsets of every function body (just after its size), in order.
fn body_starts(code: &[u8]) -> Vec<usize> {
    wasmparser::Parser::new(0)
        .parse_all(code)
        .filter_map(|payload| match payload.unwrap() {
            wasmparser::Payload::CodeSectionEntry(body) => Some(body.range().start),
            _ => None,
        })
        .collect()
}

fn in_function(error: &ValidationError) -> (u32, usize) {
    match error.location {
        Location::Function { index, offset } => (index, offset),
        other => panic!("not in a function: {other}"),
    }
}

fn in_section(error: &ValidationError) -> (Section, Option<u32>) {
    match error.location {
        Location::Section { section, item, .. } => (section, item),
        other => panic!("not in a section: {other}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Allowed features.

#[test]
fn accepts_mvp_and_allowed_features() {
    accepts("(module)");
    accepts("(module (func (param i32 i64) (result i64) local.get 1))");
    // Mutable globals, sign extension, single-result blocks.
    accepts(
        r#"(module
            (global $g (mut i64) (i64.const 0))
            (func (result i64)
                i32.const 1 i32.extend8_s i32.extend16_s drop
                i64.const 2 i64.extend32_s global.set $g
                (block (result i64) i64.const 3))
            (func (result i32) i64.const 1 i64.extend8_s i64.extend16_s i32.wrap_i64))"#,
    );
    // Bulk memory on the one memory.
    accepts(
        r#"(module (memory 1) (data $d "abc")
            (func i32.const 0 i32.const 1 i32.const 2 memory.copy
                  i32.const 0 i32.const 0 i32.const 2 memory.fill
                  i32.const 0 i32.const 0 i32.const 3 memory.init $d
                  data.drop $d))"#,
    );
    // call_indirect through one funcref table, filled by an active segment; select with a type.
    accepts(
        r#"(module (type $t (func (result i32)))
            (table 2 funcref) (elem (i32.const 0) $a $a)
            (func $a (result i32) i32.const 7)
            (func (result i32)
                i32.const 1 call_indirect (type $t)
                i32.const 2 i32.const 0 select (result i32)))"#,
    );
    // The bulk-memory encoding of an active segment, with ref.func items.
    accepts(
        r#"(module (table 1 funcref) (elem (table 0) (i32.const 0) funcref (ref.func $f)) (func $f))"#,
    );
}

/// wasmer 5.0.6 singlepass cannot compile multi-value and silently miscompiles multi-result
/// exports, so several results and type-indexed blocks are rejected whatever the chain limits say.
#[test]
fn rejects_multi_value() {
    let several = rejects(
        "(module (func (result i32 i64) i32.const 1 i64.const 2))",
        "multi-value",
    );
    assert_eq!(in_section(&several), (Section::Type, Some(0)));
    rejects(
        "(module (func i32.const 1 i64.const 2 (block (param i32 i64) drop drop)))",
        "multi-value",
    );
    rejects(
        "(module (type (func)) (func (block (type 0))))",
        "multi-value",
    );
}

/// rustc enables reference types by default, and the linker then writes `call_indirect`'s table
/// index as a padded LEB128 (`80 80 80 80 00`). That must validate.
#[test]
fn accepts_overlong_call_indirect_table_index() {
    let mut code = b"\0asm\x01\0\0\0".to_vec();
    code.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // type 0: [] -> []
    code.extend([0x03, 0x02, 0x01, 0x00]); // function 0: type 0
    code.extend([0x04, 0x04, 0x01, 0x70, 0x00, 0x01]); // table 0: funcref, min 1
    let body = [
        0x00, 0x41, 0x00, 0x11, 0x00, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b,
    ];
    code.extend([0x0a, 0x0d, 0x01, 0x0b]); // code section, one body of 11 bytes
    code.extend(body);
    let summary = validate(&code, &ChainLimits::default(), Rules::Determinism).unwrap();
    assert_eq!(summary.functions, 1);
}

// ---------------------------------------------------------------------------------------------
// Floats, in every position.

#[test]
fn float_in_type_param() {
    let error = rejects("(module (type (func (param i32 f32))))", "float");
    assert_eq!(in_section(&error), (Section::Type, Some(0)));
    assert_eq!(error.detail, "f32 parameter");
}

#[test]
fn float_in_type_result() {
    let error = rejects("(module (func (result f64) f64.const 0))", "float");
    assert_eq!(in_section(&error), (Section::Type, Some(0)));
    assert_eq!(error.detail, "f64 result");
}

#[test]
fn float_in_local() {
    let code = wasm("(module (func (local i32) (local f32)))");
    let error = validate(&code, &ChainLimits::default(), Rules::Determinism).unwrap_err();
    assert_eq!(error.rule, Rule::Float);
    assert_eq!(error.detail, "f32 local");
    // Body: `02` declarations, `01 7f`, then `01 7d` (the f32 one).
    assert_eq!(in_function(&error), (0, body_starts(&code)[0] + 3));
}

#[test]
fn float_in_global() {
    let error = rejects(
        "(module (global i32 (i32.const 0)) (global f64 (f64.const 0)))",
        "float",
    );
    assert_eq!(in_section(&error), (Section::Global, Some(1)));
    let error = rejects(r#"(module (import "env" "g" (global f32)))"#, "float");
    assert_eq!(in_section(&error), (Section::Import, Some(0)));
}

#[test]
fn float_in_block_type() {
    rejects(
        "(module (func (block (result f32) unreachable) drop))",
        "float",
    );
}

#[test]
fn float_const_is_located() {
    let code = wasm(
        r#"(module (import "env" "f" (func))
            (func)
            (func nop f64.const 1.5 drop))"#,
    );
    let error = validate(&code, &ChainLimits::default(), Rules::Determinism).unwrap_err();
    assert_eq!(error.rule, Rule::Float);
    assert_eq!(error.detail, "f64.const");
    // Absolute index 2 (one import first); its body is `00 01 44 ..`: the const is at +2.
    assert_eq!(in_function(&error), (2, body_starts(&code)[1] + 2));
    let expected = format!(
        "float: f64.const at function 2, offset {:#x}",
        body_starts(&code)[1] + 2
    );
    assert_eq!(error.to_string(), expected);
}

#[test]
fn float_arithmetic_in_dead_code() {
    let code = wasm("(module (func unreachable f64.add drop))");
    let error = validate(&code, &ChainLimits::default(), Rules::Determinism).unwrap_err();
    assert_eq!(
        (error.rule, error.detail.as_str()),
        (Rule::Float, "f64.add")
    );
    assert_eq!(in_function(&error), (0, body_starts(&code)[0] + 2));
}

#[test]
fn float_load_and_store() {
    rejects(
        "(module (memory 1) (func i32.const 0 f32.load drop))",
        "float",
    );
    rejects("(module (memory 1) (func unreachable f64.store))", "float");
}

#[test]
fn float_conversions_hidden_in_dead_code() {
    for op in [
        "i32.trunc_f32_s",
        "i64.trunc_f64_u",
        "i32.trunc_sat_f64_s",
        "i64.trunc_sat_f32_u",
        "i32.reinterpret_f32",
        "i64.reinterpret_f64",
        "f64.convert_i64_s",
        "f32.demote_f64",
        "f64.promote_f32",
        "f64.reinterpret_i64",
    ] {
        let code = wasm(&format!(
            "(module (func (result i32) i32.const 0 return {op} drop))"
        ));
        let error = validate(&code, &ChainLimits::default(), Rules::Determinism).unwrap_err();
        assert_eq!((error.rule, error.detail.as_str()), (Rule::Float, op));
        // `00`, `41 00`, `0f`, then the operator.
        assert_eq!(in_function(&error), (0, body_starts(&code)[0] + 4), "{op}");
    }
}

// ---------------------------------------------------------------------------------------------
// Other features.

#[test]
fn simd() {
    let error = rejects("(module (func v128.const i32x4 0 0 0 0 drop))", "simd");
    assert_eq!(error.detail, "v128.const");
    let error = rejects("(module (type (func (param v128))))", "simd");
    assert_eq!(in_section(&error), (Section::Type, Some(0)));
    // Float lanes are SIMD first.
    rejects("(module (func unreachable f32x4.add drop))", "simd");
}

#[test]
fn threads() {
    rejects("(module (memory 1 1 shared))", "threads");
    let error = rejects(
        "(module (memory 1) (func i32.const 0 i32.atomic.load drop))",
        "threads",
    );
    assert_eq!(error.detail, "i32.atomic.load");
}

#[test]
fn exceptions() {
    rejects("(module (tag))", "exceptions");
}

#[test]
fn tail_calls() {
    accepts("(module (func $f call $f))");
    rejects("(module (func $f return_call $f))", "tail-call");
}

#[test]
fn gc() {
    rejects("(module (type (struct)))", "gc");
    rejects("(module (type (array i32)))", "gc");
}

#[test]
fn start_function() {
    let error = rejects("(module (func $s) (start $s))", "start-function");
    assert_eq!(in_section(&error), (Section::Start, None));
}

#[test]
fn tables() {
    accepts("(module (table 1 funcref))");
    let error = rejects(
        "(module (table 1 funcref) (table 1 funcref))",
        "multi-table",
    );
    assert_eq!(in_section(&error), (Section::Table, Some(1)));
    rejects(
        r#"(module (import "env" "t" (table 1 funcref)) (table 1 funcref))"#,
        "multi-table",
    );
    rejects("(module (table 1 externref))", "reference-types");
    rejects("(module (func (param externref)))", "reference-types");
    rejects("(module (func (local funcref)))", "reference-types");
}

#[test]
fn table_mutation() {
    let table = "(table 1 funcref) (elem (i32.const 0) $f) (func $f)";
    for op in [
        "table.grow 0 drop",
        "table.set 0",
        "table.fill 0",
        "table.copy 0 0",
        "table.init 0 0",
        "elem.drop 0",
    ] {
        let error = rejects(
            &format!("(module {table} (func unreachable {op}))"),
            "table-mutation",
        );
        assert_eq!(error.detail, op.split(' ').next().unwrap());
    }
    rejects(
        "(module (table 1 funcref) (elem func $f) (func $f))",
        "table-mutation",
    );
}

#[test]
fn references_as_values() {
    let table = "(table 1 funcref) (elem (i32.const 0) $f) (func $f)";
    for op in [
        "table.get 0 drop",
        "table.size 0 drop",
        "ref.func $f drop",
        "ref.null func drop",
    ] {
        rejects(
            &format!("(module {table} (func unreachable {op}))"),
            "reference-types",
        );
    }
    rejects(
        "(module (elem declare func $f) (func $f))",
        "reference-types",
    );
}

#[test]
fn memory64_and_multi_memory() {
    accepts("(module (memory 1))");
    rejects("(module (memory i64 1))", "memory64");
    let error = rejects("(module (memory 1) (memory 1))", "multi-memory");
    assert_eq!(in_section(&error), (Section::Memory, Some(1)));
    rejects(
        r#"(module (import "env" "m" (memory 1)) (memory 1))"#,
        "multi-memory",
    );
}

#[test]
fn component_model() {
    let error = rejects("(component)", "feature");
    assert_eq!(error.detail, "component model");
}

#[test]
fn malformed() {
    let limits = ChainLimits::default();
    for bytes in [
        &b""[..],
        b"\0asm",
        b"\0asm\x02\0\0\0",
        b"not wasm at all",
        b"\0asm\x01\0\0\0\x01",
    ] {
        let error = validate(bytes, &limits, Rules::Determinism).unwrap_err();
        assert_eq!(error.rule, Rule::Malformed, "{error}");
    }
    // Valid binary, invalid module: a type mismatch is wasmparser's, located in the function.
    let error = rejects("(module (func (result i32) i64.const 0))", "malformed");
    assert!(
        matches!(error.location, Location::Function { index: 0, .. }),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// Limits: every field of ChainLimits (but max_call_depth, a run-time limit).

fn limits(edit: impl FnOnce(&mut ChainLimits)) -> ChainLimits {
    let mut limits = ChainLimits::default();
    edit(&mut limits);
    limits
}

fn at_limit_and_above(
    limits: &ChainLimits,
    ok: &str,
    too_many: &str,
    rule: &str,
) -> ValidationError {
    accepts_with(ok, limits, Rules::Determinism);
    rejects_with(too_many, limits, Rules::Determinism, rule)
}

#[test]
fn limit_code_size() {
    let code = wasm("(module (func))");
    let len = u32::try_from(code.len()).unwrap();
    let exact = limits(|l| l.max_code_size = len);
    validate(&code, &exact, Rules::Determinism).unwrap();
    let small = limits(|l| l.max_code_size = len - 1);
    let error = validate(&code, &small, Rules::Determinism).unwrap_err();
    assert_eq!(error.rule.name(), "limit:max-code-size");
    assert_eq!(error.location, Location::Module { offset: 0 });
}

#[test]
fn limit_types() {
    let limits = limits(|l| l.max_types = 2);
    let error = at_limit_and_above(
        &limits,
        "(module (type (func)) (type (func (param i32))))",
        "(module (type (func)) (type (func (param i32))) (type (func (param i64))))",
        "limit:max-types",
    );
    assert_eq!(in_section(&error), (Section::Type, None));
}

#[test]
fn limit_functions() {
    let limits = limits(|l| l.max_functions = 2);
    at_limit_and_above(
        &limits,
        r#"(module (import "env" "f" (func)) (func))"#,
        r#"(module (import "env" "f" (func)) (func) (func))"#,
        "limit:max-functions",
    );
    let only_imports =
        r#"(module (import "a" "a" (func)) (import "a" "b" (func)) (import "a" "c" (func)))"#;
    rejects_with(
        only_imports,
        &limits,
        Rules::Determinism,
        "limit:max-functions",
    );
}

#[test]
fn limit_params() {
    let limits = limits(|l| l.max_params = 2);
    at_limit_and_above(
        &limits,
        "(module (func (param i32 i64)))",
        "(module (func (param i32 i64 i32)))",
        "limit:max-params",
    );
}

#[test]
fn limit_results() {
    // Several results are multi-value (rejected outright), so 0 is the only tighter setting.
    let limits = limits(|l| l.max_results = 0);
    at_limit_and_above(
        &limits,
        "(module (func))",
        "(module (func (result i32) i32.const 0))",
        "limit:max-results",
    );
}

#[test]
fn limit_locals_counts_parameters() {
    let limits = limits(|l| l.max_locals = 3);
    let too_many = "(module (func (param i32 i32) (local i64) (local i32)))";
    let error = at_limit_and_above(
        &limits,
        "(module (func (param i32 i32) (local i64)))",
        too_many,
        "limit:max-locals",
    );
    // Body: `02` declarations, `01 7e`, `01 7f` (the fourth local).
    assert_eq!(
        in_function(&error),
        (0, body_starts(&wasm(too_many))[0] + 3)
    );
    // Parameters alone can exceed it.
    let limits = self::limits(|l| l.max_locals = 1);
    rejects_with(
        "(module (func (param i32 i32)))",
        &limits,
        Rules::Determinism,
        "limit:max-locals",
    );
}

#[test]
fn limit_operand_stack_height() {
    let limits = limits(|l| l.max_operand_stack_height = 3);
    let too_high =
        "(module (func i32.const 1 i32.const 2 i32.const 3 i32.const 4 drop drop drop drop))";
    let error = at_limit_and_above(
        &limits,
        "(module (func i32.const 1 i32.const 2 i32.const 3 drop drop drop))",
        too_high,
        "limit:max-operand-stack-height",
    );
    // The fourth `i32.const` (after `00` and three 2-byte consts).
    assert_eq!(
        in_function(&error),
        (0, body_starts(&wasm(too_high))[0] + 7)
    );
}

#[test]
fn frames_are_summarised() {
    let summary = accepts(
        "(module (func (param i32) (local i64 i64) i32.const 1 i32.const 2 i32.const 3 drop drop drop))",
    );
    assert_eq!(summary.function_frames.len(), 1);
    assert_eq!(summary.function_frames[0].locals, 3);
    assert_eq!(summary.function_frames[0].max_operand_height, 3);
}

#[test]
fn limit_globals() {
    let limits = limits(|l| l.max_globals = 2);
    at_limit_and_above(
        &limits,
        r#"(module (import "env" "g" (global i32)) (global i32 (i32.const 0)))"#,
        r#"(module (import "env" "g" (global i32)) (global i32 (i32.const 0)) (global i64 (i64.const 0)))"#,
        "limit:max-globals",
    );
}

#[test]
fn limit_imports() {
    let limits = limits(|l| l.max_imports = 1);
    at_limit_and_above(
        &limits,
        r#"(module (import "env" "a" (func)))"#,
        r#"(module (import "env" "a" (func)) (import "env" "b" (func)))"#,
        "limit:max-imports",
    );
}

#[test]
fn limit_exports() {
    let limits = limits(|l| l.max_exports = 1);
    at_limit_and_above(
        &limits,
        r#"(module (func (export "a")))"#,
        r#"(module (func (export "a")) (func (export "b")))"#,
        "limit:max-exports",
    );
}

#[test]
fn limit_table_size() {
    let limits = limits(|l| l.max_table_size = 10);
    at_limit_and_above(
        &limits,
        "(module (table 10 10 funcref))",
        "(module (table 11 funcref))",
        "limit:max-table-size",
    );
    let error = rejects_with(
        "(module (table 1 11 funcref))",
        &limits,
        Rules::Determinism,
        "limit:max-table-size",
    );
    assert_eq!(in_section(&error), (Section::Table, Some(0)));
}

#[test]
fn limit_br_table_targets() {
    let limits = limits(|l| l.max_br_table_targets = 2);
    at_limit_and_above(
        &limits,
        "(module (func (block (block (block (br_table 0 1 2 (i32.const 0)))))))",
        "(module (func (block (block (block (block (br_table 0 1 2 3 (i32.const 0))))))))",
        "limit:max-br-table-targets",
    );
}

#[test]
fn limit_block_nesting() {
    let limits = limits(|l| l.max_block_nesting = 2);
    let too_deep = "(module (func (block (loop (if (i32.const 0) (then))))))";
    let error = at_limit_and_above(
        &limits,
        "(module (func (block (loop))))",
        too_deep,
        "limit:max-block-nesting",
    );
    // `00`, `02 40`, `03 40`, `41 00`, then the `if`.
    assert_eq!(
        in_function(&error),
        (0, body_starts(&wasm(too_deep))[0] + 7)
    );
}

#[test]
fn limit_data_segments() {
    let limits = limits(|l| l.max_data_segments = 1);
    at_limit_and_above(
        &limits,
        r#"(module (memory 1) (data (i32.const 0) "a"))"#,
        r#"(module (memory 1) (data (i32.const 0) "a") (data (i32.const 1) "b"))"#,
        "limit:max-data-segments",
    );
}

#[test]
fn limit_element_segments() {
    let limits = limits(|l| l.max_element_segments = 1);
    at_limit_and_above(
        &limits,
        "(module (table 2 funcref) (elem (i32.const 0) $f) (func $f))",
        "(module (table 2 funcref) (elem (i32.const 0) $f) (elem (i32.const 1) $f) (func $f))",
        "limit:max-element-segments",
    );
}

#[test]
fn limit_initial_pages() {
    let limits = limits(|l| l.max_initial_pages = 2);
    let summary = accepts_with("(module (memory 2))", &limits, Rules::Determinism);
    assert_eq!((summary.initial_pages, summary.max_pages), (2, None));
    let error = rejects_with(
        "(module (memory 3))",
        &limits,
        Rules::Determinism,
        "limit:max-initial-pages",
    );
    assert_eq!(in_section(&error), (Section::Memory, Some(0)));
    rejects_with(
        r#"(module (import "env" "m" (memory 3)))"#,
        &limits,
        Rules::Determinism,
        "limit:max-initial-pages",
    );
}

#[test]
fn limit_memory_pages() {
    let limits = limits(|l| l.max_memory_pages = 4);
    let summary = accepts_with("(module (memory 1 4))", &limits, Rules::Determinism);
    assert_eq!((summary.initial_pages, summary.max_pages), (1, Some(4)));
    // No declared maximum: allowed, the chain caps growth at run time.
    accepts_with("(module (memory 1))", &limits, Rules::Determinism);
    rejects_with(
        "(module (memory 1 5))",
        &limits,
        Rules::Determinism,
        "limit:max-memory-pages",
    );
}

// ---------------------------------------------------------------------------------------------
// Contract shape.

const MAIN: &str = r#"(func (export "main") i32.const 0 i32.const 0 call $finish)"#;
const FINISH: &str = r#"(import "ethereum" "finish" (func $finish (param i32 i32)))"#;
const MEMORY: &str = r#"(memory (export "memory") 1)"#;

fn contract(parts: &[&str]) -> String {
    format!("(module {})", parts.join(" "))
}

fn contract_accepts(parts: &[&str]) -> ModuleSummary {
    accepts_with(&contract(parts), &ChainLimits::default(), Rules::Contract)
}

fn contract_rejects(parts: &[&str], rule: &str) -> ValidationError {
    rejects_with(
        &contract(parts),
        &ChainLimits::default(),
        Rules::Contract,
        rule,
    )
}

#[test]
fn minimal_contract() {
    let summary = contract_accepts(&[FINISH, MEMORY, MAIN]);
    assert_eq!(summary.imported_functions, 1);
    assert_eq!(summary.functions, 1);
    assert_eq!(summary.initial_pages, 1);
    // Under the determinism rules alone, the contract rules are not applied.
    accepts(&contract(&[
        r#"(import "env" "x" (func))"#,
        r#"(func (export "run"))"#,
    ]));
}

#[test]
fn contract_extra_export() {
    let error = contract_rejects(
        &[FINISH, MEMORY, MAIN, r#"(func (export "helper"))"#],
        "contract:exports",
    );
    assert_eq!(in_section(&error), (Section::Export, Some(2)));
    contract_rejects(
        &[
            FINISH,
            MEMORY,
            MAIN,
            r#"(global (export "g") i32 (i32.const 0))"#,
        ],
        "contract:exports",
    );
}

#[test]
fn contract_missing_main() {
    let error = contract_rejects(&[FINISH, MEMORY, "(func)"], "contract:exports");
    assert!(matches!(error.location, Location::Module { .. }), "{error}");
    assert_eq!(error.detail, "missing export `main`");
}

#[test]
fn contract_main_of_wrong_type_or_kind() {
    contract_rejects(
        &[MEMORY, r#"(func (export "main") (param i32))"#],
        "contract:main-signature",
    );
    contract_rejects(
        &[MEMORY, r#"(func (export "main") (result i32) i32.const 0)"#],
        "contract:main-signature",
    );
    contract_rejects(
        &[MEMORY, r#"(global (export "main") i32 (i32.const 0))"#],
        "contract:exports",
    );
}

#[test]
fn contract_memory() {
    // No memory at all.
    let error = contract_rejects(&[r#"(func (export "main"))"#], "contract:memory");
    assert!(matches!(error.location, Location::Module { .. }), "{error}");
    // A memory that is not exported.
    contract_rejects(
        &["(memory 1)", r#"(func (export "main"))"#],
        "contract:exports",
    );
    // An imported memory.
    let imported = r#"(import "ethereum" "memory" (memory 1))"#;
    contract_rejects(
        &[imported, r#"(func (export "main"))"#],
        "contract:import-kind",
    );
}

#[test]
fn contract_unknown_import() {
    let unknown = r#"(import "ethereum" "getBalance" (func (param i32)))"#;
    let error = contract_rejects(&[FINISH, unknown, MEMORY, MAIN], "contract:import-unknown");
    assert_eq!(in_section(&error), (Section::Import, Some(1)));
}

#[test]
fn contract_import_signature() {
    let wrong = r#"(import "ethereum" "getBlockHash" (func (param i32 i32) (result i32)))"#;
    let error = contract_rejects(
        &[wrong, MEMORY, r#"(func (export "main"))"#],
        "contract:import-signature",
    );
    assert!(error.detail.contains("[i64, i32] -> [i32]"), "{error}");
    let missing_result = r#"(import "ethereum" "call" (func (param i64 i32 i32 i32 i32)))"#;
    contract_rejects(
        &[missing_result, MEMORY, r#"(func (export "main"))"#],
        "contract:import-signature",
    );
}

#[test]
fn contract_import_from_another_module() {
    let env = r#"(import "env" "finish" (func (param i32 i32)))"#;
    contract_rejects(
        &[env, MEMORY, r#"(func (export "main"))"#],
        "contract:import-module",
    );
}

#[test]
fn contract_debug_import() {
    let debug = r#"(import "debug" "print32" (func (param i32)))"#;
    contract_rejects(&[FINISH, debug, MEMORY, MAIN], "contract:import-debug");
}

#[test]
fn contract_imports_only_functions() {
    let global = r#"(import "ethereum" "gasLeft" (global i64))"#;
    contract_rejects(
        &[global, MEMORY, r#"(func (export "main"))"#],
        "contract:import-kind",
    );
}

#[test]
fn contract_start_function_is_a_determinism_rule() {
    contract_rejects(
        &[MEMORY, r#"(func $s (export "main"))"#, "(start $s)"],
        "start-function",
    );
}

// ---------------------------------------------------------------------------------------------
// A realistic contract: what rustc emits for wasm32-unknown-unknown uses all of these.

const REALISTIC: &str = r#"(module
  (type $binop (func (param i32 i32) (result i32)))
  (import "ethereum" "getCallDataSize" (func $size (result i32)))
  (import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "getCaller" (func $caller (param i32)))
  (import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))
  (import "ethereum" "getBlockHash" (func $hash (param i64 i32) (result i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (import "ethereum" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 2 16)
  (global $sp (mut i32) (i32.const 65536))
  (table 2 2 funcref)
  (elem (i32.const 0) $add $sub)
  (data (i32.const 1024) "rewasm")
  (data $scratch "\01\02\03\04")
  (func $add (type $binop) local.get 0 local.get 1 i32.add)
  (func $sub (type $binop) local.get 0 local.get 1 i32.sub)
  (func $divmod (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.div_u
    local.get 0 local.get 1 i32.rem_u
    i32.add)
  (func (export "main")
    (local $n i32)
    call $size local.set $n
    i32.const 0 i32.const 0 local.get $n call $copy
    i32.const 64 i32.const 0 local.get $n memory.copy
    i32.const 128 i32.const 0 i32.const 32 memory.fill
    i32.const 256 i32.const 0 i32.const 4 memory.init $scratch
    data.drop $scratch
    i32.const 0 i32.load8_u i32.extend8_s
    i64.const 5 i64.extend32_s i32.wrap_i64 i32.add drop
    i32.const 7 i32.const 2 call $divmod drop
    i32.const 3 i32.const 4 i32.const 0 call_indirect (type $binop) drop
    (block (result i32) i32.const 1 i32.const 2 i32.add) drop
    i32.const 32 i32.const 0 call $load
    i32.const 32 i32.const 0 call $store
    global.get $sp i32.const 16 i32.sub global.set $sp
    (if (i32.eqz (local.get $n)) (then i32.const 0 i32.const 0 call $revert))
    i32.const 0 i32.const 32 call $finish))"#;

#[test]
fn accepts_a_realistic_contract() {
    let summary = accepts_with(REALISTIC, &ChainLimits::default(), Rules::Contract);
    assert_eq!(summary.imported_functions, 10);
    assert_eq!(summary.functions, 4);
    assert_eq!(summary.initial_pages, 2);
    assert_eq!(summary.max_pages, Some(16));
    assert_eq!(summary.function_frames.len(), 4);
    assert_eq!(summary.function_frames[3].locals, 1);
}

#[test]
fn rule_names_are_listed() {
    let names: Vec<_> = Rule::ALL.iter().map(|rule| rule.name()).collect();
    for name in [
        "float",
        "simd",
        "start-function",
        "malformed",
        "limit:max-locals",
        "contract:exports",
    ] {
        assert!(names.contains(&name), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// No panic, whatever the bytes.

#[derive(Clone, Debug)]
enum Mutation {
    Replace(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Replace(at, byte)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert(at, byte)),
        any::<usize>().prop_map(Mutation::Remove),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(code: &mut Vec<u8>, mutation: &Mutation) {
    let len = code.len().max(1);
    match *mutation {
        Mutation::Replace(at, byte) => {
            if let Some(slot) = code.get_mut(at % len) {
                *slot = byte;
            }
        }
        Mutation::Insert(at, byte) => code.insert(at % (code.len() + 1), byte),
        Mutation::Remove(at) => {
            if !code.is_empty() {
                code.remove(at % len);
            }
        }
        Mutation::Truncate(at) => code.truncate(at % len),
    }
}

fn validate_all_ways(code: &[u8]) {
    let small = ChainLimits {
        max_locals: 4,
        max_operand_stack_height: 4,
        max_block_nesting: 2,
        ..ChainLimits::default()
    };
    for limits in [ChainLimits::default(), small] {
        for rules in [Rules::Determinism, Rules::Contract] {
            // Ok or Err are both fine; a panic fails the test.
            let _ = validate(code, &limits, rules);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..512), magic in any::<bool>()) {
        if magic {
            // Past the header, so the section parsers get exercised too.
            let mut code = b"\0asm\x01\0\0\0".to_vec();
            code.append(&mut bytes);
            bytes = code;
        }
        validate_all_ways(&bytes);
    }

    #[test]
    fn mutated_contracts_never_panic(mutations in proptest::collection::vec(mutation(), 1..8)) {
        let mut code = wasm(REALISTIC);
        for mutation in &mutations {
            apply(&mut code, mutation);
        }
        validate_all_ways(&code);
    }
}

/// The instrumentation exports its globals under fixed names, and wasmer's export map would
/// silently replace a module export of the same name (the fuzzers' `execute` target generated
/// such a function: it became uncallable). Under the contract rules only `main` and `memory`
/// are exported, so the contract rule rejects these names first, as before the rule existed.
#[test]
fn reserved_export_names() {
    for name in rewasm_vm::instrument::RESERVED_EXPORTS {
        let as_function = format!(r#"(module (func (export "{name}")))"#);
        let error = rejects(&as_function, "reserved-export");
        assert_eq!(in_section(&error), (Section::Export, Some(0)));
        assert_eq!(
            error.detail,
            format!("export \"{name}\" is the engine's own")
        );
        rejects(
            &format!(r#"(module (global (export "{name}") (mut i64) (i64.const 0)))"#),
            "reserved-export",
        );
        let export = format!(r#"(func (export "{name}"))"#);
        contract_rejects(&[FINISH, MEMORY, MAIN, &export], "contract:exports");
    }
    accepts(r#"(module (func (export "wasmer_metering")) (func (export "rewasm_call")))"#);
}
