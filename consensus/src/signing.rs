//! Validator keys and what they sign: ed25519 (RFC 8032 keys, ZIP-215 verification through
//! `ed25519-consensus`, so every node accepts exactly the same signatures).
//!
//! Every signed message starts with a domain tag and the chain id, so a vote, a proposal and a
//! block signature can never be mistaken for one another, nor replayed on another chain. A
//! vote's bytes depend only on (type, height, round, value, validator), because Malachite
//! rebuilds the precommits of a commit certificate from those fields to check it.

use std::fmt;

use async_trait::async_trait;
use ed25519_consensus::{SigningKey, VerificationKey};
use malachitebft_core_types::{
    self as mt, NilOrVal, Round, SignedMessage, ValidatorProof, VoteExtensionScope,
};
use malachitebft_signing::{Error as SigningError, Signer, VerificationResult, Verifier};

use crate::context::{Proposal, RewasmContext, Vote};

/// The signing scheme consensus uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ed25519;

/// A 64-byte ed25519 signature.
#[derive(
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    borsh::BorshSerialize,
    borsh::BorshDeserialize,
)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature(0x{})", hex::encode(self.0))
    }
}

/// An ed25519 public key (a valid curve point, checked when decoded).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerificationKey);

impl PublicKey {
    /// The 32 encoded bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// Decodes 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        VerificationKey::try_from(bytes)
            .map(Self)
            .map_err(|_| KeyError::PublicKey)
    }

    fn verifies(&self, signature: &Signature, message: &[u8]) -> bool {
        let signature = ed25519_consensus::Signature::from(signature.0);
        self.0.verify(&signature, message).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey(0x{})", hex::encode(self.as_bytes()))
    }
}

/// A validator's secret key.
#[derive(Clone)]
pub struct PrivateKey(SigningKey);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({:?})", self.public_key())
    }
}

impl PrivateKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        Self(SigningKey::new(rand::rngs::OsRng))
    }

    /// The key whose 32-byte seed is `seed`.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from(seed))
    }

    /// The 32-byte seed (what a key file stores).
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verification_key())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message).to_bytes())
    }
}

/// A key or signature that does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("not an ed25519 public key (32 bytes encoding a curve point)")]
    PublicKey,
    #[error("not an ed25519 signature (64 bytes)")]
    Signature,
}

impl mt::SigningScheme for Ed25519 {
    type DecodingError = KeyError;
    type Signature = Signature;
    type PublicKey = PublicKey;
    type PrivateKey = PrivateKey;

    fn decode_signature(bytes: &[u8]) -> Result<Signature, KeyError> {
        <[u8; 64]>::try_from(bytes)
            .map(Signature)
            .map_err(|_| KeyError::Signature)
    }

    fn encode_signature(signature: &Signature) -> Vec<u8> {
        signature.0.to_vec()
    }

    fn decode_public_key(bytes: &[u8]) -> Result<PublicKey, KeyError> {
        PublicKey::from_bytes(bytes)
    }

    fn encode_public_key(public_key: &PublicKey) -> Vec<u8> {
        public_key.as_bytes().to_vec()
    }
}

/// What kind of message a signature is over (the first bytes signed).
const VOTE_TAG: &[u8] = b"rewasm/vote/v1";
const PROPOSAL_TAG: &[u8] = b"rewasm/proposal/v1";
const BLOCK_TAG: &[u8] = b"rewasm/block/v1";

fn round_bytes(round: Round) -> [u8; 8] {
    round.as_i64().to_be_bytes()
}

/// The bytes a validator signs for `vote` on chain `chain_id`.
pub fn vote_bytes(chain_id: u64, vote: &Vote) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(VOTE_TAG.len() + 8 + 1 + 8 + 8 + 33 + 20);
    bytes.extend_from_slice(VOTE_TAG);
    bytes.extend_from_slice(&chain_id.to_be_bytes());
    bytes.push(match vote.vote_type {
        mt::VoteType::Prevote => 1,
        mt::VoteType::Precommit => 2,
    });
    bytes.extend_from_slice(&vote.height.0.to_be_bytes());
    bytes.extend_from_slice(&round_bytes(vote.round));
    match &vote.value {
        NilOrVal::Nil => bytes.push(0),
        NilOrVal::Val(hash) => {
            bytes.push(1);
            bytes.extend_from_slice(&hash.0);
        }
    }
    bytes.extend_from_slice(&vote.validator.0);
    bytes
}

