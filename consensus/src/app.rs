//! The application side of consensus: what rewasm answers to each of Malachite's requests.
//!
//! - **Proposing** (`GetValue`): the proposer takes the pool's best transactions, executes them
//!   on its head state without committing, and proposes the block's hash; the block travels as
//!   signed parts. The block is stored (not committed) before the value is returned, so that a
//!   proposer restarted in the same round proposes the same block again instead of signing a
//!   second one.
//! - **Validating** (`ReceivedProposalPart`): once a proposal's parts are all in, a validator
//!   checks that the round's proposer signed them, re-executes the block on its own head state
//!   and calls it valid only if it rebuilds to the same hash (state root, receipts root, gas
//!   used and every other header field). Malachite votes nil on invalid values.
//! - **Committing** (`Decided`): the block is committed with its commit certificate in one
//!   RocksDB write batch before Malachite is told, which is when it moves on.
//! - **Serving and following sync** (`GetDecidedValues`, `ProcessSyncedValue`): decided blocks
//!   go out with their certificates; received ones are re-executed like proposals (Malachite has
//!   already checked their certificate against the validator set).
//!
//! Every handler that runs contracts or touches the store does so on tokio's blocking pool.
//! Malachite's host connector waits for each reply before the next request, so a handler never
//! waits on anything but this node's own work.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use malachitebft_app_channel::app::types::core::{
    CommitCertificate, LinearTimeouts, Round, Validity, VoteExtensionPolicy,
};
use malachitebft_app_channel::app::types::sync::RawDecidedValue;
use malachitebft_app_channel::app::types::{LocallyProposedValue, PeerId, ProposedValue};
use malachitebft_app_channel::{AppMsg, Channels, NetworkMsg};
use malachitebft_core_types::{Context as _, ExtendedCommitCertificate, Height as _, HeightParams};
use malachitebft_engine::host::{Next, SyncedValueOutcome};
use malachitebft_engine::util::streaming::StreamMessage;
use primitive_types::H256;
use rewasm_node::chain::{Block, ExecutedBlock, ProposalError};
use rewasm_node::node::Node;

use crate::context::{Address, BlockHash, Height, ProposalPart, RewasmContext, ValidatorSet};
use crate::signing::{SignatureVerifier, ValidatorSigner};
use crate::streaming::{
    PartStreams, ReceivedProposal, SignedProposal, block_digest, proposal_parts, signed_parts,
};

/// How far ahead of this node's clock a proposed block's timestamp may be.
pub const MAX_CLOCK_DRIFT: Duration = Duration::from_secs(15);
/// Most decided blocks one sync request is answered with.
pub const MAX_SYNC_BATCH: u64 = 32;

/// A deliberate misbehaviour, for tests of what the network does about it. Only debug builds
/// offer any (see [`crate::config::Fault`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Propose blocks whose header carries a wrong state root.
    WrongStateRoot,
}

/// What the application needs to answer consensus.
pub(crate) struct App {
    node: Arc<Node>,
    ctx: RewasmContext,
    validators: ValidatorSet,
    timeouts: LinearTimeouts,
    block_time: Duration,
    /// This node's key and address when it is a validator.
    signer: Option<(ValidatorSigner, Address)>,
    verifier: SignatureVerifier,
    fault: Option<Fault>,
    /// The height consensus is deciding, and its latest round.
    height: Height,
    round: u32,
    streams: PartStreams,
    /// The signed proposals of the current height's blocks, to re-send them unchanged.
    proposals: HashMap<BlockHash, SignedProposal>,
    /// Executed blocks that may be decided, by hash.
    executed: HashMap<BlockHash, ExecutedBlock>,
    /// Values validated per (height, round), for `StartedRound`.
    validated: HashMap<(Height, u32), Vec<ProposedValue<RewasmContext>>>,
    /// The current height's proposals already judged, by round and block digest (`None`: the
    /// block did not decode).
    judged: HashMap<(u32, [u8; 32]), Option<ProposedValue<RewasmContext>>>,
    /// Complete proposals for a later height than the current one, validated when it starts.
    early: Vec<ReceivedProposal>,
}

