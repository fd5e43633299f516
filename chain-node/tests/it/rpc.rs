//! The JSON-RPC server end to end: a node in-process on a free port with a temporary data
//! folder, driven over raw HTTP (so malformed input can be sent as is) and jsonrpsee's
//! WebSocket client; and the `rewasm node` binary started, queried and stopped with SIGTERM.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Duration;

use jsonrpsee::core::client::SubscriptionClientT;
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use k256::ecdsa::SigningKey;
use primitive_types::{H160, U256};
use rewasm_node::genesis::{DEV_CHAIN_ID, DEV_MNEMONIC, Genesis, derive_accounts};
use rewasm_node::node::{Mining, NodeLimits};
use rewasm_node::rpc::{CorsOrigins, LogLimits, RpcConfig, VirtualHosts};
use rewasm_node::service::{Service, ServiceConfig};
use rewasm_node::tx::{self, TxKind, UnsignedTransaction};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---- the node and a raw HTTP client --------------------------------------------------------

struct TestNode {
    service: Service,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

async fn start_with(mining: Mining, logs: LogLimits) -> TestNode {
    start_config(
        mining,
        RpcConfig {
            logs,
            ..RpcConfig::default()
        },
    )
    .await
}

/// A node with `rpc`'s limits, listening on a free port of 127.0.0.1.
async fn start_config(mining: Mining, rpc: RpcConfig) -> TestNode {
    let dir = tempfile::tempdir().unwrap();
    let service = Service::start(ServiceConfig {
        datadir: dir.path().join("data"),
        genesis: Genesis::dev().unwrap(),
        mining,
        rpc: RpcConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..rpc
        },
        limits: NodeLimits::default(),
    })
    .await
    .unwrap();
    let addr = service.rpc_addr();
    TestNode {
        service,
        addr,
        _dir: dir,
    }
}

async fn start() -> TestNode {
    start_with(Mining::Instant, LogLimits::default()).await
}

/// One HTTP/1.1 request; the status and the body.
async fn http(addr: SocketAddr, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    raw_http(addr, &head, body).await
}

/// Sends `head` (the request line and headers) and `body`; the status and the body.
async fn raw_http(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String) {
    let (status, _, body) = raw_exchange(addr, head, body).await;
    (status, body)
}

