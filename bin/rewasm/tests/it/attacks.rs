//! The node under free `eth_call` attacks (issue 13): eight concurrent 30 M-gas calls of the
//! worst contracts the review found leave the node answering other requests within a second and
//! its resident memory under 1 GiB, and every call ends with a result or a bounded error.
//!
//! The contracts sit in the genesis of a `rewasm node` child process (its memory is what is
//! measured):
//! - a journal bomb: writes a thousand slots, then makes cheap calls until its gas runs out (each
//!   call moves a zero value, which used to copy the slot map into the undo record);
//! - a stack bomb: recurses a thousand frames deep with large frames, then calls itself, as deep
//!   as its gas reaches (every nested frame runs on its own wasm stack);
//! - a memory hog: grows its memory to the maximum and calls itself;
//! - a storage reader: loads slots in a loop (each a store read).
//!
//! And `--rpc.evmtimeout` stops a call or an estimate itself, with geth's error.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{NodeProcess, start_node};

use serde_json::{Value, json};

const CALLERS: usize = 8;
const GAS: &str = "0x1c9c380";

const JOURNAL_BOMB: &str = r#"(module
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "main") (local $i i32)
    (i32.store8 (i32.const 64) (i32.const 1))
    (block $written (loop $write
      (br_if $written (i32.ge_u (local.get $i) (i32.const 1000)))
      (i32.store (i32.const 0) (local.get $i))
      (call $store (i32.const 0) (i32.const 32))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $write)))
    (i32.store8 (i32.const 119) (i32.const 0x77))
    (loop $calls
      (drop (call $call (i64.const 0) (i32.const 100) (i32.const 200) (i32.const 0) (i32.const 0)))
      (br $calls))))"#;

fn stack_bomb() -> String {
    let locals = " i64".repeat(500);
    format!(
        r#"(module
  (import "ethereum" "getAddress" (func $address (param i32)))
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func $deep (param $depth i32) (local{locals})
    (if (i32.lt_u (local.get $depth) (i32.const 1000))
      (then (call $deep (i32.add (local.get $depth) (i32.const 1))))))
  (func (export "main")
    (call $deep (i32.const 0))
    (call $address (i32.const 0))
    (drop (call $call (call $gas) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0)))))"#
    )
}

const MEMORY_HOG: &str = r#"(module
  (import "ethereum" "getAddress" (func $address (param i32)))
  (import "ethereum" "getGasLeft" (func $gas (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "main") (local $page i32)
    (drop (memory.grow (i32.const 511)))
    (block $done (loop $touch
      (br_if $done (i32.ge_u (local.get $page) (i32.const 512)))
      (i32.store8 (i32.mul (local.get $page) (i32.const 65536)) (i32.const 1))
      (local.set $page (i32.add (local.get $page) (i32.const 1)))
      (br $touch)))
    (call $address (i32.const 0))
    (drop (call $call (call $gas) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 0)))))"#;

const STORAGE_READER: &str = r#"(module
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (loop $read
      (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
      (call $load (i32.const 0) (i32.const 32))
      (br $read))))"#;

fn contract_address(n: u8) -> String {
    format!("0x{}{n:02x}", "00".repeat(19))
}

fn write_genesis(dir: &Path) -> std::path::PathBuf {
    let contracts = [
        JOURNAL_BOMB.to_string(),
        stack_bomb(),
        MEMORY_HOG.to_string(),
        STORAGE_READER.to_string(),
    ];
    let mut alloc = serde_json::Map::new();
    for (n, code) in contracts.iter().enumerate() {
        let code = wat::parse_str(code).unwrap();
        alloc.insert(
            contract_address(0xa0 + n as u8),
            json!({"balance": "0", "code": format!("0x{}", hex_of(&code))}),
        );
    }
    let genesis = json!({"chainId": 31337, "gasLimit": 30_000_000, "alloc": alloc});
    let path = dir.join("genesis.json");
    std::fs::write(&path, genesis.to_string()).unwrap();
    path
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn start(datadir: &Path, genesis: &Path, flags: &[&str]) -> NodeProcess {
    let fixed = ["node", "--http.port", "0", "--rpc.executors", "2"].map(OsStr::new);
    let paths = [
        OsStr::new("--config"),
        genesis.as_os_str(),
        OsStr::new("--datadir"),
        datadir.as_os_str(),
    ];
    start_node(
        fixed
            .into_iter()
            .chain(flags.iter().map(OsStr::new))
            .chain(paths),
    )
}

fn rpc(port: u16, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let json = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {response}"))
}

fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn concurrent_free_calls_cannot_exhaust_or_stall_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = write_genesis(dir.path());
    let node = start(&dir.path().join("data"), &genesis, &[]);
    let port = node.port;
    let pid = node.child.id();

    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|n| {
            let to = contract_address(0xa0 + (n % 4) as u8);
            std::thread::spawn(move || {
                let call = json!({"to": to, "gas": GAS});
                let answer = rpc(port, "eth_call", json!([call, "latest"]));
                (to, answer, started.elapsed())
            })
        })
        .collect();

    let mut slowest = Duration::ZERO;
    let mut peak_kib = 0;
    while callers.iter().any(|caller| !caller.is_finished()) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the calls did not end"
        );
        let asked = Instant::now();
        let answer = rpc(port, "eth_blockNumber", json!([]));
        slowest = slowest.max(asked.elapsed());
        assert_eq!(answer["result"], "0x0", "{answer}");
        peak_kib = peak_kib.max(resident_kib(pid));
        std::thread::sleep(Duration::from_millis(50));
    }
    for caller in callers {
        let (to, answer, took) = caller.join().unwrap();
        // Each call ends in bounded time with a result or an error, never a dropped request.
        assert!(
            answer.get("result").is_some() || answer.get("error").is_some(),
            "{to}: {answer}"
        );
        assert!(took < Duration::from_secs(60), "{to} took {took:?}");
    }
    let log = node.log.lock().unwrap().clone();
    assert!(
        slowest < Duration::from_secs(1),
        "eth_blockNumber took {slowest:?} under load\n{log}"
    );
    assert!(
        peak_kib < 1024 * 1024,
        "resident memory reached {peak_kib} KiB\n{log}"
    );
}

/// `--rpc.evmtimeout` stops the execution itself: a call and an estimate of the storage reader
/// (about a second of store reads at 30 M gas) end with geth's "execution aborted" at 100 ms.
#[test]
fn calls_past_the_evm_timeout_are_aborted() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = write_genesis(dir.path());
    let node = start(
        &dir.path().join("data"),
        &genesis,
        &["--rpc.evmtimeout", "100ms"],
    );
    let call = json!({"to": contract_address(0xa3), "gas": GAS});
    for method in ["eth_call", "eth_estimateGas"] {
        let asked = Instant::now();
        let answer = rpc(node.port, method, json!([call, "latest"]));
        let took = asked.elapsed();
        assert_eq!(answer["error"]["code"], -32000, "{method}: {answer}");
        assert_eq!(
            answer["error"]["message"], "execution aborted (timeout = 100ms)",
            "{method}: {answer}"
        );
        assert!(took < Duration::from_secs(5), "{method} took {took:?}");
    }
}
