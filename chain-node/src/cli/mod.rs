//! Command-line interface. Each subcommand lives in its own module; exit codes: 0 success,
//! 1 a negative answer (e.g. an invalid module), 2 a usage or I/O error.

mod build;
mod run;
mod statetest;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// rewasm: a deterministic WebAssembly smart-contract node.
#[derive(Debug, Parser)]
#[command(name = "rewasm", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a module against the chain's rules and explain a rejection.
    Validate(validate::ValidateArgs),
    /// Run a contract's `main` once and print the outcome as JSON.
    Run(run::RunArgs),
    /// Run eWASM GeneralStateTests JSON files (like `evm statetest`).
    Statetest(statetest::StatetestArgs),
    /// Compile a contract crate into runtime code, init (deploy) code and its ABI.
    #[command(after_long_help = build::AFTER_HELP)]
    Build(build::BuildArgs),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Validate(args) => validate::run(&args),
            Command::Run(args) => run::run(&args),
            Command::Statetest(args) => statetest::run(&args),
            Command::Build(args) => build::run(&args),
        }
    }
}
