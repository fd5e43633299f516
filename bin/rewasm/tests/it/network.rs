//! A network of `rewasm node` validators on this machine (Malachite BFT): transactions sent to
//! any node are decided on all of them, every node holds the same blocks, validators that were
//! killed or wiped catch up, a full node follows, a proposer lying about the state root gets no
//! block decided, and the chain halts without a quorum and resumes with one.
//!
//! The nodes are child processes started from `rewasm testnet --init-only`'s command lines and
//! killed by PID (SIGKILL) when a test ends. The tests take turns: one network at a time.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common::{self, NodeProcess, quantity, start_node, transfer};

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use primitive_types::H160;
use rewasm_node::genesis::{DEV_MNEMONIC, DevAccount, derive_accounts};
use serde_json::{Value, json};

/// One network at a time: each is four or five processes on a two-core machine.
static ONE_NETWORK: Mutex<()> = Mutex::new(());

/// How long a test waits for the network to reach a state before it fails.
const PATIENCE: Duration = Duration::from_secs(90);

/// One JSON-RPC call's result; `None` when the node does not answer or answers an error.
fn rpc(port: u16, method: &str, params: Value) -> Option<Value> {
    common::rpc(port, method, params)?.get("result").cloned()
}

fn head(port: u16) -> Option<u64> {
    rpc(port, "eth_blockNumber", json!([])).map(|number| quantity(&number))
}

/// Block `number`'s hash and state root as node `port` serves them.
fn block(port: u16, number: u64) -> Option<(String, String)> {
    let block = rpc(
        port,
        "eth_getBlockByNumber",
        json!([format!("0x{number:x}"), false]),
    )?;
    Some((
        block.get("hash")?.as_str()?.to_string(),
        block.get("stateRoot")?.as_str()?.to_string(),
    ))
}

/// Waits until `done` holds (polling every 200 ms), or fails with `what` and the nodes' logs.
fn wait_for(network: &Network, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("timed out waiting for {what}\n{}", network.logs());
}

/// Consecutive free TCP ports on 127.0.0.1: `count` of them from the returned one, below the
/// range the OS hands out for port 0 (so a node's RPC port cannot take one meanwhile), and
/// never the same run twice in one test process.
fn free_ports(count: u16) -> u16 {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let seed = u64::from(std::process::id()) ^ u64::from(nanos);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    for attempt in 0..200u64 {
        let slot = (seed.wrapping_mul(7919) + (call * 200 + attempt) * 997) % 1_200;
        let base = 20_000 + (slot * 10) as u16;
        let listeners: Vec<_> = (0..count)
            .map_while(|offset| TcpListener::bind(("127.0.0.1", base + offset)).ok())
            .collect();
        if listeners.len() == usize::from(count) {
            return base;
        }
    }
    panic!("no {count} consecutive free ports");
}

/// A network of validators, each a `rewasm node` process (or none while it is down).
struct Network {
    dir: tempfile::TempDir,
    /// Each node's command line (from its `command` file), with the RPC port left to the OS.
    commands: Vec<Vec<String>>,
    nodes: Vec<Option<NodeProcess>>,
    /// Extra nodes started by a test (full nodes).
    followers: Vec<NodeProcess>,
}