/// Sends `head` and `body`; the status, the response's headers (lower-case names) and body.
async fn raw_exchange(
    addr: SocketAddr,
    head: &str,
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    // A server may answer (413) before reading an oversized body and close; that is not an error.
    let _ = stream.write_all(body).await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response).to_string();
    let (headers, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    let headers = headers
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

/// Posts a raw body; the JSON answer.
async fn post(addr: SocketAddr, body: &str) -> Value {
    let (_, text) = http(addr, "POST", "/", body.as_bytes()).await;
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn call(addr: SocketAddr, method: &str, params: Value) -> Value {
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    post(addr, &request.to_string()).await
}

async fn result(addr: SocketAddr, method: &str, params: Value) -> Value {
    let answer = call(addr, method, params.clone()).await;
    assert!(
        answer.get("error").is_none(),
        "{method} {params} failed: {answer}"
    );
    answer["result"].clone()
}

async fn error(addr: SocketAddr, method: &str, params: Value) -> (i64, String, Value) {
    let answer = call(addr, method, params.clone()).await;
    let error = answer
        .get("error")
        .unwrap_or_else(|| panic!("{method} {params} succeeded: {answer}"));
    (
        error["code"].as_i64().unwrap(),
        error["message"].as_str().unwrap().to_string(),
        error.get("data").cloned().unwrap_or(Value::Null),
    )
}

fn hex(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn addr_hex(address: &H160) -> String {
    hex(address.as_bytes())
}

fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Polls until the transaction has a receipt (the miner runs on its own task).
async fn receipt(addr: SocketAddr, hash: &str) -> Value {
    for _ in 0..1200 {
        let receipt = result(addr, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no receipt for {hash}");
}

// ---- transactions --------------------------------------------------------------------------

fn keys() -> Vec<SigningKey> {
    derive_accounts(DEV_MNEMONIC, 20)
        .unwrap()
        .into_iter()
        .map(|account| account.key)
        .collect()
}

fn address(key: &SigningKey) -> H160 {
    rewasm_node::genesis::address_of(key)
}

const GWEI: u64 = 1_000_000_000;

fn dynamic(
    nonce: u64,
    to: Option<H160>,
    value: u64,
    data: Vec<u8>,
    gas: u64,
) -> UnsignedTransaction {
    UnsignedTransaction {
        kind: TxKind::DynamicFee,
        chain_id: Some(DEV_CHAIN_ID),
        nonce,
        gas_limit: gas,
        gas_price: U256::zero(),
        max_fee: U256::from(10 * GWEI),
        max_priority_fee: U256::from(GWEI),
        to,
        value: U256::from(value),
        data,
        access_list: Vec::new(),
    }
}

fn signed(unsigned: &UnsignedTransaction, key: &SigningKey) -> String {
    hex(&tx::sign(unsigned, key).unwrap())
}

async fn send(addr: SocketAddr, raw: &str) -> String {
    result(addr, "eth_sendRawTransaction", json!([raw]))
        .await
        .as_str()
        .unwrap()
        .to_string()
}

// ---- a contract ----------------------------------------------------------------------------

/// `Error("nope")` ABI-encoded: what the contract reverts with on empty call data.
fn nope() -> Vec<u8> {
    let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
    data.extend_from_slice(&U256::from(32).to_big_endian());
    data.extend_from_slice(&U256::from(4).to_big_endian());
    let mut text = b"nope".to_vec();
    text.resize(32, 0);
    data.extend_from_slice(&text);
    data
}

/// The topic of the contract's one event.
const TOPIC: [u8; 32] = [0xaa; 32];

fn wat_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

/// Runtime: 32 bytes of call data are stored at slot 0, logged with [`TOPIC`] and returned;
/// empty call data reverts with `Error("nope")`; any other length returns slot 0.
fn runtime() -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "ethereum" "getCallDataSize" (func $size (result i32)))
  (import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))
  (import "ethereum" "revert" (func $revert (param i32 i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "{topic}")
  (data (i32.const 128) "{nope}")
  (func (export "main")
    (local $n i32)
    (local.set $n (call $size))
    (if (i32.eqz (local.get $n)) (then (call $revert (i32.const 128) (i32.const {nope_len}))))
    (if (i32.eq (local.get $n) (i32.const 32))
      (then
        (call $copy (i32.const 32) (i32.const 0) (i32.const 32))
        (call $store (i32.const 0) (i32.const 32))
        (call $log (i32.const 32) (i32.const 32) (i32.const 1) (i32.const 64) (i32.const 0) (i32.const 0) (i32.const 0))
        (call $finish (i32.const 32) (i32.const 32))))
    (call $load (i32.const 0) (i32.const 32))
    (call $finish (i32.const 32) (i32.const 32))))"#,
        topic = wat_bytes(&TOPIC),
        nope = wat_bytes(&nope()),
        nope_len = nope().len(),
    );
    wat::parse_str(wat).unwrap()
}

/// Init code returning [`runtime`].
fn init_code() -> Vec<u8> {
    let code = runtime();
    let wat = format!(
        r#"(module
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{code}")
  (func (export "main") (call $finish (i32.const 0) (i32.const {len}))))"#,
        code = wat_bytes(&code),
        len = code.len(),
    );
    wat::parse_str(wat).unwrap()
}

fn word(value: u8) -> Vec<u8> {
    let mut word = vec![0u8; 32];
    word[31] = value;
    word
}

/// Deploys the contract from `key` (nonce `nonce`); its address.
async fn deploy(addr: SocketAddr, key: &SigningKey, nonce: u64) -> (H160, Value) {
    let hash = send(
        addr,
        &signed(&dynamic(nonce, None, 0, init_code(), 2_000_000), key),
    )
    .await;
    let receipt = receipt(addr, &hash).await;
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let created: H160 = receipt["contractAddress"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    (created, receipt)
}

// ---- the tests -----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_method_answers_after_a_few_transactions() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let (alice, bob) = (&keys[0], &keys[1]);
    let carol = H160::repeat_byte(0xca);

    // Static answers.
    assert_eq!(result(a, "eth_chainId", json!([])).await, "0x7a69");
    assert_eq!(result(a, "net_version", json!([])).await, "31337");
    assert_eq!(result(a, "net_listening", json!([])).await, true);
    assert_eq!(result(a, "eth_syncing", json!([])).await, false);
    assert_eq!(result(a, "eth_mining", json!([])).await, true);
    assert_eq!(result(a, "eth_accounts", json!([])).await, json!([]));
    assert!(
        result(a, "web3_clientVersion", json!([]))
            .await
            .as_str()
            .unwrap()
            .starts_with("rewasm/v0.1.0/")
    );
    assert_eq!(
        result(a, "web3_sha3", json!(["0x"])).await,
        "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    );
    assert_eq!(result(a, "eth_blockNumber", json!([])).await, "0x0");
    assert_eq!(
        result(a, "eth_maxPriorityFeePerGas", json!([])).await,
        "0x3b9aca00"
    );
    // Genesis base fee 1 gwei, the empty genesis lowers the next one by 1/8: 0.875 gwei + tip.
    assert_eq!(
        quantity(&result(a, "eth_gasPrice", json!([])).await),
        875_000_000 + GWEI
    );

    // A legacy (EIP-155), an EIP-2930 and an EIP-1559 transfer.
    let legacy = UnsignedTransaction {
        kind: TxKind::Legacy {
            chain_id: Some(DEV_CHAIN_ID),
        },
        gas_price: U256::from(2 * GWEI),
        ..dynamic(0, Some(carol), 1000, Vec::new(), 21_000)
    };
    let legacy_hash = send(a, &signed(&legacy, alice)).await;
    let legacy_receipt = receipt(a, &legacy_hash).await;
    let access_list = UnsignedTransaction {
        kind: TxKind::AccessList,
        gas_price: U256::from(2 * GWEI),
        access_list: vec![(carol, vec![primitive_types::H256::repeat_byte(1)])],
        ..dynamic(1, Some(carol), 2000, Vec::new(), 30_000)
    };
    let access_hash = send(a, &signed(&access_list, alice)).await;
    receipt(a, &access_hash).await;
    let transfer_hash = send(
        a,
        &signed(&dynamic(0, Some(carol), 3000, Vec::new(), 21_000), bob),
    )
    .await;
    let transfer_receipt = receipt(a, &transfer_hash).await;

    // Receipts.
    assert_eq!(legacy_receipt["status"], "0x1");
    assert_eq!(legacy_receipt["type"], "0x0");
    assert_eq!(legacy_receipt["gasUsed"], "0x5208");
    assert_eq!(legacy_receipt["from"], addr_hex(&address(alice)));
    assert_eq!(legacy_receipt["to"], addr_hex(&carol));
    assert_eq!(legacy_receipt["contractAddress"], Value::Null);
    assert_eq!(legacy_receipt["effectiveGasPrice"], "0x77359400");
    assert_eq!(legacy_receipt["logs"], json!([]));
    assert_eq!(legacy_receipt["logsBloom"].as_str().unwrap().len(), 2 + 512);
    assert_eq!(legacy_receipt["transactionHash"], legacy_hash);
    assert_eq!(transfer_receipt["type"], "0x2");
    for key in [
        "blockHash",
        "blockNumber",
        "transactionIndex",
        "cumulativeGasUsed",
    ] {
        assert!(
            transfer_receipt[key].is_string(),
            "{key}: {transfer_receipt}"
        );
    }

    // Balances and nonces, at the head and at earlier blocks.
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&carol), "latest"])).await,
        "0x1770"
    );
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&carol), "earliest"])).await,
        "0x0"
    );
    let legacy_block = legacy_receipt["blockNumber"].clone();
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&carol), legacy_block])).await,
        "0x3e8"
    );
    assert_eq!(
        result(
            a,
            "eth_getBalance",
            json!([addr_hex(&carol), {"blockHash": legacy_receipt["blockHash"], "requireCanonical": true}])
        )
        .await,
        "0x3e8"
    );
    assert_eq!(
        result(
            a,
            "eth_getTransactionCount",
            json!([addr_hex(&address(alice)), "latest"])
        )
        .await,
        "0x2"
    );
    assert_eq!(
        result(
            a,
            "eth_getTransactionCount",
            json!([addr_hex(&address(alice)), "earliest"])
        )
        .await,
        "0x0"
    );

    // Transactions by hash: type-specific fields.
    let got = result(a, "eth_getTransactionByHash", json!([legacy_hash])).await;
    assert_eq!(got["type"], "0x0");
    assert_eq!(got["chainId"], "0x7a69");
    assert_eq!(got["gasPrice"], "0x77359400");
    assert_eq!(got["value"], "0x3e8");
    assert_eq!(got["nonce"], "0x0");
    assert_eq!(got["input"], "0x");
    assert!(got.get("yParity").is_none() && got.get("maxFeePerGas").is_none());
    assert!(
        ["0xf4f5", "0xf4f6"].contains(&got["v"].as_str().unwrap()),
        "{got}"
    );
    let got = result(a, "eth_getTransactionByHash", json!([access_hash])).await;
    assert_eq!(got["type"], "0x1");
    assert_eq!(got["accessList"][0]["address"], addr_hex(&carol));
    assert_eq!(
        got["accessList"][0]["storageKeys"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(got["yParity"] == "0x0" || got["yParity"] == "0x1");
    let got = result(a, "eth_getTransactionByHash", json!([transfer_hash])).await;
    assert_eq!(got["type"], "0x2");
    assert_eq!(got["maxFeePerGas"], "0x2540be400");
    assert_eq!(got["maxPriorityFeePerGas"], "0x3b9aca00");
    assert_eq!(got["blockHash"], transfer_receipt["blockHash"]);
    let base_fee = {
        let block = result(
            a,
            "eth_getBlockByHash",
            json!([transfer_receipt["blockHash"], false]),
        )
        .await;
        quantity(&block["baseFeePerGas"])
    };
    assert_eq!(
        quantity(&got["gasPrice"]),
        base_fee + GWEI,
        "effective price once mined"
    );
    assert_eq!(got["gasPrice"], transfer_receipt["effectiveGasPrice"]);
    let unknown = format!("0x{}", "00".repeat(32));
    assert_eq!(
        result(a, "eth_getTransactionByHash", json!([unknown])).await,
        Value::Null
    );
    assert_eq!(
        result(a, "eth_getTransactionReceipt", json!([unknown])).await,
        Value::Null
    );

    // Blocks.
    let head = quantity(&result(a, "eth_blockNumber", json!([])).await);
    assert!(head >= 2, "three transactions, at least two blocks");
    let block = result(a, "eth_getBlockByNumber", json!([legacy_block, true])).await;
    assert_eq!(block["number"], legacy_block);
    assert_eq!(block["transactions"][0]["hash"], legacy_hash);
    assert_eq!(block["totalDifficulty"], "0x0");
    assert_eq!(block["uncles"], json!([]));
    assert_eq!(block["miner"], addr_hex(&H160::zero()));
    let by_hash = result(a, "eth_getBlockByHash", json!([block["hash"], false])).await;
    assert_eq!(by_hash["transactions"][0], legacy_hash);
    assert_eq!(by_hash["size"], block["size"]);
    let parent = result(a, "eth_getBlockByHash", json!([block["parentHash"], false])).await;
    assert_eq!(quantity(&parent["number"]) + 1, quantity(&block["number"]));
    let latest = result(a, "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(quantity(&latest["number"]), head);
    assert_eq!(
        result(a, "eth_getBlockByNumber", json!(["pending", false])).await["number"],
        latest["number"]
    );
    assert_eq!(
        result(a, "eth_getBlockByNumber", json!(["0x3e8", false])).await,
        Value::Null
    );
    assert_eq!(
        result(a, "eth_getBlockByHash", json!([unknown, false])).await,
        Value::Null
    );
    let count = result(
        a,
        "eth_getBlockTransactionCountByNumber",
        json!([legacy_block]),
    )
    .await;
    assert!(quantity(&count) >= 1);
    assert_eq!(
        result(
            a,
            "eth_getBlockTransactionCountByHash",
            json!([block["hash"]])
        )
        .await,
        count
    );
    assert_eq!(
        result(a, "eth_getBlockTransactionCountByNumber", json!(["0x3e8"])).await,
        Value::Null
    );
    let first = result(
        a,
        "eth_getTransactionByBlockNumberAndIndex",
        json!([legacy_block, "0x0"]),
    )
    .await;
    assert_eq!(first["hash"], legacy_hash);
    let first = result(
        a,
        "eth_getTransactionByBlockHashAndIndex",
        json!([block["hash"], "0x0"]),
    )
    .await;
    assert_eq!(first["hash"], legacy_hash);
    assert_eq!(
        result(
            a,
            "eth_getTransactionByBlockNumberAndIndex",
            json!([legacy_block, "0x63"])
        )
        .await,
        Value::Null
    );
    let receipts = result(a, "eth_getBlockReceipts", json!([legacy_block])).await;
    assert_eq!(receipts[0]["transactionHash"], legacy_hash);

    // A contract: deploy, code, a call that stores and logs, storage, eth_call, estimateGas.
    let (contract, deployed) = deploy(a, bob, 1).await;
    assert_eq!(deployed["to"], Value::Null);
    assert_eq!(
        result(a, "eth_getCode", json!([addr_hex(&contract), "latest"])).await,
        hex(&runtime())
    );
    assert_eq!(
        result(a, "eth_getCode", json!([addr_hex(&contract), "earliest"])).await,
        "0x"
    );
    let stored = send(
        a,
        &signed(&dynamic(2, Some(contract), 0, word(7), 200_000), bob),
    )
    .await;
    let stored = receipt(a, &stored).await;
    assert_eq!(stored["status"], "0x1", "{stored}");
    let log = &stored["logs"][0];
    assert_eq!(log["address"], addr_hex(&contract));
    assert_eq!(log["topics"], json!([hex(&TOPIC)]));
    assert_eq!(log["data"], hex(&word(7)));
    assert_eq!(log["removed"], false);
    assert_eq!(log["logIndex"], "0x0");
    assert_eq!(log["blockHash"], stored["blockHash"]);
    assert_eq!(
        result(
            a,
            "eth_getStorageAt",
            json!([addr_hex(&contract), "0x0", "latest"])
        )
        .await,
        hex(&word(7))
    );
    assert_eq!(
        result(
            a,
            "eth_getStorageAt",
            json!([addr_hex(&contract), "0x0", deployed["blockNumber"]])
        )
        .await,
        hex(&[0; 32])
    );
    let view = json!({"to": addr_hex(&contract), "data": "0x01"});
    assert_eq!(
        result(a, "eth_call", json!([view, "latest"])).await,
        hex(&word(7))
    );
    assert_eq!(
        result(a, "eth_call", json!([view])).await,
        hex(&word(7)),
        "block defaults to latest"
    );
    for tag in ["pending", "safe", "finalized"] {
        assert_eq!(
            result(a, "eth_call", json!([view, tag])).await,
            hex(&word(7)),
            "{tag} is the head on a dev chain"
        );
    }
    assert_eq!(
        result(a, "eth_call", json!([view, deployed["blockNumber"]])).await,
        hex(&[0; 32])
    );
    let (code, message, data) = error(
        a,
        "eth_call",
        json!([{"to": addr_hex(&contract)}, "latest"]),
    )
    .await;
    assert_eq!((code, message.as_str()), (3, "execution reverted: nope"));
    assert_eq!(data, hex(&nope()));
    let (code, message, data) =
        error(a, "eth_estimateGas", json!([{"to": addr_hex(&contract)}])).await;
    assert_eq!(
        (code, message.as_str(), data),
        (3, "execution reverted: nope", json!(hex(&nope())))
    );
    let estimate = quantity(
        &result(
            a,
            "eth_estimateGas",
            // On the state the stored call ran on, the same kind of write (zero to non-zero).
            json!([
                {"from": addr_hex(&address(bob)), "to": addr_hex(&contract), "input": hex(&word(9))},
                deployed["blockNumber"]
            ]),
        )
        .await,
    );
    let used = quantity(&stored["gasUsed"]);
    assert!(
        estimate >= used && estimate < used * 2,
        "estimate {estimate}, a similar call used {used}"
    );
    // A plain transfer: 21000, within the search's 1.5% tolerance.
    let transfer = quantity(
        &result(
            a,
            "eth_estimateGas",
            json!([{"to": addr_hex(&carol), "value": "0x1"}]),
        )
        .await,
    );
    assert!((21_000..=21_315).contains(&transfer), "{transfer}");

    // Logs.
    let all = result(
        a,
        "eth_getLogs",
        json!([{"fromBlock": "earliest", "toBlock": "latest"}]),
    )
    .await;
    assert_eq!(all.as_array().unwrap().len(), 1);
    assert_eq!(all[0], *log);
    let by_topic = json!([{"fromBlock": "0x0", "address": [addr_hex(&contract)], "topics": [[hex(&TOPIC), hex(&[1; 32])]]}]);
    assert_eq!(result(a, "eth_getLogs", by_topic).await, json!([log]));
    let other_topic = json!([{"fromBlock": "0x0", "topics": [null, hex(&TOPIC)]}]);
    assert_eq!(result(a, "eth_getLogs", other_topic).await, json!([]));
    let by_block = json!([{"blockHash": stored["blockHash"]}]);
    assert_eq!(result(a, "eth_getLogs", by_block).await, json!([log]));
    assert_eq!(
        result(
            a,
            "eth_getLogs",
            json!([{"address": addr_hex(&carol), "fromBlock": "0x0"}])
        )
        .await,
        json!([])
    );

    // Pending transactions: a nonce gap keeps one in the pool.
    let gapped = send(
        a,
        &signed(&dynamic(9, Some(carol), 1, Vec::new(), 21_000), alice),
    )
    .await;
    let pending = result(a, "eth_getTransactionByHash", json!([gapped])).await;
    assert_eq!(pending["blockHash"], Value::Null);
    assert_eq!(pending["blockNumber"], Value::Null);
    assert_eq!(pending["transactionIndex"], Value::Null);
    assert_eq!(
        pending["gasPrice"], "0x2540be400",
        "a pooled 1559 tx shows its fee cap"
    );
    assert_eq!(
        result(
            a,
            "eth_getTransactionCount",
            json!([addr_hex(&address(alice)), "pending"])
        )
        .await,
        "0x2",
        "the gap is not counted"
    );
    let next = send(
        a,
        &signed(&dynamic(2, Some(carol), 1, Vec::new(), 21_000), alice),
    )
    .await;
    receipt(a, &next).await;

    // Fee history.
    let head = quantity(&result(a, "eth_blockNumber", json!([])).await);
    let history = result(a, "eth_feeHistory", json!(["0x3", "latest", [0, 50, 100]])).await;
    assert_eq!(quantity(&history["oldestBlock"]), head - 2);
    assert_eq!(history["baseFeePerGas"].as_array().unwrap().len(), 4);
    assert_eq!(history["gasUsedRatio"].as_array().unwrap().len(), 3);
    assert_eq!(history["reward"].as_array().unwrap().len(), 3);
    let newest = result(a, "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(history["baseFeePerGas"][2], newest["baseFeePerGas"]);
    assert!(history["gasUsedRatio"][2].as_f64().unwrap() > 0.0);
    assert_eq!(
        history["reward"][2],
        json!(["0x3b9aca00", "0x3b9aca00", "0x3b9aca00"])
    );
    let decimal = result(a, "eth_feeHistory", json!([2, "latest"])).await;
    assert!(decimal.get("reward").is_none());
    assert_eq!(decimal["baseFeePerGas"].as_array().unwrap().len(), 3);

    node.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn websocket_subscriptions_deliver_heads_logs_and_pending_transactions() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;

    let client = WsClientBuilder::default()
        .build(format!("ws://{a}"))
        .await
        .unwrap();
    let mut heads = client
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
    let mut logs = client
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params![
                "logs",
                json!({"address": addr_hex(&contract), "topics": [hex(&TOPIC)]})
            ],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let mut pending = client
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["newPendingTransactions"],
            "eth_unsubscribe",
        )
        .await
        .unwrap();
    let subscribed_at = quantity(&result(a, "eth_blockNumber", json!([])).await);

    let hash = send(
        a,
        &signed(&dynamic(1, Some(contract), 0, word(5), 200_000), &keys[0]),
    )
    .await;
    let receipt = receipt(a, &hash).await;

    let wait = Duration::from_secs(30);
    let announced = tokio::time::timeout(wait, pending.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(announced, hash);
    let head = tokio::time::timeout(wait, heads.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(quantity(&head["number"]), subscribed_at + 1);
    assert_eq!(head["hash"], receipt["blockHash"]);
    for key in [
        "parentHash",
        "stateRoot",
        "receiptsRoot",
        "logsBloom",
        "baseFeePerGas",
        "timestamp",
    ] {
        assert!(head[key].is_string(), "{key} in {head}");
    }
    let log = tokio::time::timeout(wait, logs.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(log, receipt["logs"][0]);

    // A transfer emits no log: the next log notification is from the next contract call.
    let transfer = send(
        a,
        &signed(
            &dynamic(2, Some(H160::repeat_byte(1)), 1, Vec::new(), 21_000),
            &keys[0],
        ),
    )
    .await;
    let transfer_receipt = self::receipt(a, &transfer).await;
    let next_head = tokio::time::timeout(wait, heads.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(next_head["hash"], transfer_receipt["blockHash"]);
    let again = send(
        a,
        &signed(&dynamic(3, Some(contract), 0, word(6), 200_000), &keys[0]),
    )
    .await;
    let again = self::receipt(a, &again).await;
    let log = tokio::time::timeout(wait, logs.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(log["data"], hex(&word(6)));
    assert_eq!(log["transactionHash"], again["transactionHash"]);

    logs.unsubscribe().await.unwrap();
    heads.unsubscribe().await.unwrap();
    pending.unsubscribe().await.unwrap();
    let unknown = client
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["syncing"], "eth_unsubscribe")
        .await
        .unwrap_err();
    let jsonrpsee::core::ClientError::Call(unknown) = unknown else {
        panic!("a JSON-RPC error: {unknown}");
    };
    assert_eq!(unknown.code(), -32601);
    assert_eq!(
        unknown.message(),
        "no \"syncing\" subscription in eth namespace"
    );
    drop(client);
    node.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn filters_deliver_each_change_once() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;

    let blocks = result(a, "eth_newBlockFilter", json!([])).await;
    let pending = result(a, "eth_newPendingTransactionFilter", json!([])).await;
    let logs = result(
        a,
        "eth_newFilter",
        json!([{"address": addr_hex(&contract)}]),
    )
    .await;
    let none = result(
        a,
        "eth_newFilter",
        json!([{"address": addr_hex(&H160::repeat_byte(3))}]),
    )
    .await;
    for id in [&blocks, &pending, &logs, &none] {
        assert_eq!(
            result(a, "eth_getFilterChanges", json!([id])).await,
            json!([])
        );
    }

    let hash = send(
        a,
        &signed(&dynamic(1, Some(contract), 0, word(3), 200_000), &keys[0]),
    )
    .await;
    let receipt = receipt(a, &hash).await;

    assert_eq!(
        result(a, "eth_getFilterChanges", json!([blocks])).await,
        json!([receipt["blockHash"]])
    );
    assert_eq!(
        result(a, "eth_getFilterChanges", json!([pending])).await,
        json!([hash])
    );
    assert_eq!(
        result(a, "eth_getFilterChanges", json!([logs])).await,
        json!([receipt["logs"][0]])
    );
    assert_eq!(
        result(a, "eth_getFilterChanges", json!([none])).await,
        json!([])
    );
    for id in [&blocks, &pending, &logs] {
        assert_eq!(
            result(a, "eth_getFilterChanges", json!([id])).await,
            json!([]),
            "delivered once"
        );
    }
    // The log filter's whole range, any number of times.
    let with_range = result(
        a,
        "eth_newFilter",
        json!([{"address": addr_hex(&contract), "fromBlock": "earliest"}]),
    )
    .await;
    for _ in 0..2 {
        assert_eq!(
            result(a, "eth_getFilterLogs", json!([with_range])).await,
            json!([receipt["logs"][0]])
        );
    }
    assert_eq!(result(a, "eth_uninstallFilter", json!([logs])).await, true);
    assert_eq!(result(a, "eth_uninstallFilter", json!([logs])).await, false);
    let (code, message, _) = error(a, "eth_getFilterChanges", json!([logs])).await;
    assert_eq!((code, message.as_str()), (-32000, "filter not found"));
    let (code, message, _) = error(a, "eth_getFilterLogs", json!([blocks])).await;
    assert_eq!((code, message.as_str()), (-32000, "filter not found"));
    node.service.shutdown().await;
}

/// A signed transaction with its `s` replaced by `n - s`: the same signature in high-s form,
/// which Ethereum refuses (EIP-2).
fn high_s(raw: &[u8]) -> Vec<u8> {
    let n = U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap();
    let mut out = raw.to_vec();
    let at = out.len() - 33;
    assert_eq!(out[at], 0xa0, "a 32-byte s");
    let s = U256::from_big_endian(&out[at + 1..]);
    out[at + 1..].copy_from_slice(&(n - s).to_big_endian());
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_input_gets_geths_codes_and_messages() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let alice = &keys[0];
    let carol = H160::repeat_byte(0xca);
    let mined = send(
        a,
        &signed(&dynamic(0, Some(carol), 1, Vec::new(), 21_000), alice),
    )
    .await;
    receipt(a, &mined).await;

    let mut wrong_chain = dynamic(1, Some(carol), 1, Vec::new(), 21_000);
    wrong_chain.chain_id = Some(1);
    let gapped = dynamic(7, Some(carol), 1, Vec::new(), 21_000);
    let mut barely_more = gapped.clone();
    barely_more.max_fee = U256::from(10 * GWEI + GWEI / 20);
    barely_more.max_priority_fee = U256::from(GWEI + GWEI / 20);
    let poor = &keys[15];
    let valid_raw = tx::sign(&dynamic(1, Some(carol), 1, Vec::new(), 21_000), alice).unwrap();
    send(a, &signed(&gapped, alice)).await;

    let insufficient = format!(
        "insufficient funds for gas * price + value: balance 0, tx cost {}, overshot {}",
        21_000 * 10 * GWEI + 1,
        21_000 * 10 * GWEI + 1
    );
    let cases: Vec<(&str, Value, i64, String)> = vec![
        ("eth_getBalance", json!([12, "latest"]), -32602,
            "invalid argument 0: json: cannot unmarshal non-string into Go value of type common.Address".into()),
        ("eth_getBalance", json!(["0xca", "latest"]), -32602,
            "invalid argument 0: hex string has length 2, want 40 for common.Address".into()),
        ("eth_getBalance", json!([addr_hex(&carol), "newest"]), -32602,
            "invalid argument 1: hex string without 0x prefix".into()),
        ("eth_getBalance", json!([]), -32602, "missing value for required argument 0".into()),
        ("eth_getBalance", json!([addr_hex(&carol)]), -32602, "missing value for required argument 1".into()),
        ("eth_blockNumber", json!([1]), -32602, "too many arguments, want at most 0".into()),
        ("eth_getBlockByNumber", json!(["0x01", false]), -32602,
            "invalid argument 0: hex number with leading zero digits".into()),
        ("eth_getBlockByNumber", json!(["latest", "yes"]), -32602,
            "invalid argument 1: json: cannot unmarshal string into Go value of type bool".into()),
        ("eth_call", json!([{"to": addr_hex(&carol), "gas": 100}]), -32602,
            "invalid argument 0: json: cannot unmarshal non-string into Go struct field TransactionArgs.gas of type hexutil.Uint64".into()),
        ("eth_getBalance", json!([addr_hex(&carol), "0x3e8"]), -32000, "header not found".into()),
        ("eth_getBalance", json!([addr_hex(&carol), {"blockHash": format!("0x{}", "11".repeat(32))}]), -32000,
            "header for hash not found".into()),
        ("eth_getStorageAt", json!([addr_hex(&carol), "0xzz", "latest"]), -32000,
            "unable to decode storage key: hex string invalid".into()),
        ("eth_getLogs", json!([{"fromBlock": "0x2", "toBlock": "0x1"}]), -32000, "invalid block range params".into()),
        ("eth_getLogs", json!([{"blockHash": format!("0x{}", "11".repeat(32))}]), -32000, "unknown block".into()),
        ("eth_getLogs", json!([{"topics": [null, null, null, null, null]}]), -32602, "invalid argument 0: exceed max topics".into()),
        ("eth_feeHistory", json!(["0x1", "latest", [60, 40]]), -32000,
            "invalid reward percentile: #0:60.000000 > #1:40.000000".into()),
        ("eth_sendRawTransaction", json!(["0x05c0"]), -32000, "transaction type not supported".into()),
        ("eth_sendRawTransaction", json!(["0x"]), -32000, "typed transaction too short".into()),
        ("eth_sendRawTransaction", json!(["0x123"]), -32602,
            "invalid argument 0: json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes".into()),
        ("eth_sendRawTransaction", json!([hex(&high_s(&valid_raw))]), -32000,
            "invalid transaction v, r, s values".into()),
        ("eth_sendRawTransaction", json!([signed(&wrong_chain, alice)]), -32000,
            "invalid sender: invalid chain id for signer: have 1 want 31337".into()),
        ("eth_sendRawTransaction", json!([signed(&dynamic(1, None, 0, vec![1; 100_000], 29_000_000), alice)]), -32000,
            "max initcode size exceeded: code size 100000, limit 98304".into()),
        ("eth_sendRawTransaction", json!([signed(&dynamic(0, Some(carol), 2, Vec::new(), 21_000), alice)]), -32000,
            "nonce too low: next nonce 1, tx nonce 0".into()),
        ("eth_sendRawTransaction", json!([signed(&dynamic(0, Some(carol), 1, Vec::new(), 21_000), poor)]), -32000,
            insufficient),
        ("eth_sendRawTransaction", json!([signed(&dynamic(1, Some(carol), 1, Vec::new(), 20_000), alice)]), -32000,
            "intrinsic gas too low: gas 20000, minimum needed 21000".into()),
        ("eth_sendRawTransaction", json!([signed(&barely_more, alice)]), -32000,
            "replacement transaction underpriced".into()),
        ("eth_sendRawTransaction", json!([signed(&gapped, alice)]), -32000, "already known".into()),
        ("eth_foo", json!([]), -32601, "Method not found".into()),
        ("eth_subscribe", json!(["newHeads"]), -32601, "notifications not supported".into()),
    ];
    for (method, params, code, message) in cases {
        let (got_code, got_message, _) = error(a, method, params.clone()).await;
        assert_eq!(
            (got_code, got_message.as_str()),
            (code, message.as_str()),
            "{method} {params}"
        );
    }

    // Protocol errors: malformed JSON, an oversized body, an oversized batch.
    let answer = post(a, r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId""#).await;
    assert_eq!(
        answer["error"],
        json!({"code": -32700, "message": "Parse error"})
    );
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x{}"]}}"#,
        "00".repeat(3 * 1024 * 1024)
    );
    let (status, body) = http(a, "POST", "/", big.as_bytes()).await;
    assert_eq!(status, 413);
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        answer["error"],
        json!({"code": -32007, "message": "Request is too big", "data": "Exceeded max limit of 5242880"})
    );
    let batch: Vec<Value> = (0..101)
        .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId"}))
        .collect();
    let answer = post(a, &Value::Array(batch).to_string()).await;
    assert_eq!(
        answer["error"],
        json!({"code": -32010, "message": "The batch request was too large", "data": "Exceeded max limit of 100"})
    );
    let batch: Vec<Value> = (0..100)
        .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId"}))
        .collect();
    let answer = post(a, &Value::Array(batch).to_string()).await;
    assert_eq!(answer.as_array().unwrap().len(), 100);

    node.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn log_queries_are_bounded_in_range_and_results() {
    let limits = LogLimits {
        max_block_range: 2,
        max_results: 1,
    };
    let node = start_with(Mining::Instant, limits).await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let mut blocks = Vec::new();
    for (nonce, value) in [(1, 1), (2, 2)] {
        let hash = send(
            a,
            &signed(
                &dynamic(nonce, Some(contract), 0, word(value), 200_000),
                &keys[0],
            ),
        )
        .await;
        blocks.push(receipt(a, &hash).await["blockNumber"].clone());
    }
    let (code, message, _) = error(
        a,
        "eth_getLogs",
        json!([{"fromBlock": "0x0", "toBlock": "latest"}]),
    )
    .await;
    assert_eq!(
        (code, message.as_str()),
        (-32005, "exceed maximum block range: 2")
    );
    assert_ne!(blocks[0], blocks[1], "each call waited for its receipt");
    let range = json!([{"fromBlock": blocks[0], "toBlock": blocks[1]}]);
    let (code, message, _) = error(a, "eth_getLogs", range).await;
    assert_eq!(
        (code, message.as_str()),
        (-32005, "query returned more than 1 results")
    );
    let one = json!([{"fromBlock": blocks[1], "toBlock": blocks[1]}]);
    assert_eq!(
        result(a, "eth_getLogs", one)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    node.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_and_estimates_run_with_at_most_the_gas_cap() {
    // Under the dev chain's `v2` schedule reading the slot takes ~21 000 gas, storing a word
    // ~41 000.
    let cap = 30_000;
    let node = start_config(
        Mining::Instant,
        RpcConfig {
            gas_cap: cap,
            ..RpcConfig::default()
        },
    )
    .await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let from = addr_hex(&address(&keys[0]));
    let to = addr_hex(&contract);
    // Storing a word costs more than the cap: asking for the block's 30 M gas does not help,
    // the call runs with the cap.
    let store = json!({"from": from, "to": to, "data": hex(&word(7)), "gas": "0x1c9c380"});
    let (code, message, _) = error(a, "eth_call", json!([store, "latest"])).await;
    assert_eq!(code, -32000);
    assert!(message.contains("out of gas"), "{message}");
    let (code, message, _) = error(a, "eth_estimateGas", json!([store])).await;
    assert_eq!(
        (code, message.as_str()),
        (-32000, "gas required exceeds allowance (30000)")
    );
    let unset = json!({"from": from, "to": to, "data": hex(&word(7))});
    let (_, message, _) = error(a, "eth_estimateGas", json!([unset])).await;
    assert_eq!(message, "gas required exceeds allowance (30000)");
    // A call that fits is clamped, not refused.
    let load = json!({"from": from, "to": to, "data": "0x01", "gas": "0x1c9c380"});
    assert_eq!(
        result(a, "eth_call", json!([load, "latest"])).await,
        hex(&[0u8; 32])
    );
    assert!(quantity(&result(a, "eth_estimateGas", json!([load])).await) <= cap);
    node.service.shutdown().await;
}

/// Overwrites the contract's slot 0 in the flat head state and its storage trie's root node
/// with bytes that do not decode, in the stopped node's data folder.
fn corrupt_slot_zero(datadir: &std::path::Path, contract: &H160) {
    use rewasm_store::cf;
    let path = datadir.join("chaindata");
    let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
    // The server's last connection tasks may still hold the node (and its store's lock) for a
    // moment after `shutdown` returns.
    let mut attempts = 0;
    let db = loop {
        match rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, &names) {
            Ok(db) => break db,
            Err(error) if attempts < 100 && error.to_string().contains("lock") => {
                attempts += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(error) => panic!("opening the stopped node's store: {error}"),
        }
    };
    let accounts = db.cf_handle(cf::ACCOUNTS).unwrap();
    // nonce (8) ++ balance (32) ++ code hash (32) ++ storage root (32)
    let record = db.get_cf(accounts, contract.as_bytes()).unwrap().unwrap();
    let storage_root = record[72..104].to_vec();
    let mut slot_key = contract.as_bytes().to_vec();
    slot_key.extend_from_slice(&[0; 32]);
    db.put_cf(db.cf_handle(cf::STORAGE).unwrap(), slot_key, b"bad")
        .unwrap();
    db.put_cf(db.cf_handle(cf::TRIE_NODES).unwrap(), storage_root, b"bad")
        .unwrap();
}

/// A state read the store cannot answer is the node's failure: `eth_call` and `eth_estimateGas`
/// (on the head's flat state and on an older root's tries) answer an internal error naming the
/// read, never a result computed from a zero slot, and a transaction that reads it is not mined.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_state_read_is_an_error_never_a_zero() {
    let dir = tempfile::tempdir().unwrap();
    let config = || ServiceConfig {
        datadir: dir.path().join("data"),
        genesis: Genesis::dev().unwrap(),
        mining: Mining::Instant,
        rpc: RpcConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..RpcConfig::default()
        },
        limits: NodeLimits::default(),
    };
    let keys = keys();
    let service = Service::start(config()).await.unwrap();
    let a = service.rpc_addr();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let stored = send(
        a,
        &signed(&dynamic(1, Some(contract), 0, word(7), 200_000), &keys[0]),
    )
    .await;
    let stored_in = receipt(a, &stored).await["blockNumber"].clone();
    // One more block, so that the block with the slot is an older root.
    let later = send(
        a,
        &signed(
            &dynamic(2, Some(H160::repeat_byte(9)), 1, vec![], 21_000),
            &keys[0],
        ),
    )
    .await;
    receipt(a, &later).await;
    let load = json!({"to": addr_hex(&contract), "data": "0x01"});
    assert_eq!(
        result(a, "eth_call", json!([load, stored_in])).await,
        hex(&word(7))
    );
    let head = result(a, "eth_blockNumber", json!([])).await;
    service.shutdown().await;

    corrupt_slot_zero(&dir.path().join("data"), &contract);
    let service = Service::start(config()).await.unwrap();
    let a = service.rpc_addr();
    let slot = format!("slot {:?} of {contract:?}", primitive_types::H256::zero());
    for block in [json!("latest"), stored_in.clone()] {
        let (code, message, _) = error(a, "eth_call", json!([load, block])).await;
        assert_eq!(code, -32603, "{block}: {message}");
        assert!(
            message.contains(&format!("reading {slot} failed")),
            "{block}: {message}"
        );
        let (code, message, _) = error(a, "eth_estimateGas", json!([load, block])).await;
        assert_eq!(code, -32603, "{block}: {message}");
        assert!(message.contains(&slot), "{block}: {message}");
    }
    // Building a block over the slot fails the node, not the transaction: nothing is mined.
    let raw = signed(&dynamic(3, Some(contract), 0, vec![1], 200_000), &keys[0]);
    let answer = call(a, "eth_sendRawTransaction", json!([raw])).await;
    let hash = answer["result"].as_str().map(str::to_string);
    assert_eq!(
        result(a, "eth_blockNumber", json!([])).await,
        head,
        "{answer}"
    );
    if let Some(hash) = hash {
        let receipt = result(a, "eth_getTransactionReceipt", json!([hash])).await;
        assert!(receipt.is_null(), "{receipt}");
    }
    service.shutdown().await;
}

/// 1001 addresses (one over geth's limit), as JSON strings.
fn too_many_addresses() -> Vec<String> {
    (0..1001u32).map(|i| format!("0x{:040x}", i)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn filters_and_subscriptions_are_bounded() {
    let node = start_config(
        Mining::Instant,
        RpcConfig {
            max_filters: 3,
            max_subscriptions_per_connection: 2,
            ..RpcConfig::default()
        },
    )
    .await;
    let a = node.addr;
    let topic = hex(&TOPIC);
    let addresses = json!({"address": too_many_addresses()});
    let alternatives = json!({"topics": [null, vec![topic.clone(); 1001]]});
    for method in ["eth_getLogs", "eth_newFilter"] {
        let (code, message, _) = error(a, method, json!([addresses])).await;
        assert_eq!(
            (code, message.as_str()),
            (-32602, "invalid argument 0: exceed max addresses"),
            "{method}"
        );
        let (code, message, _) = error(a, method, json!([alternatives])).await;
        assert_eq!(
            (code, message.as_str()),
            (-32602, "invalid argument 0: exceed max topics"),
            "{method}"
        );
    }

    // Installed filters: three, then refused until one is uninstalled.
    let mut ids = Vec::new();
    for (method, params) in [
        ("eth_newBlockFilter", json!([])),
        ("eth_newPendingTransactionFilter", json!([])),
        ("eth_newFilter", json!([{"topics": [topic]}])),
    ] {
        ids.push(result(a, method, params).await);
    }
    for (method, params) in [
        ("eth_newBlockFilter", json!([])),
        ("eth_newPendingTransactionFilter", json!([])),
        ("eth_newFilter", json!([{}])),
    ] {
        let (code, message, _) = error(a, method, params).await;
        assert_eq!((code, message.as_str()), (-32005, "exceed max filters: 3"));
    }
    assert_eq!(
        result(a, "eth_uninstallFilter", json!([ids[0]])).await,
        json!(true)
    );
    result(a, "eth_newBlockFilter", json!([])).await;

    // A refused subscription holds its connection's slot until its task ends, so this one has
    // a connection of its own.
    let client = WsClientBuilder::default()
        .build(format!("ws://{a}"))
        .await
        .unwrap();
    let refused = client
        .subscribe::<Value, _>(
            "eth_subscribe",
            rpc_params!["logs", addresses.clone()],
            "eth_unsubscribe",
        )
        .await
        .unwrap_err();
    let jsonrpsee::core::ClientError::Call(refused) = refused else {
        panic!("a JSON-RPC error: {refused}");
    };
    assert_eq!(
        (refused.code(), refused.message()),
        (-32602, "invalid argument 1: exceed max addresses")
    );
    drop(client);

    // Subscriptions: two per connection; a third is refused, another connection has its own.
    let client = WsClientBuilder::default()
        .build(format!("ws://{a}"))
        .await
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(
            client
                .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
                .await
                .unwrap(),
        );
    }
    let refused = client
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap_err();
    let jsonrpsee::core::ClientError::Call(refused) = refused else {
        panic!("a JSON-RPC error: {refused}");
    };
    assert_eq!(
        (refused.code(), refused.message()),
        (-32006, "Too many subscriptions on the connection")
    );
    let other = WsClientBuilder::default()
        .build(format!("ws://{a}"))
        .await
        .unwrap();
    other
        .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
        .await
        .unwrap();
    held.pop().unwrap().unsubscribe().await.unwrap();
    // The slot is freed when the subscription's task has seen the unsubscribe; on a loaded
    // 2-core machine running the other tests of this binary beside it, that can take seconds.
    let mut freed = false;
    for _ in 0..1200 {
        let again = client
            .subscribe::<Value, _>("eth_subscribe", rpc_params!["newHeads"], "eth_unsubscribe")
            .await;
        if let Ok(subscription) = again {
            held.push(subscription);
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(freed, "an unsubscribed slot is given back");
    drop((client, other, held));
    node.service.shutdown().await;
}

/// Sends `head` and reads the response up to the end of its `Content-Length` body (none for a
/// WebSocket upgrade, which keeps the connection open); the status and the body.
async fn status_of(addr: SocketAddr, head: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let read = async {
        let mut response = Vec::new();
        let mut buffer = [0u8; 1024];
        loop {
            let n = stream.read(&mut buffer).await.unwrap();
            response.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&response).to_string();
            if let Some((headers, body)) = text.split_once("\r\n\r\n") {
                let length: usize = headers
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= length {
                    return text;
                }
            }
            assert!(n > 0, "connection closed mid-response: {text}");
        }
    };
    let text = tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .expect("an answer");
    let (headers, body) = text.split_once("\r\n\r\n").unwrap();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status code");
    (status, body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_for_other_hosts_are_refused_against_dns_rebinding() {
    let node = start().await;
    let a = node.addr;
    let port = a.port();
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}"#;
    let post = |host: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
    };
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "localhost.evil.example",
    ] {
        let (status, text) = raw_http(a, &post(host), body.as_bytes()).await;
        assert_eq!(
            (status, text.as_str()),
            (403, "invalid host specified\n"),
            "{host}"
        );
    }
    for host in [
        format!("localhost:{port}"),
        "localhost".to_string(),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, text) = raw_http(a, &post(&host), body.as_bytes()).await;
        assert_eq!(status, 200, "{host}");
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["result"],
            "0x7a69"
        );
    }
    let metrics = "GET /metrics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
    assert_eq!(raw_http(a, metrics, b"").await.0, 403);

    // A WebSocket upgrade goes through the same check.
    let upgrade = |host: &str| {
        format!(
            "GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
    };
    let (status, text) = status_of(a, &upgrade("evil.example")).await;
    assert_eq!((status, text.as_str()), (403, "invalid host specified\n"));
    let (status, _) = status_of(a, &upgrade(&format!("localhost:{port}"))).await;
    assert_eq!(status, 101);
    node.service.shutdown().await;

    // `*` accepts any name.
    let open = start_config(
        Mining::Instant,
        RpcConfig {
            vhosts: VirtualHosts::parse("*"),
            ..RpcConfig::default()
        },
    )
    .await;
    let (status, _) = raw_http(open.addr, &post("evil.example"), body.as_bytes()).await;
    assert_eq!(status, 200);
    open.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_input_makes_a_handler_fail_internally() {
    let node = start().await;
    let a = node.addr;
    let junk = [
        json!([]),
        json!([null]),
        json!(["0x"]),
        json!([{}]),
        json!([[]]),
        json!(["latest", true]),
        json!([{"blockHash": null, "blockNumber": null}]),
        json!([
            "0xffffffffffffffffffffffffffffffffffffffff",
            "0x7fffffffffffffff",
            [100, 100]
        ]),
        json!([1, 2, 3, 4, 5]),
        json!({"named": true}),
        json!("text"),
    ];
    for &(method, _, _) in rewasm_node::rpc::METHODS {
        for params in &junk {
            let answer = call(a, method, params.clone()).await;
            assert_eq!(answer["jsonrpc"], "2.0", "{method} {params}: {answer}");
            if let Some(error) = answer.get("error") {
                assert_ne!(error["code"], -32603, "{method} {params}: {answer}");
            }
        }
    }
    node.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_are_served_on_the_rpc_port() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let hash = send(
        a,
        &signed(
            &dynamic(0, Some(H160::repeat_byte(1)), 1, Vec::new(), 21_000),
            &keys[0],
        ),
    )
    .await;
    receipt(a, &hash).await;
    // A transaction behind a nonce gap stays queued.
    send(
        a,
        &signed(
            &dynamic(5, Some(H160::repeat_byte(1)), 1, Vec::new(), 21_000),
            &keys[0],
        ),
    )
    .await;
    let (status, page) = http(a, "GET", "/metrics", b"").await;
    assert_eq!(status, 200);
    for line in [
        "rewasm_head_block_number 1",
        "rewasm_blocks_mined_total 1",
        "rewasm_transactions_mined_total 1",
        "rewasm_gas_used_total 21000",
        "rewasm_block_gas_used_count 1",
        "rewasm_block_execution_seconds_count 1",
        "rewasm_block_commit_seconds_count 1",
        "rewasm_txpool_pending 0",
        "rewasm_txpool_queued 1",
        "rewasm_rpc_request_duration_seconds_count{method=\"eth_sendRawTransaction\"} 2",
        "# EOF",
    ] {
        assert!(page.contains(line), "missing {line:?} in\n{page}");
    }
    let (status, _) = http(a, "GET", "/", b"").await;
    assert_eq!(status, 405, "only /metrics answers GET");
    node.service.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interval_mining_seals_empty_blocks() {
    let node = start_with(
        Mining::Interval(Duration::from_secs(1)),
        LogLimits::default(),
    )
    .await;
    let a = node.addr;
    let mut number = 0;
    for _ in 0..600 {
        number = quantity(&result(a, "eth_blockNumber", json!([])).await);
        if number >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(number >= 2, "blocks are sealed without transactions");
    let block = result(a, "eth_getBlockByNumber", json!(["0x1", false])).await;
    assert_eq!(block["transactions"], json!([]));
    assert_eq!(block["gasUsed"], "0x0");
    node.service.shutdown().await;
}

// ---- the dev accounts as a node-side wallet, and browsers ----------------------------------

fn dev_config() -> RpcConfig {
    RpcConfig {
        dev_chain: true,
        ..RpcConfig::default()
    }
}

/// The signer of an EIP-191 personal-message signature `r ‖ s ‖ v` (v 27 or 28).
fn personal_signer(message: &[u8], signature: &str) -> H160 {
    let mut prefixed = format!("\x19Ethereum Signed Message:\n{}", message.len()).into_bytes();
    prefixed.extend_from_slice(message);
    digest_signer(
        rewasm_primitives::keccak256(&prefixed).as_fixed_bytes(),
        signature,
    )
}

/// The signer of `digest` by a signature `r ‖ s ‖ v` (v 27 or 28).
fn digest_signer(digest: &[u8; 32], signature: &str) -> H160 {
    use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
    let bytes = hex::decode(signature.trim_start_matches("0x")).unwrap();
    assert_eq!(bytes.len(), 65, "{signature}");
    let recovery = RecoveryId::from_byte(bytes[64] - 27).unwrap();
    let key = VerifyingKey::recover_from_prehash(
        digest,
        &Signature::from_slice(&bytes[..64]).unwrap(),
        recovery,
    )
    .unwrap();
    tx::public_key_address(&key)
}

/// With `--dev` the node lists the dev accounts and signs with their keys: a transaction from
/// the fields a wallet would leave out (nonce, gas, fees), a legacy one when `gasPrice` is
/// given, a raw signed transaction, and personal messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dev_node_signs_with_its_accounts() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let accounts = result(a, "eth_accounts", json!([])).await;
    let expected: Vec<String> = keys[..10].iter().map(|k| addr_hex(&address(k))).collect();
    assert_eq!(accounts, json!(expected));
    let (from, to) = (addr_hex(&address(&keys[0])), addr_hex(&address(&keys[11])));

    let hash = result(
        a,
        "eth_sendTransaction",
        json!([{"from": from, "to": to, "value": "0xde0b6b3a7640000"}]),
    )
    .await;
    let first = receipt(a, hash.as_str().unwrap()).await;
    assert_eq!(first["status"], json!("0x1"));
    assert_eq!(first["type"], json!("0x2"));
    assert_eq!(
        quantity(&first["gasUsed"]),
        21_000,
        "the estimate is exact for a transfer"
    );
    let balance = result(a, "eth_getBalance", json!([to, "latest"])).await;
    assert_eq!(balance, json!("0xde0b6b3a7640000"));

    let hash = result(
        a,
        "eth_sendTransaction",
        json!([{"from": from, "to": to, "value": "0x1", "gasPrice": "0x77359400"}]),
    )
    .await;
    let legacy = result(a, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(legacy["type"], json!("0x0"));
    assert_eq!(legacy["nonce"], json!("0x1"));
    assert_eq!(legacy["gasPrice"], json!("0x77359400"));
    assert_eq!(legacy["chainId"], json!(format!("{DEV_CHAIN_ID:#x}")));
    assert_eq!(
        receipt(a, hash.as_str().unwrap()).await["status"],
        json!("0x1")
    );

    let signed = result(
        a,
        "eth_signTransaction",
        json!([{"from": from, "to": to, "value": "0x2"}]),
    )
    .await;
    let raw = &signed["raw"];
    assert_eq!(signed["tx"]["nonce"], json!("0x2"));
    assert_eq!(signed["tx"]["value"], json!("0x2"));
    let raw_bytes = hex::decode(raw.as_str().unwrap().trim_start_matches("0x")).unwrap();
    let decoded = tx::decode(&raw_bytes).unwrap();
    assert_eq!(decoded.sender, address(&keys[0]));
    assert_eq!(decoded.nonce, 2, "the pending nonce");
    assert_eq!(decoded.value, U256::from(2));
    let hash = send(a, raw.as_str().unwrap()).await;
    assert_eq!(signed["tx"]["hash"], json!(hash));
    assert_eq!(receipt(a, &hash).await["status"], json!("0x1"));

    let message = b"hello rewasm";
    let signed = result(a, "eth_sign", json!([from, hex(message)])).await;
    assert_eq!(
        personal_signer(message, signed.as_str().unwrap()),
        address(&keys[0])
    );
    let personal = result(a, "personal_sign", json!([hex(message), from])).await;
    assert_eq!(
        personal, signed,
        "the same signature, parameters the other way round"
    );

    // eth_signTypedData_v4 with the document as JSON text, as ethers and viem send it.
    let typed = json!({
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
            "Greeting": [{"name": "text", "type": "string"}, {"name": "to", "type": "address"}]
        },
        "primaryType": "Greeting",
        "domain": {"name": "rewasm", "chainId": DEV_CHAIN_ID},
        "message": {"text": "hello", "to": to}
    });
    let signed = result(a, "eth_signTypedData_v4", json!([from, typed.to_string()])).await;
    let document: alloy_dyn_abi::eip712::TypedData = serde_json::from_value(typed).unwrap();
    let digest = document.eip712_signing_hash().unwrap();
    assert_eq!(
        digest_signer(&digest.0, signed.as_str().unwrap()),
        address(&keys[0])
    );

    let stranger = addr_hex(&address(&keys[12]));
    let (code, text, _) = error(
        a,
        "eth_sendTransaction",
        json!([{"from": stranger, "to": to}]),
    )
    .await;
    assert_eq!((code, text.as_str()), (-32000, "unknown account"));
    let (code, text, _) = error(
        a,
        "eth_sendTransaction",
        json!([{"from": from, "to": to, "chainId": "0x1"}]),
    )
    .await;
    assert_eq!(code, -32000);
    assert_eq!(
        text,
        format!("chainId does not match node's (have=1, want={DEV_CHAIN_ID})")
    );
}

/// Without `--dev` the node holds no key: no accounts, and every signing method says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_node_without_dev_accounts_signs_nothing() {
    let node = start().await;
    let a = node.addr;
    let from = addr_hex(&address(&keys()[0]));
    assert_eq!(result(a, "eth_accounts", json!([])).await, json!([]));
    for (method, params) in [
        ("eth_sendTransaction", json!([{"from": from, "to": from}])),
        ("eth_signTransaction", json!([{"from": from, "to": from}])),
        ("eth_sign", json!([from, "0x00"])),
        ("personal_sign", json!(["0x00", from])),
    ] {
        let (code, text, _) = error(a, method, params).await;
        assert_eq!(code, -32000, "{method}");
        assert!(
            text.starts_with("unknown account: this node holds no keys"),
            "{method}: {text}"
        );
    }
}

/// `eth_fillTransaction` completes a request as `eth_signTransaction` does, unsigned, and needs
/// no key: geth's `{raw, tx}` with a zero signature.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fill_transaction_completes_a_request_without_a_key() {
    let node = start().await;
    let a = node.addr;
    let from = addr_hex(&address(&keys()[0]));
    let filled = result(
        a,
        "eth_fillTransaction",
        json!([{"from": from, "to": from, "value": "0x5"}]),
    )
    .await;
    let tx = &filled["tx"];
    assert_eq!(tx["type"], json!("0x2"));
    assert_eq!(tx["nonce"], json!("0x0"));
    assert_eq!(
        tx["gas"],
        json!("0x5208"),
        "the estimate of a plain transfer"
    );
    assert_eq!(tx["value"], json!("0x5"));
    assert_eq!(tx["chainId"], json!(format!("{DEV_CHAIN_ID:#x}")));
    assert_eq!(tx["gasPrice"], tx["maxFeePerGas"]);
    assert_eq!(tx["accessList"], json!([]));
    let raw = hex::decode(filled["raw"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert_eq!(raw.first(), Some(&2), "an EIP-1559 envelope");
    assert!(raw.ends_with(&[0x80, 0x80, 0x80]), "a zero signature");
    assert_eq!(
        tx::decode(&raw).map(|_| ()),
        Err(tx::TxDecodeError::InvalidSignature)
    );

    let legacy = result(
        a,
        "eth_fillTransaction",
        json!([{"from": from, "to": from, "gasPrice": "0x3b9aca00", "nonce": "0x9"}]),
    )
    .await;
    assert_eq!(legacy["tx"]["type"], json!("0x0"));
    assert_eq!(legacy["tx"]["nonce"], json!("0x9"));
    assert_eq!(legacy["tx"]["gasPrice"], json!("0x3b9aca00"));
    assert!(legacy["tx"].get("accessList").is_none());
}

/// The uncle methods and `eth_coinbase` answer as on a chain without uncles.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn uncles_are_none_and_the_coinbase_is_known() {
    let node = start().await;
    let a = node.addr;
    let coinbase = result(a, "eth_coinbase", json!([])).await;
    let genesis = result(a, "eth_getBlockByNumber", json!(["0x0", false])).await;
    assert_eq!(coinbase.as_str().map(str::len), Some(42));
    let hash = genesis["hash"].clone();
    assert_eq!(
        result(a, "eth_getUncleCountByBlockNumber", json!(["0x0"])).await,
        json!("0x0")
    );
    assert_eq!(
        result(a, "eth_getUncleCountByBlockHash", json!([hash])).await,
        json!("0x0")
    );
    assert_eq!(
        result(a, "eth_getUncleCountByBlockNumber", json!(["0x99"])).await,
        Value::Null
    );
    let unknown = hex(&[7u8; 32]);
    assert_eq!(
        result(a, "eth_getUncleCountByBlockHash", json!([unknown])).await,
        Value::Null
    );
    assert_eq!(
        result(
            a,
            "eth_getUncleByBlockNumberAndIndex",
            json!(["latest", "0x0"])
        )
        .await,
        Value::Null
    );
    assert_eq!(
        result(a, "eth_getUncleByBlockHashAndIndex", json!([hash, "0x0"])).await,
        Value::Null
    );
}

/// The CORS answer a browser gets from a page on `origin`: the preflight's status and
/// `Access-Control-Allow-Origin`, then a POST's.
async fn cors(addr: SocketAddr, origin: &str) -> (u16, Option<String>, Option<String>) {
    let allowed = |headers: &[(String, String)]| {
        headers
            .iter()
            .find(|(name, _)| name == "access-control-allow-origin")
            .map(|(_, value)| value.clone())
    };
    let preflight = format!(
        "OPTIONS / HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\n\
         Access-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n"
    );
    let (status, headers, _) = raw_exchange(addr, &preflight, b"").await;
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).to_string();
    let post = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let (_, post_headers, answer) = raw_exchange(addr, &post, body.as_bytes()).await;
    assert!(answer.contains("\"result\""), "{answer}");
    (status, allowed(&headers), allowed(&post_headers))
}

/// A page on another origin may call the node when `--http.corsdomain` allows its origin (any,
/// in `--dev`); otherwise the browser gets no CORS headers and hides the answer from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn browsers_may_call_from_the_allowed_origins_only() {
    let any = start_config(
        Mining::Instant,
        RpcConfig {
            cors: CorsOrigins::Any,
            ..RpcConfig::default()
        },
    )
    .await;
    let (status, preflight, post) = cors(any.addr, "http://dapp.example").await;
    assert_eq!(status, 200);
    assert_eq!(preflight.as_deref(), Some("*"));
    assert_eq!(post.as_deref(), Some("*"));

    let listed = start_config(
        Mining::Instant,
        RpcConfig {
            cors: CorsOrigins::parse("http://localhost:5173, http://dapp.example"),
            ..RpcConfig::default()
        },
    )
    .await;
    let (_, preflight, post) = cors(listed.addr, "http://dapp.example").await;
    assert_eq!(preflight.as_deref(), Some("http://dapp.example"));
    assert_eq!(post.as_deref(), Some("http://dapp.example"));
    let (_, preflight, post) = cors(listed.addr, "http://evil.example").await;
    assert_eq!((preflight, post), (None, None));

    let none = start().await;
    let (_, preflight, post) = cors(none.addr, "http://dapp.example").await;
    assert_eq!((preflight, post), (None, None));
    assert_eq!(CorsOrigins::parse(""), CorsOrigins::None);
}

/// The dev chain's test methods seal blocks on demand and move the clock later blocks take
/// their timestamps from, transactions' blocks included.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_dev_chain_takes_the_test_frameworks_chain_control() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let latest = || result(a, "eth_getBlockByNumber", json!(["latest", false]));
    let genesis = latest().await;
    assert_eq!(result(a, "evm_mine", json!([])).await, json!("0x0"));
    let first = latest().await;
    assert_eq!(quantity(&first["number"]), quantity(&genesis["number"]) + 1);
    assert_eq!(first["transactions"], json!([]));

    let wanted = quantity(&first["timestamp"]) + 1_000;
    let set = result(
        a,
        "evm_setNextBlockTimestamp",
        json!([format!("{wanted:#x}")]),
    )
    .await;
    assert!(set.is_null());
    result(a, "evm_mine", json!([])).await;
    assert_eq!(quantity(&latest().await["timestamp"]), wanted);

    assert!(
        result(a, "anvil_mine", json!(["0x3", "0xa"]))
            .await
            .is_null()
    );
    let mined = latest().await;
    assert_eq!(quantity(&mined["number"]), 5);
    assert_eq!(quantity(&mined["timestamp"]), wanted + 30, "10 s apart");
    assert!(result(a, "hardhat_mine", json!([2])).await.is_null());
    assert_eq!(quantity(&latest().await["number"]), 7);

    // The clock went on from the set timestamps (about 1 030 s ahead of the wall clock), and
    // moves 7 200 s more.
    let total = quantity(&result(a, "evm_increaseTime", json!([7200])).await);
    assert!((7_200 + 1_000..7_200 + 1_100).contains(&total), "{total}");
    let keys = keys();
    let transfer = dynamic(0, Some(address(&keys[5])), 1, Vec::new(), 21_000);
    let hash = send(a, &signed(&transfer, &keys[0])).await;
    let block_hash = receipt(a, &hash).await["blockHash"].clone();
    let block = result(a, "eth_getBlockByHash", json!([block_hash, false])).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        quantity(&block["timestamp"]) >= now + 7_200 - 5,
        "{block} at {now}"
    );

    let (code, text, _) = error(a, "evm_setNextBlockTimestamp", json!(["0x1"])).await;
    assert_eq!(code, -32000);
    assert!(
        text.starts_with("Timestamp error: 1 is lower than or equal to previous block's timestamp"),
        "{text}"
    );
    let (code, _, _) = error(a, "anvil_mine", json!([10_001])).await;
    assert_eq!(code, -32602);
}

/// Stops a dev node, replays its data folder with `verify`, and opens the chain it left (in
/// the folder returned).
async fn stop_and_verify(
    node: TestNode,
) -> (
    rewasm_node::chain::VerifyReport,
    rewasm_node::chain::Chain,
    tempfile::TempDir,
) {
    let TestNode {
        service, _dir: dir, ..
    } = node;
    service.shutdown().await;
    let datadir = dir.path().join("data");
    let genesis = Genesis::dev().unwrap();
    let config = || rewasm_node::chain::ChainConfig::from_genesis(&genesis).unwrap();
    let report = rewasm_node::chain::verify(&datadir, &genesis, config()).unwrap();
    let chain = rewasm_node::chain::Chain::open(&datadir, &genesis, config()).unwrap();
    (report, chain, dir)
}

/// The dev chain's state edits show at once, the next blocks build on them, invalid code is
/// refused, and `verify` replays a chain with edits between and after its blocks.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn state_edits_show_at_once_and_replay() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let rich = H160::repeat_byte(0x77);
    let thousand_eth = "0x3635c9adc5dea00000";
    assert!(
        result(
            a,
            "anvil_setBalance",
            json!([addr_hex(&rich), thousand_eth])
        )
        .await
        .is_null()
    );
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&rich), "latest"])).await,
        json!(thousand_eth)
    );

    let renumbered = address(&keys[6]);
    assert_eq!(
        result(a, "hardhat_setNonce", json!([addr_hex(&renumbered), "0x5"])).await,
        json!(true)
    );
    assert_eq!(
        result(
            a,
            "eth_getTransactionCount",
            json!([addr_hex(&renumbered), "latest"])
        )
        .await,
        json!("0x5")
    );
    let transfer = dynamic(5, Some(rich), 1, Vec::new(), 21_000);
    let hash = send(a, &signed(&transfer, &keys[6])).await;
    assert_eq!(receipt(a, &hash).await["status"], json!("0x1"));
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&rich), "latest"])).await,
        json!("0x3635c9adc5dea00001"),
        "the block built on the edited balance"
    );

    let contract = H160::repeat_byte(0xc0);
    assert!(
        result(
            a,
            "anvil_setCode",
            json!([addr_hex(&contract), hex(&runtime())])
        )
        .await
        .is_null()
    );
    assert_eq!(
        result(a, "eth_getCode", json!([addr_hex(&contract), "latest"])).await,
        json!(hex(&runtime()))
    );
    assert_eq!(
        result(
            a,
            "hardhat_setStorageAt",
            json!([addr_hex(&contract), "0x0", hex(&word(42))])
        )
        .await,
        json!(true)
    );
    assert_eq!(
        result(
            a,
            "eth_getStorageAt",
            json!([addr_hex(&contract), "0x0", "latest"])
        )
        .await,
        json!(hex(&word(42)))
    );
    let read = result(
        a,
        "eth_call",
        json!([{"to": addr_hex(&contract), "data": "0x01"}, "latest"]),
    )
    .await;
    assert_eq!(
        read,
        json!(hex(&word(42))),
        "the set code runs on the set slot"
    );

    let (code, text, _) = error(
        a,
        "anvil_setCode",
        json!([addr_hex(&contract), "0x0061736d"]),
    )
    .await;
    assert_eq!(code, -32602);
    assert!(text.starts_with("invalid code: "), "{text}");
    assert_eq!(
        result(a, "eth_getCode", json!([addr_hex(&contract), "latest"])).await,
        json!(hex(&runtime())),
        "a refused edit changes nothing"
    );
    // An edit after the last block, which only the store's state root covers.
    result(a, "anvil_setBalance", json!([addr_hex(&rich), "0x1"])).await;
    let head = quantity(&result(a, "eth_blockNumber", json!([])).await);

    let (report, chain, _dir) = stop_and_verify(node).await;
    assert_eq!(report.blocks, head);
    assert_eq!(
        report.edits, 5,
        "two balances, a nonce, the code and a slot"
    );
    assert_eq!(chain.account_at(&rich, head).unwrap().balance, U256::one());
    assert_eq!(report.state_root, chain.store().state_root().unwrap());
    assert_ne!(report.state_root, chain.head().header.state_root);
}

