//! Starting and stopping Malachite for a node: its configuration, identity, write-ahead log and
//! network, the application loop ([`crate::app`]) and the transaction gossip
//! ([`crate::gossip`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use libp2p::Multiaddr;
use libp2p::identity::Keypair;
use malachitebft_app_channel::app::config::{
    ConsensusConfig, DiscoveryConfig, NodeConfig, P2pConfig, ValuePayload, ValueSyncConfig,
};
use malachitebft_app_channel::app::types::core::LinearTimeouts;
use malachitebft_app_channel::{
    ConsensusContext, EngineHandle, NetworkContext, NetworkIdentity, RequestContext, SyncContext,
    WalContext,
};
use malachitebft_codec::Codec;
use malachitebft_engine::node::NodeRef;
use malachitebft_signing::Signer;
use rewasm_node::node::Node;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::{App, Fault};
use crate::codec::WireCodec;
use crate::context::{Address, RewasmContext, ValidatorSet};
use crate::signing::{PrivateKey, SignatureVerifier, ValidatorSigner};

/// How a node takes part in consensus.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// A name for logs and metrics.
    pub moniker: String,
    /// The chain id every signature is bound to.
    pub chain_id: u64,
    /// The validator set (from the genesis).
    pub validators: ValidatorSet,
    /// This node's validator key; `None` for a full node, which follows the chain by sync.
    pub key: Option<PrivateKey>,
    /// Where consensus listens (`/ip4/ADDR/tcp/PORT`).
    pub listen: Multiaddr,
    /// The other nodes' consensus addresses.
    pub peers: Vec<Multiaddr>,
    /// Where transaction gossip listens.
    pub gossip_listen: Multiaddr,
    /// The other nodes' transaction gossip addresses.
    pub gossip_peers: Vec<Multiaddr>,
    /// The write-ahead log's folder.
    pub wal_dir: PathBuf,
    /// The least time between the starts of two heights.
    pub block_time: Duration,
    /// Round timeouts.
    pub timeouts: LinearTimeouts,
    /// A deliberate misbehaviour (tests only).
    pub fault: Option<Fault>,
}

/// The round timeouts of a network of nodes on one machine or a LAN: a proposal is waited for
/// 2 s in round 0, votes 500 ms, each growing by 500 ms a round.
pub fn lan_timeouts() -> LinearTimeouts {
    LinearTimeouts {
        propose: Duration::from_secs(2),
        propose_delta: Duration::from_millis(500),
        prevote: Duration::from_millis(500),
        prevote_delta: Duration::from_millis(500),
        precommit: Duration::from_millis(500),
        precommit_delta: Duration::from_millis(500),
        rebroadcast: Duration::from_secs(3),
        max_timeout: Duration::from_secs(30),
    }
}

/// Why consensus did not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("the validator key's address {0} is not in the genesis validator set")]
    NotAValidator(Address),
    #[error("signing this validator's network proof: {0}")]
    Proof(String),
    #[error("starting the consensus engine: {0}")]
    Start(String),
    #[error(transparent)]
    Gossip(#[from] crate::gossip::GossipError),
    /// A dev chain (genesis `devMode`) accepts impersonated transactions and prints from
    /// contracts: a network must not run under those rules.
    #[error(
        "the chain is a dev chain (genesis devMode): a network needs a genesis without it \
         (see `rewasm testnet`)"
    )]
    DevChain,
}

/// Malachite's configuration of a node, as [`NodeConfig`] hands it over.
#[derive(Clone, Debug)]
struct MalachiteConfig {
    moniker: String,
    consensus: ConsensusConfig,
    value_sync: ValueSyncConfig,
}

impl NodeConfig for MalachiteConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }

    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }

    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }

    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }

    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

fn malachite_config(config: &EngineConfig) -> MalachiteConfig {
    MalachiteConfig {
        moniker: config.moniker.clone(),
        consensus: ConsensusConfig {
            p2p: P2pConfig {
                listen_addr: config.listen.clone(),
                persistent_peers: config.peers.clone(),
                discovery: DiscoveryConfig {
                    // Inbound connections are limited per IP address even without discovery;
                    // a network on one machine connects every node from 127.0.0.1.
                    max_connections_per_ip: 64,
                    ..DiscoveryConfig::default()
                },
                ..P2pConfig::default()
            },
            value_payload: ValuePayload::ProposalAndParts,
            ..ConsensusConfig::default()
        },
        value_sync: ValueSyncConfig {
            // A node that is behind learns of it within a second, and fetches 16 blocks a time.
            status_update_interval: Duration::from_secs(1),
            batch_size: 16,
            ..ValueSyncConfig::default()
        },
    }
}

