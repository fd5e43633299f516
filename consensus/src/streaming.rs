//! Proposed blocks as streams of proposal parts: cutting a block into parts for the network,
//! and putting received parts back together, within bounds a hostile peer cannot stretch.
//!
//! A stream is `Init`, one or more `Data` chunks of the encoded block, then `Fin` with the
//! proposer's signature over height, round and the block's keccak-256, and Malachite's end
//! marker. Parts may arrive in any order and through any peer; a stream is identified by its
//! publisher and its id (height and round), as Malachite's documentation asks.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use malachitebft_engine::util::streaming::{StreamContent, StreamId, StreamMessage};
use malachitebft_peer::PeerId;

use crate::context::{Address, Height, ProposalPart};
use crate::signing::{Signature, ValidatorSigner};

/// Bytes of a block per `Data` part: well under the network's 4 MiB message limit.
pub const CHUNK_BYTES: usize = 256 * 1024;
/// Most bytes a stream may carry: a block of the block gas limit's worth of zero bytes of
/// calldata (30 M gas at 4 gas a byte) is 7.5 MB, and value sync sends at most 10 MiB at once.
pub const MAX_STREAM_BYTES: usize = 10 * 1024 * 1024;
/// Most parts a stream may have: enough for [`MAX_STREAM_BYTES`] in [`CHUNK_BYTES`] chunks.
pub const MAX_STREAM_PARTS: u64 = (MAX_STREAM_BYTES / CHUNK_BYTES) as u64 + 4;
/// Most unfinished streams kept at once; the oldest is dropped for a new one beyond it.
pub const MAX_OPEN_STREAMS: usize = 64;
/// Most unfinished streams kept from one publisher (its oldest goes first), so that one peer
/// cannot push out the streams of others.
pub const MAX_STREAMS_PER_PUBLISHER: usize = 4;
/// How far above the current height a stream may be and still be kept.
pub const MAX_HEIGHTS_AHEAD: u64 = 4;

/// A proposal whose parts have all arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedProposal {
    pub height: Height,
    pub round: u32,
    pub valid_round: Option<u32>,
    pub proposer: Address,
    /// The encoded block.
    pub block: Vec<u8>,
    /// The proposer's signature over height, round and the block's digest.
    pub signature: Signature,
}

/// A proposal's identity as its `Init` part states it, and the proposer's signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedProposal {
    pub height: Height,
    pub round: u32,
    pub valid_round: Option<u32>,
    pub proposer: Address,
    pub signature: Signature,
}

impl ReceivedProposal {
    /// What its `Init` and `Fin` parts said.
    pub fn signed(&self) -> SignedProposal {
        SignedProposal {
            height: self.height,
            round: self.round,
            valid_round: self.valid_round,
            proposer: self.proposer,
            signature: self.signature,
        }
    }
}

/// The stream id of the proposal for `height` and `round`.
pub fn stream_id(height: Height, round: u32) -> StreamId {
    let mut bytes = Vec::with_capacity(12);
    bytes.extend_from_slice(&height.0.to_be_bytes());
    bytes.extend_from_slice(&round.to_be_bytes());
    StreamId::new(Bytes::from(bytes))
}

/// The height a stream id names, if it is one [`stream_id`] makes.
fn stream_height(id: &StreamId) -> Option<u64> {
    stream_height_round(id).map(|(height, _)| height)
}

/// The height and round a stream id names, if it is one [`stream_id`] makes.
fn stream_height_round(id: &StreamId) -> Option<(u64, u32)> {
    let bytes = id.to_bytes();
    if bytes.len() != 12 {
        return None;
    }
    let height: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    let round: [u8; 4] = bytes.get(8..)?.try_into().ok()?;
    Some((u64::from_be_bytes(height), u32::from_be_bytes(round)))
}

/// The keccak-256 of an encoded block, which the proposer signs.
pub fn block_digest(block: &[u8]) -> [u8; 32] {
    rewasm_primitives::keccak256(block).0
}

