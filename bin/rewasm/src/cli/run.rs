//! `rewasm run --code FILE [--input HEX] [--gas N] [--value N] [--schedule NAME] [--state FILE]`:
//! runs a contract's `main` once against an in-memory state and prints what happened as JSON —
//! a contract developer's first debugging tool. Module `debug` is offered, as on the dev chain:
//! what the contract printed (`rewasm_sdk::debug!`) is the report's `debug` lines.
//!
//! The contract is installed at [`CONTRACT`] (replacing any account there in `--state`), called
//! by [`CALLER`] (funded with the value if needed) with gas price 0, in block 1. `gasUsed` is the
//! contract frame's gas, without the transaction's intrinsic gas.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use primitive_types::{H160, H256, U256};
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{
    Account, Bytecode, InMemoryState, OUT_OF_GAS, Transaction, execute_transaction, intrinsic_gas,
};
use rewasm_statetest::load_state;
use rewasm_vm::{Engine, GasSchedule, VmConfig};
use serde_json::json;

/// Where the contract runs.
pub(super) const CONTRACT: H160 = H160([
    0xc0, 0xde, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
]);
/// Who calls it.
pub(super) const CALLER: H160 = H160([
    0xca, 0x11, 0xe4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
]);

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// The contract: a .wasm binary or .wat text.
    #[arg(long)]
    code: PathBuf,
    /// Call data, hex (with or without 0x).
    #[arg(long, default_value = "")]
    input: String,
    /// Gas for the contract frame.
    #[arg(long, default_value_t = 10_000_000)]
    gas: u64,
    /// Value sent with the call, in wei (decimal or 0x-hex).
    #[arg(long, default_value = "0")]
    value: String,
    /// Gas schedule: `v2` (the dev chain's), `default` or `ewasm-conformance`.
    #[arg(long, default_value = "v2")]
    schedule: String,
    /// Accounts to start from (the format of a state test's `pre` section).
    #[arg(long)]
    state: Option<PathBuf>,
}

fn parse_value(text: &str) -> anyhow::Result<U256> {
    match text.strip_prefix("0x") {
        Some(hex) => {
            U256::from_str_radix(hex, 16).map_err(|e| anyhow::anyhow!("bad --value {text}: {e:?}"))
        }
        None => U256::from_dec_str(text).map_err(|e| anyhow::anyhow!("bad --value {text}: {e:?}")),
    }
}

fn read_code(path: &PathBuf) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if !bytes.starts_with(b"\0asm") && path.extension().is_some_and(|e| e == "wat") {
        return Ok(wat::parse_bytes(&bytes)
            .context("parsing WebAssembly text")?
            .into_owned());
    }
    Ok(bytes)
}

pub(super) fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let Some(schedule) = GasSchedule::by_name(&args.schedule) else {
        bail!(
            "unknown schedule {:?}; use v2, default or ewasm-conformance",
            args.schedule
        );
    };
    let code = read_code(&args.code)?;
    let input = hex::decode(args.input.trim_start_matches("0x")).context("--input is not hex")?;
    let value = parse_value(&args.value)?;
    let mut state = match &args.state {
        Some(path) => load_state(path)?,
        None => InMemoryState::default(),
    };
    let mut contract = state.accounts.remove(&CONTRACT).unwrap_or_default();
    contract.basic.code = Bytecode::new(code);
    state.accounts.insert(CONTRACT, contract);
    let caller = state
        .accounts
        .entry(CALLER)
        .or_insert_with(Account::default);
    caller.basic.balance = caller.basic.balance.max(value);
    let before = state.clone();

    let mut tx = Transaction {
        sender: CALLER,
        to: Some(CONTRACT),
        value,
        data: input,
        ..Transaction::default()
    };
    tx.nonce = before
        .accounts
        .get(&CALLER)
        .map(|a| a.basic.nonce)
        .unwrap_or_default();
    let intrinsic = intrinsic_gas(&tx, schedule.calldata);
    tx.gas_limit = args.gas.saturating_add(intrinsic);
    let block = BlockInfo {
        number: 1,
        timestamp: 1,
        gas_limit: tx.gas_limit,
        ..BlockInfo::default()
    };
    // A developer's tool: module `debug` is offered, as on the dev chain.
    let engine = Engine::new(VmConfig {
        schedule: GasSchedule {
            modules: schedule.modules.with_debug(),
            ..schedule
        },
        ..VmConfig::default()
    })
    .context("creating the engine")?;
    let receipt = execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &tx)?;

    let status = match (receipt.status, receipt.failure.as_deref()) {
        (CallStatus::Success, _) => "success",
        (CallStatus::Revert, _) => "revert",
        (CallStatus::Failure, Some(OUT_OF_GAS)) => "out-of-gas",
        (CallStatus::Failure, _) => "failure",
    };
    let logs: Vec<_> = receipt
        .logs
        .iter()
        .map(|log| {
            json!({
                "address": format!("{:?}", log.address),
                "topics": log.topics.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>(),
                "data": format!("0x{}", hex::encode(&log.data)),
            })
        })
        .collect();
    let report = json!({
        "status": status,
        "gasUsed": receipt.gas_used.saturating_sub(intrinsic),
        "intrinsicGas": intrinsic,
        "output": format!("0x{}", hex::encode(&receipt.output)),
        "logs": logs,
        "storage": storage_writes(&before, &state),
        "trap": receipt.failure,
        "debug": receipt.debug.lines.iter().map(|line| &line.text).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if receipt.status == CallStatus::Success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The contract's storage slots that changed, slot → new value (zero when cleared).
fn storage_writes(
    before: &InMemoryState,
    after: &InMemoryState,
) -> serde_json::Map<String, serde_json::Value> {
    let empty = Default::default();
    let old = before
        .accounts
        .get(&CONTRACT)
        .map_or(&empty, |a| &a.storage);
    let new = after.accounts.get(&CONTRACT).map_or(&empty, |a| &a.storage);
    old.keys()
        .chain(new.keys())
        .filter(|key| old.get(*key) != new.get(*key))
        .map(|key| {
            let value = new.get(key).copied().unwrap_or_else(H256::zero);
            (format!("{key:?}"), json!(format!("{value:?}")))
        })
        .collect()
}
