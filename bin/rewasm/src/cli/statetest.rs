//! `rewasm statetest PATH... [--json]`: runs eWASM GeneralStateTests JSON files (or folders of
//! them) like `evm statetest`, with the `ewasm-conformance` schedule. Prints `PASS name` or
//! `FAIL name: <expected root> != <actual root>` with the accounts the transaction changed, then
//! `N passed, M failed`; exits 1 if any failed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use rewasm_statetest::{Verdict, collect_tests, conformance_engine, report, run_file};

#[derive(Debug, Args)]
pub(super) struct StatetestArgs {
    /// Test files or folders of them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// One JSON object per test on stdout instead of text.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: &StatetestArgs) -> anyhow::Result<ExitCode> {
    let engine = conformance_engine().context("creating the engine")?;
    let mut verdicts: Vec<Verdict> = Vec::new();
    for file in collect_tests(&args.paths)? {
        verdicts.extend(run_file(&engine, &file)?);
    }
    let mut out = std::io::stdout().lock();
    let (passed, failed) = if args.json {
        for v in &verdicts {
            let line = serde_json::json!({
                "name": v.name,
                "pass": v.passed(),
                "stateRoot": format!("{:?}", v.root.1),
                "expectedStateRoot": format!("{:?}", v.root.0),
                "logsHash": format!("{:?}", v.logs.1),
                "expectedLogsHash": format!("{:?}", v.logs.0),
                "error": v.error,
            });
            println!("{line}");
        }
        let passed = verdicts.iter().filter(|v| v.passed()).count();
        (passed, verdicts.len() - passed)
    } else {
        report(&verdicts, &mut out)?
    };
    eprintln!("{passed} passed, {failed} failed");
    if !args.json {
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
