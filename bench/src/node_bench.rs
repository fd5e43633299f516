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
    /// Sequential `eth_call`s timed while every sender keeps submitting transfers (0: none).
    #[serde(default)]
    pub busy_calls: u32,
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
    /// `eth_call` round trips while the senders saturate the node, µs, sorted.
    #[serde(default)]
    pub busy_call_latency_us: Vec<f64>,
    /// Token balances of the deployer and the first recipients afterwards (must match).
    pub balances: Vec<String>,
    /// How many rounds the figures are the median of ([`NodeResult::median_of`]).
    #[serde(default = "one_round")]
    pub rounds: u32,
}

fn one_round() -> u32 {
    1
}

impl NodeResult {
    /// The median of several rounds of the same node under the same load, figure by figure:
    /// the median round's time and transfers per second, and each latency list from the round
    /// whose p50 (sends) or p99 (calls, busy calls) is the median one. `None` for no rounds.
    pub fn median_of(mut rounds: Vec<NodeResult>) -> Option<NodeResult> {
        let count = u32::try_from(rounds.len()).unwrap_or(u32::MAX);
        let middle = rounds.len() / 2;
        let median_list =
            |rounds: &mut Vec<NodeResult>, list: fn(&NodeResult) -> &Vec<f64>, p: f64| {
                rounds.sort_by(|a, b| percentile(list(a), p).total_cmp(&percentile(list(b), p)));
                rounds.get(middle).map(|round| list(round).clone())
            };
        let send_latency_us = median_list(&mut rounds, |r| &r.send_latency_us, 0.5)?;
        let call_latency_us = median_list(&mut rounds, |r| &r.call_latency_us, 0.99)?;
        let busy_call_latency_us = median_list(&mut rounds, |r| &r.busy_call_latency_us, 0.99)?;
        rounds.sort_by(|a, b| a.seconds.total_cmp(&b.seconds));
        let median = rounds.get(middle)?.clone();
        Some(NodeResult {
            send_latency_us,
            call_latency_us,
            busy_call_latency_us,
            rounds: count,
            ..median
        })
    }

    /// A quantile of the `eth_call` latency, µs.
    pub fn call_p(&self, p: f64) -> f64 {
        percentile(&self.call_latency_us, p)
    }

    /// A quantile of the `eth_call` latency under write load, µs (`None`: not measured).
    pub fn busy_call_p(&self, p: f64) -> Option<f64> {
        (!self.busy_call_latency_us.is_empty()).then(|| percentile(&self.busy_call_latency_us, p))
    }

    /// A quantile of the `eth_sendRawTransaction` latency, µs.
    pub fn send_p(&self, p: f64) -> f64 {
        percentile(&self.send_latency_us, p)
    }
}

const GWEI: u64 = 1_000_000_000;
/// The benchmark token's supply, all minted to the deployer: 10^27 units.
pub const TOKEN_SUPPLY: u128 = 1_000_000_000_000_000_000_000_000_000;
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
    /// `rewasm node --dev` with its data folder and log (`node.log`) in `work`, on a free port.
    pub async fn start_dev(rewasm: &Path, work: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        let args: Vec<String> = ["node", "--dev", "--datadir"]
            .iter()
            .map(|arg| arg.to_string())
            .chain([
                work.join("data").display().to_string(),
                "--http.port".to_string(),
                port.to_string(),
            ])
            .collect();
        Self::start(rewasm, &args, port, &work.join("node.log")).await
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

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
    sign_value(from, chain_id, nonce, to, data, U256::zero())
}