/// What the application loop asks of the node after a message.
enum Flow {
    Continue,
    /// The node cannot go on (a decided block could not be committed): the loop ends and the
    /// node shuts down, to resume from its store and write-ahead log when restarted.
    Halt,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("height", &self.height)
            .field(
                "validator",
                &self.signer.as_ref().map(|(_, address)| address),
            )
            .finish_non_exhaustive()
    }
}

/// Most complete proposals kept for heights not started yet (each signed by its proposer).
const MAX_EARLY_PROPOSALS: usize = 8;
/// Most distinct blocks validated for one height and round (as Malachite keeps per round).
const MAX_PROPOSALS_PER_ROUND: usize = 2;
/// How many rounds past the current one a proposal may be for.
const MAX_ROUNDS_AHEAD: u32 = 10;

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}

/// The node's answer to a proposed or synced block.
enum Verdict {
    Valid(Box<ExecutedBlock>),
    Invalid(String),
    /// This node could not execute it (a store or executor failure): not the block's fault.
    NodeFailure(String),
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        node: Arc<Node>,
        validators: ValidatorSet,
        timeouts: LinearTimeouts,
        block_time: Duration,
        signer: Option<(ValidatorSigner, Address)>,
        verifier: SignatureVerifier,
        fault: Option<Fault>,
    ) -> Self {
        let height = Height(node.chain().head().header.number.saturating_add(1));
        Self {
            node,
            ctx: RewasmContext,
            validators,
            timeouts,
            block_time,
            signer,
            verifier,
            fault,
            height,
            round: 0,
            streams: PartStreams::default(),
            proposals: HashMap::new(),
            executed: HashMap::new(),
            validated: HashMap::new(),
            judged: HashMap::new(),
            early: Vec::new(),
        }
    }

    fn params(&self) -> HeightParams<RewasmContext> {
        HeightParams::new(
            self.validators.clone(),
            self.timeouts,
            Some(self.block_time),
        )
        .with_vote_extension_policy(VoteExtensionPolicy::Disabled)
    }

    /// Answers consensus until its channel closes (the engine stopped) or the node cannot go
    /// on.
    pub(crate) async fn run(mut self, mut channels: Channels<RewasmContext>) {
        while let Some(msg) = channels.consensus.recv().await {
            if let Flow::Halt = self.handle(msg, &channels.network).await {
                tracing::error!("consensus halted on a node failure");
                return;
            }
        }
        tracing::info!("consensus stopped");
    }

    async fn handle(
        &mut self,
        msg: AppMsg<RewasmContext>,
        network: &tokio::sync::mpsc::Sender<NetworkMsg<RewasmContext>>,
    ) -> Flow {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let head = self.node.chain().head().header.number;
                self.start_height(Height(head.saturating_add(1)));
                tracing::info!(height = %self.height, "consensus ready");
                let _ = reply.send((self.height, self.params()));
            }
            AppMsg::StartedRound {
                height,
                round,
                proposer,
                role,
                reply_value,
            } => {
                tracing::debug!(%height, %round, %proposer, ?role, "round started");
                if height != self.height {
                    self.start_height(height);
                }
                let round = round.as_u32().unwrap_or_default();
                self.round = round;
                // At most MAX_EARLY_PROPOSALS blocks, each signed by its round's proposer.
                self.validate_early().await;
                let values = self
                    .validated
                    .get(&(height, round))
                    .cloned()
                    .unwrap_or_default();
                let _ = reply_value.send(values);
            }
            AppMsg::GetValue {
                height,
                round,
                timeout: _,
                reply,
            } => {
                let round = round.as_u32().unwrap_or_default();
                match self.propose(height, round).await {
                    Some((hash, parts)) => {
                        let _ =
                            reply.send(LocallyProposedValue::new(height, Round::new(round), hash));
                        publish(network, parts).await;
                    }
                    // No reply: the round times out and moves on, as with a slow proposer.
                    None => drop(reply),
                }
            }
            AppMsg::ExtendVote { reply, .. } => {
                let _ = reply.send(None);
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                let verdicts = extensions
                    .into_iter()
                    .map(|(address, _)| (address, Ok(())))
                    .collect();
                let _ = reply.send(verdicts);
            }
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                address,
                value_id,
            } => {
                let round = round.as_u32().unwrap_or_default();
                let parts = self.restream(height, round, valid_round.as_u32(), address, value_id);
                if let Some(parts) = parts {
                    publish(network, parts).await;
                }
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                let _ = reply.send(Height(1));
            }
            AppMsg::ReceivedProposalPart {
                from,
                published_by,
                part,
                reply,
            } => {
                let value = self.received_part(published_by.unwrap_or(from), part).await;
                let _ = reply.send(value);
            }
            AppMsg::Decided {
                certificate, reply, ..
            } => {
                // Malachite is told only once the block is durable. A block that cannot be
                // committed stops the node: restarting the height would wipe the write-ahead
                // log this validator has voted under.
                if !self.commit(&certificate).await {
                    tracing::error!(
                        height = %certificate.height,
                        value = %certificate.value_id,
                        "the decided block could not be committed"
                    );
                    return Flow::Halt;
                }
                let _ = reply.send(());
            }
            AppMsg::Finalized {
                certificate, reply, ..
            } => {
                let _ = reply.send(Next::Start(certificate.height.increment(), self.params()));
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let values = self.decided_values(*range.start(), *range.end()).await;
                let _ = reply.send(values);
            }
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => {
                let outcome = self.synced(height, round, proposer, value_bytes).await;
                let _ = reply.send(outcome);
            }
        }
        Flow::Continue
    }

    /// Moves to `height`: what belonged to lower heights is dropped.
    fn start_height(&mut self, height: Height) {
        self.height = height;
        self.round = 0;
        self.proposals.clear();
        self.judged.clear();
        self.streams.prune_below(height);
        self.validated.retain(|(h, _), _| *h >= height);
        let number = height.0;
        self.executed
            .retain(|_, executed| executed.block().header.number >= number);
    }

    /// The value this node proposes for `height` and `round`, and the parts that carry it.
    async fn propose(
        &mut self,
        height: Height,
        round: u32,
    ) -> Option<(BlockHash, Vec<StreamMessage<ProposalPart>>)> {
        let (signer, address) = self.signer.clone()?;
        let node = Arc::clone(&self.node);
        let fault = self.fault;
        let built =
            tokio::task::spawn_blocking(move || propose_block(&node, height, round, fault)).await;
        let (block, executed) = match built {
            Ok(Ok(built)) => built,
            Ok(Err(error)) => {
                tracing::error!(%height, round, %error, "building a proposal failed");
                return None;
            }
            Err(error) => {
                tracing::error!(%height, round, %error, "the proposal builder panicked");
                return None;
            }
        };
        let hash = BlockHash::from(block.hash);
        tracing::info!(
            %height,
            round,
            hash = %hash,
            txs = block.transactions.len(),
            "proposing block"
        );
        if let Some(executed) = executed {
            self.executed.insert(hash, executed);
        }
        let parts = proposal_parts(&signer, address, height, round, None, &block.encode());
        Some((hash, parts))
    }

    /// The bytes of block `value_id` proposed at `height`, from the store.
    fn proposed_bytes(&self, height: Height, value_id: BlockHash) -> Option<Vec<u8>> {
        match self
            .node
            .chain()
            .store()
            .proposed_block(height.0, &value_id.h256())
        {
            Ok(Some(bytes)) => Some(bytes),
            Ok(None) => {
                tracing::warn!(%height, %value_id, "asked to re-send a block this node does not have");
                None
            }
            Err(error) => {
                tracing::error!(%height, %value_id, %error, "reading a proposed block");
                None
            }
        }
    }

    /// The parts that carry block `value_id` again. This node, proposer of `round`, re-proposes
    /// a block that got a polka in `valid_round`: it signs it for the new round (and records it
    /// as its proposal there, like a new one). Another proposer's block (`proposer`, Malachite's
    /// last resort after many rounds) is re-sent as that proposer signed it.
    fn restream(
        &self,
        height: Height,
        round: u32,
        valid_round: Option<u32>,
        proposer: Address,
        value_id: BlockHash,
    ) -> Option<Vec<StreamMessage<ProposalPart>>> {
        let (signer, address) = self.signer.as_ref()?;
        let bytes = self.proposed_bytes(height, value_id)?;
        if proposer != *address {
            let Some(original) = self.proposals.get(&value_id) else {
                tracing::warn!(%height, %value_id, %proposer, "asked to re-send a proposal this node has not seen signed");
                return None;
            };
            return Some(signed_parts(original, &bytes));
        }
        if let Err(error) =
            self.node
                .chain()
                .store()
                .put_own_proposal(height.0, round, &value_id.h256(), &bytes)
        {
            tracing::error!(%height, round, %value_id, %error, "recording a re-proposal");
            return None;
        }
        Some(proposal_parts(
            signer,
            *address,
            height,
            round,
            valid_round,
            &bytes,
        ))
    }

    /// Takes in a proposal part; answers the proposed value once its stream is complete.
    async fn received_part(
        &mut self,
        publisher: PeerId,
        part: StreamMessage<ProposalPart>,
    ) -> Option<ProposedValue<RewasmContext>> {
        let proposal = match self.streams.insert(publisher, part, self.height) {
            Ok(Some(proposal)) => proposal,
            Ok(None) => return None,
            Err(error) => {
                tracing::debug!(%publisher, %error, "proposal part dropped");
                return None;
            }
        };
        if proposal.height < self.height || !self.signed_by_proposer(&proposal) {
            return None;
        }
        if proposal.height > self.height {
            if self.early.len() >= MAX_EARLY_PROPOSALS {
                self.early.remove(0);
            }
            self.early.push(proposal);
            return None;
        }
        self.validate_proposal(proposal).await
    }

    /// Whether `proposal` is signed by the validator Malachite chose for its height and round.
    fn signed_by_proposer(&self, proposal: &ReceivedProposal) -> bool {
        let expected = self.ctx.select_proposer(
            &self.validators,
            proposal.height,
            Round::new(proposal.round),
        );
        let signed = expected.address == proposal.proposer
            && self.verifier.verifies_block(
                &expected.public_key,
                &proposal.signature,
                proposal.height.0,
                proposal.round,
                &block_digest(&proposal.block),
            );
        if !signed {
            tracing::warn!(
                height = %proposal.height,
                round = proposal.round,
                proposer = %proposal.proposer,
                "proposal not signed by the round's proposer: ignored"
            );
        }
        signed
    }

    /// Validates the kept proposals of the current height.
    async fn validate_early(&mut self) {
        let height = self.height;
        let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.early)
            .into_iter()
            .filter(|proposal| proposal.height >= height)
            .partition(|proposal| proposal.height == height);
        self.early = later;
        for proposal in now {
            self.validate_proposal(proposal).await;
        }
    }

    /// Checks a complete proposal of the current height, signed by its round's proposer
    /// ([`App::signed_by_proposer`]): its block re-executes to the same hash. A block already
    /// judged for the round is not executed again, and a round takes at most
    /// [`MAX_PROPOSALS_PER_ROUND`] blocks, so a peer replaying proposals costs no execution.
    async fn validate_proposal(
        &mut self,
        proposal: ReceivedProposal,
    ) -> Option<ProposedValue<RewasmContext>> {
        let signed = proposal.signed();
        let ReceivedProposal {
            height,
            round,
            proposer,
            block,
            ..
        } = proposal;
        if round > self.round.saturating_add(MAX_ROUNDS_AHEAD) {
            tracing::debug!(%height, round, current = self.round, "proposal too many rounds ahead: ignored");
            return None;
        }
        let digest = block_digest(&block);
        if let Some(value) = self.judged.get(&(round, digest)) {
            return value.clone();
        }
        // Undecodable blocks count too: each one is a map entry kept for the height.
        let judged = self.judged.keys().filter(|(r, _)| *r == round).count();
        if judged >= MAX_PROPOSALS_PER_ROUND {
            tracing::warn!(%height, round, %proposer, "more proposals for the round than kept: ignored");
            return None;
        }
        let decoded = match Block::decode(&block, self.node.chain().config().signatures()) {
            Ok(decoded) => decoded,
            Err(error) => {
                tracing::warn!(%height, round, %proposer, %error, "proposed block does not decode: ignored");
                self.judged.insert((round, digest), None);
                return None;
            }
        };
        let hash = BlockHash::from(decoded.hash);
        if decoded.header.timestamp > now_seconds().saturating_add(MAX_CLOCK_DRIFT.as_secs()) {
            tracing::warn!(%height, round, %hash, timestamp = decoded.header.timestamp, "proposed block is from the future");
            return Some(self.record(signed, digest, hash, Validity::Invalid));
        }
        if let Err(error) =
            self.node
                .chain()
                .store()
                .put_proposed_block(height.0, &decoded.hash, &block)
        {
            tracing::error!(%height, %hash, %error, "storing a proposed block");
            return None;
        }
        let validity = match self.execute(decoded).await {
            Verdict::Valid(executed) => {
                self.executed.insert(hash, *executed);
                tracing::debug!(%height, round, %hash, "proposal valid");
                Validity::Valid
            }
            Verdict::Invalid(reason) => {
                tracing::warn!(%height, round, %hash, %proposer, %reason, "proposal invalid: voting nil");
                Validity::Invalid
            }
            Verdict::NodeFailure(error) => {
                tracing::error!(%height, round, %hash, %error, "could not execute a proposal");
                return None;
            }
        };
        Some(self.record(signed, digest, hash, validity))
    }

    /// Keeps the verdict on block `hash` (its encoding's digest `digest`) as `signed` proposed it.
    fn record(
        &mut self,
        signed: SignedProposal,
        digest: [u8; 32],
        hash: BlockHash,
        validity: Validity,
    ) -> ProposedValue<RewasmContext> {
        let value = ProposedValue {
            height: signed.height,
            round: Round::new(signed.round),
            valid_round: signed.valid_round.map_or(Round::Nil, Round::new),
            proposer: signed.proposer,
            value: hash,
            validity,
        };
        self.validated
            .entry((signed.height, signed.round))
            .or_default()
            .push(value.clone());
        self.judged
            .insert((signed.round, digest), Some(value.clone()));
        self.proposals.entry(hash).or_insert(signed);
        value
    }

    /// Re-executes `block` on the head state.
    async fn execute(&self, block: Block) -> Verdict {
        let node = Arc::clone(&self.node);
        let executed =
            tokio::task::spawn_blocking(move || node.chain().execute_proposed(&block)).await;
        match executed {
            Ok(Ok(executed)) => Verdict::Valid(Box::new(executed)),
            Ok(Err(ProposalError::Invalid(reason))) => Verdict::Invalid(reason),
            Ok(Err(ProposalError::Node(error))) => Verdict::NodeFailure(error.to_string()),
            Err(error) => Verdict::NodeFailure(format!("the executor task panicked: {error}")),
        }
    }

    /// Commits the decided block with its certificate; false when it could not be.
    async fn commit(&mut self, certificate: &CommitCertificate<RewasmContext>) -> bool {
        let hash = certificate.value_id;
        let number = certificate.height.0;
        let executed = match self.executed.remove(&hash) {
            Some(executed) => executed,
            None => match self.executed_from_store(number, hash).await {
                Some(executed) => executed,
                None => return false,
            },
        };
        let encoded = match borsh::to_vec(certificate) {
            Ok(encoded) => encoded,
            Err(error) => {
                tracing::error!(%error, "encoding a commit certificate");
                return false;
            }
        };
        let node = Arc::clone(&self.node);
        let committed =
            tokio::task::spawn_blocking(move || node.commit_decided(executed, encoded)).await;
        match committed {
            Ok(Ok(block)) => {
                tracing::info!(
                    number = block.header.number,
                    hash = ?block.hash,
                    round = %certificate.round,
                    signatures = certificate.commit_signatures.len(),
                    txs = block.transactions.len(),
                    "committed decided block"
                );
                true
            }
            Ok(Err(error)) => {
                tracing::error!(number, %hash, %error, "committing a decided block");
                false
            }
            Err(error) => {
                tracing::error!(number, %hash, %error, "the commit task panicked");
                false
            }
        }
    }

    /// The decided block `hash` from the proposals this node stored (after a restart, its
    /// execution is gone from memory), executed again.
    async fn executed_from_store(&self, number: u64, hash: BlockHash) -> Option<ExecutedBlock> {
        let bytes = match self
            .node
            .chain()
            .store()
            .proposed_block(number, &hash.h256())
        {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                tracing::error!(number, %hash, "decided a block this node never received");
                return None;
            }
            Err(error) => {
                tracing::error!(number, %hash, %error, "reading a decided block");
                return None;
            }
        };
        let block = match Block::decode(&bytes, self.node.chain().config().signatures()) {
            Ok(block) => block,
            Err(error) => {
                tracing::error!(number, %hash, %error, "a stored proposal does not decode");
                return None;
            }
        };
        match self.execute(block).await {
            Verdict::Valid(executed) => Some(*executed),
            Verdict::Invalid(reason) | Verdict::NodeFailure(reason) => {
                tracing::error!(number, %hash, %reason, "executing the decided block");
                None
            }
        }
    }

    /// Decided blocks `from..=to` (at most [`MAX_SYNC_BATCH`], stopping at the head) with
    /// their certificates.
    async fn decided_values(
        &self,
        from: Height,
        to: Height,
    ) -> Vec<RawDecidedValue<RewasmContext>> {
        let node = Arc::clone(&self.node);
        let read = tokio::task::spawn_blocking(move || {
            let head = node.chain().head().header.number;
            let last =
                to.0.min(head)
                    .min(from.0.saturating_add(MAX_SYNC_BATCH - 1));
            let mut values = Vec::new();
            for number in from.0.max(1)..=last {
                let store = node.chain().store();
                let (Ok(Some(block)), Ok(Some(certificate))) =
                    (store.block_header(number), store.certificate(number))
                else {
                    break;
                };
                let Ok(certificate) =
                    borsh::from_slice::<CommitCertificate<RewasmContext>>(&certificate)
                else {
                    tracing::error!(number, "a stored commit certificate does not decode");
                    break;
                };
                values.push(RawDecidedValue::new(
                    Bytes::from(block),
                    ExtendedCommitCertificate::from_commit_certificate_and_extensions(
                        certificate,
                        Default::default(),
                    ),
                ));
            }
            values
        })
        .await;
        read.unwrap_or_default()
    }

    /// A decided block received through sync (its certificate already checked): executed like
    /// a proposal.
    async fn synced(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        bytes: Bytes,
    ) -> SyncedValueOutcome<RewasmContext> {
        let Ok(block) = Block::decode(&bytes, self.node.chain().config().signatures()) else {
            return SyncedValueOutcome::PeerFault;
        };
        if block.header.number != height.0 {
            return SyncedValueOutcome::PeerFault;
        }
        let hash = BlockHash::from(block.hash);
        if let Err(error) =
            self.node
                .chain()
                .store()
                .put_proposed_block(height.0, &block.hash, &bytes)
        {
            tracing::error!(%height, %hash, %error, "storing a synced block");
            return SyncedValueOutcome::LocalTransientError;
        }
        let validity = match self.execute(block).await {
            Verdict::Valid(executed) => {
                self.executed.insert(hash, *executed);
                Validity::Valid
            }
            Verdict::Invalid(reason) => {
                tracing::warn!(%height, %hash, %reason, "synced block invalid");
                Validity::Invalid
            }
            Verdict::NodeFailure(error) => {
                tracing::error!(%height, %hash, %error, "could not execute a synced block");
                return SyncedValueOutcome::LocalTransientError;
            }
        };
        SyncedValueOutcome::Verdict(ProposedValue {
            height,
            round,
            valid_round: Round::Nil,
            proposer,
            value: hash,
            validity,
        })
    }
}