/// An impersonated account sends without its key while it is impersonated (by name, or with
/// every sender), its transactions are ordinary blocks that `verify` replays, and a chain
/// without `devMode` refuses both those blocks and the store that holds them.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn impersonated_accounts_send_without_keys_on_the_dev_chain_only() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let whale = H160::repeat_byte(0x3a);
    let bob = H160::repeat_byte(0xb0);
    let one_eth = "0xde0b6b3a7640000";
    result(a, "anvil_setBalance", json!([addr_hex(&whale), one_eth])).await;
    let transfer = json!([{"from": addr_hex(&whale), "to": addr_hex(&bob), "value": "0x64"}]);
    let (_, text, _) = error(a, "eth_sendTransaction", transfer.clone()).await;
    assert_eq!(text, "unknown account", "not impersonated yet");

    let started = result(a, "anvil_impersonateAccount", json!([addr_hex(&whale)])).await;
    assert!(started.is_null());
    let hash = result(a, "eth_sendTransaction", transfer.clone()).await;
    let hash = hash.as_str().unwrap();
    let sent = receipt(a, hash).await;
    assert_eq!(sent["status"], json!("0x1"));
    assert_eq!(sent["from"], json!(addr_hex(&whale)));
    let listed = result(a, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(listed["from"], json!(addr_hex(&whale)));
    assert_eq!(listed["s"], json!("0x0"), "the marker, not a signature");
    assert_eq!(listed["r"], json!(format!("0x{}", hex::encode(whale))));
    // The marker in raw bytes is taken too, while the sender is impersonated.
    let marked = |nonce| {
        hex(&tx::seal_impersonated(&dynamic(nonce, Some(bob), 5, vec![], 21_000), whale).unwrap())
    };
    let raw_hash = send(a, &marked(1)).await;
    assert_eq!(receipt(a, &raw_hash).await["status"], json!("0x1"));

    let stopped = result(
        a,
        "hardhat_stopImpersonatingAccount",
        json!([addr_hex(&whale)]),
    )
    .await;
    assert_eq!(stopped, json!(true));
    let (_, text, _) = error(a, "eth_sendTransaction", transfer.clone()).await;
    assert_eq!(text, "unknown account");
    let (_, text, _) = error(a, "eth_sendRawTransaction", json!([marked(2)])).await;
    assert!(text.contains("is not impersonated"), "{text}");

    assert!(
        result(a, "anvil_autoImpersonateAccount", json!([true]))
            .await
            .is_null()
    );
    let hash = result(a, "eth_sendTransaction", transfer.clone()).await;
    assert_eq!(
        receipt(a, hash.as_str().unwrap()).await["status"],
        json!("0x1")
    );
    result(a, "anvil_autoImpersonateAccount", json!([false])).await;
    let (_, text, _) = error(a, "eth_sendTransaction", transfer).await;
    assert_eq!(text, "unknown account");
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&bob), "latest"])).await,
        json!("0xcd"),
        "100 + 5 + 100 wei"
    );
    let head = quantity(&result(a, "eth_blockNumber", json!([])).await);

    let (report, chain, dir) = stop_and_verify(node).await;
    assert_eq!(report.blocks, head);
    let first = chain.store().block_header(1).unwrap().unwrap();
    drop(chain);
    assert!(
        rewasm_node::chain::Block::decode(&first, tx::Signatures::Strict).is_err(),
        "an impersonated transaction is an invalid signature outside dev chains"
    );
    let strict = Genesis {
        dev_mode: false,
        ..Genesis::dev().unwrap()
    };
    let config = rewasm_node::chain::ChainConfig::from_genesis(&strict).unwrap();
    let datadir = dir.path().join("data");
    let refused = rewasm_node::chain::Chain::open(&datadir, &strict, config)
        .err()
        .unwrap();
    assert!(refused.to_string().contains("dev mode"), "{refused}");
}

