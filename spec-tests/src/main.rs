//! `rewasm-spec-tests wasm-core [PATH...]`: runs the WebAssembly core suite (folders or `.wast`
//! files; default `../shared/conformance/wasm-core` next to the workspace) through rewasm's
//! engine and prints per-script and total counts. Exits non-zero when any check failed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use rewasm_spec_tests::{collect_scripts, default_wasm_core_dir, run_wasm_core};
use rewasm_vm::{Engine, GasSchedule, VmConfig};

fn main() -> anyhow::Result<ExitCode> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("wasm-core") => {}
        Some(other) => {
            bail!("unknown suite `{other}`; usage: rewasm-spec-tests wasm-core [PATH...]")
        }
        None => bail!("usage: rewasm-spec-tests wasm-core [PATH...]"),
    }
    let mut paths: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if paths.is_empty() {
        paths.push(default_wasm_core_dir());
    }
    let scripts = collect_scripts(&paths)?;
    // One store links all modules of a script, so they must share one runtime engine: no
    // generations (the suite loads a bounded number of modules). The `default` schedule meters
    // every instruction without capping memory (`v2` caps a frame at 8 pages, which the suite's
    // memory tests exceed by design).
    let config = VmConfig {
        modules_per_generation: None,
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    };
    let engine = Engine::new(config).context("creating the engine")?;
    let mut stdout = std::io::stdout().lock();
    let total = run_wasm_core(&engine, &scripts, &mut stdout).context("writing the report")?;
    Ok(if total.failed() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