/// Builds (or, after a restart, finds) this node's block for `height` and `round`: the block,
/// and its execution when it is a real one.
fn propose_block(
    node: &Node,
    height: Height,
    round: u32,
    fault: Option<Fault>,
) -> Result<(Block, Option<ExecutedBlock>), String> {
    let store = node.chain().store();
    if let Some(hash) = store
        .own_proposal(height.0, round)
        .map_err(|e| e.to_string())?
        && let Some(bytes) = store
            .proposed_block(height.0, &hash)
            .map_err(|e| e.to_string())?
    {
        let block =
            Block::decode(&bytes, node.chain().config().signatures()).map_err(|e| e.to_string())?;
        return Ok((block, None));
    }
    let head = node.chain().head();
    if head.header.number.saturating_add(1) != height.0 {
        return Err(format!(
            "asked to propose height {height} on head {}",
            head.header.number
        ));
    }
    let executed = node
        .propose_block(now_seconds())
        .map_err(|error| error.to_string())?;
    let (block, executed) = match fault {
        None => (executed.block().clone(), Some(executed)),
        Some(Fault::WrongStateRoot) => {
            let mut header = executed.block().header.clone();
            header.state_root = H256::from_low_u64_be(0xbad);
            let tampered = Block::new(
                header,
                executed.block().raw_transactions.clone(),
                node.chain().config().signatures(),
            )
            .map_err(|error| error.to_string())?;
            tracing::warn!(%height, round, "fault injection: proposing a wrong state root");
            (tampered, None)
        }
    };
    store
        .put_own_proposal(height.0, round, &block.hash, &block.encode())
        .map_err(|error| error.to_string())?;
    Ok((block, executed))
}

