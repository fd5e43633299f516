//! Transaction propagation: every transaction a node pools is published on a gossipsub topic
//! of its own libp2p network, and every transaction received there is offered to the pool, so
//! `eth_sendRawTransaction` on any node reaches every validator's pool.
//!
//! Malachite's network carries consensus messages only (its topics are fixed), hence a second,
//! small libp2p swarm on its own port. Messages are identified by the keccak-256 of the
//! transaction, so the same transaction pooled and republished by every node is delivered once,
//! and bounded in size by the pool's own limit on a transaction.
//!
//! A message is forwarded only after this node's pool took it (gossipsub's validation mode):
//! a peer cannot make the network carry what no pool accepts. A transaction that no node of the
//! chain could take (undecodable, bad signature, wrong chain id, over a chain limit:
//! [`PoolError::is_invalid_on_chain`]) counts against the peer that sent it; a peer's score
//! falls with the square of such messages, and past the graylist threshold (three within a few
//! seconds) all its messages are dropped unread until the count decays. Refusals that depend on
//! the state or on this node's settings (known, nonce too low, underpriced) are ignored without
//! a penalty, since honest peers send those all the time. Received messages are offered to the
//! pool one at a time, so a flood is bounded by what one thread checks.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use libp2p::PeerId;
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity, MessageId, ValidationMode};
use libp2p::gossipsub::{
    MessageAcceptance, PeerScoreParams, PeerScoreThresholds, TopicScoreParams,
};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, Swarm, identity::Keypair, noise, tcp, yamux};
use rewasm_node::node::{Node, SubmitError};
#[cfg(doc)]
use rewasm_node::pool::PoolError;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The topic transactions are published on.
pub const TOPIC: &str = "/rewasm/transactions/1";
/// Largest message accepted: a transaction the pool takes (128 KiB) with room to spare.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// Why the gossip network did not start.
#[derive(Debug, thiserror::Error)]
pub enum GossipError {
    #[error("building the transaction gossip network: {0}")]
    Build(String),
    #[error("listening for transaction gossip on {addr}: {reason}")]
    Listen { addr: Multiaddr, reason: String },
}

/// The transaction gossip address of a node whose consensus listens on `consensus`: the same
/// host, the next TCP port.
pub fn address_of(consensus: &Multiaddr) -> Option<Multiaddr> {
    let mut gossip = Multiaddr::empty();
    let mut found = false;
    for protocol in consensus.iter() {
        match protocol {
            Protocol::Tcp(port) if !found => {
                found = true;
                gossip.push(Protocol::Tcp(port.checked_add(1)?));
            }
            Protocol::P2p(_) => {}
            other => gossip.push(other),
        }
    }
    found.then_some(gossip)
}

fn build_swarm(keypair: Keypair) -> Result<Swarm<gossipsub::Behaviour>, GossipError> {
    let config = gossipsub::ConfigBuilder::default()
        .heartbeat_interval(Duration::from_millis(500))
        .validation_mode(ValidationMode::Strict)
        .validate_messages()
        .max_transmit_size(MAX_MESSAGE_BYTES)
        .message_id_fn(|message| {
            MessageId::from(
                rewasm_primitives::keccak256(&message.data)
                    .as_bytes()
                    .to_vec(),
            )
        })
        .build()
        .map_err(|error| GossipError::Build(error.to_string()))?;
    let swarm = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .map_err(|error| GossipError::Build(error.to_string()))?
        .with_behaviour(|key| {
            let mut behaviour =
                gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config)?;
            behaviour.with_peer_score(peer_score(), PeerScoreThresholds::default())?;
            Ok(behaviour)
        })
        .map_err(|error| GossipError::Build(error.to_string()))?
        .with_swarm_config(|config| config.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    Ok(swarm)
}

/// How peers are scored: by invalid transactions only. Mesh-delivery rates are not scored
/// (transactions are sporadic, so a quiet peer is not a faulty one), and neither are several
/// peers on one address (a local testnet runs them all on 127.0.0.1; the consensus engine
/// bounds connections per address).
fn peer_score() -> PeerScoreParams {
    let transactions = TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.0,
        first_message_deliveries_weight: 0.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        // -10 per invalid message squared: three pass the graylist threshold (-90 < -80).
        invalid_message_deliveries_weight: -10.0,
        invalid_message_deliveries_decay: 0.9,
        ..TopicScoreParams::default()
    };
    PeerScoreParams {
        topics: [(IdentTopic::new(TOPIC).hash(), transactions)]
            .into_iter()
            .collect(),
        ip_colocation_factor_weight: 0.0,
        ..PeerScoreParams::default()
    }
}

