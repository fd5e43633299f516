//! Crash safety: the node is killed with SIGKILL at random moments while transactions stream in,
//! restarted each time, and must still hold every transaction whose receipt it returned; at the
//! end `rewasm verify` replays the chain from genesis and must agree with the head the node
//! reports.
//!
//! The seed of the kill schedule is printed; `REWASM_CRASH_SEED=<seed>` reproduces a run and
//! `REWASM_CRASH_KILLS=<n>` changes the number of kills (default 20).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{NodeProcess, quantity, rpc, start_node, transfer};

use primitive_types::H160;
use rewasm_node::genesis::{DEV_MNEMONIC, DevAccount, derive_accounts};
use serde_json::json;

/// xorshift64*: a reproducible schedule without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low)
    }
}

fn start(datadir: &Path) -> NodeProcess {
    let flags = ["node", "--dev", "--http.port", "0", "--datadir"].map(OsStr::new);
    start_node(flags.into_iter().chain([datadir.as_os_str()]))
}

/// A receipt the node returned: the transaction and where it said it was.
#[derive(Clone, Debug)]
struct Confirmed {
    hash: String,
    block_hash: String,
}

/// Sends transfers from `from` until `stop`, recording every receipt the node returns.
fn feed(port: u16, from: &DevAccount, stop: &AtomicBool, confirmed: &Mutex<Vec<Confirmed>>) {
    let Some(count) = rpc(
        port,
        "eth_getTransactionCount",
        json!([format!("{:?}", from.address), "pending"]),
    ) else {
        return;
    };
    let Some(mut nonce) = count.get("result").map(quantity) else {
        return;
    };
    let to = H160::repeat_byte(0x42);
    while !stop.load(Ordering::Relaxed) {
        let (raw, hash) = transfer(from, nonce, to, 1 + nonce % 7);
        let Some(sent) = rpc(port, "eth_sendRawTransaction", json!([raw])) else {
            return;
        };
        if sent.get("result").is_none() {
            // e.g. "nonce too low" after a restart lost the pool: resynchronise.
            let Some(count) = rpc(
                port,
                "eth_getTransactionCount",
                json!([format!("{:?}", from.address), "pending"]),
            ) else {
                return;
            };
            nonce = count.get("result").map(quantity).unwrap_or(nonce);
            continue;
        }
        nonce += 1;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let Some(answer) = rpc(port, "eth_getTransactionReceipt", json!([hash])) else {
                return;
            };
            if let Some(receipt) = answer.get("result").filter(|r| !r.is_null()) {
                confirmed.lock().unwrap().push(Confirmed {
                    hash: hash.clone(),
                    block_hash: receipt["blockHash"].as_str().unwrap().to_string(),
                });
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

#[test]
fn sigkill_never_loses_a_confirmed_transaction_and_verify_agrees() {
    let seed = std::env::var("REWASM_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    let kills: usize = std::env::var("REWASM_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!("crash schedule seed {seed} ({kills} kills)");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let senders = derive_accounts(DEV_MNEMONIC, 3).unwrap();
    let confirmed = Mutex::new(Vec::<Confirmed>::new());

    for round in 0..kills {
        let mut node = start(dir.path());
        // Everything confirmed before must still be there, in the same block.
        for tx in confirmed.lock().unwrap().iter() {
            let receipt =
                rpc(node.port, "eth_getTransactionReceipt", json!([tx.hash])).expect("node up");
            assert_eq!(
                receipt["result"]["blockHash"].as_str(),
                Some(tx.block_hash.as_str()),
                "round {round}: lost {tx:?} (seed {seed})\n{}",
                node.log.lock().unwrap()
            );
        }
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            for sender in &senders {
                let (stop, confirmed, port) = (&stop, &confirmed, node.port);
                scope.spawn(move || feed(port, sender, stop, confirmed));
            }
            std::thread::sleep(Duration::from_millis(rng.between(100, 1500)));
            node.child.kill().expect("SIGKILL the node");
            node.child.wait().unwrap();
            stop.store(true, Ordering::Relaxed);
        });
    }

    // A last clean start: the head it reports, then stop it and replay the store.
    let mut node = start(dir.path());
    for tx in confirmed.lock().unwrap().iter() {
        let receipt = rpc(node.port, "eth_getTransactionReceipt", json!([tx.hash])).unwrap();
        assert_eq!(
            receipt["result"]["blockHash"].as_str(),
            Some(tx.block_hash.as_str())
        );
    }
    let head = rpc(node.port, "eth_getBlockByNumber", json!(["latest", false])).unwrap();
    let head_root = head["result"]["stateRoot"].as_str().unwrap().to_string();
    let head_hash = head["result"]["hash"].as_str().unwrap().to_string();
    node.child.kill().unwrap();
    node.child.wait().unwrap();
    let total = confirmed.lock().unwrap().len();
    assert!(
        total >= kills,
        "only {total} transactions confirmed over {kills} runs"
    );

    let verify = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(["verify", "--datadir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "verify failed (seed {seed}):\n{report}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        report.contains(&format!("state root    {head_root}")),
        "{report} vs {head_root}"
    );
    assert!(
        report.contains(&format!("head hash     {head_hash}")),
        "{report} vs {head_hash}"
    );
    println!("{total} confirmed transactions survived {kills} SIGKILLs; verify: {report}");
}
