//! Transaction propagation: every transaction a node pools is published on a gossipsub topic
//! of its own libp2p network, and every transaction received there is offered to the pool, so
//! `eth_sendRawTransaction` on any node reaches every validator's pool.
//!
//! Malachite's network carries consensus messages only (its topics are fixed), hence a second,
//! small libp2p swarm on its own port. Messages are identified by the keccak-256 of the
//! transaction, so the same transaction pooled and republished by every node is delivered once,
//! and bounded in size by the pool's own limit on a transaction.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAuthenticity, MessageId, ValidationMode};
use libp2p::multiaddr::Protocol;
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, Swarm, identity::Keypair, noise, tcp, yamux};
use rewasm_node::node::{Node, SubmitError};
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
            gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), config)
                .map_err(Box::<dyn std::error::Error + Send + Sync>::from)
        })
        .map_err(|error| GossipError::Build(error.to_string()))?
        .with_swarm_config(|config| config.with_idle_connection_timeout(Duration::from_secs(3600)))
        .build();
    Ok(swarm)
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
                if let SwarmEvent::Behaviour(gossipsub::Event::Message { message, .. }) = event {
                    offer(&node, message.data).await;
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

/// Offers a gossiped transaction to the pool. Refusals are normal (every node hears every
/// transaction it already has, or has mined).
async fn offer(node: &Arc<Node>, raw: Vec<u8>) {
    let node = Arc::clone(node);
    let submitted = tokio::task::spawn_blocking(move || node.submit_raw_transaction(raw)).await;
    match submitted {
        Ok(Ok(hash)) => tracing::debug!(?hash, "gossiped transaction pooled"),
        Ok(Err(SubmitError::Pool(error))) => {
            tracing::trace!(%error, "gossiped transaction not pooled");
        }
        Ok(Err(error)) => tracing::debug!(%error, "gossiped transaction refused"),
        Err(error) => tracing::error!(%error, "pooling a gossiped transaction panicked"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