/// Starts propagating `node`'s transactions: listens on `listen`, dials `peers`, and runs
/// until `stop` turns true.
pub fn spawn(
    node: Arc<Node>,
    keypair: Keypair,
    listen: Multiaddr,
    peers: Vec<Multiaddr>,
    stop: watch::Receiver<bool>,
) -> Result<JoinHandle<()>, GossipError> {
    let mut swarm = build_swarm(keypair)?;
    let topic = IdentTopic::new(TOPIC);
    swarm
        .behaviour_mut()
        .subscribe(&topic)
        .map_err(|error| GossipError::Build(error.to_string()))?;
    swarm
        .listen_on(listen.clone())
        .map_err(|error| GossipError::Listen {
            addr: listen,
            reason: error.to_string(),
        })?;
    Ok(tokio::spawn(run(node, swarm, topic, peers, stop)))
}

async fn run(
    node: Arc<Node>,
    mut swarm: Swarm<gossipsub::Behaviour>,
    topic: IdentTopic,
    peers: Vec<Multiaddr>,
    mut stop: watch::Receiver<bool>,
) {
    let mut pooled = node.subscribe_transactions();
    let mut redial = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            _ = redial.tick() => {
                if swarm.connected_peers().count() < peers.len() {
                    for peer in &peers {
                        // Already connected or dialing peers just fail the dial again.
                        let _ = swarm.dial(peer.clone());
                    }
                }
            }
            hash = pooled.recv() => match hash {
                Ok(hash) => {
                    if let Some(raw) = node.pooled_raw_transaction(&hash) {
                        publish(&mut swarm, &topic, raw);
                    }
                }
                Err(RecvError::Lagged(skipped)) => {
                    tracing::warn!(skipped, "transaction gossip fell behind the pool");
                }
                Err(RecvError::Closed) => return,
            },
            event = swarm.select_next_some() => {
                if let SwarmEvent::Behaviour(gossipsub::Event::Message {
                    propagation_source,
                    message_id,
                    message,
                }) = event
                {
                    let acceptance = offer(&node, message.data).await;
                    report(&mut swarm, &message_id, &propagation_source, acceptance);
                }
            }
        }
    }
}

fn publish(swarm: &mut Swarm<gossipsub::Behaviour>, topic: &IdentTopic, raw: Vec<u8>) {
    match swarm.behaviour_mut().publish(topic.clone(), raw) {
        Ok(_) | Err(gossipsub::PublishError::Duplicate) => {}
        Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => {
            tracing::debug!("no peer to gossip a transaction to");
        }
        Err(error) => tracing::warn!(%error, "gossiping a transaction"),
    }
}

/// Offers a gossiped transaction to the pool, and says whether to forward it. Refusals are
/// normal (every node hears every transaction it already has, or has mined).
async fn offer(node: &Arc<Node>, raw: Vec<u8>) -> MessageAcceptance {
    let node = Arc::clone(node);
    let submitted = tokio::task::spawn_blocking(move || node.submit_raw_transaction(raw)).await;
    match submitted {
        Ok(Ok(hash)) => {
            tracing::debug!(?hash, "gossiped transaction pooled");
            MessageAcceptance::Accept
        }
        Ok(Err(SubmitError::Pool(error))) if !error.is_invalid_on_chain() => {
            tracing::trace!(%error, "gossiped transaction not pooled");
            MessageAcceptance::Ignore
        }
        Ok(Err(error)) => {
            tracing::debug!(%error, "gossiped transaction invalid");
            MessageAcceptance::Reject
        }
        Err(error) => {
            tracing::error!(%error, "pooling a gossiped transaction panicked");
            MessageAcceptance::Ignore
        }
    }
}