impl Network {
    /// Writes a network of `validators` with `rewasm testnet --init-only` and starts every
    /// node, node 0 with `node0_flags` added.
    fn start(validators: u16, node0_flags: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let p2p = free_ports(validators * 2);
        let status = Command::new(env!("CARGO_BIN_EXE_rewasm"))
            .args(["testnet", "--init-only", "--validators"])
            .arg(validators.to_string())
            .arg("--dir")
            .arg(dir.path())
            .args(["--p2p.port", &p2p.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let commands = (0..validators)
            .map(|index| {
                let line = std::fs::read_to_string(dir.path().join(format!("node{index}/command")))
                    .unwrap();
                let mut words: Vec<String> =
                    line.split_whitespace().skip(1).map(String::from).collect();
                let port = words.iter().position(|w| w == "--http.port").unwrap();
                words[port + 1] = "0".to_string();
                if index == 0 {
                    words.extend(node0_flags.iter().map(|flag| flag.to_string()));
                }
                words
            })
            .collect();
        let mut network = Self {
            dir,
            commands,
            nodes: Vec::new(),
            followers: Vec::new(),
        };
        for index in 0..usize::from(validators) {
            let node = network.launch(index);
            network.nodes.push(Some(node));
        }
        network
    }

    fn launch(&self, index: usize) -> NodeProcess {
        start_node(&self.commands[index])
    }

    fn port(&self, index: usize) -> u16 {
        self.nodes[index].as_ref().expect("node is up").port
    }

    fn up(&self) -> Vec<u16> {
        self.nodes.iter().flatten().map(|node| node.port).collect()
    }

    fn kill(&mut self, index: usize) {
        self.nodes[index] = None;
    }

    fn restart(&mut self, index: usize) {
        assert!(self.nodes[index].is_none());
        self.nodes[index] = Some(self.launch(index));
    }

    fn datadir(&self, index: usize) -> PathBuf {
        let words = &self.commands[index];
        let at = words.iter().position(|w| w == "--datadir").unwrap();
        PathBuf::from(&words[at + 1])
    }

    fn genesis(&self) -> PathBuf {
        self.dir.path().join("genesis.json")
    }

    /// Starts a full node (no key) following the network.
    fn follow(&mut self) -> u16 {
        let p2p = free_ports(2);
        let peers = self
            .commands
            .iter()
            .map(|words| {
                let at = words.iter().position(|w| w == "--p2p.port").unwrap();
                format!("/ip4/127.0.0.1/tcp/{}", words[at + 1])
            })
            .collect::<Vec<_>>()
            .join(",");
        let datadir = self.dir.path().join("follower");
        let node = start_node([
            "node",
            "--config",
            self.genesis().to_str().unwrap(),
            "--datadir",
            datadir.to_str().unwrap(),
            "--http.port",
            "0",
            "--p2p.addr",
            "127.0.0.1",
            "--p2p.port",
            &p2p.to_string(),
            "--peers",
            &peers,
        ]);
        let port = node.port;
        self.followers.push(node);
        port
    }

    fn logs(&self) -> String {
        self.nodes
            .iter()
            .enumerate()
            .map(|(index, node)| match node {
                Some(node) => {
                    let log = node.log.lock().unwrap();
                    let tail: Vec<&str> = log.lines().rev().take(30).collect();
                    format!(
                        "--- node {index}:\n{}",
                        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                    )
                }
                None => format!("--- node {index}: down"),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Waits until every node in `ports` is at height `number` or above.
    fn wait_for_height(&self, ports: &[u16], number: u64) {
        wait_for(self, &format!("height {number} on {ports:?}"), || {
            ports
                .iter()
                .all(|port| head(*port).is_some_and(|h| h >= number))
        });
    }

    /// Asserts that the nodes in `ports` serve the same hash and state root at every height up
    /// to the lowest head among them; returns that head.
    fn assert_agree(&self, ports: &[u16]) -> u64 {
        let lowest = ports
            .iter()
            .map(|port| head(*port).expect("head"))
            .min()
            .unwrap();
        for number in 1..=lowest {
            let reference = block(ports[0], number).expect("block");
            for port in &ports[1..] {
                assert_eq!(
                    block(*port, number).expect("block"),
                    reference,
                    "block {number}: node on port {port} disagrees with port {}",
                    ports[0]
                );
            }
        }
        lowest
    }
}

fn dev_accounts() -> Vec<DevAccount> {
    derive_accounts(DEV_MNEMONIC, 4).unwrap()
}

/// Sends `count` transfers round-robin over the nodes in `ports` (transfer k to node
/// k mod n, from account k mod 4) and returns their hashes.
fn send_round_robin(ports: &[u16], count: u64, first_nonce: u64) -> Vec<String> {
    let accounts = dev_accounts();
    (0..count)
        .map(|k| {
            let sender = &accounts[(k % 4) as usize];
            let port = ports[(k as usize) % ports.len()];
            let nonce = first_nonce + k / 4;
            let (raw, hash) = transfer(sender, nonce, H160::repeat_byte(0x77), 1 + k);
            let sent = rpc(port, "eth_sendRawTransaction", json!([raw]));
            assert_eq!(
                sent,
                Some(json!(hash)),
                "node on port {port} refused transfer {k}"
            );
            hash
        })
        .collect()
}

fn has_receipt(port: u16, hash: &str) -> bool {
    rpc(port, "eth_getTransactionReceipt", json!([hash])).is_some_and(|receipt| !receipt.is_null())
}

#[test]
fn four_validators_decide_every_transaction_and_agree_on_every_block() {
    let _turn = ONE_NETWORK.lock().unwrap_or_else(|e| e.into_inner());
    let network = Network::start(4, &[]);
    let ports = network.up();
    network.wait_for_height(&ports, 2);
    let hashes = send_round_robin(&ports, 16, 0);
    wait_for(&network, "every receipt on every node", || {
        hashes
            .iter()
            .all(|hash| ports.iter().all(|port| has_receipt(*port, hash)))
    });
    let height = network.assert_agree(&ports);
    assert!(height >= 2);
    // Instant finality: the safe and finalized blocks are the head.
    for tag in ["safe", "finalized"] {
        let tagged = rpc(ports[1], "eth_getBlockByNumber", json!([tag, false])).unwrap();
        assert!(quantity(&tagged["number"]) >= height, "{tag}: {tagged}");
    }
    // The receipts and balances are the same everywhere.
    let recipient = format!("{:?}", H160::repeat_byte(0x77));
    let expected: u64 = (0..16).map(|k| 1 + k).sum();
    for port in &ports {
        let balance = rpc(*port, "eth_getBalance", json!([recipient, "latest"])).unwrap();
        assert_eq!(quantity(&balance), expected, "balance on port {port}");
    }
}

#[test]
fn killed_and_wiped_validators_catch_up_and_a_full_node_follows() {
    let _turn = ONE_NETWORK.lock().unwrap_or_else(|e| e.into_inner());
    let mut network = Network::start(4, &[]);
    let ports = network.up();
    network.wait_for_height(&ports, 2);

    // kill -9 one validator: the other three keep deciding, with transactions.
    network.kill(3);
    let alive = network.up();
    let before = head(alive[0]).unwrap();
    let hashes = send_round_robin(&alive, 8, 0);
    wait_for(&network, "receipts with a validator down", || {
        hashes
            .iter()
            .all(|hash| alive.iter().all(|port| has_receipt(*port, hash)))
    });
    network.wait_for_height(&alive, before + 3);

    // Restarted, it catches up on what it missed and agrees.
    network.restart(3);
    let target = head(alive[0]).unwrap();
    network.wait_for_height(&[network.port(3)], target);
    network.assert_agree(&network.up());
    assert!(hashes.iter().all(|hash| has_receipt(network.port(3), hash)));

    // Wiped, it syncs from genesis.
    network.kill(2);
    std::fs::remove_dir_all(network.datadir(2)).unwrap();
    network.restart(2);
    let target = head(network.port(0)).unwrap();
    network.wait_for_height(&[network.port(2)], target);
    network.assert_agree(&network.up());

    // A full node (no key) follows the chain and serves it.
    let follower = network.follow();
    let target = head(network.port(0)).unwrap();
    network.wait_for_height(&[follower], target);
    let mut all = network.up();
    all.push(follower);
    network.assert_agree(&all);
    assert!(hashes.iter().all(|hash| has_receipt(follower, hash)));
}

#[cfg(debug_assertions)]
#[test]
fn a_proposer_lying_about_the_state_root_gets_no_block_decided() {
    let _turn = ONE_NETWORK.lock().unwrap_or_else(|e| e.into_inner());
    let network = Network::start(4, &["--fault", "wrong-state-root"]);
    let ports = network.up();
    // Four validators take turns: by height 9 the faulty one was the first proposer twice.
    network.wait_for_height(&ports, 9);
    let height = network.assert_agree(&ports);
    let lie = format!("{:?}", primitive_types::H256::from_low_u64_be(0xbad));
    for number in 1..=height {
        let (_, state_root) = block(ports[1], number).unwrap();
        assert_ne!(
            state_root, lie,
            "block {number} carries the faulty proposer's root"
        );
    }
    let faulty = network.nodes[0]
        .as_ref()
        .unwrap()
        .log
        .lock()
        .unwrap()
        .clone();
    assert!(faulty.contains("fault injection"), "{faulty}");
    let honest = network.nodes[1]
        .as_ref()
        .unwrap()
        .log
        .lock()
        .unwrap()
        .clone();
    assert!(honest.contains("proposal invalid: voting nil"), "{honest}");
    assert!(honest.contains("stateRoot"), "{honest}");
}

#[test]
fn two_of_four_down_halts_the_chain_and_one_back_resumes_it() {
    let _turn = ONE_NETWORK.lock().unwrap_or_else(|e| e.into_inner());
    let mut network = Network::start(4, &[]);
    let ports = network.up();
    network.wait_for_height(&ports, 2);
    network.kill(2);
    network.kill(3);
    let alive = network.up();
    // A block being decided when they went down may still land; then nothing.
    std::thread::sleep(Duration::from_secs(3));
    let halted = head(alive[0]).unwrap();
    std::thread::sleep(Duration::from_secs(6));
    for port in &alive {
        assert_eq!(
            head(*port),
            Some(halted),
            "no quorum, yet port {port} moved on"
        );
    }
    network.restart(3);
    let quorum = network.up();
    network.wait_for_height(&quorum, halted + 3);
    network.assert_agree(&quorum);
}

#[test]
fn testnet_starts_the_nodes_and_stops_them_on_sigterm() {
    let _turn = ONE_NETWORK.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    // Two RPC ports, then two consensus ports with their gossip ports.
    let http = free_ports(6);
    let p2p = http + 2;
    let mut testnet = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(["testnet", "--validators", "2", "--dir"])
        .arg(dir.path())
        .args([
            "--http.port",
            &http.to_string(),
            "--p2p.port",
            &p2p.to_string(),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + PATIENCE;
    while !(head(http).is_some_and(|h| h >= 2) && head(http + 1).is_some_and(|h| h >= 2)) {
        if Instant::now() > deadline {
            let _ = testnet.kill();
            let logs: Vec<String> = (0..2)
                .map(|index| {
                    std::fs::read_to_string(dir.path().join(format!("node{index}/node.log")))
                        .unwrap_or_default()
                })
                .collect();
            panic!(
                "the testnet's nodes did not decide blocks:\n{}",
                logs.join("\n---\n")
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = Command::new("kill")
        .args(["-TERM", &testnet.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = testnet.wait().unwrap();
    let mut out = String::new();
    testnet
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(exit.success(), "{out}");
    assert!(
        out.contains(&format!("rpc http://127.0.0.1:{http}")),
        "{out}"
    );
    assert!(out.contains("all nodes stopped"), "{out}");
    assert_eq!(head(http), None, "node 0 still answers");
    for index in 0..2 {
        let log =
            std::fs::read_to_string(dir.path().join(format!("node{index}/node.log"))).unwrap();
        assert!(log.contains("node stopped"), "node {index}:\n{log}");
    }
}
