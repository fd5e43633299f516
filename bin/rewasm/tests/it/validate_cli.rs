//! `rewasm validate`: the messages and exit codes users and scripts rely on, for each kind of
//! rejection the vm-core issue names, and for arbitrary bytes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

/// Runs `rewasm validate` on `bytes` written to a temp file; returns (exit code, stdout).
fn validate_bytes(bytes: &[u8], extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("module.wasm");
    std::fs::write(&path, bytes).expect("write");
    validate_path(&path, extra)
}

fn validate_path(path: &Path, extra: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .arg("validate")
        .arg(path)
        .args(extra)
        .output()
        .expect("run rewasm");
    let code = output.status.code().expect("exited, not killed");
    (
        code,
        String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_string(),
    )
}

fn validate_wat(wat: &str, extra: &[&str]) -> (i32, String) {
    validate_bytes(&wat::parse_str(wat).expect("wat"), extra)
}

/// A contract with `body` as main's body and `fields` as extra module fields.
fn contract(fields: &str, body: &str) -> String {
    format!(r#"(module {fields} (memory (export "memory") 1) (func (export "main") {body}))"#)
}

fn assert_rejected(result: (i32, String), rule: &str) {
    let (code, out) = result;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with(&format!("invalid: {rule}: ")),
        "expected rule {rule}: {out}"
    );
    assert!(out.contains(" at "), "no location: {out}");
}

#[test]
fn a_valid_contract_prints_valid() {
    let wat = contract(
        r#"(import "ethereum" "getCallDataSize" (func $size (result i32)))
           (import "ethereum" "finish" (func $finish (param i32 i32)))"#,
        "(call $finish (i32.const 0) (call $size))",
    );
    assert_eq!(validate_wat(&wat, &[]), (0, "valid".to_string()));
}

#[test]
fn float_ops_hidden_in_dead_code_are_rejected_with_their_location() {
    for op in [
        "i32.trunc_f32_s",
        "i64.reinterpret_f64",
        "i32.trunc_sat_f64_u",
        "f64.add",
    ] {
        let (code, out) = validate_wat(&contract("", &format!("unreachable {op} drop")), &[]);
        assert_eq!(code, 1, "{op}: {out}");
        assert!(out.starts_with("invalid: float: "), "{op}: {out}");
        assert!(out.contains("at function 0, offset 0x"), "{op}: {out}");
    }
}

