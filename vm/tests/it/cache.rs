//! The compiled-module cache: memory hits, disk hits, and corrupted or truncated artifacts that
//! are ignored and recompiled, never loaded.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fs;

use rewasm_vm::cache::{CacheKey, ConfigDigest, code_hash};
use rewasm_vm::wasmer::{Imports, Value};
use rewasm_vm::{ArtifactPolicy, CacheSource, Engine, MeteredInstance, Outcome, Rules, VmConfig};

const ADDER: &str = r#"(module (memory 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

fn engine_with_dir(dir: &std::path::Path) -> Engine {
    let config = VmConfig {
        cache_dir: Some(dir.to_path_buf()),
        ..VmConfig::default()
    };
    Engine::new(config).expect("engine")
}

fn add(engine: &Engine, code: &[u8]) -> (CacheSource, Outcome, u64) {
    let (module, source) = engine
        .compile_traced(code, Rules::Determinism)
        .expect("compile");
    let mut store = module.new_store();
    let instance = MeteredInstance::new(&mut store, &module, &Imports::new()).expect("instantiate");
    let result = instance.call(
        &mut store,
        "add",
        &[Value::I32(2), Value::I32(40)],
        1_000_000,
    );
    let used = result.gas_used();
    (source, result.outcome, used)
}

fn artifact_path(dir: &std::path::Path, engine: &Engine, code: &[u8]) -> std::path::PathBuf {
    let config = engine.config();
    let key = CacheKey::new(
        &code_hash(code),
        &config.schedule,
        &config.limits,
        Rules::Determinism,
    );
    dir.join(ConfigDigest::new(&config.schedule, &config.limits).to_hex())
        .join(format!("{}.artifact", key.to_hex()))
}

#[test]
fn second_compile_is_a_memory_hit() {
    let engine = Engine::new(VmConfig::default()).expect("engine");
    let code = wat::parse_str(ADDER).expect("wat");
    let (first, ..) = add(&engine, &code);
    let (second, outcome, _) = add(&engine, &code);
    assert_eq!(
        (first, second),
        (CacheSource::Compiled, CacheSource::Memory)
    );
    assert!(matches!(outcome, Outcome::Returned(v) if v == vec![Value::I32(42)]));
    assert_eq!(engine.cached_modules(), 1);
}

#[test]
fn a_new_engine_loads_the_artifact_from_disk_and_runs_it_identically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let code = wat::parse_str(ADDER).expect("wat");
    let (source, fresh_outcome, fresh_gas) = add(&engine_with_dir(dir.path()), &code);
    assert_eq!(source, CacheSource::Compiled);
    let (source, disk_outcome, disk_gas) = add(&engine_with_dir(dir.path()), &code);
    assert_eq!(source, CacheSource::Disk);
    assert_eq!(format!("{fresh_outcome:?}"), format!("{disk_outcome:?}"));
    assert_eq!(fresh_gas, disk_gas);
}

/// A disk load does not validate: the summary comes from the artifact, and must be the one
/// validation gave when the module was compiled.
#[test]
fn a_disk_load_carries_the_summary_validation_gave() {
    let dir = tempfile::tempdir().expect("tempdir");
    let code = wat::parse_str(
        r#"(module
          (import "env" "f" (func $f (param i32)))
          (memory 2 5)
          (data "x")
          (func (export "a") (param i32 i64) (local i32 i32) (call $f (i32.const 1)))
          (func (export "b") (result i32) (i32.add (i32.const 1) (i32.mul (i32.const 2) (i32.const 3)))))"#,
    )
    .expect("wat");
    let compile = |engine: &Engine| {
        engine
            .compile_traced(&code, Rules::Determinism)
            .expect("compile")
    };
    let (fresh, source) = compile(&engine_with_dir(dir.path()));
    assert_eq!(source, CacheSource::Compiled);
    let (loaded, source) = compile(&engine_with_dir(dir.path()));
    assert_eq!(source, CacheSource::Disk);
    assert_eq!(loaded.summary, fresh.summary);
    assert_eq!(
        (
            fresh.summary.imported_functions,
            fresh.summary.initial_pages,
            fresh.summary.max_pages,
            fresh.summary.passive_data
        ),
        (1, 2, Some(5), true)
    );
    assert_eq!(fresh.summary.function_frames.len(), 2);
}

#[test]
fn corrupted_and_truncated_artifacts_are_recompiled_not_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let code = wat::parse_str(ADDER).expect("wat");
    let engine = engine_with_dir(dir.path());
    add(&engine, &code);
    let path = artifact_path(dir.path(), &engine, &code);
    let good = fs::read(&path).expect("artifact written");

    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let damaged: [(&str, Vec<u8>); 4] = [
        ("bit flip", flipped),
        ("truncated", good[..good.len() - 100].to_vec()),
        ("header only", good[..52].to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in damaged {
        fs::write(&path, &bytes).expect("write");
        let (source, outcome, _) = add(&engine_with_dir(dir.path()), &code);
        assert_eq!(source, CacheSource::Compiled, "{what}");
        assert!(
            matches!(outcome, Outcome::Returned(v) if v == vec![Value::I32(42)]),
            "{what}"
        );
        assert_eq!(
            fs::read(&path).expect("rewritten"),
            good,
            "{what}: artifact rewritten"
        );
    }
}

#[test]
fn a_changed_schedule_never_reuses_an_artifact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let code = wat::parse_str(ADDER).expect("wat");
    add(&engine_with_dir(dir.path()), &code);
    let config = VmConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        schedule: rewasm_vm::GasSchedule::ewasm_conformance(),
        ..VmConfig::default()
    };
    let engine = Engine::new(config).expect("engine");
    let (source, outcome, gas) = add(&engine, &code);
    assert_eq!(source, CacheSource::Compiled);
    assert!(matches!(outcome, Outcome::Returned(_)));
    assert_eq!(gas, 0, "metered with the conformance schedule");
}

/// A module an `eth_call` compiled (kept in memory only) is written to disk when a block first
/// runs it, so that a restarted node loads it instead of compiling it for a call that pays only
/// for a load.
#[test]
fn a_memory_only_module_is_written_when_a_block_runs_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let code = wat::parse_str(ADDER).expect("wat");
    let engine = engine_with_dir(dir.path());
    let path = artifact_path(dir.path(), &engine, &code);
    let (_, source) = engine
        .compile_with(&code, Rules::Determinism, ArtifactPolicy::MemoryOnly)
        .expect("compile");
    assert_eq!(source, CacheSource::Compiled);
    assert!(!path.exists(), "an eth_call writes nothing");
    let (_, source) = engine
        .compile_with(&code, Rules::Determinism, ArtifactPolicy::Persist)
        .expect("compile");
    assert_eq!(source, CacheSource::Memory);
    assert!(path.exists(), "a block's run writes the artifact");
    let (source, outcome, _) = add(&engine_with_dir(dir.path()), &code);
    assert_eq!(source, CacheSource::Disk);
    assert!(matches!(outcome, Outcome::Returned(v) if v == vec![Value::I32(42)]));
}
