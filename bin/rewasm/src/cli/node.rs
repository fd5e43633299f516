//! `rewasm node`: runs a node — the chain in a data folder, the miner, and the JSON-RPC server —
//! until Ctrl-C or SIGTERM, then shuts down cleanly (exit 0).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rewasm_consensus::gossip;
use rewasm_consensus::keys::{self, KeyFile};
use rewasm_consensus::{Consensus, EngineConfig, Fault, Multiaddr, lan_timeouts, multiaddr};
use rewasm_node::chain::CallLimits;
use rewasm_node::genesis::Genesis;
use rewasm_node::node::{Mining, NodeLimits, StoreMemory};
use rewasm_node::pool::{
    DEFAULT_ACCOUNT_QUEUE, DEFAULT_ACCOUNT_SLOTS, DEFAULT_GLOBAL_QUEUE, DEFAULT_GLOBAL_SLOTS,
    DEFAULT_PRICE_BUMP_PERCENT, DEFAULT_PRICE_LIMIT, PoolLimits,
};
use rewasm_node::rpc::http::DEFAULT_VHOSTS;
use rewasm_node::rpc::{CorsOrigins, DEFAULT_GAS_CAP, LogLimits, RpcConfig, VirtualHosts};
use rewasm_node::service::{Service, ServiceConfig, shutdown_signal};
use rewasm_vm::WarmLimits;

