//! Runs ERC-20 transfer transactions in a loop on an executor thread, for a profiler:
//! `erc20_profile WASM_DIR SOLIDITY_OUT [N]` (the folders `scripts/bench.sh` builds).
use std::path::Path;

use anyhow::Context;
use primitive_types::U256;
use rewasm_bench::abi;
use rewasm_bench::artifacts::Artifacts;
use rewasm_bench::vm_bench::{deployer, erc20_pair, recipient};
use rewasm_executor::on_executor_stack;
use rewasm_vm::GasSchedule;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let wasm = args.next().context("WASM_DIR")?;
    let solidity = args.next().context("SOLIDITY_OUT")?;
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let artifacts = Artifacts::load(Path::new(&wasm), Path::new(&solidity))?;
    let (mut chain, token, _, _) = erc20_pair(&artifacts, GasSchedule::v2(), 1)?;
    let me = deployer();
    on_executor_stack(|| {
        let start = std::time::Instant::now();
        for i in 0..n {
            chain
                .call(me, token, abi::transfer(&recipient(i), U256::one()))
                .ok();
        }
        eprintln!(
            "{:?} per transfer",
            start.elapsed() / u32::try_from(n).unwrap_or(1)
        );
    })?;
    Ok(())
}
