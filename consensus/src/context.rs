//! rewasm's types for Malachite's `Context`: who votes (ed25519 validators with voting power),
//! on what (a block, named by its hash), and the messages that carry them.
//!
//! The value consensus agrees on is a block hash ([`BlockHash`]); the block itself travels as
//! proposal parts ([`ProposalPart`]), since Malachite asks the application to validate a value
//! only when it streams its parts (`ValuePayload::ProposalAndParts`). Validators are identified
//! by an [`Address`] derived from their public key, and proposers rotate round-robin by height
//! and round ([`RewasmContext::select_proposer`]).

use std::fmt;

use malachitebft_core_types::{
    self as mt, LinearTimeouts, NilOrVal, Round, SignedExtension, VoteType, VotingPower,
};
use primitive_types::{H160, H256};

use crate::signing::{Ed25519, PublicKey, Signature};

/// The application's consensus context.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RewasmContext;

/// A validator's identity in votes and certificates: the last 20 bytes of the keccak-256 of its
/// ed25519 public key.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The address of `key`.
    pub fn of(key: &PublicKey) -> Self {
        Self(H160::from(rewasm_primitives::keccak256(key.as_bytes())).0)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl mt::Address for Address {}

/// A block number, as consensus counts heights (the first decided block is height 1).
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
pub struct Height(pub u64);

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Debug for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl mt::Height for Height {
    const ZERO: Self = Self(0);
    const INITIAL: Self = Self(1);

    fn increment_by(&self, n: u64) -> Self {
        Self(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Self)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// The value consensus decides: the hash of a block's header.
#[derive(
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
pub struct BlockHash(pub [u8; 32]);

impl BlockHash {
    /// As the chain's hash type.
    pub fn h256(&self) -> H256 {
        H256(self.0)
    }
}

impl From<H256> for BlockHash {
    fn from(hash: H256) -> Self {
        Self(hash.0)
    }
}

impl fmt::Display for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl mt::Value for BlockHash {
    type Id = BlockHash;

    fn id(&self) -> BlockHash {
        *self
    }
}

/// A piece of a proposed block as the proposer streams it: `Init` names the proposal, `Data`
/// carries consecutive chunks of the encoded block, `Fin` closes it with the proposer's
/// signature over all of it ([`crate::streaming::proposal_digest`]). Malachite does not
/// authenticate parts; the signature is what ties the block to the proposer consensus chose.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub enum ProposalPart {
    Init {
        height: Height,
        round: u32,
        /// The round in which the proposer saw a polka for this block, if any.
        valid_round: Option<u32>,
        proposer: Address,
    },
    Data(Vec<u8>),
    Fin {
        signature: Signature,
    },
}

impl mt::ProposalPart<RewasmContext> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, Self::Init { .. })
    }

    fn is_last(&self) -> bool {
        matches!(self, Self::Fin { .. })
    }
}

/// A proposal for a height and round.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct Proposal {
    pub height: Height,
    pub round: Round,
    pub value: BlockHash,
    pub pol_round: Round,
    pub proposer: Address,
}

impl mt::Proposal<RewasmContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockHash {
        &self.value
    }

    fn take_value(self) -> BlockHash {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &Address {
        &self.proposer
    }
}

/// A prevote or precommit. Vote extensions are not used.
#[derive(Clone, Debug, PartialEq, Eq, borsh::BorshSerialize, borsh::BorshDeserialize)]
pub struct Vote {
    pub vote_type: VoteType,
    pub height: Height,
    pub round: Round,
    pub value: NilOrVal<BlockHash>,
    pub validator: Address,
}

impl mt::Vote<RewasmContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<BlockHash> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<BlockHash> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.vote_type
    }

    fn validator_address(&self) -> &Address {
        &self.validator
    }

    fn extension(&self) -> Option<&SignedExtension<RewasmContext>> {
        None
    }

    fn take_extension(&mut self) -> Option<SignedExtension<RewasmContext>> {
        None
    }

    fn extend(self, _extension: SignedExtension<RewasmContext>) -> Self {
        self
    }
}