/// How the node writes its logs (read by `main` before tracing starts; here for `--help` and
/// validation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Help text after the options.
pub(super) const AFTER_HELP: &str = "\
The data folder defaults to $XDG_DATA_HOME/rewasm, or $HOME/.local/share/rewasm when
XDG_DATA_HOME is not set (./rewasm-data when neither is). Without --config the node runs the
built-in dev chain (chain id 31337; the ten accounts of the mnemonic \"test test test test test
test test test test test test junk\" hold 10 000 ETH each).

Blocks are sealed as soon as a transaction arrives (transactions arriving meanwhile share the
next block), or every S seconds with --block-time.

With --validator-key or --peers the node joins a network instead (docs/NETWORK.md): --config
names its genesis, whose \"validators\" list the validators' public keys and voting powers, and
blocks are proposed and decided by Malachite BFT among them. Consensus listens on
--p2p.addr:--p2p.port and transaction gossip on the next port; --peers lists the other nodes'
consensus addresses. `rewasm testnet` starts such a network on this machine.

The transaction pool takes geth's --txpool.* limits: transactions tipping less than
--txpool.pricelimit wei are refused; executable ones must also cover the next base fee. When its
slots are full a transaction that pays more evicts the cheapest one (gapped ones first), others
are refused (\"transaction underpriced\"); gapped transactions are dropped after
--txpool.lifetime without a new transaction from their sender.

JSON-RPC (HTTP and WebSocket) listens on --http.addr:--http.port; Prometheus metrics are at
GET /metrics on the same port. Requests naming a host outside --http.vhosts get 403. Logs go to stderr at info level (REWASM_LOG overrides, e.g.
REWASM_LOG=debug). Ctrl-C or SIGTERM stops the node cleanly (exit 0).";

/// Arguments of `rewasm node`.
#[derive(Debug, Args)]
pub(super) struct NodeArgs {
    /// Run the built-in dev chain (the default when --config is not given).
    #[arg(long, conflicts_with = "config")]
    dev: bool,
    /// Genesis file (JSON: chainId, gasSchedule, gasLimit, timestamp, alloc).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data folder [default: $XDG_DATA_HOME/rewasm or $HOME/.local/share/rewasm].
    #[arg(long, value_name = "DIR")]
    datadir: Option<PathBuf>,
    /// Address the JSON-RPC server listens on.
    #[arg(long = "http.addr", value_name = "ADDR", default_value = "127.0.0.1")]
    http_addr: IpAddr,
    /// Port of the JSON-RPC server (0: any free port).
    #[arg(long = "http.port", value_name = "PORT", default_value_t = 8545)]
    http_port: u16,
    /// Host names the JSON-RPC server accepts in a request's Host header, comma-separated
    /// ("*": any). IP addresses are always accepted. Guards against DNS rebinding.
    #[arg(long = "http.vhosts", value_name = "HOSTS", default_value = DEFAULT_VHOSTS)]
    http_vhosts: String,
    /// Origins a browser page may call the node from, comma-separated ("*": any; ""
    /// none) [default: "*" on the dev chain, none with --config].
    #[arg(long = "http.corsdomain", value_name = "ORIGINS")]
    http_corsdomain: Option<String>,
    /// Most gas an eth_call or eth_estimateGas runs with (0: only the block gas limit).
    #[arg(long = "rpc.gascap", value_name = "GAS", default_value_t = DEFAULT_GAS_CAP)]
    rpc_gascap: u64,
    /// Wall-clock limit of one eth_call, or of one eth_estimateGas with all its trial runs,
    /// waiting for an executor included (e.g. 5s, 500ms).
    #[arg(long = "rpc.evmtimeout", value_name = "DURATION", default_value = "5s", value_parser = go_duration)]
    rpc_evmtimeout: Duration,
    /// Most calls in one JSON-RPC batch (geth's flag); a larger batch is refused (-32010).
    #[arg(long = "rpc.batch-request-limit", value_name = "N", default_value_t = RpcConfig::default().max_batch, value_parser = clap::value_parser!(u32).range(1..))]
    rpc_batch_request_limit: u32,
    /// Largest HTTP request body or WebSocket message, MiB (HTTP 413 / -32007 beyond).
    #[arg(long = "rpc.max-request-size", value_name = "MIB", default_value_t = RpcConfig::default().max_request_body_bytes >> 20, value_parser = clap::value_parser!(u32).range(1..4096))]
    rpc_max_request_size: u32,
    /// Largest response, MiB (a larger one is an error instead).
    #[arg(long = "rpc.max-response-size", value_name = "MIB", default_value_t = RpcConfig::default().max_response_body_bytes >> 20, value_parser = clap::value_parser!(u32).range(1..4096))]
    rpc_max_response_size: u32,
    /// Most simultaneous HTTP and WebSocket connections; more are refused at accept.
    #[arg(long = "rpc.max-connections", value_name = "N", default_value_t = RpcConfig::default().max_connections, value_parser = clap::value_parser!(u32).range(1..))]
    rpc_max_connections: u32,
    /// Most subscriptions one WebSocket connection may hold.
    #[arg(long = "ws.max-subscriptions", value_name = "N", default_value_t = RpcConfig::default().max_subscriptions_per_connection, value_parser = clap::value_parser!(u32).range(1..))]
    ws_max_subscriptions: u32,
    /// Most filters installed at once (eth_newFilter and friends).
    #[arg(long = "rpc.max-filters", value_name = "N", default_value_t = RpcConfig::default().max_filters, value_parser = positive)]
    rpc_max_filters: usize,
    /// How long a filter nobody polls lives (e.g. 5m0s).
    #[arg(long = "rpc.filter-timeout", value_name = "DURATION", default_value = "5m0s", value_parser = go_duration)]
    rpc_filter_timeout: Duration,
    /// Most blocks one eth_getLogs (or log filter) may span.
    #[arg(long = "rpc.logs-max-range", value_name = "BLOCKS", default_value_t = LogLimits::default().max_block_range, value_parser = clap::value_parser!(u64).range(1..))]
    rpc_logs_max_range: u64,
    /// Most logs one eth_getLogs may return.
    #[arg(long = "rpc.logs-max-results", value_name = "N", default_value_t = LogLimits::default().max_results, value_parser = positive)]
    rpc_logs_max_results: usize,
    /// eth_call and eth_estimateGas executing at once; more wait [default: the number of CPUs,
    /// at least 2].
    #[arg(long = "rpc.executors", value_name = "N", value_parser = positive)]
    rpc_executors: Option<usize>,
    /// Idle warm contract instances kept for reuse, all contracts together (0: none; every
    /// call instantiates afresh).
    #[arg(long = "vm.warm-instances", value_name = "N", default_value_t = WarmLimits::default().total)]
    vm_warm_instances: usize,
    /// Idle warm instances kept per contract.
    #[arg(long = "vm.warm-per-contract", value_name = "N", default_value_t = WarmLimits::default().per_module)]
    vm_warm_per_contract: usize,
    /// Initial memory of all idle warm instances together, in MiB.
    #[arg(long = "vm.warm-memory", value_name = "MIB", default_value_t = WarmLimits::default().total_memory_bytes >> 20)]
    vm_warm_memory: u64,
    /// The store's block cache, shared by every column family, in MiB.
    #[arg(long = "db.cache", value_name = "MIB", default_value_t = StoreMemory::default().cache_bytes >> 20)]
    db_cache: usize,
    /// The store's memtables together, in MiB (past it the largest is flushed to disk).
    #[arg(long = "db.write-buffer", value_name = "MIB", default_value_t = (StoreMemory::default().write_buffer_bytes >> 20) as u64, value_parser = clap::value_parser!(u64).range(1..))]
    db_write_buffer: u64,
    /// Seal a block every S seconds, empty or not, instead of one as soon as a transaction
    /// arrives. In a network: the least time between two blocks [default: 1].
    #[arg(long = "block-time", value_name = "S", value_parser = clap::value_parser!(u64).range(1..))]
    block_time: Option<u64>,
    /// Minimum tip (a legacy transaction's gas price) in wei to accept a transaction.
    #[arg(
        long = "txpool.pricelimit",
        value_name = "WEI",
        default_value_t = DEFAULT_PRICE_LIMIT,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    txpool_pricelimit: u64,
    /// Percentage by which a replacement must raise both fees.
    #[arg(
        long = "txpool.pricebump",
        value_name = "PERCENT",
        default_value_t = DEFAULT_PRICE_BUMP_PERCENT,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    txpool_pricebump: u64,
    /// Executable transactions guaranteed per sender.
    #[arg(long = "txpool.accountslots", value_name = "N", default_value_t = DEFAULT_ACCOUNT_SLOTS, value_parser = positive)]
    txpool_accountslots: usize,
    /// Executable transactions in all.
    #[arg(long = "txpool.globalslots", value_name = "N", default_value_t = DEFAULT_GLOBAL_SLOTS, value_parser = positive)]
    txpool_globalslots: usize,
    /// Transactions behind a nonce gap per sender.
    #[arg(long = "txpool.accountqueue", value_name = "N", default_value_t = DEFAULT_ACCOUNT_QUEUE, value_parser = positive)]
    txpool_accountqueue: usize,
    /// Transactions behind a nonce gap in all.
    #[arg(long = "txpool.globalqueue", value_name = "N", default_value_t = DEFAULT_GLOBAL_QUEUE, value_parser = positive)]
    txpool_globalqueue: usize,
    /// How long a sender's gapped transactions stay after its last accepted transaction
    /// (e.g. 3h, 90m, 1h30m0s).
    #[arg(long = "txpool.lifetime", value_name = "DURATION", default_value = "3h0m0s", value_parser = go_duration)]
    txpool_lifetime: Duration,
    /// Take part in a network (--config names its genesis and validators) as the validator
    /// whose key is in FILE (written by `rewasm key` or `rewasm testnet`).
    #[arg(long = "validator-key", value_name = "FILE", requires = "config")]
    validator_key: Option<PathBuf>,
    /// The other nodes of the network, comma-separated multiaddrs of their consensus port
    /// (e.g. /ip4/10.0.0.2/tcp/26656). With peers and no --validator-key, the node follows the
    /// network as a full node.
    #[arg(
        long,
        value_name = "MULTIADDRS",
        value_delimiter = ',',
        requires = "config"
    )]
    peers: Vec<Multiaddr>,
    /// Address consensus and transaction gossip listen on, in a network.
    #[arg(long = "p2p.addr", value_name = "ADDR", default_value = "0.0.0.0")]
    p2p_addr: IpAddr,
    /// Consensus port, in a network; transaction gossip listens on the next one.
    #[arg(long = "p2p.port", value_name = "PORT", default_value_t = DEFAULT_P2P_PORT)]
    p2p_port: u16,
    /// Test-only misbehaviour of a validator (debug builds only).
    #[cfg(debug_assertions)]
    #[arg(long, hide = true, value_enum)]
    fault: Option<FaultArg>,
    /// Log format.
    #[arg(
        long = "log-format",
        value_name = "FORMAT",
        value_enum,
        default_value_t
    )]
    log_format: LogFormat,
}

