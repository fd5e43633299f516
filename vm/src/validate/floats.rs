//! No floating point, anywhere.
//!
//! Why: wasm floats are deterministic except for NaN bit patterns, which the specification leaves
//! to the hardware (x86 and ARM produce different canonical NaNs, and a NaN's bits are observable
//! through `reinterpret` or a store). Two nodes could then compute different state roots. Contracts
//! do not need floats, so every float type and every float instruction is rejected.
//!
//! How: wasmparser's `FLOATS` switch is not enough on its own. It checks float *instructions* when
//! validating reachable code, but in unreachable code (after `unreachable`, `br`, `return`) the
//! operand stack is polymorphic, and conversions such as `i32.trunc_f32_s` or
//! `i64.reinterpret_f64` that only *consume* a float get through. Singlepass still compiles dead
//! code, so we scan every operator of every body ourselves, reachable or not.
//!
//! The scan classifies operators by their name (see [`super::operators`]): every float
//! instruction of wasm, and no integer one, has `f32` or `f64` in its name — arithmetic,
//! compares, consts, loads, stores, conversions both ways, `trunc_sat`, reinterprets, demote and
//! promote. Matching on the name rather than on a hand-written list of variants means a float
//! operator cannot be forgotten; the tests below pin the resulting list against the specification.

use wasmparser::ValType;

/// True for an operator that touches `f32` or `f64`, given its wasmparser visitor name without the
/// `visit_` prefix (which is the text-format name with `_` for `.`, e.g. `f64_add`).
pub(crate) const fn is_float_operator(name: &str) -> bool {
    contains(name.as_bytes(), b"f32") || contains(name.as_bytes(), b"f64")
}

/// True for the float value types.
pub(crate) const fn is_float_type(ty: ValType) -> bool {
    matches!(ty, ValType::F32 | ValType::F64)
}

/// `haystack` contains `needle` (const, so operator classes are computed at compile time).
const fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.len() > haystack.len() {
        return false;
    }
    let mut start = 0;
    while start + needle.len() <= haystack.len() {
        if starts_at(haystack, needle, start) {
            return true;
        }
        start += 1;
    }
    false
}

