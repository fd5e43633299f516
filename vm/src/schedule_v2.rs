//! The `v2` schedule: gas proportional to the time it buys.
//!
//! One gas is meant to buy the time one EVM gas buys in revm on the same machine, so that a
//! block's gas limit bounds its time the same way on both. Instructions are priced in ink
//! (10 000 per gas) at their measured marginal time, including the meter's own per-block check
//! (charged with the control-flow operators that end a block). Host functions with an EVM
//! meaning keep their EVM price; the work the EVM does not have (starting a wasm frame, the
//! trampoline into the host, loading a module a transaction has not run yet) is priced on top
//! from its measured time. Transaction data is priced
//! as EIP-2028 does (16 per non-zero byte) and deposited code per byte of it compressed (what the
//! node stores), both at the EVM's prices. `docs/GAS.md` lists the
//! measurements (`rewasm-bench calibrate`) each number comes from, and the safety argument.

use rewasm_eei::HostModules;
use rewasm_eei::gas::{CodeLoads, HostPrices, StateAccess};
use rewasm_primitives::consensus::{CODE_DEPOSIT_PER_BYTE, CalldataPrices, CodeDeposit};

use crate::schedule::{GasSchedule, InstructionCosts, MemoryPrices, TransactionMemory};

/// Ink per gas.
pub const INK_PER_GAS: u64 = 10_000;

/// The host's bulk work under `v2`, in gas. A code load is priced at reading its artifact from
/// disk for the shape with the most machine code per byte (24 KB of tiny functions: 788–819 µs,
/// `host-call-uncached-tiny-functions`); 2 600 is EIP-2929's cold account access.
pub const V2_HOST_PRICES: HostPrices = HostPrices {
    input_per_word: 1,
    output_per_word: 1,
    code_per_byte: 50,
    init_byte: 2,
    frame_start: 6_500,
    code_loads: Some(CodeLoads {
        cold: 2_600,
        cold_per_byte: 2,
        target_allowance: 21_000,
        max_per_transaction: 256,
    }),
    state_access: Some(StateAccess::LONDON),
};

/// Memory under `v2`.
pub const V2_MEMORY: TransactionMemory = TransactionMemory {
    frame_free_pages: 4,
    page: 2_600,
    frame_max_pages: 8,
    tx_free_pages: 64,
    tx_quadratic: 20,
    max_pages: 1_024,
};

/// The `v2` schedule.
pub fn schedule() -> GasSchedule {
    GasSchedule {
        name: "v2",
        ink_per_gas: INK_PER_GAS,
        instructions: InstructionCosts {
            trivial: 60,
            control: 260,
            branch: 2_550,
            br_table: 7_650,
            alu: 60,
            mul: 380,
            div: 4_250,
            load: 4_250,
            store: 1_020,
            call: 6_800,
            host_call: 38_250,
            call_indirect: 9_350,
            call_param: 420,
            ret: 420,
            memory_size: 4_250,
            memory_grow: 85_000,
            bulk_memory: 7_220,
            other: 1_700,
        },
        bulk_memory_per_word: 700,
        memory: MemoryPrices::Transaction(V2_MEMORY),
        host: V2_HOST_PRICES,
        modules: HostModules::ALL,
        calldata: CalldataPrices::ISTANBUL,
        deposit: CodeDeposit::PerCompressedByte(CODE_DEPOSIT_PER_BYTE),
    }
}