/// Calls the contract of [`runtime`] at `target` three ways — a store of 7 (which logs), an
/// empty call (which reverts with `Error("nope")`) and a static read — then logs
/// [`RELAY_TOPIC`] itself and returns 7.
fn relay(target: H160) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "callStatic" (func $static (param i64 i32 i32 i32) (result i32)))
  (import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{target}")
  (data (i32.const 64) "{seven}")
  (data (i32.const 128) "{topic}")
  (func (export "main")
    (drop (call $call (i64.const 200000) (i32.const 0) (i32.const 32) (i32.const 64) (i32.const 32)))
    (drop (call $call (i64.const 200000) (i32.const 0) (i32.const 32) (i32.const 64) (i32.const 0)))
    (drop (call $static (i64.const 100000) (i32.const 0) (i32.const 64) (i32.const 1)))
    (call $log (i32.const 64) (i32.const 32) (i32.const 1) (i32.const 128) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $finish (i32.const 64) (i32.const 32))))"#,
        target = wat_bytes(target.as_bytes()),
        seven = wat_bytes(&word(7)),
        topic = wat_bytes(&RELAY_TOPIC),
    );
    wat::parse_str(wat).unwrap()
}

/// The topic of [`relay`]'s own log.
const RELAY_TOPIC: [u8; 32] = [0xbb; 32];

