//! Faults a node must come through without losing an acknowledged block: its disk filling up
//! while it writes blocks, damaged store files at start, and being stopped (SIGSTOP) for 10 s.
//! SIGKILL during heavy writes is `crash.rs`.
//!
//! The full-disk test mounts a small tmpfs as the data folder, so it needs root, as CI has
//! (`.ci/run` runs as root: it installs packages). Run by another user it says it is skipped;
//! run by root, a failure to mount fails it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use primitive_types::H160;
use rewasm_node::genesis::{DEV_MNEMONIC, DevAccount, derive_accounts};
use serde_json::json;

use crate::common::{NodeProcess, quantity, rpc, rpc_within, start_node, transfer};

fn start(datadir: &Path, extra: &[&str]) -> NodeProcess {
    let flags = ["node", "--dev", "--http.port", "0"].map(OsStr::new);
    start_node(
        flags
            .into_iter()
            .chain([OsStr::new("--datadir"), datadir.as_os_str()])
            .chain(extra.iter().map(OsStr::new)),
    )
}

fn dev_account() -> DevAccount {
    derive_accounts(DEV_MNEMONIC, 1).unwrap().remove(0)
}

/// One transfer from `from` at its pending nonce: its hash once the node answered with it
/// (instant mining: the block holding it is on disk), or the node's error message.
fn send(port: u16, from: &DevAccount) -> Result<String, String> {
    let address = format!("{:?}", from.address);
    let count = rpc(port, "eth_getTransactionCount", json!([address, "pending"])).unwrap();
    let nonce = quantity(&count["result"]);
    let (raw, hash) = transfer(from, nonce, H160::repeat_byte(0x42), 1);
    let answer = rpc(port, "eth_sendRawTransaction", json!([raw])).expect("node up");
    match answer.get("result") {
        Some(result) => {
            assert_eq!(result.as_str(), Some(hash.as_str()));
            Ok(hash)
        }
        None => Err(answer["error"]["message"].as_str().unwrap().to_string()),
    }
}

/// The block hash of `hash`'s receipt, if the node has one.
fn receipt_block(port: u16, hash: &str) -> Option<String> {
    let answer = rpc(port, "eth_getTransactionReceipt", json!([hash])).expect("node up");
    answer["result"]["blockHash"].as_str().map(str::to_string)
}

fn block_number(port: u16) -> u64 {
    quantity(&rpc(port, "eth_blockNumber", json!([])).expect("node up")["result"])
}

/// Every acknowledged transaction is still in the block it was acknowledged in.
fn assert_kept(node: &NodeProcess, acknowledged: &BTreeMap<String, String>) {
    for (hash, block) in acknowledged {
        assert_eq!(
            receipt_block(node.port, hash).as_deref(),
            Some(block.as_str()),
            "lost {hash}\n{}",
            node.log.lock().unwrap()
        );
    }
}

fn signal(node: &NodeProcess, name: &str) {
    let status = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(node.child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name}");
}

/// Waits until every thread of the node is stopped: a signal is delivered to each thread on its
/// way back to user space, which on a loaded machine takes a moment.
fn wait_stopped(node: &NodeProcess) {
    let tasks = format!("/proc/{}/task", node.child.id());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let stopped = std::fs::read_dir(&tasks).unwrap().all(|task| {
            let stat =
                std::fs::read_to_string(task.unwrap().path().join("stat")).unwrap_or_default();
            // The state follows the command name, which is in parentheses.
            stat.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('T') || rest.starts_with('t'))
        });
        if stopped {
            return;
        }
        assert!(Instant::now() < deadline, "the node did not stop");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// SIGTERM, and the node's clean exit.
fn stop(mut node: NodeProcess) {
    signal(&node, "TERM");
    let status = node.child.wait().unwrap();
    assert!(status.success(), "{status}\n{}", node.log.lock().unwrap());
}

fn verify(datadir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(["verify", "--datadir"])
        .arg(datadir)
        .output()
        .unwrap()
}

/// A tmpfs of `megabytes` mounted on a temporary folder, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(megabytes: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "mounting a tmpfs for the full-disk test needs root: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes a file until the disk has no room left.
fn fill(disk: &Path) -> PathBuf {
    let path = disk.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0x5a_u8; 1 << 16];
    while file
        .write_all(&chunk)
        .and_then(|()| file.sync_all())
        .is_ok()
    {}
    path
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

