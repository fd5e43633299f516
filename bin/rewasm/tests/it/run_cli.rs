//! `rewasm run` and `rewasm statetest`: what a contract developer and a conformance run see.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::common;
use std::process::Command;

use serde_json::Value;

fn rewasm(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args)
        .output()
        .expect("run rewasm");
    (
        output.status.code().expect("exit code"),
        String::from_utf8_lossy(&output.stdout).to_string(),
    )
}

fn run_wat(wat: &str, extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("contract.wat");
    std::fs::write(&path, wat).expect("write");
    let mut args = vec!["run", "--code", path.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let (code, out) = rewasm(&args);
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}")),
    )
}

const COUNTER: &str = r#"(module
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (call $load (i32.const 0) (i32.const 32))
    (i32.store8 (i32.const 63) (i32.add (i32.load8_u (i32.const 63)) (i32.const 1)))
    (call $store (i32.const 0) (i32.const 32))
    (call $log (i32.const 32) (i32.const 32) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $finish (i32.const 32) (i32.const 32))))"#;

#[test]
fn run_reports_output_logs_storage_and_exact_gas() {
    let (code, report) = run_wat(COUNTER, &["--schedule", "ewasm-conformance"]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["status"], "success");
    let one = format!("0x{}01", "00".repeat(31));
    assert_eq!(report["output"], one);
    assert_eq!(report["storage"][format!("0x{}", "00".repeat(32))], one);
    assert_eq!(report["logs"][0]["data"], one);
    // storageLoad 200 + storageStore 20000 (zero → non-zero) + log 375 + 375 + 8 × 32.
    assert_eq!(report["gasUsed"], 200 + 20_000 + 375 + 375 + 8 * 32);
    assert_eq!(report["trap"], Value::Null);
}

#[test]
fn run_tells_out_of_gas_from_a_trap_and_a_revert() {
    let spin = r#"(module (memory (export "memory") 1) (func (export "main") (loop (br 0))))"#;
    let (code, report) = run_wat(spin, &["--gas", "50000"]);
    assert_eq!((code, report["status"].as_str()), (1, Some("out-of-gas")));
    assert_eq!(report["gasUsed"], 50_000);

    let divide = r#"(module (memory (export "memory") 1)
      (func (export "main") (drop (i32.div_u (i32.const 1) (i32.const 0)))))"#;
    let (_, report) = run_wat(divide, &[]);
    assert_eq!(report["status"], "failure");
    assert!(
        report["trap"]
            .as_str()
            .unwrap()
            .contains("IntegerDivisionByZero"),
        "{report}"
    );

    let revert = r#"(module (import "ethereum" "revert" (func $revert (param i32 i32)))
      (memory (export "memory") 1) (data (i32.const 0) "no")
      (func (export "main") (call $revert (i32.const 0) (i32.const 2))))"#;
    let (_, report) = run_wat(revert, &[]);
    assert_eq!(report["status"], "revert");
    assert_eq!(report["output"], "0x6e6f");
}

#[test]
fn run_reads_input_and_value() {
    let echo = r#"(module
      (import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))
      (import "ethereum" "getCallDataSize" (func $size (result i32)))
      (import "ethereum" "getCallValue" (func $value (param i32)))
      (import "ethereum" "finish" (func $finish (param i32 i32)))
      (memory (export "memory") 1)
      (func (export "main")
        (call $value (i32.const 0))
        (call $copy (i32.const 16) (i32.const 0) (call $size))
        (call $finish (i32.const 0) (i32.add (i32.const 16) (call $size)))))"#;
    let (_, report) = run_wat(echo, &["--input", "0xbeef", "--value", "258"]);
    assert_eq!(report["status"], "success", "{report}");
    // u128 little-endian 258 = 02 01 00..., then the input.
    assert_eq!(report["output"], format!("0x0201{}beef", "00".repeat(14)));
}

#[test]
fn statetest_passes_a_reference_test_and_reports_counts() {
    let shared = std::env::var("REWASM_SHARED").unwrap_or_else(|_| {
        common::manifest_dir()
            .join("../../../shared")
            .display()
            .to_string()
    });
    let file = format!("{shared}/conformance/ewasm-state-tests/filled/callDataCopy.json");
    let (code, out) = rewasm(&["statetest", &file]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("PASS callDataCopy"), "{out}");
    assert_eq!(out.lines().last(), Some("1 passed, 0 failed"));
    let (code, out) = rewasm(&["statetest", "--json", &file]);
    assert_eq!(code, 0);
    let line: Value = serde_json::from_str(out.lines().next().expect("a line")).expect("JSON");
    assert_eq!(line["pass"], true);
}
