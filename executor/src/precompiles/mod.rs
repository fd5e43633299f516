//! Precompiled contracts: native code at fixed addresses, called like any other account.
//!
//! # Why native
//!
//! Hashing and elliptic-curve arithmetic written in wasm and run under per-instruction metering
//! would be slow and expensive (a secp256k1 recovery is millions of metered instructions), so these
//! functions are implemented in Rust, run natively, and priced by a flat formula instead. They are
//! consensus code: every node must return the same bytes and charge the same gas for the same
//! input, so the semantics below are exactly those of Ethereum's Byzantium precompiles, which the
//! eWASM testnet adopted, and no input — however short, long or malformed — may panic.
//!
//! # Addresses and prices
//!
//! From the eWASM-testnet table (`EEI.md`, "Precompiles (native)"; the formulas are the Yellow
//! Paper's, appendix E). A *word* is 32 bytes of input, rounded up, so 0 bytes are 0 words, 1..=32
//! bytes 1 word, 33 bytes 2 words.
//!
//! | address | precompile | output | gas |
//! |---|---|---|---|
//! | `0x01` | [`Precompile::Ecrecover`] | signer address left-padded to 32 bytes, or empty | 3000 |
//! | `0x02` | [`Precompile::Sha256`] | 32-byte SHA-256 digest | 60 + 12 per word |
//! | `0x03` | [`Precompile::Ripemd160`] | 20-byte RIPEMD-160 digest left-padded to 32 | 600 + 120 per word |
//! | `0x04` | [`Precompile::Identity`] | the input | 15 + 3 per word |
//! | `0x09` | [`Precompile::Keccak256`] | 32-byte Keccak-256 digest | 60 + 12 per word |
//!
//! `0x09` is keccak256 on the eWASM testnet (mainnet Ethereum later put blake2f there, in
//! Istanbul). Byzantium's `0x05`..=`0x08` (modexp and the alt_bn128 operations) are not part of
//! the eWASM-testnet set: [`precompile_at`] returns `None` for them, so they are ordinary
//! accounts.
//!
//! Gas is computed in `u64` with saturating arithmetic, so an absurd length prices out instead of
//! wrapping. A call that cannot pay consumes all the gas it was given
//! ([`PrecompileOutcome::OutOfGas`]); a call that can pay always succeeds — an invalid ecrecover
//! input is not an error, it returns empty output and is still charged.

mod ecrecover;

use primitive_types::H160;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use sha3::Keccak256;

/// One of the precompiled contracts. See the [module docs](self) for addresses and prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precompile {
    /// `0x01`: secp256k1 public-key recovery → signer address.
    Ecrecover,
    /// `0x02`: SHA-256.
    Sha256,
    /// `0x03`: RIPEMD-160, left-padded to 32 bytes.
    Ripemd160,
    /// `0x04`: returns its input.
    Identity,
    /// `0x09`: Keccak-256 (Ethereum's "sha3", not FIPS-202 SHA3-256).
    Keccak256,
}

/// The result of [`run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrecompileOutcome {
    /// The precompile ran; `gas_used` is its price for this input (never more than the limit).
    Success {
        /// The return data (empty for an invalid ecrecover input).
        output: Vec<u8>,
        /// Gas charged.
        gas_used: u64,
    },
    /// The gas limit was below the price: all the gas given is consumed, nothing is returned.
    OutOfGas,
}

impl Precompile {
    /// Every precompile, in address order.
    pub const ALL: [Precompile; 5] = [
        Precompile::Ecrecover,
        Precompile::Sha256,
        Precompile::Ripemd160,
        Precompile::Identity,
        Precompile::Keccak256,
    ];

    /// The low byte of this precompile's address (the other 19 bytes are zero).
    pub const fn address_byte(self) -> u8 {
        match self {
            Precompile::Ecrecover => 0x01,
            Precompile::Sha256 => 0x02,
            Precompile::Ripemd160 => 0x03,
            Precompile::Identity => 0x04,
            Precompile::Keccak256 => 0x09,
        }
    }

    /// This precompile's 20-byte address.
    pub fn address(self) -> H160 {
        H160::from_low_u64_be(u64::from(self.address_byte()))
    }

    /// `(base, per 32-byte word)` from the price table.
    const fn price(self) -> (u64, u64) {
        match self {
            Precompile::Ecrecover => (3000, 0),
            Precompile::Sha256 => (60, 12),
            Precompile::Ripemd160 => (600, 120),
            Precompile::Identity => (15, 3),
            Precompile::Keccak256 => (60, 12),
        }
    }

    /// The gas this precompile charges for `input_len` bytes of input: base + per-word ×
    /// ⌈input_len / 32⌉, saturating at `u64::MAX`.
    pub fn gas_cost(self, input_len: usize) -> u64 {
        let (base, per_word) = self.price();
        let words = u64::try_from(input_len.div_ceil(32)).unwrap_or(u64::MAX);
        base.saturating_add(per_word.saturating_mul(words))
    }

    /// Runs the precompile on `input` (gas is not checked here; see [`run`]). Never panics.
    pub fn execute(self, input: &[u8]) -> Vec<u8> {
        match self {
            Precompile::Ecrecover => ecrecover::ecrecover(input),
            Precompile::Sha256 => Sha256::digest(input).to_vec(),
            Precompile::Ripemd160 => {
                let mut output = vec![0u8; 12];
                output.extend_from_slice(&Ripemd160::digest(input));
                output
            }
            Precompile::Identity => input.to_vec(),
            Precompile::Keccak256 => Keccak256::digest(input).to_vec(),
        }
    }
}

/// The precompile at `address`, if there is one.
pub fn precompile_at(address: &H160) -> Option<Precompile> {
    let [prefix @ .., last] = address.0;
    if prefix != [0u8; 19] {
        return None;
    }
    Precompile::ALL
        .into_iter()
        .find(|precompile| precompile.address_byte() == last)
}

/// Calls the precompile at `address` with `input` and `gas_limit`; `None` if `address` is not a
/// precompile.
pub fn run(address: &H160, input: &[u8], gas_limit: u64) -> Option<PrecompileOutcome> {
    let precompile = precompile_at(address)?;
    let gas_used = precompile.gas_cost(input.len());
    if gas_used > gas_limit {
        return Some(PrecompileOutcome::OutOfGas);
    }
    Some(PrecompileOutcome::Success {
        output: precompile.execute(input),
        gas_used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for precompile in Precompile::ALL {
            assert_eq!(precompile_at(&precompile.address()), Some(precompile));
        }
        let mut high = Precompile::Ecrecover.address();
        high.0[0] = 1;
        assert_eq!(precompile_at(&high), None);
    }

    #[test]
    fn gas_saturates() {
        assert_eq!(Precompile::Ecrecover.gas_cost(usize::MAX), 3000);
        assert!(Precompile::Ripemd160.gas_cost(usize::MAX) > 1 << 60);
        // ⌈usize::MAX / 32⌉ × 120 overflows u64 on 64-bit targets: it must saturate, not wrap.
        if usize::BITS == 64 {
            assert_eq!(Precompile::Ripemd160.gas_cost(usize::MAX), u64::MAX);
        }
    }

    #[test]
    fn words_round_up() {
        assert_eq!(Precompile::Identity.gas_cost(0), 15);
        assert_eq!(Precompile::Identity.gas_cost(1), 18);
        assert_eq!(Precompile::Identity.gas_cost(32), 18);
        assert_eq!(Precompile::Identity.gas_cost(33), 21);
    }
}