#[test]
fn a_full_disk_refuses_transactions_keeps_reads_and_resumes_once_freed() {
    if !is_root() {
        eprintln!("SKIPPED: mounting a tmpfs as the full disk needs root (CI runs as root)");
        return;
    }
    let disk = Tmpfs::mount(48);
    let datadir = disk.path().join("data");
    // RocksDB resumes writes once the disk has room for a memtable of this size.
    let flags = ["--db.write-buffer", "4"];
    let node = start(&datadir, &flags);
    let from = dev_account();
    let mut acknowledged = BTreeMap::new();
    for _ in 0..5 {
        let hash = send(node.port, &from).expect("a transfer on an empty disk");
        let block = receipt_block(node.port, &hash).expect("receipt at the first poll");
        acknowledged.insert(hash, block);
    }

    let filler = fill(disk.path());
    let deadline = Instant::now() + Duration::from_secs(120);
    let refusal = loop {
        assert!(Instant::now() < deadline, "the full disk refused nothing");
        match send(node.port, &from) {
            Ok(hash) => {
                let block = receipt_block(node.port, &hash).expect("receipt at the first poll");
                acknowledged.insert(hash, block);
            }
            Err(error) => break error,
        }
    };
    assert!(
        refusal.contains("cannot store blocks") && refusal.contains("No space left on device"),
        "{refusal}"
    );
    let again = send(node.port, &from).unwrap_err();
    assert!(again.contains("cannot store blocks"), "{again}");

    // Reads go on from what is committed.
    assert_kept(&node, &acknowledged);
    let head = block_number(node.port);
    let balance = rpc(
        node.port,
        "eth_getBalance",
        json!([format!("{:?}", H160::repeat_byte(0x42)), "latest"]),
    )
    .expect("node up");
    assert_eq!(
        quantity(&balance["result"]),
        acknowledged.len() as u64,
        "one wei per acknowledged transfer"
    );

    std::fs::remove_file(filler).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let resumed = loop {
        match send(node.port, &from) {
            Ok(hash) => break hash,
            Err(error) => {
                assert!(error.contains("cannot store blocks"), "{error}");
                assert!(
                    Instant::now() < deadline,
                    "no transaction taken 60 s after the disk was freed: {error}\n{}",
                    node.log.lock().unwrap()
                );
                std::thread::sleep(Duration::from_millis(250));
            }
        }
    };
    let block = receipt_block(node.port, &resumed).expect("receipt at the first poll");
    acknowledged.insert(resumed, block);
    assert!(block_number(node.port) > head);
    assert_kept(&node, &acknowledged);

    stop(node);
    let node = start(&datadir, &flags);
    assert_kept(&node, &acknowledged);
    drop(node);
    let report = verify(&datadir);
    assert!(
        report.status.success(),
        "{}{}",
        String::from_utf8_lossy(&report.stdout),
        String::from_utf8_lossy(&report.stderr)
    );
}

#[test]
fn a_node_stopped_for_ten_seconds_times_clients_out_and_then_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), &[]);
    let from = dev_account();
    let mut acknowledged = BTreeMap::new();
    for _ in 0..3 {
        let hash = send(node.port, &from).unwrap();
        acknowledged.insert(hash.clone(), receipt_block(node.port, &hash).unwrap());
    }
    let nonce = quantity(
        &rpc(
            node.port,
            "eth_getTransactionCount",
            json!([format!("{:?}", from.address), "pending"]),
        )
        .unwrap()["result"],
    );
    let (raw, hash) = transfer(&from, nonce, H160::repeat_byte(0x42), 1);

    signal(&node, "STOP");
    let stopped = Instant::now();
    wait_stopped(&node);
    let timeout = Duration::from_secs(2);
    assert!(rpc_within(node.port, "eth_blockNumber", json!([]), timeout).is_none());
    assert!(rpc_within(node.port, "eth_sendRawTransaction", json!([raw]), timeout).is_none());
    std::thread::sleep(Duration::from_secs(10).saturating_sub(stopped.elapsed()));
    signal(&node, "CONT");

    // The submission the client gave up on may have been taken after all: sending it again is
    // either taken or refused as known, and then it has its receipt.
    let again = rpc(node.port, "eth_sendRawTransaction", json!([raw])).expect("node up");
    let refused = again["error"]["message"].as_str().unwrap_or_default();
    assert!(
        again.get("result").is_some()
            || refused.contains("already known")
            || refused.contains("nonce too low"),
        "{again}"
    );
    // "already known" can answer while the first submission is still being sealed.
    let deadline = Instant::now() + Duration::from_secs(10);
    let block = loop {
        if let Some(block) = receipt_block(node.port, &hash) {
            break block;
        }
        assert!(Instant::now() < deadline, "no receipt for {hash}");
        std::thread::sleep(Duration::from_millis(50));
    };
    acknowledged.insert(hash, block);
    for _ in 0..3 {
        let hash = send(node.port, &from).unwrap();
        acknowledged.insert(hash.clone(), receipt_block(node.port, &hash).unwrap());
    }
    assert_kept(&node, &acknowledged);
    stop(node);
}

