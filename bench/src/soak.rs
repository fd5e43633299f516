//! The soak: a node under steady mixed load for a while, its resident memory sampled.
//!
//! Writers submit ERC-20 transfers back to back, readers ask what wallets and dapps ask
//! (`eth_blockNumber`, `eth_getBalance`, `eth_call`, `eth_getLogs`, receipts), WebSocket
//! subscribers follow `newHeads` and the token's logs, and one client sends what a hostile or
//! broken one would (bad JSON, unknown methods, wrong parameters, oversized bodies, garbage
//! batches). Every acknowledged transfer must have its receipt, showing success, at the first
//! poll, made right after the acknowledgement; at the end the token's supply must be where the
//! holders' balances say it is, and nothing may have failed but the malformed requests, each
//! answered with an error.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, ensure};
use jsonrpsee::core::client::{ClientT, SubscriptionClientT};
use jsonrpsee::rpc_params;
use jsonrpsee::ws_client::WsClientBuilder;
use primitive_types::{H160, U256};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::abi;
use crate::node_bench::{self, Prepared};

/// What load, for how long.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct SoakLoad {
    pub writers: u32,
    pub readers: u32,
    pub subscribers: u32,
    /// Whether one client sends malformed requests.
    pub malformed: bool,
    /// Seconds of load.
    pub seconds: u64,
    /// Seconds between memory samples.
    pub sample_seconds: u64,
}

impl Default for SoakLoad {
    fn default() -> Self {
        Self {
            writers: 8,
            readers: 4,
            subscribers: 2,
            malformed: true,
            seconds: 60,
            sample_seconds: 1,
        }
    }
}

/// What happened.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SoakResult {
    pub load: Option<SoakLoad>,
    /// (seconds since the load started, resident KiB of the node).
    pub rss_kib: Vec<(f64, u64)>,
    /// The store's memory as the node's `/metrics` gauges say, sampled with the resident memory.
    #[serde(default)]
    pub store_kib: Vec<StoreSample>,
    /// Transfers the node acknowledged.
    pub transfers: u64,
    /// Read requests answered.
    pub reads: u64,
    /// Subscription notifications received.
    pub notifications: u64,
    /// Malformed requests answered with an error, as they should be.
    pub refused: u64,
    /// Anything else that went wrong, with how often.
    pub errors: BTreeMap<String, u64>,
}

impl SoakResult {
    /// Resident memory at `seconds` into the run (the first sample at or after it).
    pub fn rss_at(&self, seconds: f64) -> Option<u64> {
        self.rss_kib
            .iter()
            .find(|(at, _)| *at >= seconds)
            .map(|(_, kib)| *kib)
    }
}

/// The store's memory at one moment of the soak (`rewasm_store_*` gauges).
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct StoreSample {
    /// Seconds since the load started.
    pub seconds: f64,
    /// KiB in RocksDB's block cache.
    pub block_cache: u64,
    /// KiB in RocksDB's memtables.
    pub memtables: u64,
    /// KiB in the readers of RocksDB's open table files (0 in soaks before this gauge).
    #[serde(default)]
    pub table_readers: u64,
    /// KiB the C allocator has handed out and not had back (0 in soaks before this gauge).
    #[serde(default)]
    pub allocator_in_use: u64,
    /// KiB freed to the C allocator and kept in its arenas (0 in soaks before this gauge).
    #[serde(default)]
    pub allocator_free: u64,
}

/// Counters the tasks share.
#[derive(Default)]
struct Tally {
    transfers: AtomicU64,
    reads: AtomicU64,
    notifications: AtomicU64,
    refused: AtomicU64,
    errors: std::sync::Mutex<BTreeMap<String, u64>>,
}

impl Tally {
    fn error(&self, what: &str, error: impl std::fmt::Display) {
        let mut errors = self
            .errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *errors.entry(format!("{what}: {error}")).or_default() += 1;
    }
}

/// The resident memory of process `pid`, KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow!("no VmRSS in /proc/{pid}/status"))
}

