//! `rewasm node`: the binary serves JSON-RPC, logs JSON lines, and stops cleanly on SIGTERM.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::SocketAddr;

use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::HttpClientBuilder;
use jsonrpsee::rpc_params;
use serde_json::{Value, json};

use crate::common::{post_json, rpc, start_node, transfer};
use rewasm_node::genesis::{DEV_MNEMONIC, derive_accounts};

type LogLines = std::io::Lines<std::io::BufReader<std::process::ChildStderr>>;

/// `rewasm node --dev` logging JSON lines, in `dir`: the child, its log lines after the
/// listening one, and the JSON-RPC address.
fn dev_node_logging_json(dir: &std::path::Path) -> (std::process::Child, LogLines, SocketAddr) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args([
            "node",
            "--dev",
            "--http.port",
            "0",
            "--log-format",
            "json",
            "--datadir",
        ])
        .arg(dir)
        .env_remove("REWASM_LOG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut listening = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        let entry: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        let message = entry["fields"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(addr) = message.strip_prefix("rpc listening on ") {
            assert!(addr.starts_with("127.0.0.1:"));
            listening = Some(addr.parse::<SocketAddr>().unwrap());
            break;
        }
    }
    (child, lines, listening.expect("the listening line"))
}

/// SIGTERM, then the rest of the log; the node must exit 0 after "node stopped".
fn stop(mut child: std::process::Child, lines: LogLines) -> Vec<String> {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0), "{rest:?}");
    assert!(
        rest.iter().any(|line| line.contains("node stopped")),
        "{rest:?}"
    );
    rest
}

#[test]
fn the_binary_serves_logs_json_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (child, lines, addr) = dev_node_logging_json(dir.path());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let chain_id: String = runtime.block_on(async {
        let client = HttpClientBuilder::default()
            .build(format!("http://{addr}"))
            .unwrap();
        client.request("eth_chainId", rpc_params![]).await.unwrap()
    });
    assert_eq!(chain_id, "0x7a69");
    stop(child, lines);
}

/// Deploys (with the node's dev key) a contract whose `main` prints through module `debug`:
/// `(import "debug" "printMem")` of "hello from wasm".
const PRINTER_INIT: &str = r#"(module
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "RUNTIME")
  (func (export "main") (call $finish (i32.const 0) (i32.const LEN))))"#;
const PRINTER: &str = r#"(module
  (import "debug" "printMem" (func $print (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello from wasm")
  (func (export "main") (call $print (i32.const 64) (i32.const 15))))"#;

/// What a contract prints on the dev chain is in the node's log beside the transaction's hash.
#[test]
fn the_dev_node_logs_what_contracts_print_beside_the_transaction() {
    let runtime = wat::parse_str(PRINTER).unwrap();
    let escaped: String = runtime.iter().map(|b| format!("\\{b:02x}")).collect();
    let init = wat::parse_str(
        PRINTER_INIT
            .replace("RUNTIME", &escaped)
            .replace("LEN", &runtime.len().to_string()),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (child, lines, addr) = dev_node_logging_json(dir.path());
    let from = format!("{:?}", derive_accounts(DEV_MNEMONIC, 1).unwrap()[0].address);
    let call = |method, params| {
        let answer = rpc(addr.port(), method, params).unwrap_or_default();
        answer.get("result").cloned().unwrap_or_else(|| {
            let _ = std::process::Command::new("kill")
                .arg(child.id().to_string())
                .status();
            panic!("{method}: {answer}")
        })
    };
    let send = |request: Value| {
        let hash = call("eth_sendTransaction", json!([request]));
        let receipt = call("eth_getTransactionReceipt", json!([hash]));
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        (hash, receipt)
    };
    let (_, deployed) = send(json!({"from": from, "data": format!("0x{}", hex::encode(&init))}));
    let contract = deployed["contractAddress"].as_str().unwrap().to_string();
    let (hash, _) = send(json!({"from": from, "to": contract}));
    let log = stop(child, lines);
    let printed: Vec<Value> = log
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|entry| entry["fields"]["message"] == "debug: hello from wasm")
        .collect();
    assert_eq!(printed.len(), 1, "{log:?}");
    assert_eq!(printed[0]["fields"]["tx"], hash);
    assert_eq!(printed[0]["fields"]["contract"], contract);
}

#[test]
fn the_rpc_bounds_are_the_flags_given() {
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(
        [
            "node",
            "--dev",
            "--http.port",
            "0",
            "--rpc.batch-request-limit",
            "2",
            "--rpc.max-filters",
            "1",
            "--rpc.logs-max-range",
            "5",
            "--datadir",
        ]
        .map(std::ffi::OsStr::new)
        .into_iter()
        .chain([dir.path().as_os_str()]),
    );
    let call =
        |id: u64| json!({"jsonrpc": "2.0", "id": id, "method": "eth_blockNumber", "params": []});
    let timeout = std::time::Duration::from_secs(30);
    let two = post_json(node.port, &json!([call(1), call(2)]), timeout).unwrap();
    assert_eq!(two.as_array().map(Vec::len), Some(2), "{two}");
    let three = post_json(node.port, &json!([call(1), call(2), call(3)]), timeout).unwrap();
    assert_eq!(three["error"]["code"], -32010, "{three}");

    let first = rpc(node.port, "eth_newBlockFilter", json!([])).unwrap();
    assert!(first["result"].is_string(), "{first}");
    let second = rpc(node.port, "eth_newBlockFilter", json!([])).unwrap();
    assert_eq!(
        second["error"]["message"], "exceed max filters: 1",
        "{second}"
    );

    // Six blocks, so that a query can span more than five.
    let from = &derive_accounts(DEV_MNEMONIC, 1).unwrap()[0];
    for nonce in 0..6 {
        let (raw, _) = transfer(from, nonce, primitive_types::H160::repeat_byte(0x42), 1);
        let sent = rpc(node.port, "eth_sendRawTransaction", json!([raw])).unwrap();
        assert!(sent["result"].is_string(), "{sent}");
    }
    let logs = rpc(
        node.port,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "0x6"}]),
    )
    .unwrap();
    assert_eq!(
        logs["error"]["message"], "exceed maximum block range: 5",
        "{logs}"
    );
    let within = rpc(
        node.port,
        "eth_getLogs",
        json!([{"fromBlock": "0x2", "toBlock": "0x6"}]),
    )
    .unwrap();
    assert!(within["result"].is_array(), "{within}");
}
