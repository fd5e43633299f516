//! The float-stub rewrite (test-only): keep a float-mixing module's integer functions runnable.
//!
//! Many core-suite scripts (block, br, br_table, call, if, loop, ...) put float functions and
//! integer functions into one big module. rewasm rightly rejects the whole module, which would
//! also throw away hundreds of purely integer assertions on it. This rewrite recovers them:
//! - every `f32` becomes `i32` and every `f64` becomes `i64`, consistently everywhere (types,
//!   locals, globals, block types, imports), and `f32.const`/`f64.const` in constant expressions
//!   become integer constants with the same bits;
//! - the body of every float-using function ([`crate::scan::ModuleScan::float_functions`],
//!   transitive callers included) becomes a single `unreachable`.
//!
//! What is left contains no float at all, so rewasm's validator must accept it (unless another
//! rule rejects it), and every function that kept its body behaves exactly as before: it never
//! touches a float, and nothing it can call was stubbed. Assertions on stubbed exports, or with
//! float arguments or results, are skipped by the runner.
//!
//! The rewrite never runs on contract code: it only exists so that the conformance runner can
//! check the integer semantics of modules the VM (correctly) refuses.

use std::collections::BTreeSet;
use std::convert::Infallible;

use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{CodeSection, Function, Instruction};
use wasmparser_latest as wp;

use crate::scan::ModuleScan;

/// The rewrite could not read or re-encode the module.
#[derive(Debug, thiserror::Error)]
#[error("float-stub rewrite failed: {0}")]
pub struct RewriteError(String);

/// Rewrites `bytes` (scanned as `scan`) into a float-free module; see the module docs.
pub fn rewrite(bytes: &[u8], scan: &ModuleScan) -> Result<Vec<u8>, RewriteError> {
    let mut stubber = FloatStubber {
        stubbed: &scan.float_functions,
        next_function: scan.imported_functions,
    };
    let mut module = wasm_encoder::Module::new();
    stubber
        .parse_core_module(&mut module, wp::Parser::new(0), bytes)
        .map_err(|err| RewriteError(err.to_string()))?;
    Ok(module.finish())
}

struct FloatStubber<'a> {
    stubbed: &'a BTreeSet<u32>,
    /// Absolute index of the next function body in the code section.
    next_function: u32,
}

