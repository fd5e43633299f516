//! rewasm against what users would pick instead, and against the physical limit, as ratios taken
//! side by side in one run. `scripts/bench.sh` runs the binary's subcommands and writes
//! `docs/BENCHMARKS.md`:
//!
//! - [`vm_bench`]: in-process, warm caches, in-memory state: the example ERC-20 against a
//!   Solidity ERC-20 on revm; compute kernels ([`rewasm_bench_kernels`]) natively, in rewasm's VM
//!   (metered and not), on wasmi, as a rewasm contract and as Solidity on revm; per-call overhead;
//! - [`node_bench`]: signed ERC-20 transfers per second and `eth_call` latency through JSON-RPC,
//!   against `rewasm node --dev` and anvil, with the same client code;
//! - [`scaling`]: the store's per-block commit time with 1k to 1M accounts;
//! - [`report`]: the Markdown report and its plots.

pub mod abi;
pub mod artifacts;
pub mod calibrate;
pub mod calibrate_cases;
pub mod evm;
pub mod machine;
pub mod network_bench;
pub mod node_bench;
pub mod report;
pub mod rewasm_run;
pub mod scaling;
pub mod soak;
pub mod timing;
pub mod vm_bench;
pub mod wasmi_run;

/// The kernels' sizes: shared by every runner so results can be compared (and checked equal).
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct KernelSizes {
    /// 1 KiB blocks hashed by the keccak and sha256 kernels.
    pub hash_rounds: u32,
    /// Iterations of the 256-bit loop.
    pub u256_iterations: u32,
    /// `n` of the recursive Fibonacci.
    pub fib_n: u32,
}

impl Default for KernelSizes {
    fn default() -> Self {
        Self {
            hash_rounds: 32,
            u256_iterations: 5_000,
            fib_n: 20,
        }
    }
}

/// One kernel: its Solidity/ABI name, the plain wasm export, and its argument.
#[derive(Clone, Copy, Debug)]
pub struct Kernel {
    /// The label in the report.
    pub label: &'static str,
    /// The contract function's Solidity signature.
    pub signature: &'static str,
    /// The plain module's export.
    pub export: &'static str,
    /// The argument.
    pub arg: u32,
}

impl KernelSizes {
    /// The four compute kernels with these sizes.
    pub fn kernels(&self) -> [Kernel; 4] {
        [
            Kernel {
                label: "keccak256 of 1 KiB",
                signature: "keccakRounds(uint32)",
                export: "keccak_rounds",
                arg: self.hash_rounds,
            },
            Kernel {
                label: "sha256 of 1 KiB",
                signature: "sha256Rounds(uint32)",
                export: "sha256_rounds",
                arg: self.hash_rounds,
            },
            Kernel {
                label: "256-bit mul/add loop",
                signature: "u256Loop(uint32)",
                export: "u256_loop",
                arg: self.u256_iterations,
            },
            Kernel {
                label: "recursive fibonacci",
                signature: "fib(uint32)",
                export: "fib",
                arg: self.fib_n,
            },
        ]
    }
}

/// The kernel computed natively: the first 8 bytes of its result word (the value for `fib`).
pub fn native_kernel(export: &str, arg: u32) -> Option<u64> {
    use rewasm_bench_kernels as k;
    Some(match export {
        "keccak_rounds" => k::head(&k::keccak_rounds(arg)),
        "sha256_rounds" => k::head(&k::sha256_rounds(arg)),
        "u256_loop" => k::head(&k::u256_loop(arg)),
        "fib" => k::fib(arg),
        _ => return None,
    })
}