fn report(
    swarm: &mut Swarm<gossipsub::Behaviour>,
    message: &MessageId,
    source: &PeerId,
    acceptance: MessageAcceptance,
) {
    // False when the message left the cache meanwhile: nothing is left to forward or score.
    let known = swarm
        .behaviour_mut()
        .report_message_validation_result(message, source, acceptance);
    if !known {
        tracing::debug!(%source, "a gossiped transaction expired before it was checked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitive_types::{H160, H256, U256};
    use rewasm_node::genesis::{DEV_CHAIN_ID, DEV_MNEMONIC, Genesis, derive_accounts};
    use rewasm_node::node::Mining;
    use rewasm_node::tx::{self, TxKind, UnsignedTransaction};
    use tokio::sync::mpsc;

    const WAIT: Duration = Duration::from_secs(30);

    /// A bare gossip peer driven by the test: what it is told to publish goes out, what it
    /// receives comes back.
    struct TestPeer {
        publish: mpsc::UnboundedSender<Vec<u8>>,
        received: mpsc::UnboundedReceiver<Vec<u8>>,
    }

    async fn test_peer(node: &Multiaddr) -> TestPeer {
        let mut swarm = build_swarm(Keypair::generate_ed25519()).unwrap();
        let topic = IdentTopic::new(TOPIC);
        swarm.behaviour_mut().subscribe(&topic).unwrap();
        swarm.dial(node.clone()).unwrap();
        let (publish, mut outgoing) = mpsc::unbounded_channel::<Vec<u8>>();
        let (delivered, received) = mpsc::unbounded_channel();
        let (subscribed, ready) = tokio::sync::oneshot::channel();
        let mut subscribed = Some(subscribed);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some(raw) = outgoing.recv() => publish_now(&mut swarm, &topic, raw),
                    event = swarm.select_next_some() => match event {
                        SwarmEvent::Behaviour(gossipsub::Event::Message { message, .. }) => {
                            let _ = delivered.send(message.data);
                        }
                        SwarmEvent::Behaviour(gossipsub::Event::Subscribed { .. }) => {
                            if let Some(subscribed) = subscribed.take() {
                                let _ = subscribed.send(());
                            }
                        }
                        _ => {}
                    },
                }
            }
        });
        tokio::time::timeout(WAIT, ready)
            .await
            .expect("the node announces its subscription")
            .unwrap();
        TestPeer { publish, received }
    }

    fn publish_now(swarm: &mut Swarm<gossipsub::Behaviour>, topic: &IdentTopic, raw: Vec<u8>) {
        swarm.behaviour_mut().publish(topic.clone(), raw).unwrap();
    }

    fn transfer(account: usize, chain_id: u64) -> (H256, Vec<u8>) {
        let accounts = derive_accounts(DEV_MNEMONIC, 4).unwrap();
        let unsigned = UnsignedTransaction {
            kind: TxKind::DynamicFee,
            chain_id: Some(chain_id),
            nonce: 0,
            gas_limit: 21_000,
            gas_price: U256::zero(),
            max_fee: U256::from(2_000_000_000u64),
            max_priority_fee: U256::from(1_000_000_000u64),
            to: Some(H160::repeat_byte(0x77)),
            value: U256::from(1),
            data: Vec::new(),
            access_list: Vec::new(),
        };
        let raw = tx::sign(&unsigned, &accounts[account].key).unwrap();
        (tx::decode(&raw).unwrap().hash, raw)
    }

    async fn pooled(node: &Node, hash: &H256) {
        tokio::time::timeout(WAIT, async {
            while node.pooled_raw_transaction(hash).is_none() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the transaction reaches the pool");
    }

    /// An attacker's valid transaction is pooled and forwarded; its invalid ones (garbage, a
    /// wrong chain id) are neither forwarded nor, once three of them are counted, is anything
    /// else it sends heard, while another peer still is.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn invalid_transactions_are_not_forwarded_and_their_sender_is_shut_out() {
        let dir = tempfile::tempdir().unwrap();
        let genesis = Genesis::dev().unwrap();
        let node = Arc::new(Node::open(dir.path(), &genesis, Mining::Consensus).unwrap());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen: Multiaddr = format!("/ip4/127.0.0.1/tcp/{port}").parse().unwrap();
        let (stop, stopped) = watch::channel(false);
        let gossip = spawn(
            Arc::clone(&node),
            Keypair::generate_ed25519(),
            listen.clone(),
            Vec::new(),
            stopped,
        )
        .unwrap();
        let attacker = test_peer(&listen).await;
        let mut observer = test_peer(&listen).await;

        let (first, raw) = transfer(0, DEV_CHAIN_ID);
        attacker.publish.send(raw.clone()).unwrap();
        pooled(&node, &first).await;
        let forwarded = tokio::time::timeout(WAIT, observer.received.recv())
            .await
            .expect("the valid transaction is forwarded");
        assert_eq!(forwarded, Some(raw));

        for garbage in 0..3u8 {
            attacker.publish.send(vec![0xf8, garbage]).unwrap();
        }
        for account in 1..3 {
            attacker.publish.send(transfer(account, 1).1).unwrap();
        }
        let (after, raw) = transfer(3, DEV_CHAIN_ID);
        attacker.publish.send(raw).unwrap();
        // The attacker's messages went out before the observer's, on a connection the node
        // reads in order: once the observer's is pooled, the attacker's were judged.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (honest, raw) = transfer(2, DEV_CHAIN_ID);
        observer.publish.send(raw).unwrap();
        pooled(&node, &honest).await;
        assert!(node.pooled_raw_transaction(&after).is_none());
        assert!(
            observer.received.try_recv().is_err(),
            "nothing the attacker sent after its first transaction reaches other peers"
        );

        stop.send(true).unwrap();
        gossip.await.unwrap();
    }

    #[test]
    fn the_gossip_port_follows_the_consensus_port() {
        let consensus: Multiaddr = "/ip4/127.0.0.1/tcp/26656".parse().unwrap();
        assert_eq!(
            address_of(&consensus),
            Some("/ip4/127.0.0.1/tcp/26657".parse().unwrap())
        );
        let last: Multiaddr = "/ip4/127.0.0.1/tcp/65535".parse().unwrap();
        assert_eq!(address_of(&last), None);
        let udp: Multiaddr = "/ip4/127.0.0.1/udp/1".parse().unwrap();
        assert_eq!(address_of(&udp), None);
    }
}
