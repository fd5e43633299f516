//! Runners for the external conformance suites rewasm is checked against.
//!
//! The suites' test data lives outside the repository (`../shared/conformance/`, read at run
//! time, never copied in). This crate turns them into pass/fail/skip counts that show what
//! rewasm promises: wasm semantics are unchanged by metering and the deterministic stack, and
//! every module outside the deterministic subset (floats, SIMD, ...) is rejected by rule.
//!
//! - [`script`]: runs one WebAssembly core `.wast` script through rewasm's engine;
//! - [`scan`]: an independent float/SIMD scan (wasmparser 0.263) that second-guesses the
//!   validator and finds the float-using functions;
//! - [`float_stub`]: the test-only rewrite that keeps float-mixing modules' integer functions
//!   runnable;
//! - [`spectest`]: the `spectest` host module;
//! - [`values`]: argument conversion and result matching;
//! - [`report`]: counts, skip reasons and the printed summary.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;

use rewasm_vm::Engine;

pub mod float_stub;
pub mod report;
pub mod scan;
pub mod script;
pub mod spectest;
pub mod values;

use report::{Failure, ScriptReport};

/// The core suite's folder when no path is given: `../shared/conformance/wasm-core` relative
/// to the workspace root.
pub fn default_wasm_core_dir() -> PathBuf {
    manifest_dir()
        .join("..")
        .join("../shared/conformance/wasm-core")
}

/// A path given on the command line could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    #[error("reading {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("no .wast scripts found in {0:?}")]
    Empty(Vec<PathBuf>),
}

/// The `.wast` files named by `paths`: files as given, folders expanded to their `*.wast`
/// files in name order.
pub fn collect_scripts(paths: &[PathBuf]) -> Result<Vec<PathBuf>, SuiteError> {
    let mut scripts = Vec::new();
    for path in paths {
        let read_error = |source| SuiteError::Read {
            path: path.clone(),
            source,
        };
        if fs::metadata(path).map_err(read_error)?.is_dir() {
            let mut found = Vec::new();
            for entry in fs::read_dir(path).map_err(read_error)? {
                let entry_path = entry.map_err(read_error)?.path();
                if entry_path.extension().is_some_and(|ext| ext == "wast") {
                    found.push(entry_path);
                }
            }
            found.sort();
            scripts.extend(found);
        } else {
            scripts.push(path.clone());
        }
    }
    if scripts.is_empty() {
        return Err(SuiteError::Empty(paths.to_vec()));
    }
    Ok(scripts)
}

/// Runs every script in `scripts` on `engine`, printing each script's block to `out` as it
/// finishes, then the totals. Returns the merged report. A script that cannot be read or
/// parsed counts as a failure; only writing to `out` can fail this function.
pub fn run_wasm_core(
    engine: &Engine,
    scripts: &[PathBuf],
    out: &mut dyn Write,
) -> io::Result<ScriptReport> {
    let mut total = ScriptReport::new("total");
    for path in scripts {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let report = match fs::read(path).map(String::from_utf8) {
            Ok(Ok(text)) => script::run_script(engine, &name, &text),
            Ok(Err(err)) => unreadable(&name, format!("not UTF-8: {err}")),
            Err(err) => unreadable(&name, format!("reading {}: {err}", path.display())),
        };
        out.write_all(report.script_text().as_bytes())?;
        out.flush()?;
        total.merge(&report);
    }
    out.write_all(total.totals_text(scripts.len()).as_bytes())?;
    Ok(total)
}

fn unreadable(name: &str, message: String) -> ScriptReport {
    let mut report = ScriptReport::new(name);
    report.failures.push(Failure {
        line: 0,
        column: 0,
        directive: "script",
        message,
    });
    report
}

/// Encodes a WAT module for tests.
#[cfg(test)]
pub(crate) fn wat(text: &str) -> Vec<u8> {
    let buffer = wast::parser::ParseBuffer::new(text).unwrap();
    let mut module = wast::parser::parse::<wast::Wat>(&buffer).unwrap();
    module.encode().unwrap()
}

/// The crate's directory, read when the program runs (cargo sets it for `cargo test` and
/// `cargo run`): a target folder shared between checkouts can hold a binary compiled in another
/// checkout, whose compile-time path would point there.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
