//! Command-line interface. Each subcommand lives in its own module; exit codes: 0 success,
//! 1 a negative answer (e.g. an invalid module), 2 a usage or I/O error.

mod build;
mod client;
mod network;
mod new;
mod node;
mod run;
mod statetest;
mod validate;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// rewasm: a deterministic WebAssembly smart-contract node.
#[derive(Debug, Parser)]
#[command(name = "rewasm", version, about)]
pub(crate) struct Cli {
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
    /// Create a contract crate (a counter with unit tests and a README) to start from.
    New(new::NewArgs),
    /// Compile a contract crate into runtime code, init (deploy) code and its ABI.
    #[command(after_long_help = build::AFTER_HELP)]
    Build(build::BuildArgs),
    /// Replay every stored block from genesis and compare headers, receipts and the head state.
    Verify(verify::VerifyArgs),
    /// Run a node: the chain, the miner and the JSON-RPC server (HTTP + WebSocket, /metrics).
    #[command(after_long_help = node::AFTER_HELP)]
    Node(node::NodeArgs),
    /// Start a network of validators on this machine (keys, genesis, one node each).
    Testnet(network::TestnetArgs),
    /// Write a new validator key file.
    Key(network::KeyArgs),
    #[command(flatten)]
    Client(client::ClientCommand),
}

impl Cli {
    /// Runs the chosen subcommand.
    pub(crate) fn run(self) -> anyhow::Result<ExitCode> {
        match self.command {
            Command::Validate(args) => validate::run(&args),
            Command::Run(args) => run::run(&args),
            Command::Statetest(args) => statetest::run(&args),
            Command::New(args) => new::run(&args),
            Command::Build(args) => build::run(&args),
            Command::Verify(args) => verify::run(&args),
            Command::Node(args) => node::run(&args),
            Command::Testnet(args) => network::testnet(&args),
            Command::Key(args) => network::key(&args),
            Command::Client(cmd) => client::run(&cmd),
        }
    }
}

/// The node's default data folder: `$XDG_DATA_HOME/rewasm`, else `$HOME/.local/share/rewasm`,
/// else `./rewasm-data`.
pub(crate) fn default_datadir() -> std::path::PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|dir| !dir.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| std::path::PathBuf::from(home).join(".local/share"))
        })
        .map(|base| base.join("rewasm"))
        .unwrap_or_else(|| std::path::PathBuf::from("rewasm-data"))
}
