//! `rewasm verify`: replay every block of a data folder from genesis and compare.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use rewasm_node::chain::{ChainConfig, VerifyError, verify};
use rewasm_node::genesis::Genesis;

#[derive(Debug, Args)]
pub(super) struct VerifyArgs {
    /// The node's data folder (the node must be stopped: the store allows one process).
    #[arg(long)]
    datadir: Option<PathBuf>,
    /// The genesis config the chain was started with (default: the built-in dev chain).
    #[arg(long)]
    config: Option<PathBuf>,
}

pub(super) fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let datadir = args.datadir.clone().unwrap_or_else(super::default_datadir);
    let genesis = match &args.config {
        Some(path) => Genesis::load(path)?,
        None => Genesis::dev()?,
    };
    let config = ChainConfig::from_genesis(&genesis)?;
    match verify(&datadir, &genesis, config) {
        Ok(report) => {
            println!(
                "files         {} ({} bytes, {} entries read through their checksums)",
                report.files.files, report.files.bytes, report.files.entries
            );
            println!("blocks        {}", report.blocks);
            println!("transactions  {}", report.transactions);
            if report.edits > 0 {
                println!("state edits   {} (dev chain test methods)", report.edits);
            }
            println!("head hash     {:?}", report.head_hash);
            println!("state root    {:?}", report.state_root);
            println!("verified: the replay from genesis matches every block and the head state");
            Ok(ExitCode::SUCCESS)
        }
        Err(mismatch @ VerifyError::Mismatch { .. }) => {
            println!("MISMATCH: {mismatch}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error).with_context(|| format!("verifying {}", datadir.display())),
    }
}