/// `haystack[start..]` begins with `needle`; the caller guarantees it fits.
#[allow(clippy::indexing_slicing)] // `start + i < start + needle.len() <= haystack.len()`
const fn starts_at(haystack: &[u8], needle: &[u8], start: usize) -> bool {
    let mut i = 0;
    while i < needle.len() {
        if haystack[start + i] != needle[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;
    use crate::limits::ChainLimits;
    use crate::validate::operators::{OpClass, all_operators};
    use crate::validate::{Location, Rule, Rules, validate};

    /// Every scalar float instruction of wasm 2.0, by wasmparser visitor name.
    const SPEC_FLOAT_OPERATORS: [&str; 76] = [
        "f32_load",
        "f64_load",
        "f32_store",
        "f64_store",
        "f32_const",
        "f64_const",
        "f32_eq",
        "f32_ne",
        "f32_lt",
        "f32_gt",
        "f32_le",
        "f32_ge",
        "f64_eq",
        "f64_ne",
        "f64_lt",
        "f64_gt",
        "f64_le",
        "f64_ge",
        "f32_abs",
        "f32_neg",
        "f32_ceil",
        "f32_floor",
        "f32_trunc",
        "f32_nearest",
        "f32_sqrt",
        "f32_add",
        "f32_sub",
        "f32_mul",
        "f32_div",
        "f32_min",
        "f32_max",
        "f32_copysign",
        "f64_abs",
        "f64_neg",
        "f64_ceil",
        "f64_floor",
        "f64_trunc",
        "f64_nearest",
        "f64_sqrt",
        "f64_add",
        "f64_sub",
        "f64_mul",
        "f64_div",
        "f64_min",
        "f64_max",
        "f64_copysign",
        "i32_trunc_f32_s",
        "i32_trunc_f32_u",
        "i32_trunc_f64_s",
        "i32_trunc_f64_u",
        "i64_trunc_f32_s",
        "i64_trunc_f32_u",
        "i64_trunc_f64_s",
        "i64_trunc_f64_u",
        "f32_convert_i32_s",
        "f32_convert_i32_u",
        "f32_convert_i64_s",
        "f32_convert_i64_u",
        "f32_demote_f64",
        "f64_convert_i32_s",
        "f64_convert_i32_u",
        "f64_convert_i64_s",
        "f64_convert_i64_u",
        "f64_promote_f32",
        "i32_reinterpret_f32",
        "i64_reinterpret_f64",
        "f32_reinterpret_i32",
        "f64_reinterpret_i64",
        "i32_trunc_sat_f32_s",
        "i32_trunc_sat_f32_u",
        "i32_trunc_sat_f64_s",
        "i32_trunc_sat_f64_u",
        "i64_trunc_sat_f32_s",
        "i64_trunc_sat_f32_u",
        "i64_trunc_sat_f64_s",
        "i64_trunc_sat_f64_u",
    ];

    #[test]
    fn float_class_is_exactly_the_spec_list() {
        let mut found: Vec<&str> = all_operators()
            .filter(|op| op.class == OpClass::Float)
            .map(|op| op.name)
            .collect();
        let mut expected = SPEC_FLOAT_OPERATORS.to_vec();
        found.sort_unstable();
        expected.sort_unstable();
        assert_eq!(found, expected);
    }

    #[test]
    fn name_scan() {
        assert!(is_float_operator("f64_add"));
        assert!(is_float_operator("i32_reinterpret_f32"));
        assert!(!is_float_operator("i64_add"));
        assert!(!is_float_operator("f3"));
        assert!(!is_float_operator(""));
    }

    /// The operators that only consume a float (or produce one from integers): these are the ones
    /// wasmparser lets through in unreachable code.
    const CONVERSIONS: [&str; 24] = [
        "i32.trunc_f32_s",
        "i32.trunc_f32_u",
        "i32.trunc_f64_s",
        "i32.trunc_f64_u",
        "i64.trunc_f32_s",
        "i64.trunc_f32_u",
        "i64.trunc_f64_s",
        "i64.trunc_f64_u",
        "i32.trunc_sat_f32_s",
        "i32.trunc_sat_f64_u",
        "i64.trunc_sat_f32_u",
        "i64.trunc_sat_f64_s",
        "i32.reinterpret_f32",
        "i64.reinterpret_f64",
        "f32.reinterpret_i32",
        "f64.reinterpret_i64",
        "f32.convert_i32_s",
        "f32.convert_i64_u",
        "f64.convert_i32_u",
        "f64.convert_i64_s",
        "f32.demote_f64",
        "f64.promote_f32",
        "f32.abs",
        "f64.sqrt",
    ];

    #[test]
    fn conversions_in_dead_code_are_rejected_where_they_are() {
        for op in CONVERSIONS {
            let wat = format!(r#"(module (func unreachable {op} drop))"#);
            let code = wat::parse_str(&wat).expect(op);
            let error = validate(&code, &ChainLimits::default(), Rules::Determinism).expect_err(op);
            assert_eq!(error.rule, Rule::Float, "{op}: {error}");
            assert_eq!(error.detail, op);
            // The body is `00 00 <op> 1a 0b`: no locals, `unreachable`, then the operator.
            assert_eq!(
                error.location,
                Location::Function {
                    index: 0,
                    offset: body_start(&code) + 2
                },
                "{op}"
            );
        }
    }

    /// Offset of the first function body (after its size).
    fn body_start(code: &[u8]) -> usize {
        wasmparser::Parser::new(0)
            .parse_all(code)
            .find_map(|payload| match payload.unwrap() {
                wasmparser::Payload::CodeSectionEntry(body) => Some(body.range().start),
                _ => None,
            })
            .unwrap()
    }
}
