//! `jsonrpc`: request bodies into the node's JSON-RPC service, as HTTP requests.
//!
//! The entry point is `rewasm_node::rpc::in_process_service`: the same jsonrpsee server the node
//! listens with (body, batch and response limits, the metrics route, the call middleware and
//! every method), minus the socket. Each input becomes one HTTP `POST /` with a JSON body, so
//! single calls and batches take the server's own parsing and dispatch. The node (a RocksDB store
//! with the dev genesis, instant mining) lives for the whole fuzzing process, so state built by
//! one input (a sent transaction, a filter) is there for the next.
//!
//! Two modes, so that both the protocol layer and the handlers get exercised:
//! - raw: input starting with `{` or `[` is the request body itself;
//! - structured: otherwise the input is cut at `0x00` bytes into calls. In each call the first
//!   byte picks a method of [`rewasm_node::rpc::METHODS`] (or a subscription method), and makes
//!   the call a notification (no `id`) when its top bit is set; the rest is its `params` (used as
//!   is when it is JSON, else wrapped as one string). One call is sent alone, several as a batch
//!   with ids `0, 1, …`.
//!
//! Checked: no panic; HTTP status 200; the body is JSON; a single call gets one response object
//! (`"jsonrpc": "2.0"`, exactly one of `result` and `error`); a structured batch gets exactly one
//! response per call that has an id, each id once (or one error object when the batch is over
//! the limit); a raw batch gets an array of response objects or one error object; no internal
//! error carries a handler's panic message.

use std::collections::BTreeSet;
use std::sync::Arc;

use http_body_util::BodyExt;
use jsonrpsee::server::{HttpBody, ServerHandle};
use rewasm_node::genesis::Genesis;
use rewasm_node::node::{Mining, Node};
use rewasm_node::rpc::{InProcessService, METHODS, RpcConfig, in_process_service};
use serde_json::Value;
use tower::ServiceExt;

/// JSON-RPC's "Internal error" code.
const INTERNAL_ERROR: i64 = -32603;

/// Most calls in one structured batch (the server's limit is 100; a few more test the limit).
const MAX_STRUCTURED_CALLS: usize = 104;

/// The node's service and the runtime it runs on, made on first use.
struct Rpc {
    runtime: tokio::runtime::Runtime,
    service: InProcessService,
    /// Keeps the service running.
    _handle: ServerHandle,
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => panic!("tokio runtime: {err}"),
    };
    // The service spawns its background work (filter expiry, subscriptions) on this runtime.
    let made = runtime.block_on(async { in_process_service(node, &RpcConfig::default()) });
    let (service, handle) = match made {
        Ok(made) => made,
        Err(err) => panic!("registering the methods: {err}"),
    };
    Rpc {
        runtime,
        service,
        _handle: handle,
        _dir: dir,
    }
}

/// What the answer to a body must look like.
#[derive(Debug, PartialEq, Eq)]
pub enum Expect {
    /// Any JSON-RPC answer: one response object, or an array of them.
    Any,
    /// One response object (a single call).
    One,
    /// No response: a single notification. jsonrpsee answers it over HTTP with the body `null`
    /// (geth sends an empty body); either is accepted.
    Nothing,
    /// A batch: one response per id listed (notifications have none), or one error object.
    Batch(BTreeSet<u64>),
}

/// The request body an input stands for, and what its answer must look like.
pub fn request(data: &[u8]) -> Option<(String, Expect)> {
    match data.first() {
        None => None,
        Some(b'{' | b'[') => std::str::from_utf8(data)
            .ok()
            .map(|text| (text.to_string(), Expect::Any)),
        Some(_) => Some(structured(data)),
    }
}

