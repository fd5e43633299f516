//! The node benchmark: the same client code against `rewasm node --dev` and anvil. Pre-signed
//! ERC-20 transfers from several senders are submitted as fast as the node accepts them (each
//! sender sequentially, the senders concurrently), then every receipt is awaited; then
//! `eth_call` latency of `balanceOf`, one call at a time.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail, ensure};
use jsonrpsee::core::client::ClientT;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use jsonrpsee::rpc_params;
use primitive_types::{H160, U256};
use rewasm_node::genesis::{DEV_MNEMONIC, DevAccount, derive_accounts};
use rewasm_node::tx::{self, TxKind, UnsignedTransaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::abi;
use crate::timing::percentile;

/// How much load.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Load {
    /// Concurrent senders.
    pub senders: u32,
    /// Transfers each sender submits.
    pub transfers_per_sender: u32,
    /// Sequential `eth_call`s.
    pub calls: u32,
}

/// One node's figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeResult {
    /// `rewasm` or `anvil`.
    pub node: String,
    /// The node's own version string.
    pub version: String,
    /// The load.
    pub load: Load,
    /// From the first submission to the last receipt, seconds.
    pub seconds: f64,
    /// Transfers per second.
    pub tps: f64,
    /// `eth_sendRawTransaction` round trips, µs, sorted.
    pub send_latency_us: Vec<f64>,
    /// `eth_call` round trips, µs, sorted.
    pub call_latency_us: Vec<f64>,
    /// Token balances of the deployer and the first recipients afterwards (must match).
    pub balances: Vec<String>,
}

impl NodeResult {
    /// A quantile of the `eth_call` latency, µs.
    pub fn call_p(&self, p: f64) -> f64 {
        percentile(&self.call_latency_us, p)
    }

    /// A quantile of the `eth_sendRawTransaction` latency, µs.
    pub fn send_p(&self, p: f64) -> f64 {
        percentile(&self.send_latency_us, p)
    }
}

const GWEI: u64 = 1_000_000_000;
/// The gas limit of every benchmark transfer.
pub const GAS: u64 = 300_000;

