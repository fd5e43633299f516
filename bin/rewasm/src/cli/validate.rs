//! `rewasm validate FILE [--rules determinism|contract]`.
//!
//! Prints `valid` (exit 0) or `invalid: <rule>: <detail> at <location>` (exit 1). The file may
//! be a wasm binary or, for convenience while writing tests by hand, WebAssembly text (`.wat`).
//! Any bytes are acceptable input: the validator never panics.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rewasm_vm::{ChainLimits, Rules, validate};

#[derive(Debug, Args)]
pub(super) struct ValidateArgs {
    /// The module: a .wasm binary, or .wat text.
    file: PathBuf,
    /// Which rules to apply: only the determinism rules, or also the eWASM contract shape.
    #[arg(long, value_enum, default_value_t = RuleSet::Contract)]
    rules: RuleSet,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RuleSet {
    Determinism,
    Contract,
}

const WASM_MAGIC: &[u8] = b"\0asm";

pub(super) fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let code =
        if !bytes.starts_with(WASM_MAGIC) && args.file.extension().is_some_and(|e| e == "wat") {
            match wat::parse_bytes(&bytes) {
                Ok(code) => code.into_owned(),
                Err(err) => {
                    println!("invalid: malformed: not valid WebAssembly text: {err}");
                    return Ok(ExitCode::from(1));
                }
            }
        } else {
            bytes
        };
    let rules = match args.rules {
        RuleSet::Determinism => Rules::Determinism,
        RuleSet::Contract => Rules::Contract,
    };
    match validate(&code, &ChainLimits::default(), rules) {
        Ok(_) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            println!("invalid: {err}");
            Ok(ExitCode::from(1))
        }
    }
}
