//! The client commands against a real node: `rewasm node --dev` started as a child process on a
//! free port, the example ERC-20 built from source with `rewasm build`, then `rewasm deploy`,
//! `send`, `call`, `balance` and `receipt` run as a user would and their output and exit codes
//! checked — including the failures (revert reasons, status 0, nonce too low, no node).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

const REWASM: &str = env!("CARGO_BIN_EXE_rewasm");
/// Dev accounts of the test mnemonic.
const ACCOUNT0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ACCOUNT1: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ACCOUNT5: &str = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
const KEY5: &str = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
const KEY6: &str = "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e";
const TEN_THOUSAND_ETH: &str = "10000000000000000000000";
const TRANSFER_TOPIC: &str = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
const REVERT: &str = "execution reverted: ERC20: transfer amount exceeds balance";
/// How long the node may take to start listening (first start compiles nothing, but a cold
/// RocksDB open on a loaded CI machine can be slow).
const STARTUP: Duration = Duration::from_secs(60);

/// The ERC-20 built once per test binary: the folder with erc20.deploy.wasm and erc20.abi.json.
fn erc20() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("client_cli/erc20");
        let status = Command::new(REWASM)
            .arg("build")
            .arg(common::manifest_dir().join("../../contracts/examples/erc20"))
            .arg("--out")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "rewasm build erc20 failed");
        out
    })
}

