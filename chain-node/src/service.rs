//! A running node: the chain opened, the miner started, the JSON-RPC server listening — and
//! the orderly way down.
//!
//! Shutdown order matters: first the RPC server stops accepting and finishes its open
//! connections (so no new transaction is acknowledged), then the miner is told to stop and
//! awaited (so a block being built is committed, logged and published), and only then is the
//! chain dropped, which closes the store.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::genesis::Genesis;
use crate::node::{Mining, Node, NodeError, NodeLimits};
use crate::rpc::{RpcConfig, RpcServer, RpcStartError};

/// Most threads the runtime starts for blocking work (JSON-RPC handlers, submissions waiting
/// for their block): the node's own bound on them, beside the RPC server's connection limit.
pub const MAX_BLOCKING_THREADS: usize = 128;

/// The async runtime a node runs on. Its threads have executor stacks
/// ([`rewasm_executor::EXECUTOR_STACK_BYTES`], only touched pages committed) and say so, so a
/// JSON-RPC handler runs `eth_call` and seals blocks on its own thread instead of handing the
/// work to an executor thread and waiting: one thread hop less per request, which on a small
/// machine is a large part of a call's time. They ask for the scheduler's shortest turn
/// ([`rewasm_executor::threads::SHORT_SLICE`]), so a request's thread gets a core as soon as
/// it wakes even while the block thread keeps one busy.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(rewasm_executor::EXECUTOR_STACK_BYTES)
        .max_blocking_threads(MAX_BLOCKING_THREADS)
        .on_thread_start(|| {
            rewasm_executor::declare_executor_stack();
            rewasm_executor::request_slice(rewasm_executor::threads::SHORT_SLICE);
        })
        .build()
}

/// What to run.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// The data folder (created if missing).
    pub datadir: PathBuf,
    /// The chain's genesis.
    pub genesis: Genesis,
    /// When to seal blocks.
    pub mining: Mining,
    /// The JSON-RPC server.
    pub rpc: RpcConfig,
    /// The transaction pool's and calls' limits.
    pub limits: NodeLimits,
}

/// Why the service did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Rpc(#[from] RpcStartError),
    #[error("opening the chain was interrupted: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// A node serving JSON-RPC and mining.
#[derive(Debug)]
pub struct Service {
    node: Arc<Node>,
    rpc: RpcServer,
    stop_miner: watch::Sender<bool>,
    /// The interval miner; none with instant mining.
    miner: Option<JoinHandle<()>>,
}

impl Service {
    /// Opens the chain, starts the miner and the server.
    pub async fn start(config: ServiceConfig) -> Result<Self, ServiceError> {
        let ServiceConfig {
            datadir,
            genesis,
            mining,
            rpc,
            limits,
        } = config;
        let node = tokio::task::spawn_blocking(move || {
            Node::open_with(&datadir, &genesis, mining, limits)
        })
        .await??;
        let node = Arc::new(node);
        let head = node.chain().head();
        tracing::info!(
            chain_id = node.chain().chain_id(),
            head = head.header.number,
            hash = ?head.hash,
            mining = ?mining,
            "chain opened"
        );
        let (stop_miner, stopped) = watch::channel(false);
        let miner = node.spawn_miner(stopped);
        let rpc = match RpcServer::start(Arc::clone(&node), &rpc).await {
            Ok(rpc) => rpc,
            Err(error) => {
                let _ = stop_miner.send(true);
                if let Some(miner) = miner {
                    let _ = miner.await;
                }
                return Err(error.into());
            }
        };
        Ok(Self {
            node,
            rpc,
            stop_miner,
            miner,
        })
    }

    /// The node.
    pub fn node(&self) -> &Arc<Node> {
        &self.node
    }

    /// Where the RPC server listens.
    pub fn rpc_addr(&self) -> std::net::SocketAddr {
        self.rpc.local_addr()
    }

    /// Stops the server, lets the miner finish its block, and closes the chain.
    pub async fn shutdown(self) {
        self.rpc.stop().await;
        // The miner may already be gone (it only ends on this signal, or by a panic).
        let _ = self.stop_miner.send(true);
        if let Some(miner) = self.miner
            && let Err(error) = miner.await
        {
            tracing::error!(%error, "the miner task failed");
        }
        // Flushed, the next start replays no log.
        if let Err(error) = self.node.chain().store().flush() {
            tracing::error!(%error, "flushing the store at shutdown");
        }
        tracing::info!(
            head = self.node.chain().head().header.number,
            "node stopped"
        );
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "listening for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "listening for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => tracing::info!("interrupted, shutting down"),
        () = terminate => tracing::info!("terminated, shutting down"),
    }
}
