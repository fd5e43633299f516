//! Runs empty-contract transactions in a loop on an executor thread, for a profiler:
//! `perf record target/release/examples/empty_tx_profile [N]`.
use primitive_types::H160;
use rewasm_bench::rewasm_run::{EMPTY_CONTRACT_WAT, RewasmChain};
use rewasm_executor::on_executor_stack;
use rewasm_vm::GasSchedule;

fn main() -> anyhow::Result<()> {
    let me = H160::repeat_byte(1);
    let mut chain = RewasmChain::new(GasSchedule::v2(), &[me])?;
    let empty = H160::repeat_byte(0xee);
    chain.install(empty, &wat::parse_str(EMPTY_CONTRACT_WAT)?);
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    on_executor_stack(|| {
        let start = std::time::Instant::now();
        for _ in 0..n {
            chain.call(me, empty, Vec::new()).ok();
        }
        eprintln!("{:?} per tx", start.elapsed() / n);
    })?;
    Ok(())
}