#[test]
fn simd_multi_value_start_imports_signatures_and_exports_are_rejected() {
    assert_rejected(
        validate_wat(&contract("", "v128.const i64x2 0 0 drop"), &[]),
        "simd",
    );
    assert_rejected(
        validate_wat(&contract("(func $s) (start $s)", ""), &[]),
        "start-function",
    );
    assert_rejected(
        validate_wat(&contract(r#"(import "ethereum" "mint" (func))"#, ""), &[]),
        "contract:import-unknown",
    );
    assert_rejected(
        validate_wat(
            &contract(
                r#"(import "ethereum" "getCallDataSize" (func (result i64)))"#,
                "",
            ),
            &[],
        ),
        "contract:import-signature",
    );
    assert_rejected(
        validate_wat(&contract(r#"(import "env" "abort" (func))"#, ""), &[]),
        "contract:import-module",
    );
    assert_rejected(
        validate_wat(
            &contract(r#"(import "debug" "print32" (func (param i32)))"#, ""),
            &[],
        ),
        "contract:import-debug",
    );
    assert_rejected(
        validate_wat(&contract(r#"(func (export "extra"))"#, ""), &[]),
        "contract:exports",
    );
    assert_rejected(
        validate_wat(
            &contract("(func (result i32 i32) (i32.const 1) (i32.const 2))", ""),
            &[],
        ),
        "multi-value",
    );
    let wrong_main = r#"(module (memory (export "memory") 1) (func (export "main") (param i32)))"#;
    assert_rejected(validate_wat(wrong_main, &[]), "contract:main-signature");
}

#[test]
fn determinism_rules_alone_accept_what_only_the_contract_shape_forbids() {
    let wat = r#"(module (import "env" "f" (func)) (func (export "anything") (call 0)))"#;
    assert_eq!(
        validate_wat(wat, &["--rules", "determinism"]),
        (0, "valid".to_string())
    );
    assert_rejected(
        validate_wat(wat, &["--rules", "contract"]),
        "contract:import-module",
    );
}

fn repeat(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(" ")
}

/// One module over each default chain limit, and the rule it must be rejected with.
fn over_limit_modules() -> Vec<(&'static str, String)> {
    vec![
        (
            "limit:max-code-size",
            format!(
                r#"(module (memory 10) (data (i32.const 0) "{}"))"#,
                "x".repeat(600 * 1024)
            ),
        ),
        (
            "limit:max-types",
            format!("(module {})", repeat(513, |_| "(type (func))".into())),
        ),
        (
            "limit:max-functions",
            format!("(module {})", repeat(4097, |_| "(func)".into())),
        ),
        (
            "limit:max-params",
            format!("(module (func (param {})))", "i32 ".repeat(33)),
        ),
        (
            "limit:max-locals",
            format!("(module (func (local {})))", "i64 ".repeat(513)),
        ),
        (
            "limit:max-operand-stack-height",
            format!(
                "(module (func {} {}))",
                "(i32.const 0)".repeat(513),
                "(drop)".repeat(513)
            ),
        ),
        (
            "limit:max-globals",
            format!(
                "(module {})",
                repeat(257, |_| "(global i32 (i32.const 0))".into())
            ),
        ),
        (
            "limit:max-imports",
            format!(
                "(module {})",
                repeat(129, |i| format!(r#"(import "m" "f{i}" (func))"#))
            ),
        ),
        (
            "limit:max-exports",
            format!(
                "(module (func $f) {})",
                repeat(129, |i| format!(r#"(export "e{i}" (func $f))"#))
            ),
        ),
        (
            "limit:max-table-size",
            "(module (table 4097 funcref))".into(),
        ),
        (
            "limit:max-br-table-targets",
            format!(
                "(module (func (block (br_table {} 0 (i32.const 0)))))",
                "0 ".repeat(1025)
            ),
        ),
        (
            "limit:max-block-nesting",
            format!(
                "(module (func {}{}))",
                "(block ".repeat(129),
                ")".repeat(129)
            ),
        ),
        (
            "limit:max-data-segments",
            format!(
                "(module (memory 1) {})",
                repeat(257, |_| r#"(data (i32.const 0) "")"#.into())
            ),
        ),
        (
            "limit:max-element-segments",
            format!(
                "(module (table 1 funcref) (func $f) {})",
                repeat(257, |_| "(elem (i32.const 0) $f)".into())
            ),
        ),
        ("limit:max-initial-pages", "(module (memory 129))".into()),
        ("limit:max-memory-pages", "(module (memory 1 513))".into()),
    ]
}

#[test]
fn each_over_limit_module_is_rejected_by_its_limit() {
    for (rule, wat) in over_limit_modules() {
        assert_rejected(validate_wat(&wat, &["--rules", "determinism"]), rule);
    }
}

#[test]
fn arbitrary_bytes_never_crash_the_validator() {
    let valid = wat::parse_str(contract("", "")).expect("wat");
    let mut inputs: Vec<Vec<u8>> = vec![
        vec![],
        b"\0asm".to_vec(),
        b"\0asm\x01\0\0\0\x01\xff\xff\xff\xff\x0f".to_vec(),
    ];
    for cut in [9, 12, valid.len() / 2, valid.len() - 1] {
        inputs.push(valid[..cut].to_vec());
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..64)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed as u8
            })
            .collect();
        inputs.push([&valid[..8], &bytes[..]].concat());
    }
    for bytes in inputs {
        let (code, out) = validate_bytes(&bytes, &[]);
        assert_eq!(code, 1, "{bytes:?}: {out}");
        assert!(out.starts_with("invalid: malformed: "), "{out}");
    }
}

#[test]
fn wat_files_are_accepted_and_unreadable_files_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("c.wat");
    std::fs::write(&path, contract("", "")).expect("write");
    assert_eq!(validate_path(&path, &[]), (0, "valid".to_string()));
    std::fs::write(&path, "(module (func (f32.const 1) drop))").expect("write");
    assert_rejected(validate_path(&path, &["--rules", "determinism"]), "float");
    let (code, _) = validate_path(&dir.path().join("missing.wasm"), &[]);
    assert_eq!(code, 2);
}