/// The default consensus port of a network node.
pub(super) const DEFAULT_P2P_PORT: u16 = 26656;

/// A test-only misbehaviour (`--fault`).
#[cfg(debug_assertions)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FaultArg {
    /// Propose blocks with a wrong state root.
    WrongStateRoot,
}

impl NodeArgs {
    /// Whether the node joins a network rather than run a dev chain alone.
    fn in_network(&self) -> bool {
        self.validator_key.is_some() || !self.peers.is_empty()
    }

    #[cfg(debug_assertions)]
    fn fault(&self) -> Option<Fault> {
        self.fault
            .map(|FaultArg::WrongStateRoot| Fault::WrongStateRoot)
    }

    #[cfg(not(debug_assertions))]
    fn fault(&self) -> Option<Fault> {
        None
    }

    /// How the node takes part in consensus.
    fn engine_config(&self, genesis: &Genesis, datadir: &Path) -> anyhow::Result<EngineConfig> {
        let validators = keys::validator_set(genesis)?;
        let key = self
            .validator_key
            .as_deref()
            .map(KeyFile::load)
            .transpose()?;
        let listen = tcp_multiaddr(self.p2p_addr, self.p2p_port);
        let gossip_port = self
            .p2p_port
            .checked_add(1)
            .context("--p2p.port leaves no port for transaction gossip")?;
        let gossip_peers = self
            .peers
            .iter()
            .map(|peer| {
                gossip::address_of(peer).with_context(|| {
                    format!("peer {peer} is not /ip4/ADDR/tcp/PORT (or ip6, dns) below port 65535")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(EngineConfig {
            moniker: format!("rewasm-{}", self.p2p_port),
            chain_id: genesis.chain_id,
            validators,
            key,
            listen,
            peers: self.peers.clone(),
            gossip_listen: tcp_multiaddr(self.p2p_addr, gossip_port),
            gossip_peers,
            wal_dir: datadir.join("consensus"),
            block_time: Duration::from_secs(self.block_time.unwrap_or(1)),
            timeouts: lan_timeouts(),
            fault: self.fault(),
        })
    }
}

/// `/ip4/ADDR/tcp/PORT` (or `/ip6/...`).
pub(super) fn tcp_multiaddr(addr: IpAddr, port: u16) -> Multiaddr {
    Multiaddr::empty()
        .with(addr.into())
        .with(multiaddr::Protocol::Tcp(port))
}

/// Runs the node until a shutdown signal.
pub(super) fn run(args: &NodeArgs) -> anyhow::Result<ExitCode> {
    crate::malloc::start_trimming();
    let genesis = match (&args.config, args.dev) {
        (Some(path), false) => Genesis::load(path)?,
        _ => Genesis::dev()?,
    };
    // A dev chain (the built-in one, or a genesis with devMode): its accounts' keys are
    // public and impersonated transactions are valid, so the node signs with them, lets any
    // web page call it, as anvil does, and serves the chain-control methods. None of that
    // belongs on a network.
    let dev_chain = genesis.dev_mode;
    if dev_chain && args.in_network() {
        anyhow::bail!(
            "a dev chain (the built-in one, or a genesis with \"devMode\": true) cannot join a \
             network: give the network's genesis with --config (see `rewasm testnet`)"
        );
    }
    let datadir = args.datadir.clone().unwrap_or_else(super::default_datadir);
    let network = if args.in_network() {
        Some(args.engine_config(&genesis, &datadir)?)
    } else {
        None
    };
    let mining = match (&network, args.block_time) {
        (Some(_), _) => Mining::Consensus,
        (None, None) => Mining::Instant,
        (None, Some(seconds)) => Mining::Interval(Duration::from_secs(seconds)),
    };
    let config = ServiceConfig {
        datadir,
        genesis,
        mining,
        rpc: RpcConfig {
            addr: SocketAddr::new(args.http_addr, args.http_port),
            gas_cap: args.rpc_gascap,
            vhosts: VirtualHosts::parse(&args.http_vhosts),
            dev_chain,
            cors: match &args.http_corsdomain {
                Some(list) => CorsOrigins::parse(list),
                None if dev_chain => CorsOrigins::Any,
                None => CorsOrigins::None,
            },
            max_request_body_bytes: args.rpc_max_request_size << 20,
            max_response_body_bytes: args.rpc_max_response_size << 20,
            max_batch: args.rpc_batch_request_limit,
            max_connections: args.rpc_max_connections,
            max_subscriptions_per_connection: args.ws_max_subscriptions,
            logs: LogLimits {
                max_block_range: args.rpc_logs_max_range,
                max_results: args.rpc_logs_max_results,
            },
            filter_timeout: args.rpc_filter_timeout,
            max_filters: args.rpc_max_filters,
        },
        limits: NodeLimits {
            pool: PoolLimits {
                price_limit: args.txpool_pricelimit.into(),
                price_bump_percent: args.txpool_pricebump,
                account_slots: args.txpool_accountslots,
                global_slots: args.txpool_globalslots,
                account_queue: args.txpool_accountqueue,
                global_queue: args.txpool_globalqueue,
                lifetime: args.txpool_lifetime,
            },
            calls: CallLimits {
                timeout: args.rpc_evmtimeout,
                executors: args
                    .rpc_executors
                    .unwrap_or(CallLimits::default().executors),
            },
            warm: WarmLimits {
                per_module: args.vm_warm_per_contract,
                total: args.vm_warm_instances,
                total_memory_bytes: args.vm_warm_memory.saturating_mul(1 << 20),
            },
            store: StoreMemory {
                cache_bytes: args.db_cache.saturating_mul(1 << 20),
                write_buffer_bytes: usize::try_from(args.db_write_buffer.saturating_mul(1 << 20))
                    .unwrap_or(usize::MAX),
                ..StoreMemory::default()
            },
        },
    };
    tracing::info!(
        datadir = %config.datadir.display(),
        chain_id = config.genesis.chain_id,
        log_format = ?args.log_format,
        "starting node"
    );
    let runtime = rewasm_node::service::runtime().context("starting the async runtime")?;
    let failed = runtime.block_on(async {
        let service = Service::start(config).await?;
        let Some(network) = network else {
            shutdown_signal().await;
            service.shutdown().await;
            return anyhow::Ok(false);
        };
        tracing::info!(
            validator = network.key.is_some(),
            listen = %network.listen,
            peers = network.peers.len(),
            "joining the network"
        );
        let mut consensus = match Consensus::start(Arc::clone(service.node()), network).await {
            Ok(consensus) => consensus,
            Err(error) => {
                service.shutdown().await;
                return Err(error.into());
            }
        };
        let failed = tokio::select! {
            () = shutdown_signal() => false,
            () = consensus.stopped() => {
                tracing::error!("the consensus engine stopped; shutting the node down");
                true
            }
        };
        consensus.stop().await;
        service.shutdown().await;
        anyhow::Ok(failed)
    })?;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A count of at least 1.
fn positive(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(error) => Err(error.to_string()),
    }
}

/// A positive duration in Go's notation, as geth's flags take it: numbers with units `h`, `m`,
/// `s` or `ms`, e.g. `3h0m0s`, `90m`, `1h30m`.
fn go_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("invalid duration {text:?} (use e.g. 3h, 90m, 1h30m0s)");
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        let number: u64 = number.parse().map_err(|_| invalid())?;
        let units = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(units);
        let part = match unit {
            "h" => number.checked_mul(3600).map(Duration::from_secs),
            "m" => number.checked_mul(60).map(Duration::from_secs),
            "s" => Some(Duration::from_secs(number)),
            "ms" => Some(Duration::from_millis(number)),
            _ => None,
        };
        total = part
            .and_then(|part| total.checked_add(part))
            .ok_or_else(invalid)?;
        rest = tail;
    }
    if total.is_zero() {
        return Err(invalid());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("3h0m0s"), Ok(Duration::from_secs(3 * 3600)));
        assert_eq!(go_duration("90m"), Ok(Duration::from_secs(5400)));
        assert_eq!(go_duration("1h30m15s"), Ok(Duration::from_secs(5415)));
        assert_eq!(go_duration("250ms"), Ok(Duration::from_millis(250)));
        for bad in [
            "",
            "0s",
            "3",
            "h",
            "3d",
            "1.5h",
            "-1h",
            "99999999999999999999h",
        ] {
            assert!(go_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_filter_timeout_flag_defaults_to_the_node_s_default() {
        assert_eq!(go_duration("5m0s"), Ok(rewasm_node::rpc::FILTER_TIMEOUT));
    }

    #[test]
    fn positive_counts() {
        assert_eq!(positive("16"), Ok(16));
        assert!(positive("0").is_err());
        assert!(positive("-1").is_err());
    }
}