/// geth's `callTracer` of a transaction, a block and a call: every frame with its type,
/// addresses, value, gas, input and output, reverts with their reason, each frame's own logs
/// with their position among its calls (none from the reverted frame); `onlyTopCall` leaves out
/// the nested frames; anything but the call tracer is refused with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn call_traces_are_geths_call_tracer() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let (store, _) = deploy(a, &keys[0], 0).await;
    let relay_address = H160::repeat_byte(0x7e);
    result(
        a,
        "anvil_setCode",
        json!([addr_hex(&relay_address), hex(&relay(store))]),
    )
    .await;
    let sender = address(&keys[1]);
    let hash = send(
        a,
        &signed(
            &dynamic(0, Some(relay_address), 0, vec![], 1_000_000),
            &keys[1],
        ),
    )
    .await;
    let mined = receipt(a, &hash).await;
    assert_eq!(mined["status"], json!("0x1"));
    let with_log = json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}});
    let trace = result(a, "debug_traceTransaction", json!([hash, with_log])).await;

    let seven = hex(&word(7));
    assert_eq!(trace["type"], json!("CALL"));
    assert_eq!(trace["from"], json!(addr_hex(&sender)));
    assert_eq!(trace["to"], json!(addr_hex(&relay_address)));
    assert_eq!(trace["value"], json!("0x0"));
    assert_eq!(trace["gas"], json!("0xf4240"));
    assert_eq!(trace["gasUsed"], mined["gasUsed"]);
    assert_eq!(trace["input"], json!("0x"));
    assert_eq!(trace["output"], json!(seven));
    assert_eq!(trace.get("error"), None);
    assert_eq!(
        trace["logs"],
        json!([{
            "address": addr_hex(&relay_address),
            "topics": [hex(&RELAY_TOPIC)],
            "data": seven,
            "position": "0x3",
        }])
    );
    let calls = trace["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3, "{trace}");
    let (stored, reverted, read) = (&calls[0], &calls[1], &calls[2]);
    assert_eq!(stored["type"], json!("CALL"));
    assert_eq!(stored["from"], json!(addr_hex(&relay_address)));
    assert_eq!(stored["to"], json!(addr_hex(&store)));
    assert_eq!(stored["value"], json!("0x0"));
    assert_eq!(stored["gas"], json!("0x30d40"));
    assert_eq!(
        (&stored["input"], &stored["output"]),
        (&json!(seven), &json!(seven))
    );
    assert_eq!(stored["logs"][0]["topics"], json!([hex(&TOPIC)]));
    assert_eq!(stored["logs"][0]["position"], json!("0x0"));
    assert_eq!(reverted["error"], json!("execution reverted"));
    assert_eq!(reverted["revertReason"], json!("nope"));
    assert_eq!(reverted["output"], json!(hex(&nope())));
    assert_eq!(reverted.get("logs"), None);
    assert_eq!(read["type"], json!("STATICCALL"));
    assert_eq!(read.get("value"), None);
    assert_eq!(read["output"], json!(seven));
    for call in calls {
        let used = quantity(&call["gasUsed"]);
        assert!(used > 0 && used <= quantity(&call["gas"]), "{call}");
    }

    let top = json!({"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}});
    let only = result(a, "debug_traceTransaction", json!([hash, top])).await;
    assert_eq!(only.get("calls"), None);
    assert_eq!(only.get("logs"), None, "withLog was not asked");
    assert_eq!(only["gasUsed"], trace["gasUsed"]);

    let block = mined["blockNumber"].clone();
    let tracer = json!({"tracer": "callTracer"});
    let blocks = result(a, "debug_traceBlockByNumber", json!([block, tracer])).await;
    assert_eq!(blocks.as_array().map(Vec::len), Some(1));
    assert_eq!(blocks[0]["txHash"], json!(hash));
    assert_eq!(blocks[0]["result"]["calls"], {
        let mut without_logs = trace["calls"].clone();
        without_logs[0].as_object_mut().unwrap().remove("logs");
        without_logs
    });
    let by_hash = result(
        a,
        "debug_traceBlockByHash",
        json!([mined["blockHash"], tracer]),
    )
    .await;
    assert_eq!(by_hash, blocks);

    let call = json!({"from": addr_hex(&sender), "to": addr_hex(&relay_address), "gas": "0xf4240"});
    let called = result(a, "debug_traceCall", json!([call, "latest", tracer])).await;
    assert_eq!(called["output"], json!(seven));
    assert_eq!(called["calls"].as_array().map(Vec::len), Some(3));
    assert_eq!(called["calls"][1]["revertReason"], json!("nope"));
    // The same relay at an address without code, through the config's state overrides.
    let elsewhere = addr_hex(&H160::repeat_byte(0x7d));
    let planted = json!({"tracer": "callTracer",
        "stateOverrides": {elsewhere.clone(): {"code": hex(&relay(store))}}});
    let call = json!({"from": addr_hex(&sender), "to": elsewhere, "gas": "0xf4240"});
    let overridden = result(a, "debug_traceCall", json!([call, "latest", planted])).await;
    assert_eq!(overridden["output"], json!(seven));
    assert_eq!(overridden["calls"].as_array().map(Vec::len), Some(3));

    let (code, text, _) = error(a, "debug_traceTransaction", json!([hash])).await;
    assert_eq!(code, -32602);
    assert!(text.contains("callTracer"), "{text}");
    let (_, text, _) = error(
        a,
        "debug_traceTransaction",
        json!([format!("0x{}", "11".repeat(32)), tracer]),
    )
    .await;
    assert!(text.contains("not found"), "{text}");
    let (_, text, _) = error(a, "debug_traceBlockByNumber", json!(["0x0", tracer])).await;
    assert!(text.contains("genesis"), "{text}");
}

/// Runtime: a `call` to `target` with more value than it holds (refused before it starts), then
/// a `create` of [`init_code`].
fn refuser(target: H160) -> Vec<u8> {
    let init = init_code();
    let wat = format!(
        r#"(module
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "create" (func $create (param i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{target}")
  (data (i32.const 32) "{rich}")
  (data (i32.const 128) "{init}")
  (func (export "main")
    (drop (call $call (i64.const 100000) (i32.const 0) (i32.const 32) (i32.const 0) (i32.const 4)))
    (drop (call $create (i32.const 64) (i32.const 128) (i32.const {init_len}) (i32.const 96)))
    (call $finish (i32.const 96) (i32.const 20))))"#,
        target = wat_bytes(target.as_bytes()),
        rich = wat_bytes(&[0xff; 16]),
        init = wat_bytes(&init),
        init_len = init.len(),
    );
    wat::parse_str(wat).unwrap()
}

/// A call the EEI refuses before it starts is a failed frame with no gas used, as on geth; a
/// create's frame gives the code it deployed as its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn refused_calls_and_creates_show_in_traces_as_on_geth() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let target = H160::repeat_byte(0x5e);
    let refusing = H160::repeat_byte(0x7f);
    result(
        a,
        "anvil_setCode",
        json!([addr_hex(&refusing), hex(&refuser(target))]),
    )
    .await;
    let hash = send(
        a,
        &signed(&dynamic(0, Some(refusing), 0, vec![], 3_000_000), &keys[1]),
    )
    .await;
    let mined = receipt(a, &hash).await;
    assert_eq!(mined["status"], json!("0x1"));
    let tracer = json!({"tracer": "callTracer"});
    let trace = result(a, "debug_traceTransaction", json!([hash, tracer])).await;
    let calls = trace["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "{trace}");
    let (refused, created) = (&calls[0], &calls[1]);
    assert_eq!(refused["type"], json!("CALL"));
    assert_eq!(refused["from"], json!(addr_hex(&refusing)));
    assert_eq!(refused["to"], json!(addr_hex(&target)));
    assert_eq!(refused["value"], json!(format!("0x{}", "f".repeat(32))));
    assert_eq!(refused["gasUsed"], json!("0x0"));
    assert_eq!(
        refused["input"],
        json!("0x5e5e5e5e"),
        "the first 4 bytes of its memory"
    );
    assert_eq!(refused["error"], json!("insufficient balance for transfer"));
    assert_eq!(created["type"], json!("CREATE"));
    assert_eq!(created.get("error"), None);
    assert_eq!(created["output"], json!(hex(&runtime())));
    assert_eq!(trace["output"], created["to"]);
}

/// What a test reads to tell two states apart.
async fn observed(a: SocketAddr, accounts: &[H160], contracts: &[H160]) -> Vec<Value> {
    let mut seen = vec![result(a, "eth_blockNumber", json!([])).await];
    for account in accounts {
        seen.push(result(a, "eth_getBalance", json!([addr_hex(account), "latest"])).await);
        seen.push(
            result(
                a,
                "eth_getTransactionCount",
                json!([addr_hex(account), "latest"]),
            )
            .await,
        );
    }
    for contract in contracts {
        seen.push(result(a, "eth_getCode", json!([addr_hex(contract), "latest"])).await);
        seen.push(
            result(
                a,
                "eth_getStorageAt",
                json!([addr_hex(contract), "0x0", "latest"]),
            )
            .await,
        );
    }
    seen
}

/// `evm_snapshot` / `evm_revert` return to a state with its blocks, transactions, state edits
/// and clock; a revert releases later snapshots; `anvil_reset` returns to the genesis; and
/// `verify` replays what is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn snapshots_revert_blocks_edits_and_the_clock_and_reset_returns_to_genesis() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let (alice, bob) = (address(&keys[0]), H160::repeat_byte(0xb0));
    let at_genesis = result(a, "evm_snapshot", json!([])).await;

    send(
        a,
        &signed(&dynamic(0, Some(bob), 10, Vec::new(), 21_000), &keys[0]),
    )
    .await;
    let (first, _) = deploy(a, &keys[0], 1).await;
    result(a, "anvil_setBalance", json!([addr_hex(&bob), "0x64"])).await;
    result(
        a,
        "hardhat_setStorageAt",
        json!([addr_hex(&first), "0x0", hex(&word(7))]),
    )
    .await;
    let watched = [alice, bob];
    let before = observed(a, &watched, &[first]).await;
    let timestamp = |block: Value| quantity(&block["timestamp"]);
    let head_time = timestamp(result(a, "eth_getBlockByNumber", json!(["latest", false])).await);
    let later = result(a, "evm_snapshot", json!([])).await;
    assert_ne!(later, at_genesis);
    let filter = result(a, "eth_newBlockFilter", json!([])).await;

    // Blocks, a new contract (created: its storage starts wiped), a slot written by a call,
    // edits and the clock moved: all undone by the revert.
    result(a, "evm_increaseTime", json!([86_400])).await;
    let moved = send(
        a,
        &signed(&dynamic(2, Some(bob), 5, Vec::new(), 21_000), &keys[0]),
    )
    .await;
    let (second, _) = deploy(a, &keys[0], 3).await;
    let call = dynamic(4, Some(first), 0, word(9), 200_000);
    assert_eq!(
        receipt(a, &send(a, &signed(&call, &keys[0])).await).await["status"],
        "0x1"
    );
    result(a, "anvil_setCode", json!([addr_hex(&bob), hex(&runtime())])).await;
    result(a, "anvil_setNonce", json!([addr_hex(&alice), "0x63"])).await;
    assert_ne!(observed(a, &watched, &[first]).await, before);

    assert_eq!(result(a, "evm_revert", json!([later])).await, json!(true));
    assert_eq!(observed(a, &watched, &[first]).await, before);
    assert!(
        result(a, "eth_getTransactionByHash", json!([moved]))
            .await
            .is_null()
    );
    assert!(
        result(a, "eth_getTransactionReceipt", json!([moved]))
            .await
            .is_null()
    );
    assert_eq!(
        result(a, "eth_getCode", json!([addr_hex(&second), "latest"])).await,
        json!("0x")
    );
    let head = quantity(&result(a, "eth_blockNumber", json!([])).await);
    assert!(
        result(
            a,
            "eth_getBlockByNumber",
            json!([format!("{:#x}", head + 1), false])
        )
        .await
        .is_null()
    );
    assert_eq!(
        result(a, "evm_revert", json!([later])).await,
        json!(false),
        "a snapshot is used up by its revert"
    );
    // The clock is back too: the next block is not a day ahead.
    let again = send(
        a,
        &signed(&dynamic(2, Some(bob), 5, Vec::new(), 21_000), &keys[0]),
    )
    .await;
    let block = receipt(a, &again).await["blockNumber"].clone();
    let mined = result(a, "eth_getBlockByNumber", json!([block, false])).await;
    assert!(
        timestamp(mined.clone()) < head_time + 3_600,
        "{mined} against {head_time}"
    );
    // The filter reports the block sealed after the revert, not only blocks past the old head.
    let changes = result(a, "eth_getFilterChanges", json!([filter])).await;
    assert!(
        changes.as_array().unwrap().contains(&mined["hash"]),
        "{changes} lacks {}",
        mined["hash"]
    );

    assert_eq!(
        result(a, "evm_revert", json!([at_genesis])).await,
        json!(true)
    );
    assert_eq!(result(a, "eth_blockNumber", json!([])).await, json!("0x0"));
    assert_eq!(
        result(a, "eth_getCode", json!([addr_hex(&first), "latest"])).await,
        json!("0x")
    );
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&bob), "latest"])).await,
        json!("0x0")
    );

    send(
        a,
        &signed(&dynamic(0, Some(bob), 3, Vec::new(), 21_000), &keys[0]),
    )
    .await;
    result(a, "anvil_setBalance", json!([addr_hex(&bob), "0x1234"])).await;
    let held = result(a, "evm_snapshot", json!([])).await;
    assert!(result(a, "anvil_reset", json!([])).await.is_null());
    assert_eq!(result(a, "eth_blockNumber", json!([])).await, json!("0x0"));
    assert_eq!(
        result(a, "eth_getBalance", json!([addr_hex(&bob), "latest"])).await,
        json!("0x0")
    );
    assert_eq!(result(a, "evm_revert", json!([held])).await, json!(false));
    let (code, text, _) = error(
        a,
        "hardhat_reset",
        json!([{"forking": {"jsonRpcUrl": "x"}}]),
    )
    .await;
    assert_eq!(code, -32602);
    assert!(text.contains("forking is not supported"), "{text}");

    send(
        a,
        &signed(&dynamic(0, Some(bob), 4, Vec::new(), 21_000), &keys[0]),
    )
    .await;
    result(a, "anvil_setBalance", json!([addr_hex(&bob), "0x99"])).await;
    let (report, _, _) = stop_and_verify(node).await;
    assert_eq!(
        (report.blocks, report.transactions, report.edits),
        (1, 1, 1)
    );
}

