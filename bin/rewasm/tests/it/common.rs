//! A `rewasm node` child process, for the tests that need the real binary (its crash safety, its
//! resident memory).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
