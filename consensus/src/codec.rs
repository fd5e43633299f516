//! The bytes of every consensus message on the wire and in the write-ahead log: borsh, through
//! the `borsh` implementations Malachite gives its generic messages once rewasm's
//! [`context`](crate::context) types have them.
//!
//! Two messages have no borsh form upstream and are encoded here field by field: the proof that
//! a network peer is a validator, and sync responses, whose certificates are sent without vote
//! extensions (rewasm uses none). The WAL stores these bytes, so changing any of them breaks the
//! replay of a WAL written before: the format is versioned with the crate's pinned Malachite.

use bytes::Bytes;
use malachitebft_codec::{Codec, HasEncodedLen};
use malachitebft_core_consensus::{LivenessMsg, ProposedValue, SignedConsensusMsg};
use malachitebft_core_types::{
    CommitCertificate, ExtendedCommitCertificate, PolkaCertificate, ValidatorProof, VoteExtensions,
};
use malachitebft_engine::util::streaming::StreamMessage;
use malachitebft_sync::{self as sync, RawDecidedValue, ValueResponse};

use crate::context::{Height, ProposalPart, RewasmContext};
use crate::signing::Signature;

/// Why bytes did not decode (or, never in practice, a message did not encode).
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct CodecError {
    what: &'static str,
    source: std::io::Error,
}

/// rewasm's codec for the network, sync and the WAL.
#[derive(Clone, Copy, Debug, Default)]
pub struct WireCodec;

fn encode<T: borsh::BorshSerialize>(what: &'static str, value: &T) -> Result<Bytes, CodecError> {
    borsh::to_vec(value)
        .map(Bytes::from)
        .map_err(|source| CodecError { what, source })
}

fn decode<T: borsh::BorshDeserialize>(what: &'static str, bytes: &[u8]) -> Result<T, CodecError> {
    borsh::from_slice(bytes).map_err(|source| CodecError { what, source })
}

/// Implements [`Codec`] for types with a borsh form.
macro_rules! borsh_codec {
    ($($ty:ty => $what:literal),* $(,)?) => {$(
        impl Codec<$ty> for WireCodec {
            type Error = CodecError;

            fn decode(&self, bytes: Bytes) -> Result<$ty, CodecError> {
                decode($what, &bytes)
            }

            fn encode(&self, msg: &$ty) -> Result<Bytes, CodecError> {
                encode($what, msg)
            }
        }
    )*};
}

borsh_codec! {
    ProposalPart => "proposal part",
    SignedConsensusMsg<RewasmContext> => "consensus message",
    LivenessMsg<RewasmContext> => "liveness message",
    StreamMessage<ProposalPart> => "proposal part stream message",
    ProposedValue<RewasmContext> => "proposed value",
    PolkaCertificate<RewasmContext> => "polka certificate",
    sync::Status<RewasmContext> => "sync status",
    sync::Request<RewasmContext> => "sync request",
}

/// [`ValidatorProof`] on the wire.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct WireValidatorProof {
    public_key: Vec<u8>,
    peer_id: Vec<u8>,
    signature: Signature,
}

impl Codec<ValidatorProof<RewasmContext>> for WireCodec {
    type Error = CodecError;

    fn decode(&self, bytes: Bytes) -> Result<ValidatorProof<RewasmContext>, CodecError> {
        let wire: WireValidatorProof = decode("validator proof", &bytes)?;
        Ok(ValidatorProof::new(
            wire.public_key,
            wire.peer_id,
            wire.signature,
        ))
    }

    fn encode(&self, proof: &ValidatorProof<RewasmContext>) -> Result<Bytes, CodecError> {
        encode(
            "validator proof",
            &WireValidatorProof {
                public_key: proof.public_key.clone(),
                peer_id: proof.peer_id.clone(),
                signature: proof.signature,
            },
        )
    }
}

/// A sync response on the wire: decided blocks with their commit certificates.
#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct WireValueResponse {
    start_height: Height,
    values: Vec<WireDecidedValue>,
}

#[derive(borsh::BorshSerialize, borsh::BorshDeserialize)]
struct WireDecidedValue {
    value_bytes: Vec<u8>,
    certificate: CommitCertificate<RewasmContext>,
}

impl Codec<sync::Response<RewasmContext>> for WireCodec {
    type Error = CodecError;

    fn decode(&self, bytes: Bytes) -> Result<sync::Response<RewasmContext>, CodecError> {
        let wire: WireValueResponse = decode("sync response", &bytes)?;
        let values = wire
            .values
            .into_iter()
            .map(|value| {
                RawDecidedValue::new(
                    Bytes::from(value.value_bytes),
                    ExtendedCommitCertificate::from_commit_certificate_and_extensions(
                        value.certificate,
                        VoteExtensions::default(),
                    ),
                )
            })
            .collect();
        Ok(sync::Response::ValueResponse(ValueResponse::new(
            wire.start_height,
            values,
        )))
    }

    fn encode(&self, response: &sync::Response<RewasmContext>) -> Result<Bytes, CodecError> {
        let sync::Response::ValueResponse(response) = response;
        encode(
            "sync response",
            &WireValueResponse {
                start_height: response.start_height,
                values: response
                    .values
                    .iter()
                    .map(|value| WireDecidedValue {
                        value_bytes: value.value_bytes.to_vec(),
                        certificate: value.certificate.trim_vote_extensions(),
                    })
                    .collect(),
            },
        )
    }
}

impl HasEncodedLen<sync::Response<RewasmContext>> for WireCodec {
    fn encoded_len(&self, response: &sync::Response<RewasmContext>) -> Result<usize, CodecError> {
        Codec::<sync::Response<RewasmContext>>::encode(self, response).map(|bytes| bytes.len())
    }
}
