//! `rewasm key` (a new validator key file) and `rewasm testnet` (a network of validators on
//! this machine: keys, a genesis, each node's command line, and the nodes themselves).

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use rewasm_consensus::keys::{KeyFile, genesis_validator};
use rewasm_consensus::signing::PrivateKey;
use rewasm_node::genesis::Genesis;
use rewasm_node::service::shutdown_signal;

use super::node::{DEFAULT_P2P_PORT, tcp_multiaddr};

/// Arguments of `rewasm key`.
#[derive(Debug, Args)]
pub(super) struct KeyArgs {
    /// Where to write the key file (an existing file is never overwritten).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// Writes a new validator key and prints its address and public key.
pub(super) fn key(args: &KeyArgs) -> anyhow::Result<ExitCode> {
    if args.out.exists() {
        bail!("{} exists: choose another file", args.out.display());
    }
    let file = KeyFile::of(&PrivateKey::generate());
    file.write(&args.out)?;
    println!("address     {}", file.address);
    println!("public key  {}", file.public_key);
    println!("written to  {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `rewasm testnet`.
#[derive(Debug, Args)]
pub(super) struct TestnetArgs {
    /// Number of validators.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=32))]
    validators: u16,
    /// Folder of the network: genesis.json, and per node nodeI/ with its key, its command line,
    /// its data folder and its log. Reused when it already holds a network.
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// JSON-RPC port of node 0; node I listens on this plus I.
    #[arg(long = "http.port", value_name = "PORT", default_value_t = 8545)]
    http_port: u16,
    /// Consensus port of node 0; node I uses this plus 2·I (and the next port for gossip).
    #[arg(long = "p2p.port", value_name = "PORT", default_value_t = DEFAULT_P2P_PORT)]
    p2p_port: u16,
    /// The least time between two blocks, in seconds.
    #[arg(long = "block-time", value_name = "S", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    block_time: u64,
    /// Write the keys, the genesis and the command lines, then exit without starting nodes.
    #[arg(long)]
    init_only: bool,
}

/// One node of the test network.
struct TestnetNode {
    dir: PathBuf,
    http_port: u16,
    p2p_port: u16,
}

impl TestnetArgs {
    fn nodes(&self) -> anyhow::Result<Vec<TestnetNode>> {
        (0..self.validators)
            .map(|index| {
                let http_port = self.http_port.checked_add(index);
                let p2p_port = self
                    .p2p_port
                    .checked_add(index.saturating_mul(2))
                    .filter(|port| *port < u16::MAX);
                match (http_port, p2p_port) {
                    (Some(http_port), Some(p2p_port)) => Ok(TestnetNode {
                        dir: self.dir.join(format!("node{index}")),
                        http_port,
                        p2p_port,
                    }),
                    _ => bail!("node {index}'s ports would be above 65535"),
                }
            })
            .collect()
    }
}

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// The genesis file's path.
fn genesis_path(dir: &Path) -> PathBuf {
    dir.join("genesis.json")
}

/// Writes keys and the genesis (the dev chain's accounts, the validators with one vote each),
/// unless the folder already holds them.
fn init(args: &TestnetArgs, nodes: &[TestnetNode]) -> anyhow::Result<()> {
    let genesis_file = genesis_path(&args.dir);
    if genesis_file.exists() {
        let genesis = Genesis::load(&genesis_file)?;
        if genesis.validators.len() != nodes.len() {
            bail!(
                "{} holds a network of {} validators, not {}: use another --dir",
                args.dir.display(),
                genesis.validators.len(),
                nodes.len()
            );
        }
        return Ok(());
    }
    // The dev chain's accounts and parameters, under the rules of a network.
    let mut genesis = Genesis {
        dev_mode: false,
        ..Genesis::dev()?
    };
    for node in nodes {
        std::fs::create_dir_all(&node.dir)
            .with_context(|| format!("creating {}", node.dir.display()))?;
        let key = PrivateKey::generate();
        KeyFile::of(&key).write(&node.dir.join("key.json"))?;
        genesis
            .validators
            .push(genesis_validator(&key.public_key(), 1));
    }
    let text = serde_json::to_string_pretty(&genesis).context("encoding the genesis")?;
    std::fs::write(&genesis_file, text + "\n")
        .with_context(|| format!("writing {}", genesis_file.display()))?;
    Ok(())
}

/// The command line of `node`, whose peers are the other `nodes`.
fn node_args(args: &TestnetArgs, node: &TestnetNode, nodes: &[TestnetNode]) -> Vec<String> {
    let peers: Vec<String> = nodes
        .iter()
        .filter(|peer| peer.p2p_port != node.p2p_port)
        .map(|peer| tcp_multiaddr(LOCALHOST, peer.p2p_port).to_string())
        .collect();
    let path = |path: PathBuf| path.display().to_string();
    let mut line = vec![
        "node".to_string(),
        "--config".to_string(),
        path(genesis_path(&args.dir)),
        "--datadir".to_string(),
        path(node.dir.join("data")),
        "--validator-key".to_string(),
        path(node.dir.join("key.json")),
        "--http.port".to_string(),
        node.http_port.to_string(),
        "--p2p.addr".to_string(),
        LOCALHOST.to_string(),
        "--p2p.port".to_string(),
        node.p2p_port.to_string(),
        "--block-time".to_string(),
        args.block_time.to_string(),
    ];
    if !peers.is_empty() {
        line.push("--peers".to_string());
        line.push(peers.join(","));
    }
    line
}

/// Writes the network and, unless `--init-only`, runs its nodes until Ctrl-C or SIGTERM.
pub(super) fn testnet(args: &TestnetArgs) -> anyhow::Result<ExitCode> {
    let nodes = args.nodes()?;
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    let dir = args
        .dir
        .canonicalize()
        .with_context(|| format!("resolving {}", args.dir.display()))?;
    let args = TestnetArgs {
        dir,
        init_only: args.init_only,
        ..*args
    };
    init(&args, &nodes)?;
    let program = std::env::current_exe().context("finding the rewasm binary")?;
    let lines: Vec<Vec<String>> = nodes
        .iter()
        .map(|node| node_args(&args, node, &nodes))
        .collect();
    for (node, line) in nodes.iter().zip(&lines) {
        std::fs::create_dir_all(&node.dir)?;
        let command = std::iter::once(program.display().to_string())
            .chain(line.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ");
        std::fs::write(node.dir.join("command"), command + "\n")?;
    }
    println!("network in {}", args.dir.display());
    if args.init_only {
        for node in &nodes {
            println!("  {}/command", node.dir.display());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut children = Vec::new();
    for (node, line) in nodes.iter().zip(&lines) {
        let log = node.dir.join("node.log");
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(&program)
            .args(line)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", node.dir.display()))?;
        children.push(child);
    }
    for (index, (node, child)) in nodes.iter().zip(&children).enumerate() {
        println!(
            "node {index}  rpc http://127.0.0.1:{}  pid {}  log {}",
            node.http_port,
            child.id(),
            node.dir.join("node.log").display()
        );
    }
    println!("Ctrl-C stops them all");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(shutdown_signal());
    let clean = stop_all(&mut children);
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Asks every node to stop (SIGTERM; Ctrl-C in a terminal has already reached them), waits up
/// to 30 s, then kills those still running. True when all stopped cleanly.
fn stop_all(children: &mut [Child]) -> bool {
    for child in children.iter() {
        // A node Ctrl-C already stopped is gone: the signal then fails harmlessly.
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .stderr(Stdio::null())
            .status();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut clean = true;
    for child in children.iter_mut() {
        loop {
            match child.try_wait() {
                Ok(Some(status)) => {
                    clean &= status.success();
                    break;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    clean = false;
                    break;
                }
            }
        }
    }
    println!("all nodes stopped");
    clean
}