/// A validator: its key, the address derived from it, and its voting power.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    pub address: Address,
    pub public_key: PublicKey,
    pub voting_power: VotingPower,
}

impl Validator {
    /// The validator with `public_key` and `voting_power`.
    pub fn new(public_key: PublicKey, voting_power: VotingPower) -> Self {
        Self {
            address: Address::of(&public_key),
            public_key,
            voting_power,
        }
    }
}

impl mt::Validator<RewasmContext> for Validator {
    fn address(&self) -> &Address {
        &self.address
    }

    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn voting_power(&self) -> VotingPower {
        self.voting_power
    }
}

/// The validators, sorted by address (so every node indexes them alike, whatever the order in
/// the genesis file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    validators: Vec<Validator>,
    total_power: VotingPower,
}

/// Why a list of validators is not a usable set.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidatorSetError {
    #[error("the validator set is empty")]
    Empty,
    #[error("validator {0} has no voting power")]
    NoPower(Address),
    #[error("validator {0} is listed twice")]
    Duplicate(Address),
    #[error("the validators' total voting power overflows 64 bits")]
    PowerOverflow,
}

impl ValidatorSet {
    /// The set of `validators`: none twice, each with power, the total within 64 bits.
    pub fn new(mut validators: Vec<Validator>) -> Result<Self, ValidatorSetError> {
        if validators.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        validators.sort_by_key(|validator| validator.address);
        let mut total_power: VotingPower = 0;
        for (index, validator) in validators.iter().enumerate() {
            if validator.voting_power == 0 {
                return Err(ValidatorSetError::NoPower(validator.address));
            }
            if index > 0 && validators.get(index - 1).map(|v| v.address) == Some(validator.address)
            {
                return Err(ValidatorSetError::Duplicate(validator.address));
            }
            total_power = total_power
                .checked_add(validator.voting_power)
                .ok_or(ValidatorSetError::PowerOverflow)?;
        }
        Ok(Self {
            validators,
            total_power,
        })
    }

    /// The validators in address order.
    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The validator with `address`.
    pub fn get(&self, address: &Address) -> Option<&Validator> {
        self.validators
            .binary_search_by_key(address, |validator| validator.address)
            .ok()
            .and_then(|index| self.validators.get(index))
    }
}

impl mt::ValidatorSet<RewasmContext> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> VotingPower {
        self.total_power
    }

    fn get_by_address(&self, address: &Address) -> Option<&Validator> {
        self.get(address)
    }

    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

impl mt::Context for RewasmContext {
    type Address = Address;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = LinearTimeouts;
    type Value = BlockHash;
    type Vote = Vote;
    type Extension = ();
    type SigningScheme = Ed25519;

    /// Round-robin: height `h`, round `r` is proposed by validator `(h − 1 + r) mod n` in
    /// address order.
    fn select_proposer<'a>(
        &self,
        validator_set: &'a ValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a Validator {
        let count = validator_set.validators.len() as u64;
        let round = u64::from(round.as_u32().unwrap_or_default());
        let index = height.0.saturating_sub(1).wrapping_add(round) % count.max(1);
        let index = usize::try_from(index).unwrap_or_default();
        #[expect(
            clippy::indexing_slicing,
            reason = "index < len: it is taken modulo the length of a set `new` never leaves empty"
        )]
        &validator_set.validators[index]
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockHash,
        pol_round: Round,
        address: Address,
    ) -> Proposal {
        Proposal {
            height,
            round,
            value,
            pol_round,
            proposer: address,
        }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockHash>,
        address: Address,
    ) -> Vote {
        Vote {
            vote_type: VoteType::Prevote,
            height,
            round,
            value: value_id,
            validator: address,
        }
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockHash>,
        address: Address,
    ) -> Vote {
        Vote {
            vote_type: VoteType::Precommit,
            height,
            round,
            value: value_id,
            validator: address,
        }
    }
}
