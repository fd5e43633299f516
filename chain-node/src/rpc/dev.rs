//! Chain control for tests, as anvil and hardhat offer it, on the dev chain only: sealing
//! blocks on demand (`evm_mine`, `anvil_mine` / `hardhat_mine`) and moving the clock the next
//! blocks take their timestamps from (`evm_increaseTime`, `evm_setNextBlockTimestamp` /
//! `anvil_setNextBlockTimestamp`), and editing the state (`anvil_setBalance`, `anvil_setNonce`,
//! `anvil_setCode`, `anvil_setStorageAt` and their `hardhat_` names), and returning to an earlier
//! state (`evm_snapshot` / `evm_revert`, `anvil_reset` / `hardhat_reset`: see
//! [`crate::chain::snapshot`]), and sending for accounts without their keys
//! (`anvil_impersonateAccount`, `anvil_stopImpersonatingAccount`,
//! `anvil_autoImpersonateAccount` and the `hardhat_` names of the first two:
//! [`crate::node::impersonation`]). Elsewhere they do not
//! exist (`-32601`, as on geth). Blocks sealed this way are ordinary blocks: their transactions
//! come from the pool and their timestamps are in their headers, so `rewasm verify` replays
//! them; state edits are recorded beside the blocks and replayed too ([`crate::chain::edit`]).

use serde_json::{Value, json};

use super::error::{METHOD_NOT_FOUND, RpcError};
use super::params::{self, Args};
use super::{RpcContext, json};
use crate::chain::StateEdit;
use crate::node::clock::MAX_TIMESTAMP;

type Answer = Result<Value, RpcError>;

/// The most blocks one `anvil_mine` seals: each is a synced write, so the work a request
/// causes stays bounded.
pub const MAX_MINED_AT_ONCE: u64 = 10_000;

/// The method exists on the dev chain only.
fn dev_only(context: &RpcContext, method: &str) -> Result<(), RpcError> {
    if context.dev_chain {
        return Ok(());
    }
    Err(RpcError {
        code: METHOD_NOT_FOUND,
        message: format!(
            "the method {method} does not exist/is not available (chain control is for dev \
             chains: `rewasm node --dev`, or a genesis with devMode)"
        ),
        data: None,
    })
}

/// A number of seconds or blocks as a quantity (`"0x10"`) or a JSON number (hardhat's tests
/// send plain numbers).
fn count(value: &Value, field: Option<&str>) -> Result<u64, String> {
    match value {
        Value::Number(number) => number
            .as_u64()
            .ok_or_else(|| format!("{number} is not a whole number of at most 64 bits")),
        other => params::quantity_u64(other, field),
    }
}

/// Seals one block, empty or with what the pool holds, at `timestamp` if given.
pub fn evm_mine(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "evm_mine")?;
    if let Some(timestamp) = args.optional(0, count)? {
        set_next(context, timestamp)?;
    }
    context.node.mine_block(true)?;
    Ok(json!("0x0"))
}

/// `anvil_mine([blocks], [interval])`: seals `blocks` blocks (default 1), each `interval`
/// seconds (default 1) after the one before.
pub fn anvil_mine(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "anvil_mine")?;
    let blocks = args.optional(0, count)?.unwrap_or(1);
    let interval = args.optional(1, count)?.unwrap_or(1);
    if blocks > MAX_MINED_AT_ONCE {
        return Err(RpcError::invalid_params(format!(
            "at most {MAX_MINED_AT_ONCE} blocks at once, not {blocks}"
        )));
    }
    for _ in 0..blocks {
        let parent = context.node.chain().head().header.timestamp;
        let wanted = context.node.clock().next_timestamp();
        context.node.clock().set_next(
            parent
                .saturating_add(interval.max(1))
                .max(wanted.unwrap_or_default()),
        );
        context.node.mine_block(true)?;
    }
    Ok(Value::Null)
}

/// `evm_increaseTime(seconds)`: every later block's timestamp moves `seconds` forward; the
/// total moved so far.
pub fn evm_increase_time(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "evm_increaseTime")?;
    let seconds = args.required(0, count)?;
    Ok(json!(json::quantity(
        context.node.clock().increase(seconds)
    )))
}