/// A contract that reads the balance of 0xaa…aa and calls `target` with 32 bytes (the
/// [`runtime`] contract stores them in its slot 0); it reverts when the call data is `0x01`.
fn prober(target: H160) -> Vec<u8> {
    let wat = format!(
        r#"(module
  (import "ethereum" "getExternalBalance" (func $balance (param i32 i32)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "getCallDataSize" (func $size (result i32)))
  (import "ethereum" "revert" (func $revert (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{far}")
  (data (i32.const 32) "{target}")
  (func (export "main")
    (call $balance (i32.const 0) (i32.const 64))
    (drop (call $call (i64.const 100000) (i32.const 32) (i32.const 96) (i32.const 128) (i32.const 32)))
    (if (i32.eq (call $size) (i32.const 1)) (then (call $revert (i32.const 0) (i32.const 0))))))"#,
        far = wat_bytes(&[0xaa; 20]),
        target = wat_bytes(target.as_bytes()),
    );
    wat::parse_str(wat).unwrap()
}

/// `eth_createAccessList` names what the code accessed (not the sender, the target or the
/// precompiles), reaches a fixed point, and reports a revert in `error`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn access_lists_name_what_the_call_touched() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let (store, _) = deploy(a, &keys[0], 0).await;
    let probe = H160::repeat_byte(0x9e);
    result(
        a,
        "anvil_setCode",
        json!([addr_hex(&probe), hex(&prober(store))]),
    )
    .await;
    let from = addr_hex(&address(&keys[1]));
    let call = json!({"from": from, "to": addr_hex(&probe), "data": "0x"});
    let created = result(a, "eth_createAccessList", json!([call, "latest"])).await;
    let far = addr_hex(&H160::repeat_byte(0xaa));
    let slot_zero = format!("0x{}", "00".repeat(32));
    // In address order: the dev deployer's first contract is 0x5fbd…
    let expected = json!([
        {"address": addr_hex(&store), "storageKeys": [slot_zero]},
        {"address": far, "storageKeys": []},
    ]);
    assert_eq!(created["accessList"], expected, "{created}");
    assert!(created.get("error").is_none(), "{created}");
    let without = quantity(&result(a, "eth_estimateGas", json!([call])).await);
    let used = quantity(&created["gasUsed"]);
    assert!(
        used > 21_000 && used <= without + 10_000,
        "{used} against {without}"
    );

    let again = json!({"from": from, "to": addr_hex(&probe), "data": "0x", "accessList": expected});
    let fixed = result(a, "eth_createAccessList", json!([again])).await;
    assert_eq!(fixed["accessList"], expected, "a fixed point");
    assert_eq!(fixed["gasUsed"], created["gasUsed"]);
    // Entries for what is warm anyway (the sender, the target, a precompile) are left out.
    let mut padded = expected.as_array().unwrap().clone();
    for implicit in [
        from.clone(),
        addr_hex(&probe),
        addr_hex(&H160::from_low_u64_be(1)),
    ] {
        padded.push(json!({"address": implicit, "storageKeys": []}));
    }
    let redundant =
        json!({"from": from, "to": addr_hex(&probe), "data": "0x", "accessList": padded});
    let trimmed = result(a, "eth_createAccessList", json!([redundant])).await;
    assert_eq!(trimmed["accessList"], expected);

    let reverting = json!({"from": from, "to": addr_hex(&probe), "data": "0x01"});
    let reverted = result(a, "eth_createAccessList", json!([reverting])).await;
    assert_eq!(
        reverted["accessList"], expected,
        "a reverted frame's accesses count"
    );
    assert_eq!(reverted["error"], json!("execution reverted"));
}

fn unhex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap().trim_start_matches("0x")).unwrap()
}

