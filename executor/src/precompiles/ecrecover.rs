//! `0x01` ecrecover, with Byzantium's input rules (go-ethereum's `ecrecover.Run` with
//! `ValidateSignatureValues(v, r, s, homestead = false)`):
//!
//! - the input is read as four 32-byte words `hash, v, r, s`; a shorter input is zero-padded on
//!   the right, anything past 128 bytes is ignored;
//! - `v` must be exactly 27 or 28 as a 256-bit big-endian number (a nonzero high byte is invalid);
//! - `r` and `s` must each be in `1..n` (n = the secp256k1 group order). There is no low-s rule:
//!   that one (EIP-2) is for transaction signatures only;
//! - any invalid input, an `r` that is not the x-coordinate of a curve point, or a recovered key
//!   at infinity gives an EMPTY output (not an error: the gas is still charged);
//! - otherwise the output is 12 zero bytes + the last 20 bytes of keccak256 of the 64-byte
//!   uncompressed public key (without its `0x04` prefix).
//!
//! k256's `VerifyingKey::recover_from_prehash` checks its result with k256's verifier, which
//! rejects high-s signatures. The recovered key is the same for `(r, s, y)` and `(r, n − s, !y)`
//! (`s·R = (n − s)·(−R)`), so a high `s` is normalised and the parity of `R.y` flipped first.

use k256::ecdsa::{RecoveryId, Signature, VerifyingKey};
use sha3::{Digest, Keccak256};

/// Runs ecrecover on `input`; empty output on any invalid input. Never panics.
pub(super) fn ecrecover(input: &[u8]) -> Vec<u8> {
    let [hash, v, r, s] = zero_padded_words(input);
    recover_address(&hash, &v, r, s)
        .map(|address| {
            let mut output = vec![0u8; 12];
            output.extend_from_slice(&address);
            output
        })
        .unwrap_or_default()
}

/// The first 128 bytes of `input` as four 32-byte words, zero-padded on the right.
fn zero_padded_words(input: &[u8]) -> [[u8; 32]; 4] {
    let mut words = [[0u8; 32]; 4];
    for (word, chunk) in words.iter_mut().zip(input.chunks(32)) {
        if let Some(prefix) = word.get_mut(..chunk.len()) {
            prefix.copy_from_slice(chunk);
        }
    }
    words
}

/// The 20-byte signer address, or `None` for invalid input or a failed recovery.
fn recover_address(hash: &[u8; 32], v: &[u8; 32], r: [u8; 32], s: [u8; 32]) -> Option<[u8; 20]> {
    let [v_high @ .., v_low] = *v;
    if v_high != [0u8; 31] {
        return None;
    }
    let y_odd = match v_low {
        27 => false,
        28 => true,
        _ => return None,
    };
    // Rejects r or s equal to zero or ≥ n.
    let signature = Signature::from_scalars(r, s).ok()?;
    let (signature, y_odd) = match signature.normalize_s() {
        Some(low_s) => (low_s, !y_odd),
        None => (signature, y_odd),
    };
    // v only encodes the parity of R.y: R.x is always r itself, never r + n.
    let recovery_id = RecoveryId::new(y_odd, false);
    let key = VerifyingKey::recover_from_prehash(hash, &signature, recovery_id).ok()?;
    let point = key.to_encoded_point(false);
    // 0x04 ‖ x ‖ y: hash x ‖ y.
    let digest = Keccak256::digest(point.as_bytes().get(1..)?);
    let (_, address) = digest.split_last_chunk::<20>()?;
    Some(*address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_padded_and_truncated() {
        let words = zero_padded_words(&[7u8; 33]);
        assert_eq!(words[0], [7u8; 32]);
        let mut second = [0u8; 32];
        second[0] = 7;
        assert_eq!(words[1], second);
        assert_eq!(words[2], [0u8; 32]);

        let words = zero_padded_words(&[9u8; 200]);
        assert_eq!(words, [[9u8; 32]; 4]);
        assert_eq!(zero_padded_words(&[]), [[0u8; 32]; 4]);
    }

    #[test]
    fn all_zero_input_is_invalid() {
        assert!(ecrecover(&[]).is_empty());
        assert!(ecrecover(&[0u8; 128]).is_empty());
    }
}
