//! `jsonrpc`: requests into the JSON-RPC handlers of a dev node in a temporary folder.
//!
//! The entry point is `rewasm_node::rpc::module` — the same `RpcModule` the server serves — and
//! jsonrpsee's `raw_json_request`, which parses a request string and dispatches it exactly as a
//! server connection would, minus HTTP. The node (a RocksDB store with the dev genesis, instant
//! mining) lives for the whole fuzzing process, so state built by one input (a sent transaction,
//! a filter) is there for the next.
//!
//! Two modes, so that both the protocol layer and the handlers get exercised:
//! - raw: input starting with `{` or `[` is the request text itself;
//! - structured: otherwise the first byte picks a method of [`rewasm_node::rpc::METHODS`] (or a
//!   subscription method) and the rest is its `params` (used as is when it is JSON, else wrapped
//!   as one string).
//!
//! Checked: no panic (a handler panic would surface as an internal error from the blocking
//! task's join, which is also rejected), and every answer is a JSON-RPC response object: valid
//! JSON with either `result` or `error`.

use std::sync::Arc;

use jsonrpsee::RpcModule;
use rewasm_node::genesis::Genesis;
use rewasm_node::node::{Mining, Node};
use rewasm_node::rpc::{FILTER_TIMEOUT, Filters, LogLimits, METHODS, RpcContext, module};
use serde_json::Value;

/// JSON-RPC's "Internal error" code.
const INTERNAL_ERROR: i64 = -32603;

/// The node and the runtime its handlers run on, made on first use.
struct Rpc {
    runtime: tokio::runtime::Runtime,
    module: RpcModule<RpcContext>,
    /// The node's data folder, removed when the thread ends.
    _dir: tempfile::TempDir,
}

thread_local! {
    static RPC: Rpc = start();
}

fn start() -> Rpc {
    let dir = match tempfile::Builder::new().prefix("rewasm-fuzz-rpc").tempdir() {
        Ok(dir) => dir,
        Err(err) => panic!("temporary folder: {err}"),
    };
    let genesis = match Genesis::dev() {
        Ok(genesis) => genesis,
        Err(err) => panic!("dev genesis: {err}"),
    };
    let node = match Node::open(&dir.path().join("data"), &genesis, Mining::Instant) {
        Ok(node) => Arc::new(node),
        Err(err) => panic!("opening the node: {err}"),
    };
    let context = RpcContext {
        node,
        filters: Filters::new(FILTER_TIMEOUT),
        log_limits: LogLimits::default(),
    };
    let module = match module(context) {
        Ok(module) => module,
        Err(err) => panic!("registering the methods: {err}"),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => panic!("tokio runtime: {err}"),
    };
    Rpc {
        runtime,
        module,
        _dir: dir,
    }
}

/// The request text an input stands for.
pub fn request(data: &[u8]) -> Option<String> {
    match data.split_first() {
        None => None,
        Some((b'{' | b'[', _)) => std::str::from_utf8(data).ok().map(str::to_string),
        Some((&pick, rest)) => {
            let names: Vec<&str> = METHODS
                .iter()
                .map(|(name, _, _)| *name)
                .chain(["eth_subscribe", "eth_unsubscribe"])
                .collect();
            let index = usize::from(pick) % names.len();
            let method = names.get(index).copied().unwrap_or("eth_chainId");
            let text = String::from_utf8_lossy(rest);
            let params = match serde_json::from_str::<Value>(&text) {
                Ok(value) => value,
                Err(_) => Value::Array(vec![Value::String(text.into_owned())]),
            };
            let request = serde_json::json!({
                "jsonrpc": "2.0",
                "id": 1,
                "method": method,
                "params": params,
            });
            Some(request.to_string())
        }
    }
}

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    let Some(text) = request(data) else {
        return;
    };
    RPC.with(|rpc| {
        let answer = rpc.runtime.block_on(rpc.module.raw_json_request(&text, 1));
        // A request jsonrpsee cannot parse never reaches a handler; the server answers it with
        // a parse error. Nothing more to check here.
        let Ok((response, _subscription)) = answer else {
            return;
        };
        let value: Value = match serde_json::from_str(response.get()) {
            Ok(value) => value,
            Err(err) => panic!("answer is not JSON ({err}): {}", response.get()),
        };
        let has_result = value.get("result").is_some();
        let has_error = value.get("error").is_some();
        assert!(
            has_result != has_error,
            "answer is not a response object: {value}"
        );
        // A handler that panics inside its blocking task comes back as an internal error
        // (-32603) carrying the join error's "... panicked ..." text. Other errors may echo
        // the request (and so any word), so only internal errors are searched.
        let error = value.get("error");
        let code = error.and_then(|e| e.get("code")).and_then(Value::as_i64);
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        assert!(
            !(code == Some(INTERNAL_ERROR) && message.contains("panicked")),
            "a handler panicked: {message}"
        );
    });
}