/// A `rewasm node --dev` child process, killed on drop.
struct Node {
    child: Child,
    url: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Node {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join("node.log");
        let child = Command::new(REWASM)
            .args(["node", "--dev", "--datadir"])
            .arg(dir.path().join("data"))
            .args(["--http.port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut node = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
            _dir: dir,
        };
        let listening = format!("rpc listening on 127.0.0.1:{port}");
        let deadline = Instant::now() + STARTUP;
        loop {
            let text = std::fs::read_to_string(&node.log).unwrap_or_default();
            if text.contains(&listening) {
                return node;
            }
            if let Some(status) = node.child.try_wait().unwrap() {
                panic!("the node exited ({status}) before listening:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "no {listening:?} from the node within {STARTUP:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs `rewasm ARGS --rpc-url URL`.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(REWASM)
            .args(args)
            .args(["--rpc-url", &self.url])
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed and returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "rewasm {args:?} failed ({}):\nstdout: {}\nstderr: {}\nnode log:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs a `--json` command that must succeed and parses its stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Deploys the ERC-20 with `supply` for account 0; returns its address.
    fn deploy_token(&self, supply: &str) -> String {
        let wasm = erc20().join("erc20.deploy.wasm");
        let deployed = self.json(&[
            "deploy",
            wasm.to_str().unwrap(),
            "--args",
            "Rewasm Token",
            "RWT",
            supply,
        ]);
        assert_eq!(deployed["status"], 1, "{deployed}");
        deployed["contractAddress"].as_str().unwrap().to_string()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value after `label` on a `label   value` line of text output.
fn field<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {label:?} line in:\n{text}"))
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn deploy_call_send_balance_and_receipt() {
    let node = Node::start();
    let wasm = erc20().join("erc20.deploy.wasm");

    // Text output of a deployment; the ABI is found beside the init code.
    let text = node.ok(&[
        "deploy",
        wasm.to_str().unwrap(),
        "--args",
        "Rewasm Token",
        "RWT",
        "1000000",
    ]);
    let token = field(&text, "contract address").to_string();
    assert!(token.starts_with("0x") && token.len() == 42, "{text}");
    let deploy_hash = field(&text, "transaction hash").to_string();
    let gas_used: u64 = field(&text, "gas used").parse().unwrap();
    assert!(
        gas_used > 53_000,
        "a create costs at least its intrinsic gas: {gas_used}"
    );
    assert!(field(&text, "block").parse::<u64>().unwrap() >= 1);

    // The receipt of that deployment, as pretty JSON.
    let receipt: Value = serde_json::from_str(&node.ok(&["receipt", &deploy_hash])).unwrap();
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["transactionHash"], deploy_hash.as_str());
    assert_eq!(
        receipt["contractAddress"].as_str().unwrap(),
        token.to_lowercase()
    );
    assert_eq!(receipt["type"], "0x2", "EIP-1559 by default");

    // Calls decode their outputs.
    assert_eq!(
        node.ok(&["call", &token, "name()(string)"]),
        "Rewasm Token\n"
    );
    assert_eq!(node.ok(&["call", &token, "decimals()(uint8)"]), "18\n");
    assert_eq!(
        node.ok(&["call", &token, "balanceOf(address)(uint256)", ACCOUNT0]),
        "1000000\n"
    );
    assert_eq!(
        node.json(&["call", &token, "balanceOf(address)(uint256)", ACCOUNT1]),
        serde_json::json!(["0"])
    );
    // Without return types the raw return data is printed.
    assert_eq!(
        node.ok(&["call", &token, "decimals()"]).trim(),
        format!("0x{:064x}", 18)
    );

    // A transfer: status, hash, gas and the Transfer log.
    let sent = node.ok(&["send", &token, "transfer(address,uint256)", ACCOUNT1, "250"]);
    assert_eq!(field(&sent, "status"), "1 (success)");
    assert_eq!(field(&sent, "logs"), "1");
    assert!(sent.contains(TRANSFER_TOPIC), "{sent}");
    let transfer_block: u64 = field(&sent, "block").parse().unwrap();

    // Its call tree, decoded with the ABI `rewasm build` wrote; without it, raw hex.
    let abi = erc20().join("erc20.abi.json");
    let hash = field(&sent, "transaction hash");
    let tree = node.ok(&["trace", hash, "--abi", abi.to_str().unwrap()]);
    let mut lines = tree.lines();
    let call = lines.next().unwrap_or_default();
    assert!(
        call.starts_with(&format!(
            "CALL {} -> {} transfer(to: {ACCOUNT1}, value: 250) -> (true) [gas ",
            ACCOUNT0, token
        )),
        "{tree}"
    );
    assert_eq!(
        lines.next().map(str::trim),
        Some(format!("emit Transfer(from: {ACCOUNT0}, to: {ACCOUNT1}, value: 250)").as_str()),
        "{tree}"
    );
    let raw = node.ok(&["trace", hash]);
    assert!(raw.contains(" 0xa9059cbb"), "{raw}");
    assert!(raw.contains(&format!("log [{TRANSFER_TOPIC}")), "{raw}");
    let json: Value = serde_json::from_str(&node.ok(&["trace", hash, "--json"])).unwrap();
    assert_eq!(json["type"], "CALL");
    assert_eq!(json["logs"][0]["topics"][0], TRANSFER_TOPIC);
    assert_eq!(
        node.ok(&["call", &token, "balanceOf(address)(uint256)", ACCOUNT1]),
        "250\n"
    );
    let before = (transfer_block - 1).to_string();
    assert_eq!(
        node.ok(&[
            "call",
            &token,
            "balanceOf(address)(uint256)",
            ACCOUNT1,
            "--block",
            &before
        ]),
        "0\n",
        "eth_call at the block before the transfer"
    );

    // --json, and a legacy transaction.
    let legacy = node.json(&[
        "send",
        &token,
        "transfer(address,uint256)",
        ACCOUNT1,
        "50",
        "--legacy",
    ]);
    assert_eq!(legacy["status"], 1);
    let logs = legacy["logs"].as_array().unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0]["topics"][0], TRANSFER_TOPIC);
    let legacy_receipt: Value =
        serde_json::from_str(&node.ok(&["receipt", legacy["transactionHash"].as_str().unwrap()]))
            .unwrap();
    assert_eq!(legacy_receipt["type"], "0x0");
    assert_eq!(
        node.ok(&["call", &token, "balanceOf(address)(uint256)", ACCOUNT1]),
        "300\n"
    );

    // Balances in wei; a plain value transfer with raw call data "0x".
    assert_eq!(
        node.ok(&["balance", ACCOUNT5]),
        format!("{TEN_THOUSAND_ETH}\n")
    );
    let fresh = "0x00000000000000000000000000000000c0ffee01";
    assert_eq!(node.ok(&["balance", fresh]), "0\n");
    let paid = node.ok(&["send", fresh, "0x", "--value", "1.5gwei"]);
    assert_eq!(field(&paid, "status"), "1 (success)");
    assert_eq!(field(&paid, "gas used"), "21000");
    assert_eq!(node.ok(&["balance", fresh]), "1500000000\n");
    assert_eq!(
        node.json(&["balance", fresh]),
        serde_json::json!({"address": "0x00000000000000000000000000000000C0FFEE01", "wei": "1500000000"})
    );
}

#[test]
fn failures_exit_with_the_node_reason() {
    let node = Node::start();
    let token = node.deploy_token("1000");

    // eth_call of a transfer the caller cannot afford: the revert reason, exit 1.
    let call = node.run(&[
        "call",
        &token,
        "transfer(address,uint256)(bool)",
        ACCOUNT1,
        "1",
        "--from",
        ACCOUNT5,
    ]);
    assert_eq!(code(&call), 1, "{}", stderr(&call));
    assert_eq!(stderr(&call).trim(), REVERT);

    // send: eth_estimateGas reverts the same way, and nothing is sent.
    let send = node.run(&[
        "send",
        &token,
        "transfer(address,uint256)",
        ACCOUNT1,
        "1",
        "--private-key",
        KEY5,
    ]);
    assert_eq!(code(&send), 1, "{}", stderr(&send));
    assert_eq!(stderr(&send).trim(), REVERT);

    // Forced through with a gas limit, it is mined with status 0: exit 1.
    let mined = node.run(&[
        "send",
        &token,
        "transfer(address,uint256)",
        ACCOUNT1,
        "1",
        "--private-key",
        KEY5,
        "--gas-limit",
        "200000",
    ]);
    assert_eq!(code(&mined), 1, "{}", stderr(&mined));
    let text = String::from_utf8(mined.stdout).unwrap();
    assert_eq!(field(&text, "status"), "0 (failed)");
    assert_eq!(field(&text, "logs"), "0");

    // A nonce that was already used: the node's error, exit 1.
    let first = node.ok(&[
        "send",
        ACCOUNT1,
        "0x",
        "--value",
        "1",
        "--private-key",
        KEY6,
    ]);
    assert_eq!(field(&first, "status"), "1 (success)");
    let stale = node.run(&[
        "send",
        ACCOUNT1,
        "0x",
        "--value",
        "1",
        "--private-key",
        KEY6,
        "--nonce",
        "0",
    ]);
    assert_eq!(code(&stale), 1, "{}", stderr(&stale));
    let message = stderr(&stale);
    assert!(message.starts_with("error: nonce too low"), "{message}");

    // An unknown transaction has no receipt.
    let unknown = node.run(&["receipt", &format!("0x{}", "ab".repeat(32))]);
    assert_eq!(code(&unknown), 1);
    assert!(stderr(&unknown).starts_with("error: no receipt for transaction 0xabab"));

    // Wrong argument count and type are usage errors before anything is sent: exit 2.
    let count = node.run(&["send", &token, "transfer(address,uint256)", ACCOUNT1]);
    assert_eq!(code(&count), 2);
    assert!(
        stderr(&count).contains("takes 2 argument(s) (address,uint256), got 1"),
        "{}",
        stderr(&count)
    );
    let bad = node.run(&["call", &token, "balanceOf(address)(uint256)", "0x1234"]);
    assert_eq!(code(&bad), 2);
    assert!(
        stderr(&bad).contains("is not a valid address"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn no_node_is_a_transport_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = Command::new(REWASM)
        .args(["balance", ACCOUNT0, "--rpc-url"])
        .arg(format!("http://127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    let message = stderr(&output);
    assert!(
        message.starts_with("error: eth_getBalance to http://127.0.0.1:"),
        "{message}"
    );
}