/// The parts that propose `block` for `height` and `round`, signed by `signer`.
pub fn proposal_parts(
    signer: &ValidatorSigner,
    proposer: Address,
    height: Height,
    round: u32,
    valid_round: Option<u32>,
    block: &[u8],
) -> Vec<StreamMessage<ProposalPart>> {
    let signature = signer.sign_block(height.0, round, &block_digest(block));
    signed_parts(
        &SignedProposal {
            height,
            round,
            valid_round,
            proposer,
            signature,
        },
        block,
    )
}

/// The parts of `block` as `proposal` names and signed it (to re-send another proposer's
/// proposal unchanged).
pub fn signed_parts(proposal: &SignedProposal, block: &[u8]) -> Vec<StreamMessage<ProposalPart>> {
    let SignedProposal {
        height,
        round,
        valid_round,
        proposer,
        signature,
    } = *proposal;
    let id = stream_id(height, round);
    let mut parts = vec![ProposalPart::Init {
        height,
        round,
        valid_round,
        proposer,
    }];
    parts.extend(
        block
            .chunks(CHUNK_BYTES)
            .map(|chunk| ProposalPart::Data(chunk.to_vec())),
    );
    parts.push(ProposalPart::Fin { signature });
    let count = parts.len() as u64;
    let mut messages: Vec<_> = parts
        .into_iter()
        .zip(0..)
        .map(|(part, sequence)| StreamMessage::new(id.clone(), sequence, StreamContent::Data(part)))
        .collect();
    messages.push(StreamMessage::new(id, count, StreamContent::Fin));
    messages
}

/// A stream still missing parts.
#[derive(Debug, Default)]
struct OpenStream {
    parts: BTreeMap<u64, ProposalPart>,
    /// The sequence number of the end marker, once it arrived.
    end: Option<u64>,
    bytes: usize,
    /// When it was opened, in insertions (for dropping the oldest).
    opened: u64,
}

/// Streams being received, by publisher and stream id.
#[derive(Debug, Default)]
pub struct PartStreams {
    open: HashMap<(PeerId, StreamId), OpenStream>,
    insertions: u64,
}

/// Why a part was dropped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    #[error("stream {0} is not a proposal stream (height and round)")]
    UnknownStream(String),
    #[error("stream {stream} is for height {height}, outside the kept window from {current}")]
    OutOfWindow {
        stream: String,
        height: u64,
        current: u64,
    },
    #[error("stream {0} exceeds the part or byte limit")]
    TooLarge(String),
    #[error("stream {0} is malformed: {1}")]
    Malformed(String, &'static str),
}

impl PartStreams {
    /// Adds `message` from `publisher` at consensus height `current`; returns the proposal it
    /// completes, if any.
    pub fn insert(
        &mut self,
        publisher: PeerId,
        message: StreamMessage<ProposalPart>,
        current: Height,
    ) -> Result<Option<ReceivedProposal>, StreamError> {
        let shown = message.stream_id.to_string();
        let height = stream_height(&message.stream_id)
            .ok_or_else(|| StreamError::UnknownStream(shown.clone()))?;
        if height < current.0 || height > current.0.saturating_add(MAX_HEIGHTS_AHEAD) {
            return Err(StreamError::OutOfWindow {
                stream: shown,
                height,
                current: current.0,
            });
        }
        if message.sequence >= MAX_STREAM_PARTS {
            self.open.remove(&(publisher, message.stream_id));
            return Err(StreamError::TooLarge(shown));
        }
        let key = (publisher, message.stream_id.clone());
        if !self.open.contains_key(&key) {
            let from_publisher = self.open.keys().filter(|(p, _)| *p == publisher).count();
            if from_publisher >= MAX_STREAMS_PER_PUBLISHER {
                self.drop_oldest(|p| *p == publisher);
            }
            if self.open.len() >= MAX_OPEN_STREAMS {
                self.drop_oldest(|_| true);
            }
        }
        self.insertions += 1;
        let opened = self.insertions;
        let stream = self.open.entry(key.clone()).or_insert_with(|| OpenStream {
            opened,
            ..OpenStream::default()
        });
        match message.content {
            StreamContent::Fin => stream.end = Some(message.sequence),
            StreamContent::Data(part) => {
                stream.bytes = stream.bytes.saturating_add(part_size(&part));
                if stream.bytes > MAX_STREAM_BYTES {
                    self.open.remove(&key);
                    return Err(StreamError::TooLarge(shown));
                }
                stream.parts.insert(message.sequence, part);
            }
        }
        let complete = stream
            .end
            .is_some_and(|end| stream.parts.len() as u64 == end);
        if !complete {
            return Ok(None);
        }
        let Some(stream) = self.open.remove(&key) else {
            return Ok(None);
        };
        assemble(stream, &key.1)
            .map(Some)
            .map_err(|reason| StreamError::Malformed(shown, reason))
    }

