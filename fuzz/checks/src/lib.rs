//! The checks behind rewasm's fuzz targets.
//!
//! Each fuzz target in `fuzz/fuzz_targets/` is one line: it hands libFuzzer's bytes to the
//! matching `check` function here. Keeping the logic in this ordinary (stable) crate means the
//! same checks run two ways: under libFuzzer with the nightly toolchain (`cargo +nightly fuzz`),
//! and as a plain `cargo test` that replays every committed corpus and regression input
//! (`tests/replay.rs`), so a fixed bug stays fixed without a nightly toolchain.
//!
//! A check *panics* when a property is broken: that is the signal libFuzzer records as a crash.
//! Inputs that are merely uninteresting (a generated module our validator rejects, bytes too short
//! to build a module from) return quietly.
//!
//! | target | what it checks |
//! |---|---|
//! | [`validate`] | arbitrary bytes: validation never panics; an accepted module is valid for a reference validator, compiles and instantiates |
//! | [`execute`] | generated modules under gas: no panic or host crash; same outcome and gas twice, on a cache hit and on a fresh engine |
//! | [`differential`] | rewasm (singlepass, metering, stack limit) against wasmi with an independent per-instruction gas count |
//! | [`host_calls`] | random EEI call sequences with random pointers and lengths through the executor |
//! | [`tx_decode`] | arbitrary bytes into the transaction decoder; signed transactions round-trip |
//! | [`rlp`] | the RLP decoders of the state root and the store; canonical inputs round-trip |
//! | [`jsonrpc`] | arbitrary JSON-RPC requests against a node in a temporary folder |

pub mod differential;
pub mod engine;
pub mod execute;
pub mod host_calls;
pub mod jsonrpc;
pub mod reference;
pub mod rlp;
pub mod smith;
pub mod tx_decode;
pub mod validate;

/// The fuzz targets, by the name of their folder under `fuzz/corpus/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Validate,
    Execute,
    Differential,
    HostCalls,
    TxDecode,
    Rlp,
    JsonRpc,
}

impl Target {
    /// Every target, in the order the fuzz script runs them.
    pub const ALL: [Target; 7] = [
        Target::Validate,
        Target::Execute,
        Target::Differential,
        Target::HostCalls,
        Target::TxDecode,
        Target::Rlp,
        Target::JsonRpc,
    ];

    /// The target's name: its cargo-fuzz binary and its corpus folder.
    pub fn name(self) -> &'static str {
        match self {
            Target::Validate => "validate",
            Target::Execute => "execute",
            Target::Differential => "differential",
            Target::HostCalls => "host_calls",
            Target::TxDecode => "tx_decode",
            Target::Rlp => "rlp",
            Target::JsonRpc => "jsonrpc",
        }
    }

    /// Runs the target's check on one input; panics when a property is broken.
    pub fn check(self, data: &[u8]) {
        match self {
            Target::Validate => validate::check(data),
            Target::Execute => execute::check(data),
            Target::Differential => differential::check(data),
            Target::HostCalls => host_calls::check(data),
            Target::TxDecode => tx_decode::check(data),
            Target::Rlp => rlp::check(data),
            Target::JsonRpc => jsonrpc::check(data),
        }
    }
}