fn sign_value(
    from: &DevAccount,
    chain_id: u64,
    nonce: u64,
    to: Option<H160>,
    data: Vec<u8>,
    value: U256,
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
        value,
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

pub(crate) async fn balance_of(
    client: &HttpClient,
    token: &H160,
    owner: &H160,
) -> anyhow::Result<U256> {
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

/// Transfers signed before the busy phase, per timed call: at about 1 000 transfers a second
/// and 1 ms a call, enough that the writers rarely sign while calls are timed.
const BUSY_TRANSFERS_PER_CALL: u64 = 3;

/// Where the busy phase's transfers go: accounts no check reads.
fn busy_recipient(s: u32, i: u64) -> H160 {
    H160::from_low_u64_be(0xbf00_0000_0000 + (u64::from(s) << 24) + (i % 64))
}

/// Ether for senders beyond the prefunded dev accounts (anvil's and rewasm's dev chains fund
/// ten).
const SENDER_FUNDS: u64 = 1_000;

/// The chain, its token and the senders, ready for load.
pub(crate) struct Prepared {
    pub(crate) client: HttpClient,
    pub(crate) version: String,
    pub(crate) chain_id: u64,
    pub(crate) token: H160,
    /// The first sender, who deployed the token.
    pub(crate) deployer: H160,
    /// Whose balance the calls read.
    pub(crate) holder: H160,
    pub(crate) accounts: Vec<DevAccount>,
    /// Each sender's next nonce.
    pub(crate) nonces: Vec<u64>,
}

/// Funds the senders that have no ether, deploys the ERC-20 (`init` plus constructor
/// arguments) and hands each sender tokens; nothing of it is timed.
pub(crate) async fn prepare(url: &str, init: &[u8], senders: u32) -> anyhow::Result<Prepared> {
    let client = client(url)?;
    let version: Value = client
        .request("web3_clientVersion", rpc_params![])
        .await
        .unwrap_or(Value::Null);
    let chain_id = quantity(&client.request("eth_chainId", rpc_params![]).await?)?.as_u64();
    let accounts =
        derive_accounts(DEV_MNEMONIC, senders.max(1)).map_err(|e| anyhow!("dev accounts: {e}"))?;
    let mut nonces: Vec<u64> = Vec::new();
    for account in &accounts {
        let n: Value = client
            .request(
                "eth_getTransactionCount",
                rpc_params![format!("{:?}", account.address), "pending"],
            )
            .await?;
        nonces.push(quantity(&n)?.as_u64());
    }
    let deployer = accounts.first().ok_or_else(|| anyhow!("no dev account"))?;
    let mut deployer_nonce = nonces.first().copied().unwrap_or_default();
    for account in accounts.iter().skip(1) {
        let balance: Value = client
            .request(
                "eth_getBalance",
                rpc_params![format!("{:?}", account.address), "pending"],
            )
            .await?;
        if quantity(&balance)?.is_zero() {
            let ether = U256::from(SENDER_FUNDS) * U256::from(10u64).pow(U256::from(18));
            let raw = sign_value(
                deployer,
                chain_id,
                deployer_nonce,
                Some(account.address),
                Vec::new(),
                ether,
            )?;
            deployer_nonce += 1;
            succeed(&client, &raw).await?;
        }
    }
    let mut code = init.to_vec();
    code.extend_from_slice(&abi::erc20_constructor(
        "Bench",
        "BNC",
        U256::from(TOKEN_SUPPLY),
    ));
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
    if let Some(first) = nonces.first_mut() {
        *first = deployer_nonce;
    }
    let holder = accounts.get(1).map_or(deployer.address, |a| a.address);
    Ok(Prepared {
        client,
        version: version.as_str().unwrap_or("?").to_string(),
        chain_id,
        token,
        deployer: deployer.address,
        holder,
        accounts,
        nonces,
    })
}

/// Submits every batch (each sender's in order, the senders concurrently): the hashes and the
/// round trips, µs.
async fn submit_all(
    client: &HttpClient,
    batches: Vec<Vec<String>>,
) -> anyhow::Result<(Vec<String>, Vec<f64>)> {
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
    let mut latencies = Vec::new();
    for task in tasks {
        let (h, l) = task.await??;
        hashes.extend(h);
        latencies.extend(l);
    }
    Ok((hashes, latencies))
}

/// How many of `hashes` did not succeed, once every receipt is in.
async fn failures(client: &HttpClient, hashes: &[String]) -> anyhow::Result<usize> {
    let mut failed = 0usize;
    for hash in hashes {
        if !status_ok(&receipt(client, hash).await?) {
            failed += 1;
        }
    }
    Ok(failed)
}

/// `calls` sequential `balanceOf` calls: their round trips, µs.
async fn time_calls(
    client: &HttpClient,
    token: &H160,
    holder: &H160,
    calls: u32,
) -> anyhow::Result<Vec<f64>> {
    let mut latencies = Vec::new();
    for _ in 0..calls {
        let t = Instant::now();
        balance_of(client, token, holder).await?;
        latencies.push(t.elapsed().as_secs_f64() * 1e6);
    }
    Ok(latencies)
}

/// Times `calls` while every sender submits transfers without pause. Their receipts are not
/// awaited: anvil answers a submission before mining it and, once submissions stop, leaves
/// what it has not mined pending. The senders' nonces move on.
///
/// What is timed is the node, not the load generator: the writers send transfers signed
/// beforehand (signing one costs about as much CPU as the node's answer to a call), and the
/// calls go out from a thread and client of their own, so they never wait in the writers' task
/// queue.
async fn busy_calls(url: &str, prepared: &mut Prepared, calls: u32) -> anyhow::Result<Vec<f64>> {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let senders = prepared.accounts.len().max(1) as u64;
    let signed_each = (u64::from(calls) * BUSY_TRANSFERS_PER_CALL).div_ceil(senders);
    let mut writers = Vec::new();
    for (s, (account, nonce)) in prepared.accounts.iter().zip(&prepared.nonces).enumerate() {
        let (client, stop, account) = (prepared.client.clone(), stop.clone(), account.clone());
        let (chain_id, token, first) = (prepared.chain_id, prepared.token, *nonce);
        let transfer = move |nonce: u64| {
            let data = abi::transfer(&busy_recipient(s as u32, nonce), U256::one());
            sign(&account, chain_id, nonce, Some(token), data)
        };
        let signed = (first..first + signed_each)
            .map(&transfer)
            .collect::<anyhow::Result<Vec<_>>>()?;
        writers.push(tokio::spawn(async move {
            let mut nonce = first;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let raw = match signed.get((nonce - first) as usize) {
                    Some(raw) => raw.clone(),
                    None => transfer(nonce)?,
                };
                send(&client, &raw).await?;
                nonce += 1;
            }
            anyhow::Ok(nonce)
        }));
    }
    // Let the writers reach full speed first.
    tokio::time::sleep(Duration::from_millis(200)).await;
    // `scripts/call-breakdown.sh` waits for this line before it traces the calls.
    eprintln!("busy calls: {calls} while {senders} senders write");
    let (url, token, holder) = (url.to_string(), prepared.token, prepared.holder);
    let latencies = tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime.block_on(async {
            let reader = client(&url)?;
            time_calls(&reader, &token, &holder, calls).await
        })
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for (writer, nonce) in writers.into_iter().zip(prepared.nonces.iter_mut()) {
        *nonce = writer.await??;
    }
    let mut latencies = latencies??;
    latencies.sort_by(f64::total_cmp);
    Ok(latencies)
}

/// Runs the load against the node at `url`; `init` is the ERC-20's creation code (constructor
/// arguments are appended here).
pub async fn run(node: &str, url: &str, init: &[u8], load: Load) -> anyhow::Result<NodeResult> {
    let mut prepared = prepare(url, init, load.senders).await?;
    let mut batches = Vec::new();
    for (s, (account, nonce)) in prepared
        .accounts
        .iter()
        .zip(&mut prepared.nonces)
        .enumerate()
    {
        let s = s as u32;
        let mut batch = Vec::new();
        for i in 0..load.transfers_per_sender {
            let data = abi::transfer(&recipient(s, i), U256::from(1 + i % 7));
            batch.push(sign(
                account,
                prepared.chain_id,
                *nonce,
                Some(prepared.token),
                data,
            )?);
            *nonce += 1;
        }
        batches.push(batch);
    }
    let client = prepared.client.clone();
    let started = Instant::now();
    let (hashes, mut send_latency_us) = submit_all(&client, batches).await?;
    let failed = failures(&client, &hashes).await?;
    let seconds = started.elapsed().as_secs_f64();
    ensure!(failed == 0, "{node}: {failed} transfers failed");
    let token = prepared.token;
    let mut call_latency_us = time_calls(&client, &token, &prepared.holder, load.calls).await?;
    let mut balances = Vec::new();
    for owner in [prepared.deployer, recipient(0, 0), recipient(1, 3)] {
        balances.push(balance_of(&client, &token, &owner).await?.to_string());
    }
    let busy_call_latency_us = if load.busy_calls > 0 {
        busy_calls(url, &mut prepared, load.busy_calls).await?
    } else {
        Vec::new()
    };
    send_latency_us.sort_by(f64::total_cmp);
    call_latency_us.sort_by(f64::total_cmp);
    Ok(NodeResult {
        node: node.to_string(),
        version: prepared.version,
        load,
        seconds,
        tps: hashes.len() as f64 / seconds,
        send_latency_us,
        call_latency_us,
        busy_call_latency_us,
        balances,
        rounds: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(seconds: f64, send: f64, call: f64, busy: f64) -> NodeResult {
        NodeResult {
            node: "rewasm".to_string(),
            version: String::new(),
            load: Load {
                senders: 4,
                transfers_per_sender: 10,
                calls: 1,
                busy_calls: 1,
            },
            seconds,
            tps: 40.0 / seconds,
            send_latency_us: vec![send],
            call_latency_us: vec![call],
            busy_call_latency_us: vec![busy],
            balances: vec!["1".to_string()],
            rounds: 1,
        }
    }

    /// Each figure comes from the round where that figure is the median, so one noisy round
    /// moves none of them.
    #[test]
    fn the_median_of_rounds_takes_each_figure_from_its_median_round() {
        let median = NodeResult::median_of(vec![
            round(2.0, 100.0, 900.0, 5_000.0),
            round(1.0, 300.0, 200.0, 1_000.0),
            round(3.0, 200.0, 250.0, 2_000.0),
        ]);
        let median = median.unwrap_or_else(|| panic!("three rounds"));
        assert_eq!(median.seconds, 2.0);
        assert_eq!(median.tps, 20.0);
        assert_eq!(median.send_latency_us, vec![200.0]);
        assert_eq!(median.call_latency_us, vec![250.0]);
        assert_eq!(median.busy_call_latency_us, vec![2_000.0]);
        assert_eq!(median.rounds, 3);
        assert!(NodeResult::median_of(Vec::new()).is_none());
    }
}