/// `evm_setNextBlockTimestamp(timestamp)`: the next block's timestamp, after the head's.
pub fn evm_set_next_block_timestamp(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "evm_setNextBlockTimestamp")?;
    set_next(context, args.required(0, count)?)?;
    Ok(Value::Null)
}

/// Asks the next block for `timestamp`, which must be after the head's (anvil's text).
fn set_next(context: &RpcContext, timestamp: u64) -> Result<(), RpcError> {
    let parent = context.node.chain().head().header.timestamp;
    if timestamp > MAX_TIMESTAMP {
        return Err(RpcError::invalid_params(format!(
            "timestamp {timestamp} is after the latest a block may ask for ({MAX_TIMESTAMP})"
        )));
    }
    if timestamp <= parent {
        return Err(RpcError::server(format!(
            "Timestamp error: {timestamp} is lower than or equal to previous block's timestamp \
             {parent}"
        )));
    }
    context.node.clock().set_next(timestamp);
    Ok(())
}

/// What an edit answers: anvil's methods `null`, hardhat's `true`.
fn edited(context: &RpcContext, method: &str, edit: StateEdit) -> Answer {
    dev_only(context, method)?;
    context
        .node
        .chain()
        .edit_state(&edit)
        .map_err(|error| match error {
            crate::chain::ChainError::InvalidEdit(reason) => RpcError::invalid_params(reason),
            other => other.into(),
        })?;
    tracing::info!(method, address = ?edit.address(), "state edited");
    Ok(if method.starts_with("hardhat_") {
        Value::Bool(true)
    } else {
        Value::Null
    })
}

/// A 32-byte word as hardhat (32 bytes of data) or anvil (a quantity) sends it.
fn word(value: &Value, field: Option<&str>) -> Result<primitive_types::H256, String> {
    let text = params::string(value, field)?;
    params::storage_slot(&text).map_err(|error| error.message)
}

fn set_balance(context: &RpcContext, args: &Args, method: &str) -> Answer {
    let edit = StateEdit::Balance {
        address: args.required(0, params::address)?,
        balance: args.required(1, params::quantity_u256)?,
    };
    edited(context, method, edit)
}

fn set_nonce(context: &RpcContext, args: &Args, method: &str) -> Answer {
    let edit = StateEdit::Nonce {
        address: args.required(0, params::address)?,
        nonce: args.required(1, count)?,
    };
    edited(context, method, edit)
}

fn set_code(context: &RpcContext, args: &Args, method: &str) -> Answer {
    let edit = StateEdit::Code {
        address: args.required(0, params::address)?,
        code: args.required(1, params::bytes)?,
    };
    edited(context, method, edit)
}

fn set_storage_at(context: &RpcContext, args: &Args, method: &str) -> Answer {
    let edit = StateEdit::Storage {
        address: args.required(0, params::address)?,
        slot: args.required(1, word)?,
        value: args.required(2, word)?,
    };
    edited(context, method, edit)
}

pub fn anvil_set_balance(context: &RpcContext, args: &Args) -> Answer {
    set_balance(context, args, "anvil_setBalance")
}

pub fn hardhat_set_balance(context: &RpcContext, args: &Args) -> Answer {
    set_balance(context, args, "hardhat_setBalance")
}

pub fn anvil_set_nonce(context: &RpcContext, args: &Args) -> Answer {
    set_nonce(context, args, "anvil_setNonce")
}

pub fn hardhat_set_nonce(context: &RpcContext, args: &Args) -> Answer {
    set_nonce(context, args, "hardhat_setNonce")
}

pub fn anvil_set_code(context: &RpcContext, args: &Args) -> Answer {
    set_code(context, args, "anvil_setCode")
}

pub fn hardhat_set_code(context: &RpcContext, args: &Args) -> Answer {
    set_code(context, args, "hardhat_setCode")
}