/// Recipient `i` of writer `w`: a fixed set, so the supply check knows every holder.
fn recipient(w: u32, i: u64) -> H160 {
    H160::from_low_u64_be(0x50a4_0000_0000 + (u64::from(w) << 16) + (i % 16))
}

/// Runs the soak against the node at `url` (process `pid`); `init` is the ERC-20's creation
/// code.
pub async fn run(url: &str, pid: u32, init: &[u8], load: SoakLoad) -> anyhow::Result<SoakResult> {
    let prepared = Arc::new(node_bench::prepare(url, init, load.writers.max(1)).await?);
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let mut writers = Vec::new();
    for w in 0..load.writers {
        writers.push(tokio::spawn(write(
            prepared.clone(),
            w,
            tally.clone(),
            stop.clone(),
        )));
    }
    for _ in 0..load.readers {
        tasks.push(tokio::spawn(read(
            prepared.clone(),
            tally.clone(),
            stop.clone(),
        )));
    }
    let ws_url = url.replacen("http://", "ws://", 1);
    for index in 0..load.subscribers {
        let topic = if index.is_multiple_of(2) {
            rpc_params!["newHeads"]
        } else {
            rpc_params!["logs", json!({"address": format!("{:?}", prepared.token)})]
        };
        tasks.push(tokio::spawn(subscribe(
            ws_url.clone(),
            topic,
            tally.clone(),
            stop.clone(),
        )));
    }
    if load.malformed {
        tasks.push(tokio::spawn(malformed(
            url.to_string(),
            tally.clone(),
            stop.clone(),
        )));
    }
    let mut rss = Vec::new();
    let mut store = Vec::new();
    let end = started + Duration::from_secs(load.seconds);
    while Instant::now() < end {
        let seconds = started.elapsed().as_secs_f64();
        rss.push((seconds, rss_kib(pid)?));
        match store_gauges(url).await {
            Ok(sample) => store.push(StoreSample { seconds, ..sample }),
            Err(error) => tally.error("GET /metrics", error),
        }
        tokio::time::sleep(Duration::from_secs(load.sample_seconds.max(1))).await;
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    for writer in writers {
        writer.await?;
    }
    check_supply(&prepared, load.writers, &tally).await?;
    let errors = std::mem::take(
        &mut *tally
            .errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    Ok(SoakResult {
        load: Some(load),
        rss_kib: rss,
        store_kib: store,
        transfers: tally.transfers.load(Ordering::Relaxed),
        reads: tally.reads.load(Ordering::Relaxed),
        notifications: tally.notifications.load(Ordering::Relaxed),
        refused: tally.refused.load(Ordering::Relaxed),
        errors,
    })
}

/// Submits transfers from writer `w` until told to stop, polling each receipt once.
async fn write(prepared: Arc<Prepared>, w: u32, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let (Some(account), Some(first)) = (
        prepared.accounts.get(w as usize),
        prepared.nonces.get(w as usize),
    ) else {
        return tally.error("writer", format!("no account {w}"));
    };
    let mut nonce = *first;
    while !stop.load(Ordering::Relaxed) {
        let data = abi::transfer(&recipient(w, nonce), U256::from(1 + nonce % 5));
        let sent = node_bench::sign(
            account,
            prepared.chain_id,
            nonce,
            Some(prepared.token),
            data,
        );
        let sent = match sent {
            Ok(raw) => node_bench::send(&prepared.client, &raw).await,
            Err(error) => Err(error),
        };
        match sent {
            Ok(hash) => {
                first_poll(&prepared, &hash, &tally).await;
                tally.transfers.fetch_add(1, Ordering::Relaxed);
                nonce += 1;
            }
            Err(error) => {
                // The same nonce again would only repeat the refusal.
                return tally.error("eth_sendRawTransaction", error);
            }
        }
    }
}

/// The receipt of an acknowledged transfer must be there when its sender first asks, and show
/// success.
async fn first_poll(prepared: &Prepared, hash: &str, tally: &Tally) {
    let receipt = prepared
        .client
        .request::<Value, _>("eth_getTransactionReceipt", rpc_params![hash])
        .await;
    match receipt {
        Ok(receipt) if receipt.is_null() => {
            tally.error(
                "receipt",
                "none at the first poll after the acknowledgement",
            );
        }
        Ok(receipt) if receipt.get("status").and_then(Value::as_str) != Some("0x1") => {
            tally.error("receipt", format!("{hash} failed"));
        }
        Ok(_) => {}
        Err(error) => tally.error("eth_getTransactionReceipt", error),
    }
}

/// What a wallet or dapp asks, in a loop.
async fn read(prepared: Arc<Prepared>, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let client = &prepared.client;
    let holder = format!("{:?}", prepared.holder);
    let token = format!("{:?}", prepared.token);
    let call = json!({
        "to": token,
        "data": format!("0x{}", hex::encode(abi::balance_of(&prepared.holder))),
    });
    let logs = json!({"fromBlock": "latest", "address": token});
    while !stop.load(Ordering::Relaxed) {
        let answers = [
            client
                .request::<Value, _>("eth_blockNumber", rpc_params![])
                .await,
            client
                .request::<Value, _>("eth_getBalance", rpc_params![&holder, "latest"])
                .await,
            client
                .request::<Value, _>("eth_call", rpc_params![&call, "latest"])
                .await,
            client
                .request::<Value, _>("eth_getLogs", rpc_params![&logs])
                .await,
            client
                .request::<Value, _>("eth_getBlockByNumber", rpc_params!["latest", false])
                .await,
        ];
        for answer in answers {
            match answer {
                Ok(_) => {
                    tally.reads.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => tally.error("read", error),
            }
        }
    }
}

/// Follows `topic` (new heads, or the token's logs) over WebSocket until told to stop.
async fn subscribe(
    url: String,
    topic: jsonrpsee::core::params::ArrayParams,
    tally: Arc<Tally>,
    stop: Arc<AtomicBool>,
) {
    let client = match WsClientBuilder::default().build(&url).await {
        Ok(client) => client,
        Err(error) => return tally.error("websocket", error),
    };
    let mut subscription = match client
        .subscribe::<Value, _>("eth_subscribe", topic, "eth_unsubscribe")
        .await
    {
        Ok(subscription) => subscription,
        Err(error) => return tally.error("eth_subscribe", error),
    };
    while !stop.load(Ordering::Relaxed) {
        match tokio::time::timeout(Duration::from_millis(500), subscription.next()).await {
            Ok(Some(Ok(_))) => {
                tally.notifications.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Some(Err(error))) => tally.error("notification", error),
            Ok(None) => return tally.error("subscription", "closed by the node"),
            Err(_) => {}
        }
    }
}

/// Requests a broken or hostile client sends, each of which must get an error answer.
fn malformed_bodies() -> Vec<Vec<u8>> {
    vec![
        b"{not json".to_vec(),
        br#"{"jsonrpc":"2.0","id":1,"method":"eth_noSuchMethod","params":[]}"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["0x12"]}"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":3,"method":"eth_call","params":[{"to":"0xzz"},"latest"]}"#
            .to_vec(),
        br#"[1, "two", {"id": 3}]"#.to_vec(),
        br#"{"jsonrpc":"2.0","id":4,"method":"eth_sendRawTransaction","params":["0xf8"]}"#.to_vec(),
    ]
}

/// Above the node's 5 MiB request limit; sent every [`OVERSIZED_EVERY`] rounds.
const OVERSIZED_BYTES: usize = 6 << 20;
const OVERSIZED_EVERY: u64 = 20;

/// One raw HTTP exchange: the status code of the answer.
/// The node's store and allocator gauges, in KiB.
async fn store_gauges(url: &str) -> anyhow::Result<StoreSample> {
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await??;
    let text = String::from_utf8_lossy(&answer);
    let gauge = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|value| value.trim().parse::<f64>().ok())
            .map(|value| value as u64 / 1024)
            .ok_or_else(|| anyhow::anyhow!("no {name} on /metrics"))
    };
    Ok(StoreSample {
        seconds: 0.0,
        block_cache: gauge("rewasm_store_block_cache_bytes")?,
        memtables: gauge("rewasm_store_memtables_bytes")?,
        table_readers: gauge("rewasm_store_table_readers_bytes")?,
        allocator_in_use: gauge("rewasm_allocator_in_use_bytes")?,
        allocator_free: gauge("rewasm_allocator_free_bytes")?,
    })
}

async fn post(url: &str, body: &[u8]) -> anyhow::Result<u16> {
    let address = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let head = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    // The node may answer an oversized body before reading it all, and close.
    let _ = stream.write_all(body).await;
    let mut answer = Vec::new();
    let read =
        tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut answer)).await?;
    match read {
        // Closing on a body over the limit, unread, is a refusal too.
        Err(error)
            if body.len() > OVERSIZED_BYTES / 2
                && error.kind() == std::io::ErrorKind::ConnectionReset =>
        {
            return Ok(413);
        }
        read => read?,
    };
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| anyhow!("no HTTP status in {:?}", text.get(..80)))?;
    ensure!(
        status != 200 || text.contains("\"error\""),
        "a malformed request was answered without an error: {}",
        text.get(..200).unwrap_or(&text)
    );
    Ok(status)
}

