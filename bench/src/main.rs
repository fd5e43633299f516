//! `rewasm-bench`: the subcommands scripts/bench.sh runs. Each writes JSON; `report` turns the
//! JSON of one run into docs/BENCHMARKS.md and its plots.

use std::path::{Path, PathBuf};

use anyhow::{Context, ensure};
use clap::{Parser, Subcommand};
use rewasm_bench::artifacts::Artifacts;
use rewasm_bench::calibrate;
use rewasm_bench::machine::Machine;
use rewasm_bench::network_bench;
use rewasm_bench::node_bench::{self, Load, NodeProcess, NodeResult, free_port};
use rewasm_bench::report::{self, RunResults};
use rewasm_bench::scaling::{self, ScalePoint};
use rewasm_bench::soak::{self, SoakLoad};
use rewasm_bench::timing::Budget;
use rewasm_bench::{KernelSizes, vm_bench};
use rewasm_vm::GasSchedule;

#[derive(Parser, Debug)]
#[command(about = "rewasm against its peers: see scripts/bench.sh")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

/// Where the contracts both sides run come from, and where the results go.
#[derive(clap::Args, Debug)]
struct Inputs {
    /// Folder with erc20.deploy.wasm, kernels_contract.deploy.wasm, kernels_raw.wasm.
    #[arg(long)]
    wasm: PathBuf,
    /// bench/solidity/out.
    #[arg(long)]
    solidity: PathBuf,
    #[arg(long)]
    out: PathBuf,
}

impl Inputs {
    /// The contracts, and the results file.
    fn load(self) -> anyhow::Result<(Artifacts, PathBuf)> {
        Ok((Artifacts::load(&self.wasm, &self.solidity)?, self.out))
    }
}

/// The node load but for the number of senders.
#[derive(clap::Args, Debug, Clone, Copy)]
struct LoadArgs {
    /// Transfers in all, split between the senders.
    #[arg(long, default_value_t = 1000)]
    transfers: u32,
    /// Sequential `eth_call`s on the idle node.
    #[arg(long, default_value_t = 2000)]
    calls: u32,
    /// `eth_call`s timed while the senders saturate the node.
    #[arg(long, default_value_t = 1000)]
    busy_calls: u32,
}