/// A node's data folder after `transfers` transfers and a clean stop (its memtables flushed to
/// table files).
fn stored_chain(transfers: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), &[]);
    let from = dev_account();
    for _ in 0..transfers {
        send(node.port, &from).unwrap();
    }
    stop(node);
    dir
}

/// A copy of data folder `from`, and the store's files in it with `suffix` (largest first).
fn copy_with_files(from: &Path, suffix: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(copy.path())
        .status()
        .unwrap();
    assert!(status.success());
    let mut files: Vec<PathBuf> = std::fs::read_dir(copy.path().join("chaindata"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort_by_key(|path| std::cmp::Reverse(std::fs::metadata(path).unwrap().len()));
    assert!(!files.is_empty(), "no {suffix} file in the store");
    (copy, files)
}

/// Flips `count` bytes a quarter into `path`: in a table file, inside its data blocks (which
/// come first, before the filter, the index and the footer).
fn damage(path: &Path, count: usize) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes.len() / 4;
    for byte in bytes.iter_mut().skip(at).take(count) {
        *byte ^= 0xa5;
    }
    std::fs::write(path, bytes).unwrap();
}

/// Starts a node that must refuse to start: its stderr.
fn refused_start(datadir: &Path) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args(["node", "--dev", "--http.port", "0", "--datadir"])
        .arg(datadir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the node started on a damaged store");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// `rewasm verify` must fail, naming `file`: its whole output.
fn verify_names(datadir: &Path, file: &Path) -> String {
    let output = verify(datadir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.status.success(), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(
        text.contains(name.as_ref()),
        "verify does not name {name}: {text}"
    );
    text
}

#[test]
fn damaged_store_files_are_named_at_start_and_by_verify() {
    let chain = stored_chain(12);
    let verified = verify(chain.path());
    let report = String::from_utf8_lossy(&verified.stdout);
    assert!(verified.status.success(), "{report}");
    assert!(
        report.contains("entries read through their checksums"),
        "{report}"
    );

    // A truncated table file: the node refuses to start and says which.
    let (copy, tables) = copy_with_files(chain.path(), ".sst");
    let table = &tables[0];
    let length = std::fs::metadata(table).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(table)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let stderr = refused_start(copy.path());
    let name = table.file_name().unwrap().to_string_lossy();
    assert!(
        stderr.contains(name.as_ref()) && stderr.contains("size mismatch"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("size mismatch").count(),
        1,
        "repeated: {stderr}"
    );
    verify_names(copy.path(), table);

    // Damaged bytes inside a table file: found by verify's checksum pass.
    let (copy, tables) = copy_with_files(chain.path(), ".sst");
    damage(&tables[0], 64);
    let text = verify_names(copy.path(), &tables[0]);
    assert!(text.contains("checksum mismatch"), "{text}");

    // A damaged manifest (the list of table files): the node refuses to start.
    let (copy, manifests) = copy_with_files(chain.path(), "");
    let manifest = manifests
        .iter()
        .find(|path| path.to_string_lossy().contains("MANIFEST-"))
        .unwrap();
    damage(manifest, 16);
    let stderr = refused_start(copy.path());
    assert!(
        stderr.contains(manifest.file_name().unwrap().to_string_lossy().as_ref()),
        "{stderr}"
    );
    verify_names(copy.path(), manifest);
}

#[test]
fn a_damaged_record_inside_the_write_ahead_log_is_refused_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), &[]);
    let from = dev_account();
    for _ in 0..20 {
        send(node.port, &from).unwrap();
    }
    // SIGKILL: no flush, the blocks are only in the log.
    drop(node);
    let (copy, logs) = copy_with_files(dir.path(), ".log");
    let log = &logs[0];
    damage(log, 16);
    let stderr = refused_start(copy.path());
    assert!(
        stderr.contains(log.file_name().unwrap().to_string_lossy().as_ref()),
        "{stderr}"
    );
}