/// A running consensus engine with its application loop and transaction gossip.
pub struct Consensus {
    engine_actor: NodeRef,
    /// The engine's task and the application loop's, until they end.
    engine: Option<JoinHandle<()>>,
    app: Option<JoinHandle<()>>,
    gossip: JoinHandle<()>,
    stop_gossip: watch::Sender<bool>,
}

/// Completes when the task in `handle` has ended (never when there is none).
async fn finished(handle: &mut Option<JoinHandle<()>>) {
    match handle {
        Some(task) => {
            let _ = task.await;
            *handle = None;
        }
        None => std::future::pending().await,
    }
}

impl std::fmt::Debug for Consensus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consensus").finish_non_exhaustive()
    }
}

/// The libp2p identity of a node: a validator's is its consensus key (so its peer id is
/// stable and tied to it), a full node's is new at every start.
fn network_keypair(key: Option<&PrivateKey>) -> Keypair {
    match key {
        Some(key) => {
            let mut seed = key.seed();
            Keypair::ed25519_from_bytes(&mut seed).unwrap_or_else(|_| Keypair::generate_ed25519())
        }
        None => Keypair::generate_ed25519(),
    }
}

impl Consensus {
    /// Starts consensus for `node`.
    pub async fn start(node: Arc<Node>, config: EngineConfig) -> Result<Self, EngineError> {
        if node.chain().config().dev_mode {
            return Err(EngineError::DevChain);
        }
        let verifier = SignatureVerifier::new(config.chain_id);
        let keypair = network_keypair(config.key.as_ref());
        let signer = match &config.key {
            Some(key) => {
                let address = Address::of(&key.public_key());
                if config.validators.get(&address).is_none() {
                    return Err(EngineError::NotAValidator(address));
                }
                Some((ValidatorSigner::new(key.clone(), config.chain_id), address))
            }
            None => None,
        };
        let (identity, consensus_ctx) = match &signer {
            Some((signer, address)) => {
                let proof = signer
                    .sign_validator_proof(
                        signer.public_key().as_bytes().to_vec(),
                        keypair.public().to_peer_id().to_bytes(),
                    )
                    .await
                    .map_err(|error| EngineError::Proof(error.to_string()))?;
                let proof = WireCodec
                    .encode(&proof)
                    .map_err(|error| EngineError::Proof(error.to_string()))?;
                (
                    NetworkIdentity::new_validator(
                        config.moniker.clone(),
                        keypair.clone(),
                        address.to_string(),
                        proof,
                    ),
                    ConsensusContext::new_validator(
                        *address,
                        Box::new(verifier),
                        Box::new(signer.clone()),
                    ),
                )
            }
            None => (
                NetworkIdentity::new(config.moniker.clone(), keypair.clone(), None),
                ConsensusContext::new_full_node(Address::default(), Box::new(verifier)),
            ),
        };
        let (channels, engine) = malachitebft_app_channel::start_engine(
            RewasmContext,
            malachite_config(&config),
            WalContext::new(config.wal_dir.join("consensus.wal"), WireCodec),
            NetworkContext::new(identity, WireCodec),
            consensus_ctx,
            SyncContext::new(WireCodec),
            RequestContext::new(16),
        )
        .await
        .map_err(|error| EngineError::Start(error.to_string()))?;
        let (stop_gossip, stopped) = watch::channel(false);
        let gossip = crate::gossip::spawn(
            Arc::clone(&node),
            keypair,
            config.gossip_listen.clone(),
            config.gossip_peers.clone(),
            stopped,
        )?;
        let app = App::new(
            node,
            config.validators,
            config.timeouts,
            config.block_time,
            signer,
            verifier,
            config.fault,
        );
        let app = tokio::spawn(app.run(channels));
        let EngineHandle { actor, handle } = engine;
        Ok(Self {
            engine_actor: actor,
            engine: Some(handle),
            app: Some(app),
            gossip,
            stop_gossip,
        })
    }

    /// Completes when the engine stops by itself (a failure Malachite does not recover from),
    /// or the application loop halts (a decided block this node could not commit).
    pub async fn stopped(&mut self) {
        let Self { engine, app, .. } = self;
        tokio::select! {
            () = finished(engine) => {}
            () = finished(app) => {}
        }
    }

    /// Stops the engine, the application loop and the gossip.
    pub async fn stop(mut self) {
        self.engine_actor.stop(None);
        if let Some(engine) = self.engine.take() {
            let _ = engine.await;
        }
        let _ = self.stop_gossip.send(true);
        let _ = self.gossip.await;
        if let Some(app) = self.app.take() {
            app.abort();
            let _ = app.await;
        }
    }
}