/// A free local TCP port.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A node process, killed on drop.
#[derive(Debug)]
pub struct NodeProcess {
    child: Child,
    /// Its JSON-RPC URL.
    pub url: String,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl NodeProcess {
    /// Starts `program args…` (its output to `log`) and waits until it answers `eth_chainId`.
    pub async fn start(
        program: &Path,
        args: &[String],
        port: u16,
        log: &Path,
    ) -> anyhow::Result<Self> {
        let out = std::fs::File::create(log)?;
        let child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let node = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = client(&node.url)?;
        let started = Instant::now();
        loop {
            if client
                .request::<Value, _>("eth_chainId", rpc_params![])
                .await
                .is_ok()
            {
                return Ok(node);
            }
            if started.elapsed() > Duration::from_secs(60) {
                bail!(
                    "{} did not answer within 60 s (log: {})",
                    program.display(),
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

pub(crate) fn client(url: &str) -> anyhow::Result<HttpClient> {
    Ok(HttpClientBuilder::default()
        .request_timeout(Duration::from_secs(120))
        .build(url)?)
}

pub(crate) fn quantity(value: &Value) -> anyhow::Result<U256> {
    let s = value
        .as_str()
        .ok_or_else(|| anyhow!("expected a hex quantity, got {value}"))?;
    Ok(U256::from_str_radix(s.trim_start_matches("0x"), 16)?)
}

pub(crate) fn sign(
    from: &DevAccount,
    chain_id: u64,
    nonce: u64,
    to: Option<H160>,
    data: Vec<u8>,
) -> anyhow::Result<String> {
    let unsigned = UnsignedTransaction {
        kind: TxKind::DynamicFee,
        chain_id: Some(chain_id),
        nonce,
        gas_limit: if to.is_none() { 10_000_000 } else { GAS },
        gas_price: U256::from(100 * GWEI),
        max_fee: U256::from(100 * GWEI),
        max_priority_fee: U256::from(GWEI),
        to,
        value: U256::zero(),
        data,
        access_list: vec![],
    };
    let raw = tx::sign(&unsigned, &from.key).map_err(|e| anyhow!("signing: {e}"))?;
    Ok(format!("0x{}", hex::encode(raw)))
}

pub(crate) async fn send(client: &HttpClient, raw: &str) -> anyhow::Result<String> {
    let hash: Value = client
        .request("eth_sendRawTransaction", rpc_params![raw])
        .await?;
    hash.as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("eth_sendRawTransaction returned {hash}"))
}

pub(crate) async fn receipt(client: &HttpClient, hash: &str) -> anyhow::Result<Value> {
    let started = Instant::now();
    loop {
        let receipt: Value = client
            .request("eth_getTransactionReceipt", rpc_params![hash])
            .await?;
        if !receipt.is_null() {
            return Ok(receipt);
        }
        if started.elapsed() > Duration::from_secs(120) {
            bail!("no receipt for {hash} after 120 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn status_ok(receipt: &Value) -> bool {
    receipt.get("status").and_then(Value::as_str) == Some("0x1")
}

async fn succeed(client: &HttpClient, raw: &str) -> anyhow::Result<Value> {
    let hash = send(client, raw).await?;
    let receipt = receipt(client, &hash).await?;
    ensure!(status_ok(&receipt), "transaction {hash} failed: {receipt}");
    Ok(receipt)
}

async fn balance_of(client: &HttpClient, token: &H160, owner: &H160) -> anyhow::Result<U256> {
    let out: Value = client
        .request(
            "eth_call",
            rpc_params![
                serde_json::json!({
                    "to": format!("{token:?}"),
                    "data": format!("0x{}", hex::encode(abi::balance_of(owner))),
                }),
                "latest"
            ],
        )
        .await?;
    let bytes = hex::decode(out.as_str().unwrap_or_default().trim_start_matches("0x"))?;
    abi::u256_of_output(&bytes).ok_or_else(|| anyhow!("balanceOf returned {out}"))
}

/// Recipient `i` of sender `s`.
fn recipient(s: u32, i: u32) -> H160 {
    H160::from_low_u64_be(0xbe00_0000_0000 + (u64::from(s) << 24) + u64::from(i % 64))
}

/// Runs the load against the node at `url`; `init` is the ERC-20's creation code (constructor
/// arguments are appended here).
pub async fn run(node: &str, url: &str, init: &[u8], load: Load) -> anyhow::Result<NodeResult> {
    let client = client(url)?;
    let version: Value = client
        .request("web3_clientVersion", rpc_params![])
        .await
        .unwrap_or(Value::Null);
    let chain_id = quantity(&client.request("eth_chainId", rpc_params![]).await?)?.as_u64();
    let accounts = derive_accounts(DEV_MNEMONIC, load.senders.max(1))
        .map_err(|e| anyhow!("dev accounts: {e}"))?;
    let mut nonces: Vec<u64> = Vec::new();
    for account in &accounts {
        let n: Value = client
            .request(
                "eth_getTransactionCount",
                rpc_params![format!("{:?}", account.address), "latest"],
            )
            .await?;
        nonces.push(quantity(&n)?.as_u64());
    }
    let deployer = accounts.first().ok_or_else(|| anyhow!("no dev account"))?;
    // Deploy and hand each sender tokens (not timed).
    let mut code = init.to_vec();
    code.extend_from_slice(&abi::erc20_constructor(
        "Bench",
        "BNC",
        U256::from(10u64).pow(U256::from(27)),
    ));
    let mut deployer_nonce = nonces.first().copied().unwrap_or_default();
    let raw = sign(deployer, chain_id, deployer_nonce, None, code)?;
    deployer_nonce += 1;
    let deployed = succeed(&client, &raw).await?;
    let token: H160 = deployed
        .get("contractAddress")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("no contract address in {deployed}"))?;
    for account in accounts.iter().skip(1) {
        let data = abi::transfer(&account.address, U256::from(10u64).pow(U256::from(24)));
        let raw = sign(deployer, chain_id, deployer_nonce, Some(token), data)?;
        deployer_nonce += 1;
        succeed(&client, &raw).await?;
    }
    // Pre-sign.
    let mut batches = Vec::new();
    if let Some(first) = nonces.first_mut() {
        *first = deployer_nonce;
    }
    for (s, (account, nonce)) in accounts.iter().zip(&nonces).enumerate() {
        let s = s as u32;
        let mut batch = Vec::new();
        for i in 0..load.transfers_per_sender {
            let data = abi::transfer(&recipient(s, i), U256::from(1 + i % 7));
            batch.push(sign(
                account,
                chain_id,
                nonce + u64::from(i),
                Some(token),
                data,
            )?);
        }
        batches.push(batch);
    }
    // Submit as fast as the node accepts.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for batch in batches {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut hashes = Vec::new();
            let mut latencies = Vec::new();
            for raw in batch {
                let t = Instant::now();
                let hash = send(&client, &raw).await?;
                latencies.push(t.elapsed().as_secs_f64() * 1e6);
                hashes.push(hash);
            }
            anyhow::Ok((hashes, latencies))
        }));
    }
    let mut hashes = Vec::new();
    let mut send_latency_us = Vec::new();
    for task in tasks {
        let (h, l) = task.await??;
        hashes.extend(h);
        send_latency_us.extend(l);
    }
    let mut failed = 0usize;
    for hash in &hashes {
        let r = receipt(&client, hash).await?;
        if !status_ok(&r) {
            failed += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    ensure!(failed == 0, "{node}: {failed} transfers failed");
    // eth_call latency.
    let holder = accounts.get(1).map_or(deployer.address, |a| a.address);
    let mut call_latency_us = Vec::new();
    for _ in 0..load.calls {
        let t = Instant::now();
        balance_of(&client, &token, &holder).await?;
        call_latency_us.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let mut balances = Vec::new();
    for owner in [deployer.address, recipient(0, 0), recipient(1, 3)] {
        balances.push(balance_of(&client, &token, &owner).await?.to_string());
    }
    send_latency_us.sort_by(f64::total_cmp);
    call_latency_us.sort_by(f64::total_cmp);
    Ok(NodeResult {
        node: node.to_string(),
        version: version.as_str().unwrap_or("?").to_string(),
        load,
        seconds,
        tps: hashes.len() as f64 / seconds,
        send_latency_us,
        call_latency_us,
        balances,
    })
}
