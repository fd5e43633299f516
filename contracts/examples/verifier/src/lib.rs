//! Signature verification through the ecrecover precompile (0x01), as Solidity's `ecrecover`.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

#[derive(Debug)]
pub struct Verifier;

#[contract]
impl Verifier {
    /// The signer of `hash`, or the zero address when the signature is invalid.
    pub fn recover(&self, hash: H256, v: u8, r: H256, s: H256) -> Address {
        crypto::ecrecover(&hash.0, v, &r.0, &s.0).unwrap_or_else(Address::zero)
    }

    /// True when `signer` signed `hash`.
    pub fn verify(&self, signer: Address, hash: H256, v: u8, r: H256, s: H256) -> bool {
        signer != Address::zero() && crypto::ecrecover(&hash.0, v, &r.0, &s.0) == Some(signer)
    }
}
