//! Script values to wasmer values, and matching results against `assert_return` expectations.
//!
//! Integers compare exactly. Floats compare by bit pattern (so `-0` differs from `+0` and a NaN
//! matches only its own payload), except the spec's `nan:canonical` / `nan:arithmetic`
//! patterns. Floats only reach this code when a module the VM accepted returns them; the
//! runner skips float values on float-stubbed modules. References: `ref.null` matches a null
//! reference of the right kind, `ref.extern N` an externref holding the host value `N`,
//! `ref.func` any non-null funcref.

use wast::WastArg;
use wast::WastRet;
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};

use rewasm_vm::wasmer::{AsStoreMut, AsStoreRef, ExternRef, Value};

/// A script value the runner cannot express or check.
#[derive(Debug, thiserror::Error)]
#[error("unsupported value: {0}")]
pub struct ValueError(String);

/// Whether an argument is a float or a vector (which float-stubbed modules cannot take).
pub fn is_float_arg(arg: &WastArg<'_>) -> bool {
    matches!(
        arg,
        WastArg::Core(WastArgCore::F32(_) | WastArgCore::F64(_) | WastArgCore::V128(_))
    )
}

/// Whether an expected result is (or may be) a float or a vector.
pub fn is_float_ret(ret: &WastRet<'_>) -> bool {
    fn core(ret: &WastRetCore<'_>) -> bool {
        match ret {
            WastRetCore::F32(_) | WastRetCore::F64(_) | WastRetCore::V128(_) => true,
            WastRetCore::Either(options) => options.iter().any(core),
            _ => false,
        }
    }
    match ret {
        WastRet::Core(ret) => core(ret),
        _ => false,
    }
}