impl LoadArgs {
    fn with(self, senders: u32) -> Load {
        Load {
            senders,
            transfers_per_sender: self.transfers / senders.max(1),
            calls: self.calls,
            busy_calls: self.busy_calls,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// In-process: ERC-20 vs revm, kernels vs native/wasmi/revm, per-call and metering overhead.
    Vm {
        #[command(flatten)]
        inputs: Inputs,
        /// A few iterations only (smoke run).
        #[arg(long)]
        quick: bool,
    },
    /// Gas against time: adversarial calibration cases under a schedule, revm's EVM
    /// microbenchmarks (the exchange rate), and the kernels' ns per gas.
    Calibrate {
        #[command(flatten)]
        inputs: Inputs,
        /// The schedule to check.
        #[arg(long, default_value = "v2")]
        schedule: String,
        /// Only the cases whose id contains this (and no kernels).
        #[arg(long, default_value = "")]
        only: String,
    },
    /// JSON-RPC throughput and latency of `rewasm node --dev` and anvil, at each number of
    /// concurrent senders (the first goes to node.json, the rest to node-loads.json).
    Node {
        /// The release `rewasm` binary.
        #[arg(long)]
        rewasm: PathBuf,
        /// The anvil binary.
        #[arg(long)]
        anvil: PathBuf,
        #[command(flatten)]
        inputs: Inputs,
        /// Comma-separated numbers of concurrent senders.
        #[arg(long, default_value = "4", value_delimiter = ',')]
        senders: Vec<u32>,
        #[command(flatten)]
        load: LoadArgs,
        /// Rounds at each number of senders, each on fresh nodes; each figure is the median
        /// round's (`NodeResult::median_of`), since single runs on a shared machine vary by
        /// ±30%.
        #[arg(long, default_value_t = 1)]
        rounds: u32,
    },
    /// The node load against a running node (no anvil, no files written): for profiling.
    Load {
        /// The node's JSON-RPC URL.
        #[arg(long, default_value = "http://127.0.0.1:8545")]
        url: String,
        /// The ERC-20's init code (erc20.deploy.wasm, or Solidity creation code as hex).
        #[arg(long)]
        init: PathBuf,
        #[arg(long, default_value_t = 4)]
        senders: u32,
        #[command(flatten)]
        load: LoadArgs,
    },
    /// A network of validators on this machine (`rewasm testnet`): ERC-20 transfers per
    /// second through one node, and send-to-receipt finality.
    Network {
        /// The release `rewasm` binary.
        #[arg(long)]
        rewasm: PathBuf,
        #[command(flatten)]
        inputs: Inputs,
        #[arg(long, default_value_t = 4)]
        validators: u16,
        /// Seconds between blocks.
        #[arg(long, default_value_t = 1)]
        block_time: u64,
        #[arg(long, default_value_t = 4)]
        senders: u32,
        #[arg(long, default_value_t = 250)]
        transfers: u32,
        /// Single transfers timed for finality.
        #[arg(long, default_value_t = 40)]
        samples: u32,
    },
    /// The store's block commit time at several state sizes.
    Scaling {
        #[arg(long)]
        out: PathBuf,
        /// Comma-separated account counts.
        #[arg(
            long,
            default_value = "1000,10000,100000,1000000",
            value_delimiter = ','
        )]
        accounts: Vec<u64>,
        /// Blocks measured per kind and size.
        #[arg(long, default_value_t = 20)]
        samples: u32,
        /// Accounts per filling block.
        #[arg(long, default_value_t = 100_000)]
        chunk: u64,
    },
    /// A release `rewasm node --dev` under the soak (writers, readers, WebSocket subscribers,
    /// malformed requests) with its resident memory sampled: JSON and a PNG of the curve.
    Soak {
        /// The release `rewasm` binary.
        #[arg(long)]
        rewasm: PathBuf,
        /// The ERC-20's init code (erc20.deploy.wasm).
        #[arg(long)]
        init: PathBuf,
        /// Minutes of load.
        #[arg(long, default_value_t = 30)]
        minutes: u64,
        /// Seconds between memory samples.
        #[arg(long, default_value_t = 5)]
        sample_seconds: u64,
        #[arg(long, default_value_t = SoakLoad::default().writers)]
        writers: u32,
        #[arg(long, default_value_t = SoakLoad::default().readers)]
        readers: u32,
        #[arg(long, default_value_t = SoakLoad::default().subscribers)]
        subscribers: u32,
        /// No malformed requests.
        #[arg(long)]
        well_formed: bool,
        #[arg(long)]
        out: PathBuf,
        /// The PNG of resident memory over time.
        #[arg(long)]
        plot: PathBuf,
    },
    /// docs/BENCHMARKS.md and docs/bench/*.png from a results folder.
    Report {
        /// Folder holding vm.json, node.json, scaling.json (any may be missing).
        #[arg(long)]
        results: PathBuf,
        /// The Markdown file to write.
        #[arg(long)]
        out: PathBuf,
        /// The folder for the PNGs (referenced as bench/NAME.png from the Markdown).
        #[arg(long)]
        plots: PathBuf,
        /// The command to print as the way to regenerate.
        #[arg(long, default_value = "bash scripts/bench.sh")]
        command: String,
        /// Wall-clock seconds of the run.
        #[arg(long)]
        seconds: Option<f64>,
    },
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(value)?)
        .with_context(|| format!("writing {}", path.display()))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes)
                .with_context(|| format!("parsing {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// `rewasm node --dev` then anvil under the same load; their token balances must agree.
async fn node_pair(
    rewasm: &Path,
    anvil: &Path,
    artifacts: &Artifacts,
    load: Load,
) -> anyhow::Result<Vec<NodeResult>> {
    let work = tempfile::tempdir()?;
    let mut results = Vec::new();
    {
        let node = NodeProcess::start_dev(rewasm, work.path()).await?;
        eprintln!(
            "rewasm node --dev at {} ({} senders)",
            node.url, load.senders
        );
        results.push(node_bench::run("rewasm", &node.url, &artifacts.erc20_deploy, load).await?);
    }
    {
        let port = free_port()?;
        let args = vec![
            "--port".to_string(),
            port.to_string(),
            "--host".to_string(),
            "127.0.0.1".to_string(),
        ];
        let node = NodeProcess::start(anvil, &args, port, &work.path().join("anvil.log")).await?;
        eprintln!("anvil at {} ({} senders)", node.url, load.senders);
        results.push(node_bench::run("anvil", &node.url, &artifacts.sol_erc20, load).await?);
    }
    if let [a, b] = results.as_slice() {
        ensure!(
            a.balances == b.balances,
            "token balances differ: rewasm {:?}, anvil {:?}",
            a.balances,
            b.balances
        );
    }
    Ok(results)
}

fn print_node(n: &NodeResult) {
    println!(
        "{:<8} {:>3} senders {:>8.0} tx/s   send p50 {:.0} µs   eth_call p50 {:.0} µs p99 {:.0} µs   busy p99 {:.0} µs",
        n.node,
        n.load.senders,
        n.tps,
        n.send_p(0.5),
        n.call_p(0.5),
        n.call_p(0.99),
        n.busy_call_p(0.99).unwrap_or(f64::NAN),
    );
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Vm { inputs, quick } => {
            let (artifacts, out) = inputs.load()?;
            let budget = if quick {
                Budget::quick()
            } else {
                Budget::normal()
            };
            let results = vm_bench::run(&artifacts, KernelSizes::default(), budget)?;
            for r in &results.ratios {
                println!(
                    "{:<45} {:<42} {:>8.2}x  ({} / {})",
                    r.group,
                    r.benchmark,
                    r.ratio(),
                    r.rewasm,
                    r.peer
                );
            }
            write_json(&out, &results)
        }
        Cmd::Node {
            rewasm,
            anvil,
            inputs,
            senders,
            load,
            rounds,
        } => {
            let (artifacts, out) = inputs.load()?;
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let mut levels = Vec::new();
            for &senders in &senders {
                let load = load.with(senders);
                let mut rewasm_rounds = Vec::new();
                let mut anvil_rounds = Vec::new();
                for _ in 0..rounds.max(1) {
                    let pair = runtime.block_on(node_pair(&rewasm, &anvil, &artifacts, load))?;
                    for n in &pair {
                        print_node(n);
                    }
                    let mut pair = pair.into_iter();
                    rewasm_rounds.extend(pair.next());
                    anvil_rounds.extend(pair.next());
                }
                let results: Vec<NodeResult> = [rewasm_rounds, anvil_rounds]
                    .into_iter()
                    .filter_map(NodeResult::median_of)
                    .collect();
                if rounds > 1 {
                    eprintln!("median of {rounds} rounds:");
                    for n in &results {
                        print_node(n);
                    }
                }
                levels.push(results);
            }
            let mut levels = levels.into_iter();
            write_json(&out, &levels.next().unwrap_or_default())?;
            let more: Vec<NodeResult> = levels.flatten().collect();
            write_json(&out.with_file_name("node-loads.json"), &more)
        }
        Cmd::Load {
            url,
            init,
            senders,
            load,
        } => {
            let init =
                std::fs::read(&init).with_context(|| format!("reading {}", init.display()))?;
            let load = load.with(senders);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let result = runtime.block_on(node_bench::run("node", &url, &init, load))?;
            print_node(&result);
            Ok(())
        }
        Cmd::Network {
            rewasm,
            inputs,
            validators,
            block_time,
            senders,
            transfers,
            samples,
        } => {
            let (artifacts, out) = inputs.load()?;
            let load = Load {
                senders,
                transfers_per_sender: transfers,
                calls: 100,
                busy_calls: 0,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let result = runtime.block_on(network_bench::run(
                &rewasm,
                &artifacts.erc20_deploy,
                validators,
                block_time,
                load,
                samples,
            ))?;
            println!(
                "{} validators: {:.0} tx/s, finality p50 {:.0} ms p99 {:.0} ms, agreed to height {}",
                result.validators,
                result.throughput.tps,
                result.finality_p(0.5),
                result.finality_p(0.99),
                result.agreed_height
            );
            write_json(&out, &result)
        }
        Cmd::Scaling {
            out,
            accounts,
            samples,
            chunk,
        } => {
            let mut points: Vec<ScalePoint> = Vec::new();
            for n in accounts {
                let dir = tempfile::tempdir()?;
                let p = scaling::measure_point(dir.path(), n, chunk.max(1), samples)?;
                println!(
                    "{:>8} accounts: filled in {:.1} s; 1-account block {:.2} ms (p90 {:.2}), \
                     100-account block {:.2} ms (p90 {:.2}), {} trie reads",
                    p.accounts,
                    p.fill_seconds,
                    p.one_account_ms,
                    p.one_account_p90_ms,
                    p.hundred_accounts_ms,
                    p.hundred_accounts_p90_ms,
                    p.trie_reads_one
                );
                points.push(p);
                // Written after every size, so a partial run still reports.
                write_json(&out, &points)?;
            }
            Ok(())
        }
        Cmd::Calibrate {
            inputs,
            schedule,
            only,
        } => {
            let (artifacts, out) = inputs.load()?;
            let Some(schedule) = GasSchedule::by_name(&schedule) else {
                anyhow::bail!("unknown schedule {schedule:?}");
            };
            let calibration = calibrate::run(&artifacts, schedule, &only)?;
            let summary = calibration.summary();
            println!("{summary:#?}");
            write_json(&out, &calibration)
        }
        Cmd::Soak {
            rewasm,
            init,
            minutes,
            sample_seconds,
            writers,
            readers,
            subscribers,
            well_formed,
            out,
            plot,
        } => {
            let init =
                std::fs::read(&init).with_context(|| format!("reading {}", init.display()))?;
            let load = SoakLoad {
                writers,
                readers,
                subscribers,
                malformed: !well_formed,
                seconds: minutes * 60,
                sample_seconds,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?;
            let result = runtime.block_on(async {
                let work = tempfile::tempdir()?;
                let node = NodeProcess::start_dev(&rewasm, work.path()).await?;
                soak::run(&node.url, node.pid(), &init, load).await
            })?;
            report::register_font()?;
            soak::plot_memory(&result, &plot)?;
            let mib = |kib: Option<u64>| kib.map_or(f64::NAN, |kib| kib as f64 / 1024.0);
            println!(
                "soak: {} transfers, {} reads, {} notifications, {} malformed refused; RSS {:.0} MiB at 5 min, {:.0} MiB at the end; errors {:?}",
                result.transfers,
                result.reads,
                result.notifications,
                result.refused,
                mib(result.rss_at(300.0)),
                mib(result.rss_kib.last().map(|(_, kib)| *kib)),
                result.errors
            );
            write_json(&out, &result)?;
            ensure!(
                result.errors.is_empty(),
                "the soak saw errors: {:?}",
                result.errors
            );
            Ok(())
        }
        Cmd::Report {
            results,
            out,
            plots,
            command,
            seconds,
        } => {
            let run = RunResults {
                machine: Machine::detect(),
                command,
                seconds,
                vm: read_json(&results.join("vm.json"))?,
                nodes: read_json(&results.join("node.json"))?.unwrap_or_default(),
                node_loads: read_json(&results.join("node-loads.json"))?.unwrap_or_default(),
                scaling: read_json(&results.join("scaling.json"))?.unwrap_or_default(),
                calibration: read_json(&results.join("calibration.json"))?,
                network: read_json(&results.join("network.json"))?,
            };
            std::fs::create_dir_all(&plots)?;
            report::register_font()?;
            if !run.scaling.is_empty() {
                report::plot_scaling(&run.scaling, &plots.join("scaling.png"))?;
            }
            if !run.nodes.is_empty() {
                report::plot_latency(&run.nodes, &plots.join("latency.png"))?;
            }
            write_json(&results.join("run.json"), &run)?;
            std::fs::write(&out, report::markdown(&run))
                .with_context(|| format!("writing {}", out.display()))?;
            println!("wrote {}", out.display());
            Ok(())
        }
    }
}