/// `debug_getRaw*` answer the consensus encodings: the header hashes to the block hash, the
/// block holds that header, a legacy transaction as a list and a typed one as bytes, and no
/// uncles; the receipts carry their type bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn raw_blocks_headers_transactions_and_receipts_are_the_consensus_encodings() {
    use rewasm_primitives::rlp::{RlpItem, decode_item};
    // Blocks only on demand (the hour-long interval never comes), so both share one.
    let node = start_config(Mining::Interval(Duration::from_secs(3600)), dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let bob = H160::repeat_byte(0xb0);
    let (legacy, typed) = {
        let legacy = UnsignedTransaction {
            kind: TxKind::Legacy {
                chain_id: Some(DEV_CHAIN_ID),
            },
            gas_price: U256::from(2 * GWEI),
            ..dynamic(0, Some(bob), 1, Vec::new(), 21_000)
        };
        (
            tx::sign(&legacy, &keys[0]).unwrap(),
            tx::sign(&dynamic(0, Some(bob), 2, Vec::new(), 21_000), &keys[1]).unwrap(),
        )
    };
    let first = send(a, &hex(&legacy)).await;
    let second = send(a, &hex(&typed)).await;
    result(a, "evm_mine", json!([])).await;
    let block = receipt(a, &first).await["blockHash"].clone();
    assert_eq!(receipt(a, &second).await["blockHash"], block);

    let header = unhex(&result(a, "debug_getRawHeader", json!([block])).await);
    assert_eq!(
        hex(&rewasm_primitives::keccak256(&header).0),
        block.as_str().unwrap()
    );
    let raw_block = unhex(&result(a, "debug_getRawBlock", json!([block])).await);
    let RlpItem::List(parts) = decode_item(&raw_block).unwrap() else {
        panic!("not a list");
    };
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], decode_item(&header).unwrap());
    assert_eq!(
        parts[1],
        RlpItem::List(vec![
            decode_item(&legacy).unwrap(),
            RlpItem::Bytes(typed.clone())
        ])
    );
    assert_eq!(parts[2], RlpItem::List(Vec::new()));

    assert_eq!(
        unhex(&result(a, "debug_getRawTransaction", json!([first])).await),
        legacy
    );
    assert!(
        result(
            a,
            "debug_getRawTransaction",
            json!([format!("0x{}", "11".repeat(32))])
        )
        .await
        .is_null()
    );
    let receipts = result(a, "debug_getRawReceipts", json!([block])).await;
    let receipts: Vec<Vec<u8>> = receipts.as_array().unwrap().iter().map(unhex).collect();
    assert_eq!(receipts.len(), 2);
    assert!(receipts[0][0] >= 0xc0, "a legacy receipt is a bare list");
    assert_eq!(receipts[1][0], 0x02, "a typed receipt starts with its type");
    assert!(
        result(a, "debug_getRawBlock", json!(["0x99"]))
            .await
            .is_null()
    );
}

/// Every proof node is referenced by hash from the one before, starting at `root`.
fn assert_chained(proof: &Value, root: &str) -> Vec<Vec<u8>> {
    let nodes: Vec<Vec<u8>> = proof.as_array().unwrap().iter().map(unhex).collect();
    assert_eq!(hex(&rewasm_primitives::keccak256(&nodes[0]).0), root);
    for pair in nodes.windows(2) {
        let child = rewasm_primitives::keccak256(&pair[1]).0;
        assert!(pair[0].windows(32).any(|window| window == child));
    }
    nodes
}

/// `eth_getProof` (EIP-1186): the account proof chains from the block's state root to a leaf
/// holding the storage and code hashes, each slot's from the storage hash to its value; an
/// absent account and an absent slot are proved absent.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn proofs_chain_from_the_state_root() {
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let call = dynamic(1, Some(contract), 0, word(5), 200_000);
    assert_eq!(
        receipt(a, &send(a, &signed(&call, &keys[0])).await).await["status"],
        "0x1"
    );
    let block = result(a, "eth_getBlockByNumber", json!(["latest", false])).await;
    let root = block["stateRoot"].as_str().unwrap();

    let proof = result(
        a,
        "eth_getProof",
        json!([addr_hex(&contract), ["0x0", "0x01"], "latest"]),
    )
    .await;
    assert_eq!(proof["address"], json!(addr_hex(&contract)));
    let nodes = assert_chained(&proof["accountProof"], root);
    let leaf = nodes.last().unwrap();
    for field in ["storageHash", "codeHash"] {
        let bytes = unhex(&proof[field]);
        assert!(
            leaf.windows(32).any(|window| window == bytes.as_slice()),
            "{field}"
        );
    }
    assert_eq!(
        proof["codeHash"],
        json!(hex(&rewasm_primitives::keccak256(&runtime()).0))
    );
    let storage = &proof["storageProof"];
    assert_eq!(storage[0]["key"], "0x0");
    assert_eq!(storage[0]["value"], "0x5");
    assert_chained(&storage[0]["proof"], proof["storageHash"].as_str().unwrap());
    assert_eq!(storage[1]["key"], "0x01");
    assert_eq!(storage[1]["value"], "0x0");
    assert_chained(&storage[1]["proof"], proof["storageHash"].as_str().unwrap());

    let nobody = H160::repeat_byte(0x5a);
    let absent = result(
        a,
        "eth_getProof",
        json!([addr_hex(&nobody), ["0x0"], "latest"]),
    )
    .await;
    assert_eq!(absent["balance"], "0x0");
    assert_eq!(absent["nonce"], "0x0");
    assert_eq!(
        absent["storageHash"],
        json!(hex(rewasm_primitives::EMPTY_ROOT.as_bytes()))
    );
    assert_chained(&absent["accountProof"], root);
    assert_eq!(absent["storageProof"][0]["proof"], json!([]));

    let many: Vec<String> = (0..1025).map(|i| format!("{i:#x}")).collect();
    let (code, _, _) = error(
        a,
        "eth_getProof",
        json!([addr_hex(&nobody), many, "latest"]),
    )
    .await;
    assert_eq!(code, -32602);
}

/// The method names of the JSON-RPC specification's `eth` and `debug` files
/// (`../shared/conformance/execution-apis`, or `$REWASM_SHARED/conformance/…`).
fn specified_methods() -> Vec<String> {
    let shared = std::env::var_os("REWASM_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let mut names = Vec::new();
    for namespace in ["eth", "debug"] {
        let folder = shared.join("conformance/execution-apis").join(namespace);
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
        for entry in entries {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            names.extend(
                text.lines()
                    .filter_map(|line| line.strip_prefix("- name: "))
                    .map(|name| name.trim().to_string()),
            );
        }
    }
    names.sort();
    names
}

/// Every `eth_` and `debug_` method of the specification is served, or is in
/// [`rewasm_node::rpc::NOT_SERVED`] and answers `-32601` with its reason; the new ones answer
/// in their specified shapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_specified_method_is_served_or_refused_with_its_reason() {
    let specified = specified_methods();
    assert!(specified.len() >= 50, "{specified:?}");
    let served: std::collections::BTreeSet<&str> = rewasm_node::rpc::METHODS
        .iter()
        .map(|(name, ..)| *name)
        .chain(["eth_subscribe", "eth_unsubscribe"])
        .collect();
    let refused: std::collections::BTreeMap<&str, &str> =
        rewasm_node::rpc::NOT_SERVED.iter().copied().collect();
    let node = start_config(Mining::Instant, dev_config()).await;
    let a = node.addr;
    for name in &specified {
        if served.contains(name.as_str()) {
            continue;
        }
        let reason = refused
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{name} is neither served nor in NOT_SERVED"));
        let (code, text, _) = error(a, name, json!([])).await;
        assert_eq!(code, -32601, "{name}");
        assert!(text.contains(reason), "{name}: {text}");
    }

    let head = result(a, "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(
        quantity(&result(a, "eth_baseFee", json!([])).await),
        quantity(&result(a, "eth_gasPrice", json!([])).await) - GWEI
    );
    let capabilities = result(a, "eth_capabilities", json!([])).await;
    assert_eq!(capabilities["head"]["hash"], head["hash"]);
    for resource in ["state", "tx", "logs", "receipts", "blocks", "stateproofs"] {
        assert_eq!(
            capabilities[resource],
            json!({"disabled": false, "oldestBlock": "0x0"})
        );
    }
    assert_eq!(result(a, "debug_getBadBlocks", json!([])).await, json!([]));
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let call = dynamic(1, Some(contract), 0, word(6), 200_000);
    receipt(a, &send(a, &signed(&call, &keys[0])).await).await;
    let values = result(
        a,
        "eth_getStorageValues",
        json!([{addr_hex(&contract): ["0x0", "0x1"], addr_hex(&H160::repeat_byte(1)): []}]),
    )
    .await;
    assert_eq!(
        values,
        json!({
            addr_hex(&contract): [hex(&word(6)), hex(&word(0))],
            addr_hex(&H160::repeat_byte(1)): [],
        })
    );
}