pub fn anvil_set_storage_at(context: &RpcContext, args: &Args) -> Answer {
    set_storage_at(context, args, "anvil_setStorageAt")
}

pub fn hardhat_set_storage_at(context: &RpcContext, args: &Args) -> Answer {
    set_storage_at(context, args, "hardhat_setStorageAt")
}

/// `evm_snapshot`: holds a snapshot of the chain (and the dev clock); its id.
pub fn evm_snapshot(context: &RpcContext, _: &Args) -> Answer {
    dev_only(context, "evm_snapshot")?;
    let id = context.node.snapshot().map_err(|error| match error {
        crate::chain::ChainError::TooManySnapshots(full) => RpcError::server(full.to_string()),
        other => other.into(),
    })?;
    Ok(json!(json::quantity(id)))
}

/// `evm_revert(id)`: returns to snapshot `id`, releasing it and every later one; `false` if no
/// such snapshot is held.
pub fn evm_revert(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "evm_revert")?;
    let id = args.required(0, count)?;
    let reverted = context.node.revert_to_snapshot(id)?;
    if reverted {
        context
            .filters
            .rewound(context.node.chain().head().header.number);
    }
    Ok(Value::Bool(reverted))
}

fn impersonate(context: &RpcContext, args: &Args, method: &str) -> Answer {
    dev_only(context, method)?;
    let address = args.required(0, params::address)?;
    context
        .node
        .impersonation()
        .start(address)
        .map_err(|full| RpcError::server(full.to_string()))?;
    tracing::info!(?address, "impersonating");
    Ok(anvil_or_hardhat(method))
}

fn stop_impersonating(context: &RpcContext, args: &Args, method: &str) -> Answer {
    dev_only(context, method)?;
    let address = args.required(0, params::address)?;
    context.node.impersonation().stop(&address);
    Ok(anvil_or_hardhat(method))
}

/// anvil answers null where hardhat answers `true`.
fn anvil_or_hardhat(method: &str) -> Value {
    if method.starts_with("hardhat_") {
        Value::Bool(true)
    } else {
        Value::Null
    }
}

pub fn anvil_impersonate_account(context: &RpcContext, args: &Args) -> Answer {
    impersonate(context, args, "anvil_impersonateAccount")
}

pub fn hardhat_impersonate_account(context: &RpcContext, args: &Args) -> Answer {
    impersonate(context, args, "hardhat_impersonateAccount")
}

pub fn anvil_stop_impersonating_account(context: &RpcContext, args: &Args) -> Answer {
    stop_impersonating(context, args, "anvil_stopImpersonatingAccount")
}

pub fn hardhat_stop_impersonating_account(context: &RpcContext, args: &Args) -> Answer {
    stop_impersonating(context, args, "hardhat_stopImpersonatingAccount")
}

/// `anvil_autoImpersonateAccount(bool)`: sends for every sender without its key, or stops.
pub fn anvil_auto_impersonate_account(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "anvil_autoImpersonateAccount")?;
    let everyone = args.required(0, params::boolean)?;
    context.node.impersonation().set_everyone(everyone);
    Ok(Value::Null)
}

/// `anvil_reset` / `hardhat_reset`: returns to the genesis. Forking is not supported: options
/// that name a URL or block to fork are refused (viem sends `{"forking": {"blockNumber": null}}`
/// for a plain reset).
pub fn anvil_reset(context: &RpcContext, args: &Args) -> Answer {
    dev_only(context, "anvil_reset")?;
    let options = args.optional(0, |value, _| Ok(value.clone()))?;
    let forks = |field: &str| {
        options
            .as_ref()
            .and_then(|options| options.get("forking"))
            .and_then(|forking| forking.get(field))
            .is_some_and(|value| !value.is_null())
    };
    if forks("jsonRpcUrl") || forks("blockNumber") {
        return Err(RpcError::invalid_params(
            "forking is not supported: rewasm runs wasm contracts, not a fork of an EVM chain",
        ));
    }
    context.node.reset()?;
    context.filters.rewound(0);
    Ok(Value::Null)
}
