//! Call traces over JSON-RPC, in geth's `callTracer` form: `debug_traceTransaction`,
//! `debug_traceBlockByNumber`, `debug_traceBlockByHash` and `debug_traceCall`
//! ([`crate::chain::trace`]). Each frame is `{type, from, to, value, gas, gasUsed, input,
//! output, error, revertReason, logs, calls}`; `tracerConfig.onlyTopCall` leaves out the nested
//! calls and `withLog` adds each frame's own logs with their `position`. On a dev chain the
//! root also carries `debug`: what the transaction's contracts printed (module `debug`).
//!
//! geth's default tracer, the opcode (struct) logger, has nothing to log here: rewasm runs
//! wasm, not EVM opcodes, so a request without `"tracer": "callTracer"` is refused with a
//! message saying so.

use serde_json::{Map, Value, json};

use super::eth::{Answer, block_by_id, call_state, capped_request};
use super::params::{self, Args, BlockId, BlockTag};
use super::{RpcContext, RpcError, json};
use crate::chain::overrides::{BlockOverrides, Overrides, StateOverrides};
use crate::chain::{CallRequest, Traced, revert_reason};
use rewasm_eei::CallStatus;
use rewasm_executor::{CallFrame, DebugOutput};

/// What a trace request asks for (its `TraceConfig`).
#[derive(Clone, Copy, Debug, Default)]
struct Config {
    only_top_call: bool,
    with_log: bool,
}

/// The `TraceConfig` at `index`: `{"tracer": "callTracer", "tracerConfig": {...}}`.
fn config(args: &Args, index: usize) -> Result<Config, RpcError> {
    let given = args.optional(index, |value, _| Ok(value.clone()))?;
    let tracer = given
        .as_ref()
        .and_then(|config| config.get("tracer"))
        .and_then(Value::as_str);
    if tracer != Some("callTracer") {
        return Err(RpcError::invalid_argument(
            index,
            format!(
                "the tracer {} is not supported: rewasm traces calls only (`{{\"tracer\": \
                 \"callTracer\"}}`); it runs wasm, so there are no EVM opcodes to log",
                tracer.map_or("(the opcode logger, the default)".to_string(), |t| format!(
                    "{t:?}"
                ))
            ),
        ));
    }
    let flag = |name: &str| -> Result<bool, RpcError> {
        match given
            .as_ref()
            .and_then(|config| config.get("tracerConfig"))
            .and_then(|config| config.get(name))
        {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(on)) => Ok(*on),
            Some(other) => Err(RpcError::invalid_argument(
                index,
                format!("tracerConfig.{name} is {other}, not a boolean"),
            )),
        }
    };
    Ok(Config {
        only_top_call: flag("onlyTopCall")?,
        with_log: flag("withLog")?,
    })
}

/// `stateOverrides` and `blockOverrides` of the `TraceCallConfig` at `index`, as `eth_call`'s
/// third and fourth parameters.
fn call_overrides(args: &Args, index: usize) -> Result<Overrides, RpcError> {
    let given = args.optional(index, |value, _| Ok(value.clone()))?;
    let member = |name: &str| {
        given
            .as_ref()
            .and_then(|config| config.get(name))
            .filter(|v| !v.is_null())
    };
    let invalid = |why| RpcError::invalid_argument(index, why);
    let state = match member("stateOverrides") {
        Some(value) => params::state_overrides(value, Some("TraceCallConfig.StateOverrides"))
            .map_err(invalid)?,
        None => StateOverrides::default(),
    };
    let block = match member("blockOverrides") {
        Some(value) => params::block_overrides(value, Some("TraceCallConfig.BlockOverrides"))
            .map_err(invalid)?,
        None => BlockOverrides::default(),
    };
    Ok(Overrides { state, block })
}