/// Without `--dev` the chain-control methods do not exist, and seal nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chain_control_is_only_for_the_dev_chain() {
    let node = start().await;
    for (method, params) in [
        ("evm_mine", json!([])),
        ("anvil_mine", json!(["0x2"])),
        ("evm_increaseTime", json!([60])),
        ("evm_setNextBlockTimestamp", json!(["0x7fffffff"])),
        (
            "anvil_setBalance",
            json!(["0x7777777777777777777777777777777777777777", "0x1"]),
        ),
        ("evm_snapshot", json!([])),
        ("evm_revert", json!(["0x1"])),
        ("anvil_reset", json!([])),
        (
            "hardhat_setStorageAt",
            json!(["0x7777777777777777777777777777777777777777", "0x0", "0x1"]),
        ),
    ] {
        let (code, text, _) = error(node.addr, method, params).await;
        assert_eq!(code, -32601, "{method}");
        assert!(
            text.contains("does not exist/is not available"),
            "{method}: {text}"
        );
    }
    assert_eq!(
        result(node.addr, "eth_blockNumber", json!([])).await,
        json!("0x0")
    );
}

/// Runtime returning the block's number and timestamp (8 bytes each, little-endian) and its
/// difficulty (32 bytes, little-endian): what block overrides change.
fn block_reader() -> Vec<u8> {
    wat::parse_str(
        r#"(module
  (import "ethereum" "getBlockNumber" (func $number (result i64)))
  (import "ethereum" "getBlockTimestamp" (func $time (result i64)))
  (import "ethereum" "getBlockDifficulty" (func $difficulty (param i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "main")
    (i64.store (i32.const 0) (call $number))
    (i64.store (i32.const 8) (call $time))
    (call $difficulty (i32.const 16))
    (call $finish (i32.const 0) (i32.const 48))))"#,
    )
    .unwrap()
}

fn le_u64(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap())
}

/// `eth_call` and `eth_estimateGas` take geth's state overrides (balance, nonce, code, whole
/// storage or single slots) and block overrides; overridden code is validated first, and
/// nothing an override sets outlives the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_and_estimates_take_state_and_block_overrides() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let stored = dynamic(1, Some(contract), 0, word(6), 200_000);
    receipt(a, &send(a, &signed(&stored, &keys[0])).await).await;
    let target = addr_hex(&contract);
    let slot_zero = format!("0x{}", "00".repeat(32));
    let read = json!({"to": target, "data": "0x01"});
    let read_with = |overrides: Value| json!([read, "latest", overrides]);

    assert_eq!(
        result(a, "eth_call", json!([read])).await,
        json!(hex(&word(6)))
    );
    let patched = json!({target.clone(): {"stateDiff": {slot_zero.clone(): hex(&word(9))}}});
    assert_eq!(
        result(a, "eth_call", read_with(patched)).await,
        json!(hex(&word(9)))
    );
    let replaced = json!({target.clone(): {"state": {}}});
    assert_eq!(
        result(a, "eth_call", read_with(replaced)).await,
        json!(hex(&word(0))),
        "`state` replaces the whole storage"
    );
    let both = json!({target.clone(): {"state": {}, "stateDiff": {}}});
    let (code, text, _) = error(a, "eth_call", read_with(both)).await;
    assert_eq!(code, -32602);
    assert!(text.contains("has both 'state' and 'stateDiff'"), "{text}");

    // Code at an address that has none, with storage beside it.
    let elsewhere = addr_hex(&H160::repeat_byte(0x77));
    let planted = json!({elsewhere.clone(): {
        "code": hex(&runtime()),
        "stateDiff": {slot_zero.clone(): hex(&word(3))},
    }});
    assert_eq!(
        result(
            a,
            "eth_call",
            json!([{"to": elsewhere, "data": "0x01"}, "latest", planted])
        )
        .await,
        json!(hex(&word(3)))
    );
    let float = wat::parse_str(
        r#"(module (memory (export "memory") 1)
  (func (export "main") (drop (f32.const 1))))"#,
    )
    .unwrap();
    let invalid = json!({elsewhere.clone(): {"code": hex(&float)}});
    let (code, text, _) = error(
        a,
        "eth_call",
        json!([{"to": elsewhere, "data": "0x01"}, "latest", invalid]),
    )
    .await;
    assert_eq!(code, -32000);
    assert!(
        text.starts_with("invalid code override for 0x7777"),
        "{text}"
    );

    // A sender with nothing, funded by an override; its nonce too.
    let pauper = addr_hex(&H160::repeat_byte(0x55));
    let pay = json!({"from": pauper, "to": target, "value": "0xde0b6b3a7640000", "data": "0x01"});
    let (_, text, _) = error(a, "eth_call", json!([pay])).await;
    assert!(text.starts_with("insufficient funds"), "{text}");
    let funded = json!({pauper.clone(): {"balance": "0x1bc16d674ec80000", "nonce": "0x7"}});
    assert_eq!(
        result(a, "eth_call", json!([pay, "latest", funded])).await,
        json!(hex(&word(6)))
    );
    let (_, text, _) = error(a, "eth_estimateGas", json!([pay])).await;
    assert!(text.starts_with("insufficient funds"), "{text}");
    assert!(quantity(&result(a, "eth_estimateGas", json!([pay, "latest", funded])).await) > 21_000);

    // Block overrides: number, time and the RANDAO mix the EEI reports as the difficulty.
    let reader = addr_hex(&H160::repeat_byte(0x66));
    let code = json!({reader.clone(): {"code": hex(&block_reader())}});
    let at_head = result(a, "eth_call", json!([{"to": reader}, "latest", code])).await;
    let head = unhex(&at_head);
    assert_eq!(le_u64(&head[..8]), 2, "the head's number");
    let randao = format!("0x{}01", "00".repeat(31));
    let moved = result(
        a,
        "eth_call",
        json!([{"to": reader}, "latest", code, {"number": "0x1234", "time": "0x10000", "prevRandao": randao}]),
    )
    .await;
    let moved = unhex(&moved);
    assert_eq!(le_u64(&moved[..8]), 0x1234);
    assert_eq!(le_u64(&moved[8..16]), 0x10000);
    assert_eq!(moved[16], 1, "little-endian difficulty");
    assert!(moved[17..48].iter().all(|byte| *byte == 0));
    let small_block = json!([read, "latest", {}, {"gasLimit": "0x100000"}]);
    assert_eq!(
        result(a, "eth_call", small_block.clone()).await,
        json!(hex(&word(6)))
    );
    assert!(quantity(&result(a, "eth_estimateGas", small_block).await) < 0x100000);
    let (code, text, _) = error(
        a,
        "eth_call",
        json!([read, "latest", {}, {"withdrawals": [{"index": "0x0"}]}]),
    )
    .await;
    assert_eq!(code, -32602);
    assert!(text.contains("withdrawals are not supported"), "{text}");

    // Nothing stayed.
    assert_eq!(
        result(a, "eth_call", json!([read])).await,
        json!(hex(&word(6)))
    );
    assert_eq!(
        result(a, "eth_getBalance", json!([pauper, "latest"])).await,
        json!("0x0")
    );
    assert_eq!(
        result(a, "eth_getCode", json!([elsewhere, "latest"])).await,
        json!("0x")
    );
}

/// `eth_simulateV1`: calls in simulated blocks see each other's writes; gaps are filled,
/// blocks chain by hash, reverts are results, invalid calls are the specification's errors;
/// nothing is stored. A simulated block with validation has the state and receipts roots the
/// same transaction gives when mined.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn simulations_run_dependent_calls_in_sealed_blocks() {
    let node = start().await;
    let a = node.addr;
    let keys = keys();
    let (contract, _) = deploy(a, &keys[0], 0).await;
    let target = addr_hex(&contract);
    let sender = addr_hex(&address(&keys[1]));
    let head = result(a, "eth_getBlockByNumber", json!(["latest", false])).await;
    let head_number = quantity(&head["number"]);
    let slot_zero = format!("0x{}", "00".repeat(32));
    let payload = json!({"blockStateCalls": [
        {"calls": [
            {"from": sender, "to": target, "input": hex(&word(7))},
            {"from": sender, "to": target, "input": "0x01"},
        ]},
        {
            "blockOverrides": {"number": format!("{:#x}", head_number + 5)},
            "stateOverrides": {target.clone(): {"stateDiff": {slot_zero: hex(&word(9))}}},
            "calls": [{"to": target, "input": "0x01"}, {"to": target, "input": "0x"}],
        },
    ]});
    let blocks = result(a, "eth_simulateV1", json!([payload, "latest"])).await;
    let blocks = blocks.as_array().unwrap();
    assert_eq!(blocks.len(), 5, "two asked for, three filling the gap");
    let mut parent = head.clone();
    for block in blocks {
        assert_eq!(block["parentHash"], parent["hash"]);
        assert_eq!(quantity(&block["number"]), quantity(&parent["number"]) + 1);
        assert_eq!(
            quantity(&block["timestamp"]),
            quantity(&parent["timestamp"]) + 12
        );
        assert_eq!(block["baseFeePerGas"], json!("0x0"), "no validation");
        parent = block.clone();
    }
    let first = &blocks[0]["calls"];
    assert_eq!(first[0]["status"], json!("0x1"));
    assert_eq!(first[0]["returnData"], json!(hex(&word(7))));
    assert_eq!(first[0]["logs"][0]["topics"][0], json!(hex(&TOPIC)));
    assert_eq!(first[0]["logs"][0]["blockHash"], blocks[0]["hash"]);
    assert_eq!(
        first[0]["logs"][0]["transactionHash"],
        blocks[0]["transactions"][0]
    );
    assert_eq!(
        first[1]["returnData"],
        json!(hex(&word(7))),
        "sees the write"
    );
    assert_eq!(blocks[2]["transactions"], json!([]));
    assert_eq!(blocks[2]["stateRoot"], blocks[0]["stateRoot"]);
    assert_ne!(blocks[0]["stateRoot"], head["stateRoot"]);
    let last = &blocks[4]["calls"];
    assert_eq!(last[0]["returnData"], json!(hex(&word(9))));
    assert_eq!(last[1]["status"], json!("0x0"));
    assert_eq!(last[1]["error"]["code"], json!(3));
    assert_eq!(
        last[1]["error"]["message"],
        json!("execution reverted: nope")
    );
    assert_eq!(last[1]["returnData"], json!(hex(&nope())));
    let full = json!({"blockStateCalls": [{"calls": [{"from": sender, "to": target, "input": "0x01"}]}],
        "returnFullTransactions": true});
    let full = result(a, "eth_simulateV1", json!([full])).await;
    assert_eq!(
        full[0]["transactions"][0]["from"],
        json!(sender.to_lowercase())
    );
    // Nothing was stored.
    assert_eq!(
        result(a, "eth_blockNumber", json!([])).await,
        json!(format!("{head_number:#x}"))
    );
    assert_eq!(
        result(a, "eth_call", json!([{"to": target, "data": "0x01"}])).await,
        json!(hex(&word(0)))
    );

    for (payload, code, text) in [
        (
            json!({"blockStateCalls": [{"blockOverrides": {"number": format!("{head_number:#x}")}}]}),
            -38020,
            "block numbers must be in order",
        ),
        (
            json!({"blockStateCalls": [{"blockOverrides": {"number": "0xffffffff"}}]}),
            -38026,
            "too many blocks",
        ),
        (
            json!({"validation": true, "blockStateCalls": [{"calls": [{"from": sender, "to": target, "nonce": "0x5", "maxFeePerGas": "0x2540be400"}]}]}),
            -38011,
            "nonce too high",
        ),
        (
            json!({"validation": true, "blockStateCalls": [{"calls": [{"from": sender, "to": target}]}]}),
            -38012,
            "max fee per gas less than block base fee",
        ),
        (
            json!({"blockStateCalls": [{"calls": [{"from": sender, "to": target, "gas": "0x5208000000"}]}]}),
            -38015,
            "block gas limit reached",
        ),
        (
            json!({"traceTransfers": true, "blockStateCalls": [{}]}),
            -32602,
            "traceTransfers is not supported",
        ),
        (json!({"blockStateCalls": []}), -32602, "empty input"),
        (
            json!({"blockStateCalls": [{}, {"blockOverrides": {"time": format!("{:#x}", quantity(&head["timestamp"]) + 12)}}]}),
            -38021,
            "block timestamps must be in order",
        ),
    ] {
        let (got, message, _) = error(a, "eth_simulateV1", json!([payload])).await;
        assert_eq!(got, code, "{message}");
        assert!(message.contains(text), "{message}");
    }

    // With validation, the block a real transaction lands in: the same roots.
    let fee = 10 * GWEI;
    let call = json!({"from": sender, "to": target, "input": hex(&word(5)), "nonce": "0x0",
        "gas": "0x30d40", "maxFeePerGas": format!("{fee:#x}"), "maxPriorityFeePerGas": format!("{GWEI:#x}")});
    let payload = json!({"validation": true, "blockStateCalls": [{"calls": [call]}]});
    let simulated = result(a, "eth_simulateV1", json!([payload])).await;
    let mut tx = dynamic(0, Some(contract), 0, word(5), 200_000);
    tx.max_fee = U256::from(fee);
    tx.max_priority_fee = U256::from(GWEI);
    let mined = receipt(a, &send(a, &signed(&tx, &keys[1])).await).await;
    let block = result(a, "eth_getBlockByHash", json!([mined["blockHash"], false])).await;
    for field in [
        "stateRoot",
        "receiptsRoot",
        "logsBloom",
        "gasUsed",
        "baseFeePerGas",
        "number",
    ] {
        assert_eq!(simulated[0][field], block[field], "{field}");
    }
    assert_eq!(simulated[0]["calls"][0]["gasUsed"], mined["gasUsed"]);

    // An override that leaves an absent account empty creates no account.
    let nobody = addr_hex(&H160::repeat_byte(0x99));
    let empty = json!({"blockStateCalls": [{"stateOverrides": {nobody: {"balance": "0x0", "nonce": "0x0"}}}]});
    let untouched = result(a, "eth_simulateV1", json!([empty])).await;
    assert_eq!(untouched[0]["stateRoot"], block["stateRoot"]);
}