/// The bytes a proposer signs for `proposal` on chain `chain_id`.
pub fn proposal_bytes(chain_id: u64, proposal: &Proposal) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(PROPOSAL_TAG.len() + 8 + 8 + 8 + 8 + 32 + 20);
    bytes.extend_from_slice(PROPOSAL_TAG);
    bytes.extend_from_slice(&chain_id.to_be_bytes());
    bytes.extend_from_slice(&proposal.height.0.to_be_bytes());
    bytes.extend_from_slice(&round_bytes(proposal.round));
    bytes.extend_from_slice(&round_bytes(proposal.pol_round));
    bytes.extend_from_slice(&proposal.value.0);
    bytes.extend_from_slice(&proposal.proposer.0);
    bytes
}

/// The bytes a proposer signs to close the parts of a proposed block: height, round and the
/// keccak-256 of the block's encoding.
pub fn block_bytes(chain_id: u64, height: u64, round: u32, block_digest: &[u8; 32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(BLOCK_TAG.len() + 8 + 8 + 4 + 32);
    bytes.extend_from_slice(BLOCK_TAG);
    bytes.extend_from_slice(&chain_id.to_be_bytes());
    bytes.extend_from_slice(&height.to_be_bytes());
    bytes.extend_from_slice(&round.to_be_bytes());
    bytes.extend_from_slice(block_digest);
    bytes
}

/// Signs for a validator of chain `chain_id`.
#[derive(Clone, Debug)]
pub struct ValidatorSigner {
    key: PrivateKey,
    chain_id: u64,
}

impl ValidatorSigner {
    /// The signer with `key` on chain `chain_id`.
    pub fn new(key: PrivateKey, chain_id: u64) -> Self {
        Self { key, chain_id }
    }

    /// The key's public half.
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    /// Signs the close of a proposed block's parts ([`block_bytes`]).
    pub fn sign_block(&self, height: u64, round: u32, block_digest: &[u8; 32]) -> Signature {
        self.key
            .sign(&block_bytes(self.chain_id, height, round, block_digest))
    }
}

#[async_trait]
impl Signer<RewasmContext> for ValidatorSigner {
    async fn sign_vote(
        &self,
        vote: Vote,
    ) -> Result<SignedMessage<RewasmContext, Vote>, SigningError> {
        let signature = self.key.sign(&vote_bytes(self.chain_id, &vote));
        Ok(SignedMessage::new(vote, signature))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<SignedMessage<RewasmContext, Proposal>, SigningError> {
        let signature = self.key.sign(&proposal_bytes(self.chain_id, &proposal));
        Ok(SignedMessage::new(proposal, signature))
    }

    async fn sign_vote_extension(
        &self,
        _scope: VoteExtensionScope<RewasmContext>,
        extension: (),
    ) -> Result<SignedMessage<RewasmContext, ()>, SigningError> {
        Err(SigningError::from_source(format!(
            "vote extensions are not used (asked to sign {extension:?})"
        )))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<RewasmContext>, SigningError> {
        let signature = self
            .key
            .sign(&ValidatorProof::<RewasmContext>::signing_bytes(
                &public_key,
                &peer_id,
            ));
        Ok(ValidatorProof::new(public_key, peer_id, signature))
    }
}

/// Checks signatures of chain `chain_id`.
#[derive(Clone, Copy, Debug)]
pub struct SignatureVerifier {
    chain_id: u64,
}

impl SignatureVerifier {
    /// The verifier for chain `chain_id`.
    pub fn new(chain_id: u64) -> Self {
        Self { chain_id }
    }

    /// Whether `signature` by `key` closes a proposed block's parts ([`block_bytes`]).
    pub fn verifies_block(
        &self,
        key: &PublicKey,
        signature: &Signature,
        height: u64,
        round: u32,
        block_digest: &[u8; 32],
    ) -> bool {
        key.verifies(
            signature,
            &block_bytes(self.chain_id, height, round, block_digest),
        )
    }
}

#[async_trait]
impl Verifier<RewasmContext> for SignatureVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(VerificationResult::from_bool(
            public_key.verifies(signature, &vote_bytes(self.chain_id, vote)),
        ))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(VerificationResult::from_bool(public_key.verifies(
            signature,
            &proposal_bytes(self.chain_id, proposal),
        )))
    }

    async fn verify_signed_vote_extension(
        &self,
        _scope: &VoteExtensionScope<RewasmContext>,
        _extension: &(),
        _signature: &Signature,
        _public_key: &PublicKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(VerificationResult::Invalid)
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<RewasmContext>,
    ) -> Result<VerificationResult, SigningError> {
        let Ok(key) = PublicKey::from_bytes(&proof.public_key) else {
            return Ok(VerificationResult::Invalid);
        };
        Ok(VerificationResult::from_bool(key.verifies(
            &proof.signature,
            &ValidatorProof::<RewasmContext>::signing_bytes(&proof.public_key, &proof.peer_id),
        )))
    }
}
