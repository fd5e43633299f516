//! `rewasm node`: the binary serves JSON-RPC, logs JSON lines, and stops cleanly on SIGTERM.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::net::SocketAddr;

use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::HttpClientBuilder;
use jsonrpsee::rpc_params;
use serde_json::Value;

#[test]
fn the_binary_serves_logs_json_and_stops_cleanly_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
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
        .arg(dir.path())
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
    let addr = listening.expect("the listening line");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let chain_id: String = runtime.block_on(async {
        let client = HttpClientBuilder::default()
            .build(format!("http://{addr}"))
            .unwrap();
        client.request("eth_chainId", rpc_params![]).await.unwrap()
    });
    assert_eq!(chain_id, "0x7a69");
    let status = Command::new("kill")
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
}
