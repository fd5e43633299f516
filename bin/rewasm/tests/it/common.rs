//! A `rewasm node` child process, for the tests that need the real binary (its crash safety, its
//! resident memory, networks of them), and the JSON-RPC calls and transfers they send it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use primitive_types::{H160, U256};
use rewasm_node::genesis::DevAccount;
use rewasm_node::tx::{self, TxKind, UnsignedTransaction};
use serde_json::{Value, json};

/// A running node; killed when dropped.
pub(crate) struct NodeProcess {
    pub child: Child,
    pub port: u16,
    /// The node's stderr so far, for failure messages.
    pub log: Arc<Mutex<String>>,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `rewasm ARGS` (a `node` command listening on `--http.port 0`) and waits until it
/// says which port it listens on.
pub(crate) fn start_node<I, S>(args: I) -> NodeProcess
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rewasm node");
    let stderr = child.stderr.take().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    let (port_tx, port_rx) = std::sync::mpsc::channel();
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if !sent && let Some(rest) = line.split("rpc listening on 127.0.0.1:").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(port) = digits.parse::<u16>() {
                    let _ = port_tx.send(port);
                    sent = true;
                }
            }
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    match port_rx.recv_timeout(Duration::from_secs(60)) {
        Ok(port) => NodeProcess { child, port, log },
        Err(_) => {
            let _ = child.kill();
            panic!("the node did not start listening:\n{}", log.lock().unwrap());
        }
    }
}

/// This crate's directory, read when the program runs (cargo sets it for `cargo test`): a
/// target folder shared between checkouts can hold a binary compiled in another checkout, whose
/// compile-time path would point there.
pub(crate) fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// `cargo metadata` of the workspace (the resolved graph, all targets), as JSON.
pub(crate) fn cargo_metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(manifest_dir())
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("metadata JSON")
}

/// One JSON-RPC call over a fresh HTTP/1.1 connection: the whole answer; `None` when the node is
/// gone (or answers nothing readable within 60 s).
pub(crate) fn rpc(port: u16, method: &str, params: Value) -> Option<Value> {
    rpc_within(port, method, params, Duration::from_secs(60))
}

/// [`rpc`], giving up after `timeout` as a client with that timeout would.
pub(crate) fn rpc_within(
    port: u16,
    method: &str,
    params: Value,
    timeout: Duration,
) -> Option<Value> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    post_json(port, &body, timeout)
}

/// POSTs `body` (a call, or a batch of them) over a fresh HTTP/1.1 connection: the answer's
/// JSON; `None` when the node is gone or answers nothing readable within `timeout`.
pub(crate) fn post_json(port: u16, body: &Value, timeout: Duration) -> Option<Value> {
    let body = body.to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(timeout)).ok()?;
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let json = response.split("\r\n\r\n").nth(1)?;
    serde_json::from_str(json).ok()
}

/// A signed EIP-1559 transfer of `value` wei from dev account `from` (its `nonce`th) to `to`
/// on the dev chain: the raw transaction as hex, and its hash.
pub(crate) fn transfer(from: &DevAccount, nonce: u64, to: H160, value: u64) -> (String, String) {
    let unsigned = UnsignedTransaction {
        kind: TxKind::DynamicFee,
        chain_id: Some(31_337),
        nonce,
        gas_limit: 21_000,
        gas_price: U256::zero(),
        max_fee: U256::from(10_000_000_000u64),
        max_priority_fee: U256::from(1_000_000_000u64),
        to: Some(to),
        value: U256::from(value),
        data: vec![],
        access_list: vec![],
    };
    let raw = tx::sign(&unsigned, &from.key).unwrap();
    let hash = format!("{:?}", tx::keccak256(&raw));
    (format!("0x{}", hex::encode(raw)), hash)
}

/// A JSON-RPC hex quantity.
pub(crate) fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}
