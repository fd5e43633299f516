//! `eth_simulateV1(payload, block)`: the JSON side of [`crate::chain::simulate`]. The payload
//! is the specification's `EthSimulatePayload`; the answer lists each simulated block as
//! `eth_getBlockByNumber` gives a block, with a `calls` member holding each call's status,
//! return data, gas used, logs and, for a call that reverted or failed, its error (code 3 with
//! the revert data, or `-32015` "vm execution error").
//!
//! `traceTransfers` (value transfers reported as ERC-20 logs of `0xeeee…`) is refused when
//! true: the executor does not report transfers as logs.

use rewasm_eei::CallStatus;
use serde_json::{Value, json};

use super::RpcContext;
use super::error::RpcError;
use super::eth::state_block;
use super::json::{self, LogPosition};
use super::params::{self, Args, BlockId, BlockTag, member, object};
use crate::chain::revert_reason;
use crate::chain::simulate::{
    BlockRequest, CallResult, SimulateRequest, SimulatedBlock, SimulatedCall,
};

type Answer = Result<Value, RpcError>;

/// The JSON-RPC code of a call that failed other than by reverting (the specification's).
const VM_ERROR: i64 = -32015;

/// What the payload asks beyond the simulation itself.
struct Payload {
    request: SimulateRequest,
    full_transactions: bool,
    trace_transfers: bool,
}

pub fn simulate(context: &RpcContext, args: &Args) -> Answer {
    let payload = args.required(0, payload)?;
    if payload.trace_transfers {
        return Err(RpcError::invalid_argument(
            0,
            "traceTransfers is not supported: rewasm does not report value transfers as logs",
        ));
    }
    let id = args
        .optional(1, params::block_id)?
        .unwrap_or(BlockId::Tag(BlockTag::Latest));
    let chain = context.node.chain();
    let number = state_block(chain, id)?;
    let blocks = chain.simulate(&payload.request, number, context.gas_cap)?;
    Ok(Value::Array(
        blocks
            .iter()
            .map(|block| simulated_block(block, payload.full_transactions))
            .collect(),
    ))
}

fn payload(value: &Value, field: Option<&str>) -> Result<Payload, String> {
    const PAYLOAD: &str = "simOpts";
    let map = object(value, "ethapi.simOpts", field)?;
    let blocks = match map.get("blockStateCalls") {
        Some(Value::Array(blocks)) if !blocks.is_empty() => blocks
            .iter()
            .map(|block| block_request(block, Some("simOpts.BlockStateCalls")))
            .collect::<Result<_, _>>()?,
        _ => return Err("empty input".to_string()),
    };
    Ok(Payload {
        request: SimulateRequest {
            blocks,
            validation: member(map, "validation", PAYLOAD, params::boolean)?.unwrap_or(false),
        },
        full_transactions: member(map, "returnFullTransactions", PAYLOAD, params::boolean)?
            .unwrap_or(false),
        trace_transfers: member(map, "traceTransfers", PAYLOAD, params::boolean)?.unwrap_or(false),
    })
}

fn block_request(value: &Value, field: Option<&str>) -> Result<BlockRequest, String> {
    const BLOCK: &str = "simBlock";
    let map = object(value, "ethapi.simBlock", field)?;
    let calls = match map.get("calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(calls)) => calls
            .iter()
            .map(|call| {
                let args = params::call_request(call, Some("simBlock.Calls"))?;
                let nonce = args.nonce;
                let request = args.into_request().map_err(|error| error.message)?;
                Ok(SimulatedCall { request, nonce })
            })
            .collect::<Result<_, String>>()?,
        Some(_) => {
            return Err(
                "json: cannot unmarshal non-array into Go struct field simBlock.Calls".to_string(),
            );
        }
    };
    Ok(BlockRequest {
        block: member(map, "blockOverrides", BLOCK, params::block_overrides)?.unwrap_or_default(),
        state: member(map, "stateOverrides", BLOCK, params::state_overrides)?.unwrap_or_default(),
        calls,
    })
}

fn simulated_block(simulated: &SimulatedBlock, full_transactions: bool) -> Value {
    let block = &simulated.block;
    let calls = simulated
        .calls
        .iter()
        .zip(&block.transactions)
        .enumerate()
        .map(|(index, (call, tx))| {
            let at = |offset: usize| LogPosition {
                block_number: block.header.number,
                block_hash: block.hash,
                tx_hash: tx.hash,
                tx_index: index as u64,
                log_index: call.first_log_index.saturating_add(offset as u64),
            };
            call_result(call, &at)
        })
        .collect();
    let mut answer = json::block(block, full_transactions);
    if let Some(map) = answer.as_object_mut() {
        map.insert("calls".into(), Value::Array(calls));
    }
    answer
}

fn call_result(call: &CallResult, at: &dyn Fn(usize) -> LogPosition) -> Value {
    let logs: Vec<Value> = call
        .logs
        .iter()
        .enumerate()
        .map(|(offset, entry)| json::log(entry, &at(offset)))
        .collect();
    let mut answer = json!({
        "status": json::quantity(u64::from(call.status == CallStatus::Success)),
        "returnData": json::data(&call.output),
        "gasUsed": json::quantity(call.gas_used),
        "logs": logs,
    });
    let error = match call.status {
        CallStatus::Success => None,
        CallStatus::Revert => Some(json!({
            "code": 3,
            "message": match revert_reason(&call.output) {
                Some(reason) => format!("execution reverted: {reason}"),
                None => "execution reverted".to_string(),
            },
            "data": json::data(&call.output),
        })),
        CallStatus::Failure => Some(json!({
            "code": VM_ERROR,
            "message": format!(
                "vm execution error: {}",
                call.failure.as_deref().unwrap_or("execution failed")
            ),
        })),
    };
    if let (Some(error), Some(map)) = (error, answer.as_object_mut()) {
        map.insert("error".into(), error);
    }
    answer
}
