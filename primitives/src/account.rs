//! The state trie's leaf: an account as RLP `[nonce, balance, storage_root, code_hash]`.

use alloy_rlp::{BufMut, Encodable, Header};
use primitive_types::{H256, U256};

use super::rlp::{self, RlpError};
use super::{EMPTY_CODE_HASH, EMPTY_ROOT};

/// One account as the state trie stores it (Yellow Paper section 4.1).
///
/// RLP: a list of `nonce` and `balance` as integers (big-endian, leading zeros stripped, zero is
/// the empty string) and `storage_root` and `code_hash` as 32-byte strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccountLeaf {
    /// Transactions sent from this account (or contracts created by it).
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// Root of the account's storage trie ([`super::storage_root`]).
    pub storage_root: H256,
    /// keccak-256 of the account's code.
    pub code_hash: H256,
}

impl Default for AccountLeaf {
    /// No nonce, no balance, no storage, no code.
    fn default() -> Self {
        Self {
            nonce: 0,
            balance: U256::zero(),
            storage_root: EMPTY_ROOT,
            code_hash: EMPTY_CODE_HASH,
        }
    }
}

impl AccountLeaf {
    /// EIP-161 emptiness: no nonce, no balance and no code. Byzantium (EIP-158) removes such
    /// accounts from the state when a transaction touches them; [`super::state_root`] does not
    /// filter, the executor does.
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == EMPTY_CODE_HASH
    }

    /// The account's RLP.
    pub fn rlp(&self) -> Vec<u8> {
        alloy_rlp::encode(self)
    }

    /// Decodes exactly one canonical account RLP, with nothing after it.
    pub fn decode_rlp(bytes: &[u8]) -> Result<Self, RlpError> {
        let mut fields = rlp::single_item(bytes)?.list()?;
        let account = AccountLeaf {
            nonce: fields.element()?.u64()?,
            balance: fields.element()?.u256()?,
            storage_root: H256(fields.element()?.fixed()?),
            code_hash: H256(fields.element()?.fixed()?),
        };
        fields.finish()?;
        Ok(account)
    }

    fn payload_length(&self) -> usize {
        self.nonce.length() + rlp::u256_length(&self.balance) + 2 * self.storage_root.0.length()
    }
}

impl Encodable for AccountLeaf {
    fn encode(&self, out: &mut dyn BufMut) {
        Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        self.nonce.encode(out);
        rlp::encode_u256(&self.balance, out);
        self.storage_root.0.encode(out);
        self.code_hash.0.encode(out);
    }

    fn length(&self) -> usize {
        let payload_length = self.payload_length();
        alloy_rlp::length_of_length(payload_length) + payload_length
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn default_account_rlp() {
        let account = AccountLeaf::default();
        assert!(account.is_empty());
        let rlp = account.rlp();
        // c0+0x44: nonce 0x80, balance 0x80, a0 ‖ EMPTY_ROOT, a0 ‖ EMPTY_CODE_HASH.
        let mut expected = vec![0xf8, 0x44, 0x80, 0x80, 0xa0];
        expected.extend_from_slice(EMPTY_ROOT.as_bytes());
        expected.push(0xa0);
        expected.extend_from_slice(EMPTY_CODE_HASH.as_bytes());
        assert_eq!(rlp, expected);
        assert_eq!(rlp.len(), account.length());
        assert_eq!(AccountLeaf::decode_rlp(&rlp).unwrap(), account);
    }

    #[test]
    fn round_trip_and_rejections() {
        let account = AccountLeaf {
            nonce: 0x1234,
            balance: U256::from(10).pow(U256::from(30)),
            storage_root: H256::repeat_byte(0x11),
            code_hash: H256::repeat_byte(0x22),
        };
        let rlp = account.rlp();
        assert_eq!(AccountLeaf::decode_rlp(&rlp).unwrap(), account);

        let mut trailing = rlp.clone();
        trailing.push(0x80);
        assert_eq!(
            AccountLeaf::decode_rlp(&trailing),
            Err(RlpError::TrailingBytes)
        );
        // Truncated.
        assert_eq!(
            AccountLeaf::decode_rlp(&rlp[..rlp.len() - 1]),
            Err(RlpError::InputTooShort)
        );
        // Five fields.
        let mut five = rlp[2..].to_vec();
        five.push(0x80);
        let mut extra = vec![0xf8, u8::try_from(five.len()).unwrap()];
        extra.extend(five);
        assert_eq!(
            AccountLeaf::decode_rlp(&extra),
            Err(RlpError::TooManyElements)
        );
        // A 31-byte code hash.
        let short = [0xf8, 0x43, 0x80, 0x80, 0xa0]
            .into_iter()
            .chain([0u8; 32])
            .chain([0x9f])
            .chain([0u8; 31])
            .collect::<Vec<_>>();
        assert_eq!(
            AccountLeaf::decode_rlp(&short),
            Err(RlpError::StringTooShort)
        );
    }
}
