//! Float and SIMD rejections take priority over every other rule.
//!
//! The walk reports the first problem in byte order, so a module that declares an `externref`
//! type before its first `f64` would be rejected for reference types. That is correct, but the
//! reason matters to users and to the conformance check ("every module that uses a float or SIMD
//! anywhere is rejected with a float or SIMD error"): floats and SIMD are the rules a module author
//! most needs to hear about, because they come from the toolchain, not from the code. So when the
//! walk rejects a module for another rule, this second, permissive scan looks for any float or
//! SIMD use and, if it finds one, reports that instead. It runs only on the error path.

use wasmparser::{Parser, Payload, TypeRef, ValType};

use super::error::{Location, Rule, Section, ValidationError, Violation};
use super::operators::{OpClass, info};

/// The first float or SIMD use in `code`, if any; `None` when there is none or the bytes are
/// too malformed to tell.
pub(crate) fn find_float_or_simd(code: &[u8]) -> Option<ValidationError> {
    let mut imported_functions = 0u32;
    let mut defined = 0u32;
    for payload in Parser::new(0).parse_all(code) {
        let found = match payload.ok()? {
            Payload::TypeSection(reader) => {
                let offset = reader.range().start;
                reader
                    .into_iter_err_on_gc_types()
                    .enumerate()
                    .find_map(|(item, ty)| {
                        let ty = ty.ok()?;
                        let types = ty.params().iter().chain(ty.results());
                        first_rejected_type(types.copied(), "function type")
                            .map(|v| v.at(section(Section::Type, item, offset)))
                    })
            }
            Payload::ImportSection(reader) => {
                let offset = reader.range().start;
                let mut found = None;
                for (item, import) in reader.into_iter().enumerate() {
                    match import.ok()?.ty {
                        TypeRef::Func(_) => imported_functions += 1,
                        TypeRef::Global(global) => {
                            found = first_rejected_type([global.content_type], "imported global")
                                .map(|v| v.at(section(Section::Import, item, offset)));
                        }
                        _ => {}
                    }
                    if found.is_some() {
                        break;
                    }
                }
                found
            }
            Payload::GlobalSection(reader) => {
                let offset = reader.range().start;
                reader.into_iter().enumerate().find_map(|(item, global)| {
                    first_rejected_type([global.ok()?.ty.content_type], "global")
                        .map(|v| v.at(section(Section::Global, item, offset)))
                })
            }
            Payload::CodeSectionEntry(body) => {
                let index = imported_functions.saturating_add(defined);
                defined = defined.saturating_add(1);
                in_body(&body, index)
            }
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn section(section: Section, item: usize, offset: usize) -> Location {
    Location::Section {
        section,
        item: u32::try_from(item).ok(),
        offset,
    }
}

/// A float or SIMD value type among `types`, as a violation.
fn first_rejected_type(types: impl IntoIterator<Item = ValType>, what: &str) -> Option<Violation> {
    types.into_iter().find_map(|ty| match ty {
        ValType::F32 | ValType::F64 => Some(Violation::new(Rule::Float, format!("{ty} in {what}"))),
        ValType::V128 => Some(Violation::new(Rule::Simd, format!("{ty} in {what}"))),
        _ => None,
    })
}

/// A float or SIMD local or operator in one function body.
fn in_body(body: &wasmparser::FunctionBody<'_>, index: u32) -> Option<ValidationError> {
    let at = |offset| Location::Function { index, offset };
    let mut locals = body.get_locals_reader().ok()?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position();
        let (_, ty) = locals.read().ok()?;
        if let Some(violation) = first_rejected_type([ty], "local") {
            return Some(violation.at(at(offset)));
        }
    }
    let mut operators = body.get_operators_reader().ok()?;
    while !operators.eof() {
        let offset = operators.original_position();
        let op = operators.read().ok()?;
        let op_info = info(&op);
        let rule = match op_info.class {
            OpClass::Float => Rule::Float,
            OpClass::Simd => Rule::Simd,
            _ => continue,
        };
        return Some(Violation::new(rule, op_info.name).at(at(offset)));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{ChainLimits, Rules, validate};

    fn rule_of(wat: &str) -> String {
        let code = wat::parse_str(wat).expect("wat");
        match validate(&code, &ChainLimits::default(), Rules::Determinism) {
            Ok(_) => "valid".to_string(),
            Err(err) => err.rule.name().to_string(),
        }
    }

    #[test]
    fn float_wins_over_an_earlier_reference_type() {
        assert_eq!(
            rule_of("(module (global externref (ref.null extern)) (global f64 (f64.const 1)))"),
            "float"
        );
        assert_eq!(
            rule_of(
                "(module (table 2 funcref) (table 1 funcref) (func (result f32) (f32.const 1)))"
            ),
            "float"
        );
    }

    #[test]
    fn simd_wins_over_an_earlier_start_function() {
        assert_eq!(
            rule_of("(module (func $s) (start $s) (func (drop (v128.const i64x2 0 0))))"),
            "simd"
        );
    }

    #[test]
    fn other_rules_stand_when_there_is_no_float() {
        assert_eq!(rule_of("(module (func $s) (start $s))"), "start-function");
    }
}
