//! The network benchmark: `rewasm testnet`'s validators on this machine, each a release
//! `rewasm node` process deciding blocks with Malachite. Throughput is the node benchmark's
//! ERC-20 load sent to one node ([`node_bench::run`]); finality is the time from
//! `eth_sendRawTransaction` on a node to that node serving the receipt (the block decided and
//! committed), for single transfers sent to each node in turn at spread-out moments of the
//! block interval.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail, ensure};
use jsonrpsee::core::client::ClientT;
use jsonrpsee::rpc_params;
use primitive_types::H160;
use rewasm_node::genesis::{DEV_MNEMONIC, derive_accounts};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::node_bench::{
    self, Load, NodeProcess, client, free_port, quantity, receipt, send, sign,
};
use crate::timing::percentile;

/// What one network run measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NetworkResult {
    /// Validators.
    pub validators: u16,
    /// The least time between blocks, seconds (`--block-time`).
    pub block_time_s: u64,
    /// The ERC-20 load through node 0 (its `node` is `rewasm-network`).
    pub throughput: node_bench::NodeResult,
    /// Send-to-receipt times of single transfers, ms, sorted.
    pub finality_ms: Vec<f64>,
    /// The height every node agreed on at the end.
    pub agreed_height: u64,
}

impl NetworkResult {
    /// A quantile of the finality latency, ms.
    pub fn finality_p(&self, p: f64) -> f64 {
        percentile(&self.finality_ms, p)
    }
}

/// `count` consecutive free local TCP ports, from the returned one.
fn free_port_run(count: u16) -> anyhow::Result<u16> {
    for _ in 0..100 {
        let base = free_port()?;
        if base.checked_add(count).is_none() {
            continue;
        }
        let free = (0..count)
            .all(|offset| std::net::TcpListener::bind(("127.0.0.1", base + offset)).is_ok());
        if free {
            return Ok(base);
        }
    }
    bail!("no {count} consecutive free ports")
}

/// Starts `validators` nodes written by `rewasm testnet --init-only` in `dir`.
async fn start_network(
    rewasm: &Path,
    dir: &Path,
    validators: u16,
    block_time: u64,
) -> anyhow::Result<Vec<NodeProcess>> {
    let p2p = free_port_run(validators * 2)?;
    let status = Command::new(rewasm)
        .args(["testnet", "--init-only", "--validators"])
        .arg(validators.to_string())
        .arg("--dir")
        .arg(dir)
        .args(["--p2p.port", &p2p.to_string()])
        .args(["--block-time", &block_time.to_string()])
        .status()
        .context("running rewasm testnet")?;
    ensure!(status.success(), "rewasm testnet --init-only failed");
    let mut nodes = Vec::new();
    for index in 0..validators {
        let node_dir = dir.join(format!("node{index}"));
        let line = std::fs::read_to_string(node_dir.join("command"))?;
        let mut args: Vec<String> = line.split_whitespace().skip(1).map(String::from).collect();
        let port = free_port()?;
        let at = args
            .iter()
            .position(|arg| arg == "--http.port")
            .ok_or_else(|| anyhow!("no --http.port in {line}"))?;
        let slot = args
            .get_mut(at + 1)
            .ok_or_else(|| anyhow!("--http.port without a value in {line}"))?;
        *slot = port.to_string();
        nodes.push(NodeProcess::start(rewasm, &args, port, &node_dir.join("node.log")).await?);
    }
    Ok(nodes)
}

async fn head(url: &str) -> anyhow::Result<u64> {
    let number: Value = client(url)?
        .request("eth_blockNumber", rpc_params![])
        .await?;
    Ok(quantity(&number)?.as_u64())
}

async fn block_hash(url: &str, number: u64) -> anyhow::Result<String> {
    let block: Value = client(url)?
        .request(
            "eth_getBlockByNumber",
            rpc_params![format!("0x{number:x}"), false],
        )
        .await?;
    block
        .get("hash")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| anyhow!("no block {number} at {url}"))
}

/// Runs the load and the finality samples on a network of `validators`.
pub async fn run(
    rewasm: &Path,
    init: &[u8],
    validators: u16,
    block_time: u64,
    load: Load,
    samples: u32,
) -> anyhow::Result<NetworkResult> {
    let work = tempfile::tempdir()?;
    let nodes = start_network(rewasm, work.path(), validators, block_time).await?;
    let urls: Vec<String> = nodes.iter().map(|node| node.url.clone()).collect();
    let first = urls.first().ok_or_else(|| anyhow!("no nodes"))?;
    let started = Instant::now();
    while head(first).await? < 1 {
        ensure!(
            started.elapsed() < Duration::from_secs(60),
            "the network decided no block in 60 s (logs in {})",
            work.path().display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let throughput = node_bench::run("rewasm-network", first, init, load).await?;
    let finality_ms = finality(&urls, load.senders, samples, block_time).await?;
    // Every node holds the same chain.
    let mut lowest = u64::MAX;
    for url in &urls {
        lowest = lowest.min(head(url).await?);
    }
    let reference = block_hash(first, lowest).await?;
    for url in &urls {
        ensure!(
            block_hash(url, lowest).await? == reference,
            "{url} disagrees at height {lowest}"
        );
    }
    Ok(NetworkResult {
        validators,
        block_time_s: block_time,
        throughput,
        finality_ms,
        agreed_height: lowest,
    })
}

/// Send-to-receipt times of `samples` single transfers from dev account `account`, each sent
/// to the next node, at moments spread over the block interval.
async fn finality(
    urls: &[String],
    account: u32,
    samples: u32,
    block_time: u64,
) -> anyhow::Result<Vec<f64>> {
    let accounts =
        derive_accounts(DEV_MNEMONIC, account + 1).map_err(|e| anyhow!("dev accounts: {e}"))?;
    let sender = accounts
        .last()
        .ok_or_else(|| anyhow!("no dev account {account}"))?;
    let first = urls.first().ok_or_else(|| anyhow!("no nodes"))?;
    let chain_id = quantity(
        &client(first)?
            .request::<Value, _>("eth_chainId", rpc_params![])
            .await?,
    )?
    .as_u64();
    let count: Value = client(first)?
        .request(
            "eth_getTransactionCount",
            rpc_params![format!("{:?}", sender.address), "latest"],
        )
        .await?;
    let first_nonce = quantity(&count)?.as_u64();
    let interval_ms = block_time.saturating_mul(1000).max(1);
    let mut times = Vec::new();
    for (sample, nonce) in (0..samples).zip(first_nonce..) {
        let url = urls
            .get(sample as usize % urls.len())
            .ok_or_else(|| anyhow!("no nodes"))?;
        let client = client(url)?;
        // 0.37 of an interval apart: the sends land at every phase of the block timer.
        tokio::time::sleep(Duration::from_millis(
            u64::from(sample) * interval_ms * 37 / 100 % interval_ms,
        ))
        .await;
        let raw = sign(
            sender,
            chain_id,
            nonce,
            Some(H160::from_low_u64_be(0xf1_0000 + u64::from(sample))),
            Vec::new(),
        )?;
        let sent = Instant::now();
        let hash = send(&client, &raw).await?;
        receipt(&client, &hash).await?;
        times.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times)
}