async fn publish(
    network: &tokio::sync::mpsc::Sender<NetworkMsg<RewasmContext>>,
    parts: Vec<StreamMessage<ProposalPart>>,
) {
    for part in parts {
        if network
            .send(NetworkMsg::PublishProposalPart(part))
            .await
            .is_err()
        {
            tracing::warn!("the network stopped while publishing a proposal");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Validator;
    use crate::engine::lan_timeouts;
    use crate::signing::PrivateKey;
    use rewasm_node::genesis::{DEV_CHAIN_ID, Genesis};
    use rewasm_node::node::Mining;

    struct Fixture {
        app: App,
        signer: ValidatorSigner,
        proposer: Address,
        /// The time blocks are dated back from: fixed, so that two blocks asked for with
        /// different ages differ even when the clock ticks between them.
        now: u64,
        _dir: tempfile::TempDir,
    }

    /// A one-validator network's application, the validator being the proposer of every round.
    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let key = PrivateKey::from_seed([7; 32]);
        let public_key = key.public_key();
        let node = Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Consensus).unwrap();
        let validators = ValidatorSet::new(vec![Validator::new(public_key, 1)]).unwrap();
        let app = App::new(
            Arc::new(node),
            validators,
            lan_timeouts(),
            Duration::from_secs(1),
            None,
            SignatureVerifier::new(DEV_CHAIN_ID),
            None,
        );
        Fixture {
            app,
            signer: ValidatorSigner::new(key, DEV_CHAIN_ID),
            proposer: Address::of(&public_key),
            now: now_seconds(),
            _dir: dir,
        }
    }

    impl Fixture {
        /// A valid empty block for height 1, told apart by its timestamp.
        fn block(&self, seconds_ago: u64) -> Vec<u8> {
            let executed = self.app.node.propose_block(self.now - seconds_ago).unwrap();
            executed.block().encode()
        }

        fn proposal(&self, round: u32, block: Vec<u8>) -> ReceivedProposal {
            ReceivedProposal {
                height: Height(1),
                round,
                valid_round: None,
                proposer: self.proposer,
                signature: self.signer.sign_block(1, round, &block_digest(&block)),
                block,
            }
        }

        fn validated(&self, round: u32) -> usize {
            self.app
                .validated
                .get(&(Height(1), round))
                .map_or(0, Vec::len)
        }
    }

    /// What a proposer (or a peer replaying its parts) can make a validator execute.
    #[tokio::test]
    async fn replayed_extra_and_far_proposals_are_not_executed() {
        let mut f = fixture();
        let first = f.block(1);
        let value = f.app.validate_proposal(f.proposal(0, first.clone())).await;
        assert!(matches!(&value, Some(v) if v.validity == Validity::Valid));
        for _ in 0..5 {
            let again = f.app.validate_proposal(f.proposal(0, first.clone())).await;
            assert_eq!(again, value, "a replayed block gets the verdict it had");
        }
        assert_eq!(f.validated(0), 1, "a replayed block is not executed again");

        let second = f.app.validate_proposal(f.proposal(0, f.block(2))).await;
        assert!(matches!(second, Some(v) if v.validity == Validity::Valid));
        assert_eq!(
            f.app.validate_proposal(f.proposal(0, f.block(3))).await,
            None
        );
        assert_eq!(f.validated(0), MAX_PROPOSALS_PER_ROUND);

        // Undecodable blocks use up the round's share as well.
        for garbage in 0..MAX_PROPOSALS_PER_ROUND as u8 {
            let value = f
                .app
                .validate_proposal(f.proposal(1, vec![0xc1, garbage]))
                .await;
            assert_eq!(value, None);
        }
        assert_eq!(
            f.app.validate_proposal(f.proposal(1, f.block(4))).await,
            None
        );
        assert_eq!(f.validated(1), 0);

        let far = MAX_ROUNDS_AHEAD + 1;
        assert_eq!(
            f.app.validate_proposal(f.proposal(far, f.block(5))).await,
            None
        );
        assert_eq!(f.validated(far), 0);
        assert_eq!(f.app.judged.len(), 2 + MAX_PROPOSALS_PER_ROUND);
    }

    #[tokio::test]
    async fn only_the_rounds_proposer_signature_is_taken() {
        let f = fixture();
        let proposal = f.proposal(0, f.block(1));
        assert!(f.app.signed_by_proposer(&proposal));
        let other = ValidatorSigner::new(PrivateKey::from_seed([8; 32]), DEV_CHAIN_ID);
        let forged = ReceivedProposal {
            signature: other.sign_block(1, 0, &block_digest(&proposal.block)),
            ..proposal.clone()
        };
        assert!(!f.app.signed_by_proposer(&forged));
        let replayed_in_another_round = ReceivedProposal {
            round: 1,
            ..proposal
        };
        assert!(!f.app.signed_by_proposer(&replayed_in_another_round));
    }
}