    /// Forgets every stream below `height`.
    pub fn prune_below(&mut self, height: Height) {
        self.open
            .retain(|(_, id), _| stream_height(id).is_some_and(|h| h >= height.0));
    }

    /// Drops the oldest open stream whose publisher `matches`.
    fn drop_oldest(&mut self, matches: impl Fn(&PeerId) -> bool) {
        let oldest = self
            .open
            .iter()
            .filter(|((publisher, _), _)| matches(publisher))
            .min_by_key(|(_, stream)| stream.opened)
            .map(|(key, _)| key.clone());
        if let Some(key) = oldest {
            self.open.remove(&key);
        }
    }
}

fn part_size(part: &ProposalPart) -> usize {
    match part {
        ProposalPart::Data(bytes) => bytes.len(),
        ProposalPart::Init { .. } | ProposalPart::Fin { .. } => 64,
    }
}

/// A complete stream as a proposal: `Init` naming the stream's height and round, then `Data`
/// parts, then `Fin`, nothing else.
fn assemble(stream: OpenStream, id: &StreamId) -> Result<ReceivedProposal, &'static str> {
    let mut parts = stream.parts.into_values();
    let Some(ProposalPart::Init {
        height,
        round,
        valid_round,
        proposer,
    }) = parts.next()
    else {
        return Err("it does not start with Init");
    };
    if stream_height_round(id) != Some((height.0, round)) {
        return Err("its Init names another height or round than its stream id");
    }
    let mut block = Vec::with_capacity(stream.bytes);
    let mut signature = None;
    for part in parts {
        match (part, signature) {
            (ProposalPart::Data(bytes), None) => block.extend_from_slice(&bytes),
            (ProposalPart::Fin { signature: signed }, None) => signature = Some(signed),
            _ => return Err("a part follows Fin, or Init repeats"),
        }
    }
    let signature = signature.ok_or("it has no Fin")?;
    Ok(ReceivedProposal {
        height,
        round,
        valid_round,
        proposer,
        block,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::PrivateKey;

    fn peer() -> PeerId {
        let key = libp2p::identity::Keypair::generate_ed25519();
        PeerId::from_bytes(&key.public().to_peer_id().to_bytes()).unwrap()
    }

    fn signer() -> ValidatorSigner {
        ValidatorSigner::new(PrivateKey::from_seed([7; 32]), 1)
    }

    #[test]
    fn parts_in_any_order_give_back_the_block() {
        let block: Vec<u8> = (0..CHUNK_BYTES * 2 + 17).map(|i| i as u8).collect();
        let proposer = Address([9; 20]);
        let mut parts = proposal_parts(&signer(), proposer, Height(5), 1, None, &block);
        assert_eq!(
            parts.len(),
            1 + 3 + 1 + 1,
            "init, three chunks, fin, end marker"
        );
        parts.reverse();
        let mut streams = PartStreams::default();
        let publisher = peer();
        let last = parts.pop().unwrap();
        for part in parts {
            assert_eq!(streams.insert(publisher, part, Height(5)).unwrap(), None);
        }
        let received = streams
            .insert(publisher, last, Height(5))
            .unwrap()
            .expect("complete");
        assert_eq!(received.block, block);
        assert_eq!((received.height, received.round), (Height(5), 1));
        assert_eq!(received.proposer, proposer);
        assert_eq!(
            received.signature,
            signer().sign_block(5, 1, &block_digest(&block))
        );
    }

    #[test]
    fn streams_outside_the_window_or_too_large_are_refused() {
        let mut streams = PartStreams::default();
        let part = |height, sequence| {
            StreamMessage::new(
                stream_id(Height(height), 0),
                sequence,
                StreamContent::Data(ProposalPart::Data(vec![0; 8])),
            )
        };
        assert!(matches!(
            streams.insert(peer(), part(3, 1), Height(4)),
            Err(StreamError::OutOfWindow { .. })
        ));
        assert!(matches!(
            streams.insert(peer(), part(4 + MAX_HEIGHTS_AHEAD + 1, 1), Height(4)),
            Err(StreamError::OutOfWindow { .. })
        ));
        assert!(matches!(
            streams.insert(peer(), part(4, MAX_STREAM_PARTS), Height(4)),
            Err(StreamError::TooLarge(_))
        ));
        for _ in 0..MAX_OPEN_STREAMS * 2 {
            streams.insert(peer(), part(4, 1), Height(4)).unwrap();
        }
        assert_eq!(streams.open.len(), MAX_OPEN_STREAMS);
        streams.prune_below(Height(5));
        assert!(streams.open.is_empty());
    }

    #[test]
    fn one_publisher_keeps_at_most_its_share_of_open_streams() {
        let mut streams = PartStreams::default();
        let noisy = peer();
        let honest = peer();
        let part = |round| {
            StreamMessage::new(
                stream_id(Height(4), round),
                1,
                StreamContent::Data(ProposalPart::Data(vec![0; 8])),
            )
        };
        streams.insert(honest, part(0), Height(4)).unwrap();
        for round in 0..100 {
            streams.insert(noisy, part(round), Height(4)).unwrap();
        }
        let from = |publisher: PeerId| streams.open.keys().filter(|(p, _)| *p == publisher).count();
        assert_eq!(from(noisy), MAX_STREAMS_PER_PUBLISHER);
        assert_eq!(from(honest), 1, "the honest stream survives");
    }

    #[test]
    fn an_init_naming_another_height_or_round_than_its_stream_is_malformed() {
        let block = vec![1, 2, 3];
        let mut parts = proposal_parts(&signer(), Address([1; 20]), Height(6), 0, None, &block);
        for part in &mut parts {
            part.stream_id = stream_id(Height(5), 0);
        }
        let mut streams = PartStreams::default();
        let publisher = peer();
        let results: Vec<_> = parts
            .into_iter()
            .map(|part| streams.insert(publisher, part, Height(5)))
            .collect();
        assert!(
            matches!(results.last(), Some(Err(StreamError::Malformed(..)))),
            "{results:?}"
        );
    }

    #[test]
    fn a_stream_without_init_first_is_malformed() {
        let mut streams = PartStreams::default();
        let id = stream_id(Height(1), 0);
        let publisher = peer();
        let data = StreamContent::Data(ProposalPart::Data(vec![1]));
        streams
            .insert(
                publisher,
                StreamMessage::new(id.clone(), 0, data),
                Height(1),
            )
            .unwrap();
        let result = streams.insert(
            publisher,
            StreamMessage::new(id, 1, StreamContent::Fin),
            Height(1),
        );
        assert!(matches!(result, Err(StreamError::Malformed(..))));
    }
}
