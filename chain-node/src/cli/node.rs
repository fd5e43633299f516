//! `rewasm node`: runs a node — the chain in a data folder, the miner, and the JSON-RPC server —
//! until Ctrl-C or SIGTERM, then shuts down cleanly (exit 0).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use rewasm_node::genesis::Genesis;
use rewasm_node::node::Mining;
use rewasm_node::node::service::{Service, ServiceConfig, shutdown_signal};
use rewasm_node::rpc::http::DEFAULT_VHOSTS;
use rewasm_node::rpc::{DEFAULT_GAS_CAP, RpcConfig, VirtualHosts};

/// How the node writes its logs (read by `main` before tracing starts; here for `--help` and
/// validation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Help text after the options.
pub const AFTER_HELP: &str = "\
The data folder defaults to $XDG_DATA_HOME/rewasm, or $HOME/.local/share/rewasm when
XDG_DATA_HOME is not set (./rewasm-data when neither is). Without --config the node runs the
built-in dev chain (chain id 31337; the ten accounts of the mnemonic \"test test test test test
test test test test test test junk\" hold 10 000 ETH each).

Blocks are sealed as soon as a transaction arrives (transactions arriving meanwhile share the
next block), or every S seconds with --block-time.

JSON-RPC (HTTP and WebSocket) listens on --http.addr:--http.port; Prometheus metrics are at
GET /metrics on the same port. Requests naming a host outside --http.vhosts get 403. Logs go to stderr at info level (REWASM_LOG overrides, e.g.
REWASM_LOG=debug). Ctrl-C or SIGTERM stops the node cleanly (exit 0).";

/// Arguments of `rewasm node`.
#[derive(Debug, Args)]
pub struct NodeArgs {
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
    /// Most gas an eth_call or eth_estimateGas runs with (0: only the block gas limit).
    #[arg(long = "rpc.gascap", value_name = "GAS", default_value_t = DEFAULT_GAS_CAP)]
    rpc_gascap: u64,
    /// Seal a block every S seconds, empty or not, instead of one as soon as a transaction
    /// arrives.
    #[arg(long = "block-time", value_name = "S", value_parser = clap::value_parser!(u64).range(1..))]
    block_time: Option<u64>,
    /// Log format.
    #[arg(
        long = "log-format",
        value_name = "FORMAT",
        value_enum,
        default_value_t
    )]
    log_format: LogFormat,
}

/// Runs the node until a shutdown signal.
pub fn run(args: &NodeArgs) -> anyhow::Result<ExitCode> {
    let genesis = match (&args.config, args.dev) {
        (Some(path), false) => Genesis::load(path)?,
        _ => Genesis::dev()?,
    };
    let datadir = args.datadir.clone().unwrap_or_else(super::default_datadir);
    let config = ServiceConfig {
        datadir,
        genesis,
        mining: args.block_time.map_or(Mining::Instant, |seconds| {
            Mining::Interval(Duration::from_secs(seconds))
        }),
        rpc: RpcConfig {
            addr: SocketAddr::new(args.http_addr, args.http_port),
            gas_cap: args.rpc_gascap,
            vhosts: VirtualHosts::parse(&args.http_vhosts),
            ..RpcConfig::default()
        },
    };
    tracing::info!(
        datadir = %config.datadir.display(),
        chain_id = config.genesis.chain_id,
        log_format = ?args.log_format,
        "starting node"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let service = Service::start(config).await?;
        shutdown_signal().await;
        service.shutdown().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