fn structured(data: &[u8]) -> (String, Expect) {
    let names: Vec<&str> = METHODS
        .iter()
        .map(|(name, _, _)| *name)
        .chain(["eth_subscribe", "eth_unsubscribe"])
        .collect();
    let mut calls = Vec::new();
    let mut ids = BTreeSet::new();
    for (id, piece) in (0u64..).zip(data.split(|&b| b == 0).take(MAX_STRUCTURED_CALLS)) {
        let Some((&pick, rest)) = piece.split_first() else {
            continue;
        };
        let method = names
            .get(usize::from(pick & 0x7f) % names.len().max(1))
            .copied()
            .unwrap_or("eth_chainId");
        let text = String::from_utf8_lossy(rest);
        let params = match serde_json::from_str::<Value>(&text) {
            Ok(value) => value,
            Err(_) => Value::Array(vec![Value::String(text.into_owned())]),
        };
        let mut call = serde_json::Map::new();
        call.insert("jsonrpc".into(), "2.0".into());
        call.insert("method".into(), method.into());
        call.insert("params".into(), params);
        if pick & 0x80 == 0 {
            call.insert("id".into(), id.into());
            ids.insert(id);
        }
        calls.push(Value::Object(call));
    }
    match <[Value; 1]>::try_from(calls) {
        Ok([call]) if !ids.is_empty() => (call.to_string(), Expect::One),
        Ok([call]) => (call.to_string(), Expect::Nothing),
        Err(calls) => (Value::Array(calls).to_string(), Expect::Batch(ids)),
    }
}

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    let Some((body, expect)) = request(data) else {
        return;
    };
    let (status, answer) = RPC.with(|rpc| post(rpc, body));
    assert_eq!(status, http::StatusCode::OK, "HTTP status; body: {answer}");
    let nothing_expected = match &expect {
        Expect::Nothing | Expect::Any => true,
        Expect::Batch(ids) => ids.is_empty(),
        Expect::One => false,
    };
    if answer.is_empty() || answer == "null" {
        assert!(nothing_expected, "no answer to {expect:?}");
        return;
    }
    let value: Value = match serde_json::from_str(&answer) {
        Ok(value) => value,
        Err(err) => panic!("answer is not JSON ({err}): {answer}"),
    };
    match (&expect, &value) {
        (Expect::Nothing, _) => panic!("a notification was answered: {answer}"),
        (Expect::One, _) => response_object(&value),
        (Expect::Batch(ids), Value::Array(responses)) => {
            responses.iter().for_each(response_object);
            let answered: Vec<u64> = responses
                .iter()
                .filter_map(|r| r.get("id").and_then(Value::as_u64))
                .collect();
            let unique: BTreeSet<u64> = answered.iter().copied().collect();
            assert_eq!(
                unique.len(),
                answered.len(),
                "an id answered twice: {value}"
            );
            assert_eq!(&unique, ids, "answered ids differ from the calls' ids");
        }
        (Expect::Any, Value::Array(responses)) => responses.iter().for_each(response_object),
        (Expect::Batch(_) | Expect::Any, _) => response_object(&value),
    }
}

/// Sends `body` as `POST /` and returns the status and the answer's text.
fn post(rpc: &Rpc, body: String) -> (http::StatusCode, String) {
    let request = match http::Request::builder()
        .method(http::Method::POST)
        .uri("/")
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(HttpBody::from(body))
    {
        Ok(request) => request,
        Err(err) => panic!("building the HTTP request: {err}"),
    };
    let service = rpc.service.clone();
    rpc.runtime.block_on(async move {
        let response = match service.oneshot(request).await {
            Ok(response) => response,
            Err(err) => panic!("the service failed: {err}"),
        };
        let status = response.status();
        let bytes = match response.into_body().collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(err) => panic!("reading the answer: {err}"),
        };
        (status, String::from_utf8_lossy(&bytes).into_owned())
    })
}

/// One JSON-RPC response object that is not a handler's panic.
fn response_object(value: &Value) {
    assert_eq!(
        value.get("jsonrpc").and_then(Value::as_str),
        Some("2.0"),
        "not a JSON-RPC 2.0 response: {value}"
    );
    let has_result = value.get("result").is_some();
    let has_error = value.get("error").is_some();
    assert!(
        has_result != has_error,
        "answer is not a response object: {value}"
    );
    // A handler that panics inside its blocking task comes back as an internal error (-32603)
    // carrying the join error's "... panicked ..." text. Other errors may echo the request (and
    // so any word), so only internal errors are searched.
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structured_inputs_become_calls_notifications_and_batches() {
        assert_eq!(request(b"\x01[]").map(|(_, e)| e), Some(Expect::One));
        assert_eq!(request(b"\x81[]").map(|(_, e)| e), Some(Expect::Nothing));
        let (body, expect) = request(b"\x01[]\x00\x81[]\x00\x02[]").unwrap();
        assert_eq!(expect, Expect::Batch(BTreeSet::from([0, 2])));
        let batch: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(batch.as_array().map(Vec::len), Some(3));
        assert_eq!(
            batch[1].get("id"),
            None,
            "the middle call is a notification"
        );
        assert_eq!(request(b"[1]").map(|(_, e)| e), Some(Expect::Any));
    }

    #[test]
    fn a_batch_is_answered_once_per_call_with_an_id() {
        let (body, _) = request(b"\x01[]\x00\x81[]\x00\x02[]").unwrap();
        let (status, answer) = RPC.with(|rpc| post(rpc, body));
        assert_eq!(status, http::StatusCode::OK);
        let answer: Value = serde_json::from_str(&answer).unwrap();
        let mut ids: Vec<u64> = answer
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_u64().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, [0, 2]);
    }
}