/// One frame, and the frames under it unless only the top call is asked for.
fn frame(frame: &CallFrame, config: Config) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(frame.kind.name()));
    out.insert("from".into(), json!(json::address(&frame.from)));
    if let Some(to) = &frame.to {
        out.insert("to".into(), json!(json::address(to)));
    }
    if let Some(value) = frame.value {
        out.insert("value".into(), json!(json::quantity_u256(value)));
    }
    out.insert("gas".into(), json!(json::quantity(frame.gas)));
    out.insert("gasUsed".into(), json!(json::quantity(frame.gas_used)));
    out.insert("input".into(), json!(json::data(&frame.input)));
    out.insert("output".into(), json!(json::data(&frame.output)));
    match frame.status {
        CallStatus::Success => {}
        CallStatus::Revert => {
            out.insert("error".into(), json!("execution reverted"));
            if let Some(reason) = revert_reason(&frame.output) {
                out.insert("revertReason".into(), json!(reason));
            }
        }
        CallStatus::Failure => {
            let error = frame.failure.as_deref().unwrap_or("execution failed");
            out.insert("error".into(), json!(error));
        }
    }
    if config.with_log && !frame.logs.is_empty() {
        let logs = frame.logs.iter().map(|traced| {
            json!({
                "address": json::address(&traced.log.address),
                "topics": traced.log.topics.iter().map(json::hash).collect::<Vec<_>>(),
                "data": json::data(&traced.log.data),
                "position": json::quantity(traced.position as u64),
            })
        });
        out.insert("logs".into(), Value::Array(logs.collect()));
    }
    if !config.only_top_call && !frame.calls.is_empty() {
        let calls = frame.calls.iter().map(|call| self::frame(call, config));
        out.insert("calls".into(), Value::Array(calls.collect()));
    }
    Value::Object(out)
}

/// The root frame with what the contracts printed, if they printed.
fn root(trace: &CallFrame, debug: &DebugOutput, config: Config) -> Value {
    let mut out = frame(trace, config);
    if let Value::Object(map) = &mut out {
        if !debug.lines.is_empty() {
            let lines = debug.lines.iter().map(|line| line.text.as_str());
            map.insert("debug".into(), json!(lines.collect::<Vec<_>>()));
        }
        if trace.untraced > 0 {
            map.insert("untracedFrames".into(), json!(trace.untraced));
        }
        if trace.untraced_bytes > 0 {
            map.insert("untracedBytes".into(), json!(trace.untraced_bytes));
        }
    }
    out
}

/// `debug_traceTransaction(hash, config)`.
pub fn trace_transaction(context: &RpcContext, args: &Args) -> Answer {
    let hash = args.required(0, params::hash)?;
    let config = config(args, 1)?;
    let traced = context.node.chain().trace_transaction(&hash)?;
    let traced =
        traced.ok_or_else(|| RpcError::server(format!("transaction {hash:?} not found")))?;
    Ok(root(&traced.trace, &traced.debug, config))
}

/// `debug_traceBlockByNumber(block, config)` / `debug_traceBlockByHash(hash, config)`:
/// `[{txHash, result}]` in block order.
pub fn trace_block(context: &RpcContext, args: &Args) -> Answer {
    let config = config(args, 1)?;
    let chain = context.node.chain();
    let not_found = || RpcError::server("block not found");
    let block = block_by_id(chain, args.required(0, params::block_id)?)?.ok_or_else(not_found)?;
    let traced = chain
        .trace_block(block.header.number)?
        .ok_or_else(not_found)?;
    Ok(Value::Array(
        traced
            .iter()
            .map(|Traced { hash, trace, debug }| {
                json!({"txHash": json::hash(hash), "result": root(trace, debug, config)})
            })
            .collect(),
    ))
}

/// `debug_traceCall(call, block, config)`: the call's trace on the state after `block`, with
/// the state and block overrides the config may carry (geth's `TraceCallConfig`).
pub fn trace_call(context: &RpcContext, args: &Args) -> Answer {
    let request = CallRequest {
        overrides: call_overrides(args, 2)?,
        ..capped_request(context, args)?
    };
    let id = args
        .optional(1, params::block_id)?
        .unwrap_or(BlockId::Tag(BlockTag::Latest));
    let config = config(args, 2)?;
    let chain = context.node.chain();
    let outcome = chain.trace_call(&request, call_state(chain, id)?)?;
    let trace = outcome
        .trace
        .ok_or_else(|| RpcError::internal("the call left no trace"))?;
    Ok(root(&trace, &outcome.debug, config))
}