async fn malformed(url: String, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    let bodies = malformed_bodies();
    let oversized = vec![b' '; OVERSIZED_BYTES];
    let mut round = 0u64;
    while !stop.load(Ordering::Relaxed) {
        round += 1;
        let extra = round.is_multiple_of(OVERSIZED_EVERY).then_some(&oversized);
        for body in bodies.iter().chain(extra) {
            match post(&url, body).await {
                Ok(_) => {
                    tally.refused.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => tally.error("malformed request", error),
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token's supply is held by the writers and their recipients, to the unit.
async fn check_supply(prepared: &Prepared, writers: u32, tally: &Tally) -> anyhow::Result<()> {
    let mut holders: Vec<H160> = prepared.accounts.iter().map(|a| a.address).collect();
    for w in 0..writers {
        holders.extend((0..16).map(|i| recipient(w, i)));
    }
    let mut total = U256::zero();
    for holder in &holders {
        total += node_bench::balance_of(&prepared.client, &prepared.token, holder).await?;
    }
    if total != U256::from(node_bench::TOKEN_SUPPLY) {
        tally.error("supply", format!("holders have {total}"));
    }
    Ok(())
}

/// One of a [`StoreSample`]'s figures.
type Gauge = fn(&StoreSample) -> u64;

/// Plots resident memory over the run.
pub fn plot_memory(result: &SoakResult, path: &Path) -> anyhow::Result<()> {
    let mib = |kib: u64| kib as f64 / 1024.0;
    let mut series = vec![(
        "resident",
        result
            .rss_kib
            .iter()
            .map(|(at, kib)| (at / 60.0, mib(*kib)))
            .collect::<Vec<_>>(),
    )];
    let gauges: [(&str, Gauge); 5] = [
        ("RocksDB block cache", |s| s.block_cache),
        ("RocksDB memtables", |s| s.memtables),
        ("RocksDB table readers", |s| s.table_readers),
        ("malloc: in use", |s| s.allocator_in_use),
        ("malloc: freed, kept", |s| s.allocator_free),
    ];
    for (name, kib) in gauges {
        // Soaks recorded before a gauge existed have zeros for it.
        if result.store_kib.iter().any(|sample| kib(sample) > 0) {
            series.push((
                name,
                result
                    .store_kib
                    .iter()
                    .map(|sample| (sample.seconds / 60.0, mib(kib(sample))))
                    .collect(),
            ));
        }
    }
    crate::report::plot_series(
        path,
        "rewasm node --dev: resident memory under the soak",
        "minutes",
        "MiB",
        &series,
    )
}