/// Converts a script argument to a wasmer value (externrefs are created in `store`).
pub fn to_value(arg: &WastArg<'_>, store: &mut impl AsStoreMut) -> Result<Value, ValueError> {
    let WastArg::Core(arg) = arg else {
        return Err(ValueError("component-model argument".into()));
    };
    Ok(match arg {
        WastArgCore::I32(v) => Value::I32(*v),
        WastArgCore::I64(v) => Value::I64(*v),
        WastArgCore::F32(v) => Value::F32(f32::from_bits(v.bits)),
        WastArgCore::F64(v) => Value::F64(f64::from_bits(v.bits)),
        WastArgCore::V128(v) => Value::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(heap) => match null_kind(heap) {
            Some(RefKind::Func) => Value::FuncRef(None),
            Some(RefKind::Extern) => Value::ExternRef(None),
            None => return Err(ValueError(format!("ref.null {heap:?}"))),
        },
        WastArgCore::RefExtern(n) => Value::ExternRef(Some(ExternRef::new(store, *n))),
        WastArgCore::RefHost(n) => return Err(ValueError(format!("ref.host {n}"))),
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RefKind {
    Func,
    Extern,
}

fn null_kind(heap: &HeapType<'_>) -> Option<RefKind> {
    match heap {
        HeapType::Abstract {
            ty: AbstractHeapType::Func | AbstractHeapType::NoFunc,
            ..
        } => Some(RefKind::Func),
        HeapType::Abstract {
            ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern,
            ..
        } => Some(RefKind::Extern),
        HeapType::Concrete(_) | HeapType::Exact(_) => Some(RefKind::Func),
        HeapType::Abstract { .. } => None,
    }
}

/// Whether `actual` matches `expected`; an error for expectations the runner cannot check.
pub fn matches(
    expected: &WastRet<'_>,
    actual: &Value,
    store: &impl AsStoreRef,
) -> Result<bool, ValueError> {
    match expected {
        WastRet::Core(expected) => matches_core(expected, actual, store),
        _ => Err(ValueError("component-model result".into())),
    }
}

fn matches_core(
    expected: &WastRetCore<'_>,
    actual: &Value,
    store: &impl AsStoreRef,
) -> Result<bool, ValueError> {
    Ok(match (expected, actual) {
        (WastRetCore::I32(e), Value::I32(a)) => e == a,
        (WastRetCore::I64(e), Value::I64(a)) => e == a,
        (WastRetCore::F32(e), Value::F32(a)) => f32_matches(e, a.to_bits()),
        (WastRetCore::F64(e), Value::F64(a)) => f64_matches(e, a.to_bits()),
        (WastRetCore::V128(e), Value::V128(a)) => v128_matches(e, *a),
        (WastRetCore::RefNull(None), Value::FuncRef(None) | Value::ExternRef(None)) => true,
        (WastRetCore::RefNull(Some(heap)), Value::FuncRef(None)) => {
            null_kind(heap) == Some(RefKind::Func)
        }
        (WastRetCore::RefNull(Some(heap)), Value::ExternRef(None)) => {
            null_kind(heap) == Some(RefKind::Extern)
        }
        (WastRetCore::RefExtern(None), Value::ExternRef(Some(_))) => true,
        (WastRetCore::RefExtern(Some(n)), Value::ExternRef(Some(r))) => {
            r.downcast::<u32>(store) == Some(n)
        }
        (WastRetCore::RefFunc(_), Value::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), actual) => {
            for option in options {
                if matches_core(option, actual, store)? {
                    return Ok(true);
                }
            }
            false
        }
        (
            WastRetCore::RefHost(_)
            | WastRetCore::RefAny
            | WastRetCore::RefEq
            | WastRetCore::RefArray
            | WastRetCore::RefStruct
            | WastRetCore::RefI31
            | WastRetCore::RefI31Shared,
            _,
        ) => return Err(ValueError(format!("{expected:?}"))),
        _ => false,
    })
}

const F32_QUIET: u32 = 0x7fc0_0000;
const F64_QUIET: u64 = 0x7ff8_0000_0000_0000;

fn f32_matches(expected: &NanPattern<F32>, bits: u32) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == F32_QUIET,
        NanPattern::ArithmeticNan => bits & F32_QUIET == F32_QUIET,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(expected: &NanPattern<F64>, bits: u64) -> bool {
    match expected {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == F64_QUIET,
        NanPattern::ArithmeticNan => bits & F64_QUIET == F64_QUIET,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn v128_matches(expected: &V128Pattern, actual: u128) -> bool {
    let bytes = actual.to_le_bytes();
    let lanes = |width: usize| {
        bytes.chunks_exact(width).map(|lane| {
            lane.iter()
                .rev()
                .fold(0u64, |acc, b| acc << 8 | u64::from(*b))
        })
    };
    match expected {
        V128Pattern::I8x16(e) => e.iter().zip(lanes(1)).all(|(e, a)| *e as u8 as u64 == a),
        V128Pattern::I16x8(e) => e.iter().zip(lanes(2)).all(|(e, a)| *e as u16 as u64 == a),
        V128Pattern::I32x4(e) => e.iter().zip(lanes(4)).all(|(e, a)| *e as u32 as u64 == a),
        V128Pattern::I64x2(e) => e.iter().zip(lanes(8)).all(|(e, a)| *e as u64 == a),
        V128Pattern::F32x4(e) => e
            .iter()
            .zip(lanes(4))
            .all(|(e, a)| f32_matches(e, a as u32)),
        V128Pattern::F64x2(e) => e.iter().zip(lanes(8)).all(|(e, a)| f64_matches(e, a)),
    }
}

/// A short rendering of a result for failure messages.
pub fn describe(value: &Value, store: &impl AsStoreRef) -> String {
    match value {
        Value::I32(v) => format!("i32:{v}"),
        Value::I64(v) => format!("i64:{v}"),
        Value::F32(v) => format!("f32:{v} ({:#010x})", v.to_bits()),
        Value::F64(v) => format!("f64:{v} ({:#018x})", v.to_bits()),
        Value::V128(v) => format!("v128:{v:#034x}"),
        Value::FuncRef(None) => "ref.null func".into(),
        Value::FuncRef(Some(_)) => "ref.func".into(),
        Value::ExternRef(None) => "ref.null extern".into(),
        Value::ExternRef(Some(r)) => match r.downcast::<u32>(store) {
            Some(n) => format!("ref.extern {n}"),
            None => "ref.extern (foreign)".into(),
        },
    }
}

/// A short rendering of a list of results.
pub fn describe_all(values: &[Value], store: &impl AsStoreRef) -> String {
    let parts: Vec<String> = values.iter().map(|v| describe(v, store)).collect();
    format!("[{}]", parts.join(", "))
}

/// A short rendering of expected results.
pub fn describe_expected(rets: &[WastRet<'_>]) -> String {
    fn core(ret: &WastRetCore<'_>) -> String {
        match ret {
            WastRetCore::I32(v) => format!("i32:{v}"),
            WastRetCore::I64(v) => format!("i64:{v}"),
            WastRetCore::F32(NanPattern::Value(v)) => {
                format!("f32:{} ({:#010x})", f32::from_bits(v.bits), v.bits)
            }
            WastRetCore::F64(NanPattern::Value(v)) => {
                format!("f64:{} ({:#018x})", f64::from_bits(v.bits), v.bits)
            }
            WastRetCore::F32(nan) => format!("f32:{}", nan_name(nan)),
            WastRetCore::F64(nan) => format!("f64:{}", nan_name(nan)),
            WastRetCore::Either(options) => {
                let parts: Vec<String> = options.iter().map(core).collect();
                format!("either({})", parts.join(" | "))
            }
            other => format!("{other:?}"),
        }
    }
    fn nan_name<T>(nan: &NanPattern<T>) -> &'static str {
        match nan {
            NanPattern::CanonicalNan => "nan:canonical",
            NanPattern::ArithmeticNan => "nan:arithmetic",
            NanPattern::Value(_) => "value",
        }
    }
    let parts: Vec<String> = rets
        .iter()
        .map(|ret| match ret {
            WastRet::Core(ret) => core(ret),
            other => format!("{other:?}"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewasm_vm::wasmer::Store;

    /// Parses `(assert_return (invoke "f") <results>)` and hands its results to `check`.
    fn with_results(results: &str, check: impl FnOnce(&[WastRet<'_>])) {
        let text = format!("(assert_return (invoke \"f\") {results})");
        let buffer = wast::parser::ParseBuffer::new(&text).unwrap();
        let wast = wast::parser::parse::<wast::Wast>(&buffer).unwrap();
        match &wast.directives[..] {
            [wast::WastDirective::AssertReturn { results, .. }] => check(results),
            other => panic!("unexpected directives {other:?}"),
        }
    }

    fn check(results: &str, actual: Value, expected: bool) {
        let store = Store::default();
        with_results(results, |rets| {
            assert_eq!(
                matches(&rets[0], &actual, &store).unwrap(),
                expected,
                "{results} vs {actual:?}"
            );
        });
    }

    #[test]
    fn integers_compare_exactly() {
        check("(i32.const -1)", Value::I32(-1), true);
        check("(i32.const 0xffffffff)", Value::I32(-1), true);
        check("(i32.const 1)", Value::I32(2), false);
        check("(i64.const 0x8000000000000000)", Value::I64(i64::MIN), true);
        // Same number, wrong type.
        check("(i64.const 1)", Value::I32(1), false);
    }

    #[test]
    fn floats_compare_by_bits_and_nan_patterns() {
        check("(f32.const 1.5)", Value::F32(1.5), true);
        check("(f32.const -0)", Value::F32(0.0), false);
        check(
            "(f32.const nan:canonical)",
            Value::F32(f32::from_bits(0x7fc0_0000)),
            true,
        );
        check(
            "(f32.const nan:canonical)",
            Value::F32(f32::from_bits(0xffc0_0000)),
            true,
        );
        check(
            "(f32.const nan:canonical)",
            Value::F32(f32::from_bits(0x7fc0_0001)),
            false,
        );
        check(
            "(f32.const nan:arithmetic)",
            Value::F32(f32::from_bits(0x7fc0_0001)),
            true,
        );
        check(
            "(f32.const nan:arithmetic)",
            Value::F32(f32::from_bits(0x7f80_0001)),
            false,
        );
        check(
            "(f64.const nan:canonical)",
            Value::F64(f64::from_bits(0x7ff8_0000_0000_0000)),
            true,
        );
        check(
            "(f64.const nan:arithmetic)",
            Value::F64(f64::from_bits(0x7ff0_0000_0000_0001)),
            false,
        );
        check("(f64.const 2)", Value::F64(2.0), true);
        check(
            "(v128.const i32x4 1 2 3 4)",
            Value::V128(0x0000_0004_0000_0003_0000_0002_0000_0001),
            true,
        );
        check(
            "(v128.const i32x4 1 2 3 5)",
            Value::V128(0x0000_0004_0000_0003_0000_0002_0000_0001),
            false,
        );
    }

    #[test]
    fn references() {
        check("(ref.null func)", Value::FuncRef(None), true);
        check("(ref.null extern)", Value::FuncRef(None), false);
        check("(ref.null extern)", Value::ExternRef(None), true);
        check("(ref.func)", Value::FuncRef(None), false);
        let mut store = Store::default();
        let extern_ref = ExternRef::new(&mut store, 7u32);
        with_results("(ref.extern 7) (ref.extern 8) (ref.extern)", |rets| {
            let value = Value::ExternRef(Some(extern_ref.clone()));
            assert!(matches(&rets[0], &value, &store).unwrap());
            assert!(!matches(&rets[1], &value, &store).unwrap());
            assert!(matches(&rets[2], &value, &store).unwrap());
        });
    }

    #[test]
    fn either_matches_any_option() {
        check("(either (i32.const 1) (i32.const 2))", Value::I32(2), true);
        check("(either (i32.const 1) (i32.const 2))", Value::I32(3), false);
    }

    #[test]
    fn float_detection_and_arguments() {
        with_results(
            "(f32.const 1) (i32.const 1) (either (i32.const 1) (f64.const 1))",
            |rets| {
                assert!(is_float_ret(&rets[0]));
                assert!(!is_float_ret(&rets[1]));
                assert!(is_float_ret(&rets[2]));
            },
        );
        let text = "(invoke \"f\" (i32.const 1) (f64.const 2) (ref.extern 3) (ref.null func))";
        let buffer = wast::parser::ParseBuffer::new(text).unwrap();
        let wast = wast::parser::parse::<wast::Wast>(&buffer).unwrap();
        let [wast::WastDirective::Invoke(invoke)] = &wast.directives[..] else {
            panic!()
        };
        let mut store = Store::default();
        let flags: Vec<bool> = invoke.args.iter().map(is_float_arg).collect();
        assert_eq!(flags, [false, true, false, false]);
        let values: Vec<Value> = invoke
            .args
            .iter()
            .map(|a| to_value(a, &mut store).unwrap())
            .collect();
        assert!(matches!(values[0], Value::I32(1)));
        assert!(matches!(values[1], Value::F64(v) if v == 2.0));
        assert!(
            matches!(&values[2], Value::ExternRef(Some(r)) if r.downcast::<u32>(&store) == Some(&3))
        );
        assert!(matches!(values[3], Value::FuncRef(None)));
    }
}
