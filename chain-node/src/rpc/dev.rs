//! Chain control for tests, as anvil and hardhat offer it, on the dev chain only: sealing
//! blocks on demand (`evm_mine`, `anvil_mine` / `hardhat_mine`) and moving the clock the next
//! blocks take their timestamps from (`evm_increaseTime`, `evm_setNextBlockTimestamp` /
//! `anvil_setNextBlockTimestamp`). Elsewhere they do not exist (`-32601`, as on geth). Blocks
//! sealed this way are ordinary blocks: their transactions come from the pool and their
//! timestamps are in their headers, so `rewasm verify` replays them.

use serde_json::{Value, json};

use super::error::{METHOD_NOT_FOUND, RpcError};
use super::params::{self, Args};
use super::{RpcContext, json};
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
            "the method {method} does not exist/is not available (chain control is for \
             `rewasm node --dev`)"
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