impl Reencode for FloatStubber<'_> {
    type Error = Infallible;

    fn val_type(
        &mut self,
        ty: wp::ValType,
    ) -> Result<wasm_encoder::ValType, reencode::Error<Infallible>> {
        Ok(match ty {
            wp::ValType::F32 => wasm_encoder::ValType::I32,
            wp::ValType::F64 => wasm_encoder::ValType::I64,
            other => reencode::utils::val_type(self, other)?,
        })
    }

    fn instruction<'a>(
        &mut self,
        op: wp::Operator<'a>,
    ) -> Result<Instruction<'a>, reencode::Error<Infallible>> {
        // Kept function bodies contain no float; only constant expressions (global
        // initializers) can still hold a float constant here.
        Ok(match op {
            wp::Operator::F32Const { value } => Instruction::I32Const(value.bits() as i32),
            wp::Operator::F64Const { value } => Instruction::I64Const(value.bits() as i64),
            other => reencode::utils::instruction(self, other)?,
        })
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: wp::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        let index = self.next_function;
        self.next_function = self.next_function.saturating_add(1);
        if self.stubbed.contains(&index) {
            let mut stub = Function::new([]);
            stub.instruction(&Instruction::Unreachable);
            stub.instruction(&Instruction::End);
            code.function(&stub);
            Ok(())
        } else {
            reencode::utils::parse_function_body(self, code, func)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::scan;
    use crate::wat;

    const MIXED: &str = r#"(module
        (import "spectest" "print_f32" (func $print_f32 (param f32)))
        (import "spectest" "global_f64" (global $gf f64))
        (global $g (mut f32) (f32.const 1.5))
        (global $h f64 (global.get $gf))
        (global $count (mut i32) (i32.const 0))
        (func $add (export "add") (param i32 i32) (result i32)
            (i32.add (local.get 0) (local.get 1)))
        (func $fadd (export "fadd") (param f32 f32) (result f32)
            (f32.add (local.get 0) (local.get 1)))
        (func $caller (export "caller") (result i32)
            (drop (call $fadd (f32.const 1) (f32.const 2)))
            (i32.const 7))
        (func $uses_local (export "uses-local") (local f64) (i32.const 0) drop)
        (func $bump (export "bump") (result i32)
            (global.set $count (i32.add (global.get $count) (call $add (i32.const 1) (i32.const 0))))
            (global.get $count))
        (func $block (export "block") (result i32)
            (block (result f64) (f64.const 1)) drop (i32.const 1)))"#;

    /// Operators of every defined function body of `bytes`.
    fn bodies(bytes: &[u8]) -> Vec<Vec<String>> {
        let mut bodies = Vec::new();
        for payload in wp::Parser::new(0).parse_all(bytes) {
            if let wp::Payload::CodeSectionEntry(body) = payload.unwrap() {
                let mut reader = body.get_operators_reader().unwrap();
                let mut ops = Vec::new();
                while !reader.eof() {
                    ops.push(format!("{:?}", reader.read().unwrap()));
                }
                bodies.push(ops);
            }
        }
        bodies
    }

    #[test]
    fn rewritten_module_is_float_free_and_keeps_integer_bodies() {
        let original = wat(MIXED);
        let scanned = scan(&original).unwrap();
        assert!(scanned.uses_float());
        // Imports first: $print_f32 is 0; $add 1, $fadd 2, $caller 3, $uses_local 4, $bump 5, $block 6.
        assert_eq!(scanned.float_functions, BTreeSet::from([0, 2, 3, 4, 6]));

        let rewritten = rewrite(&original, &scanned).unwrap();
        let no_floats = wp::WasmFeatures::default() - wp::WasmFeatures::FLOATS;
        wp::Validator::new_with_features(no_floats)
            .validate_all(&rewritten)
            .unwrap();
        // The original really needs floats.
        assert!(
            wp::Validator::new_with_features(no_floats)
                .validate_all(&original)
                .is_err()
        );

        let rescanned = scan(&rewritten).unwrap();
        assert!(!rescanned.uses_float(), "{:?}", rescanned.float_use);

        let before = bodies(&original);
        let after = bodies(&rewritten);
        assert_eq!(after.len(), before.len());
        let stub = vec!["Unreachable".to_string(), "End".to_string()];
        // $add and $bump (defined functions 0 and 4) keep their bodies.
        assert_eq!(after[0], before[0]);
        assert_eq!(after[4], before[4]);
        // $fadd is stubbed, and so is its integer-typed caller.
        assert_eq!(after[1], stub);
        assert_eq!(after[2], stub);
        assert_eq!(after[3], stub);
        assert_eq!(after[5], stub);
    }

    #[test]
    fn float_constants_keep_their_bits() {
        let original = wat("(module (global (export \"g\") f32 (f32.const 1.5)))");
        let rewritten = rewrite(&original, &scan(&original).unwrap()).unwrap();
        let mut found = None;
        for payload in wp::Parser::new(0).parse_all(&rewritten) {
            if let wp::Payload::GlobalSection(reader) = payload.unwrap() {
                for global in reader {
                    let global = global.unwrap();
                    assert_eq!(global.ty.content_type, wp::ValType::I32);
                    let op = global.init_expr.get_operators_reader().read().unwrap();
                    found = Some(format!("{op:?}"));
                }
            }
        }
        assert_eq!(
            found.unwrap(),
            format!("I32Const {{ value: {} }}", 1.5f32.to_bits() as i32)
        );
    }
}
