//! rewasm-primitives: the data every other crate agrees on, with no wasm engine and no database.
//!
//! - [`keccak256`], [`rlp`] (the one strict RLP codec), [`trie`] and the state root;
//! - [`state`]: accounts, state changes and the fallible [`state::State`] trait the executor
//!   reads and the store implements;
//! - [`consensus`]: one module per consensus rule and its constants;
//! - [`text`]: the hex and number parsers for genesis files, the CLI and state tests.
//!
//! The Byzantium state commitment: Merkle-Patricia state and storage roots over RLP accounts, and
//! the logs hash.
//!
//! Why this is consensus code: two nodes agree on a block only if they compute the same state
//! root, and a GeneralStateTest passes only if our post state hashes to the `hash` (and our logs
//! to the `logs`) that the reference VM (testeth with Hera) recorded. A byte of difference
//! anywhere — an integer with a leading zero, a node embedded that should have been hashed, a
//! zero storage value kept instead of deleted — changes the root and fails every test. So every
//! rule here is the Yellow Paper's, and the conformance tests in `primitives/tests/it/` check it against the official `TrieTests` and `RLPTests`.
//!
//! - [`rlp`]: the strict RLP reader, list writer and generic item decoder on `alloy-rlp`.
//! - [`trie`]: trie roots over plain or keccak-hashed keys ([`trie_root`], [`secure_trie_root`]).
//! - [`AccountLeaf`]: an account's RLP; [`storage_root`] and [`state_root`] build the two tries.
//! - [`LogEntry`] and [`logs_hash`].

pub mod account;
pub mod consensus;
pub mod logs;
pub mod rlp;
pub mod state;
pub mod text;
pub mod trie;

pub use account::AccountLeaf;
pub use logs::{LogEntry, logs_hash};
pub use rlp::{RlpError, RlpItem, decode_item};
pub use trie::{EMPTY_ROOT, secure_trie_root, trie_root};

use primitive_types::{H160, H256};
use sha3::{Digest, Keccak256};

/// keccak-256 of the empty string: the code hash of an account without code,
/// `0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470`.
pub const EMPTY_CODE_HASH: H256 = H256([
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
]);

/// keccak-256 (the original Keccak padding Ethereum uses, not NIST SHA3-256).
pub fn keccak256(data: &[u8]) -> H256 {
    H256(Keccak256::digest(data).into())
}

/// The RLP a storage trie stores for a slot value: the value as a 256-bit big-endian integer with
/// leading zeros stripped, RLP-encoded as a string. Zero gives the empty vector: a zero slot is
/// absent from the trie, never stored.
pub fn storage_value_rlp(value: &H256) -> Vec<u8> {
    let first = value.0.iter().position(|&b| b != 0);
    match first.and_then(|first| value.0.get(first..)) {
        Some(trimmed) => alloy_rlp::encode(trimmed),
        None => Vec::new(),
    }
}

/// Root of an account's storage: the secure trie mapping keccak(slot key) to
/// [`storage_value_rlp`]`(value)`. Zero values are left out; for a repeated key the last value
/// counts (and a last value of zero removes the slot). No slots give [`EMPTY_ROOT`].
pub fn storage_root(slots: impl IntoIterator<Item = (H256, H256)>) -> H256 {
    secure_trie_root(
        slots
            .into_iter()
            .map(|(key, value)| (key.0, storage_value_rlp(&value))),
    )
}

/// The state root: the secure trie mapping keccak(address) to the account's RLP.
///
/// Every account given is included, empty or not: removing touched empty accounts (EIP-158) and
/// self-destructed ones is the executor's job. For a repeated address the last account counts.
pub fn state_root(accounts: impl IntoIterator<Item = (H160, AccountLeaf)>) -> H256 {
    secure_trie_root(
        accounts
            .into_iter()
            .map(|(address, account)| (address.0, account.rlp())),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use primitive_types::U256;

    use super::*;

    fn h256(hex: &str) -> H256 {
        let hex = hex.trim_start_matches("0x");
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        H256::from_slice(&bytes)
    }

    #[test]
    fn constants_are_the_hashes_they_claim() {
        assert_eq!(EMPTY_CODE_HASH, keccak256(&[]));
        assert_eq!(EMPTY_ROOT, keccak256(&[0x80]));
        assert_eq!(
            EMPTY_CODE_HASH,
            h256("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        );
    }

    #[test]
    fn empty_state_root() {
        let expected = h256("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
        assert_eq!(state_root(Vec::new()), expected);
        assert_eq!(storage_root(Vec::new()), expected);
        // Zero-valued slots are absent.
        assert_eq!(storage_root([(H256::zero(), H256::zero())]), expected);
    }

    #[test]
    fn empty_logs_hash() {
        assert_eq!(
            logs_hash(&[]),
            h256("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347")
        );
    }

    #[test]
    fn single_account_root_by_hand() {
        // Address 0xa94f…bf0b holding 1 wei, no nonce, storage or code.
        let address = H160::from_slice(&[
            0xa9, 0x4f, 0x53, 0x74, 0xfc, 0xe5, 0xed, 0xbc, 0x8e, 0x2a, 0x86, 0x97, 0xc1, 0x53,
            0x31, 0x67, 0x7e, 0x6e, 0xbf, 0x0b,
        ]);
        let account = AccountLeaf {
            balance: U256::one(),
            ..AccountLeaf::default()
        };

        // The account's RLP: nonce 0 is the empty string 0x80, balance 1 is the single byte 0x01,
        // the two hashes are 0xa0 ‖ 32 bytes each. Payload 1 + 1 + 33 + 33 = 68 = 0x44 ≥ 56, so
        // the list header is long form: 0xf8 0x44. 70 bytes in all.
        let mut account_rlp = vec![0xf8, 0x44, 0x80, 0x01, 0xa0];
        account_rlp.extend_from_slice(EMPTY_ROOT.as_bytes());
        account_rlp.push(0xa0);
        account_rlp.extend_from_slice(EMPTY_CODE_HASH.as_bytes());
        assert_eq!(account_rlp.len(), 70);
        assert_eq!(account.rlp(), account_rlp);

        // A one-entry trie is a single leaf [hp(path, leaf), value]. The path is the 64 nibbles of
        // keccak(address): even length, so hp = 0x20 ‖ keccak(address), 33 bytes, RLP 0xa1 ‖ … (34
        // bytes). The value is the 70-byte account RLP as a string: 0xb8 0x46 ‖ … (72 bytes).
        // Payload 34 + 72 = 106 = 0x6a: list header 0xf8 0x6a. The root is keccak of the leaf.
        let mut leaf = vec![0xf8, 0x6a, 0xa1, 0x20];
        leaf.extend_from_slice(keccak256(address.as_bytes()).as_bytes());
        leaf.extend([0xb8, 0x46]);
        leaf.extend_from_slice(&account_rlp);
        assert_eq!(leaf.len(), 2 + 106);
        let root = state_root([(address, account)]);
        assert_eq!(root, keccak256(&leaf));
        // Pinned (also computed from the same bytes with an independent Keccak implementation
        // outside this repository), so a change to the hashing itself is caught too.
        assert_eq!(
            root,
            h256("0x6c59244cf77d88aba5991e1ea64e6cc34682bc51c222c2e714e15f4ece0f56d2")
        );
    }

    #[test]
    fn single_slot_storage_root_by_hand() {
        // Slot 0 = 1: leaf [0x20 ‖ keccak(32 zero bytes), rlp(1) = 0x01]. The path RLP is 34 bytes
        // (0xa1 ‖ 33), the value 0x01 is its own RLP: payload 35 = 0x23, header 0xe3.
        let mut leaf = vec![0xe3, 0xa1, 0x20];
        leaf.extend_from_slice(keccak256(&[0u8; 32]).as_bytes());
        leaf.push(0x01);
        assert_eq!(
            storage_root([(H256::zero(), H256::from_low_u64_be(1))]),
            keccak256(&leaf)
        );

        // Slot 0 = 0x80: the stored value is rlp(0x80) = 0x81 0x80, itself a string in the leaf:
        // 0x82 0x81 0x80. Payload 34 + 3 = 37 = 0x25, header 0xe5.
        let mut leaf = vec![0xe5, 0xa1, 0x20];
        leaf.extend_from_slice(keccak256(&[0u8; 32]).as_bytes());
        leaf.extend([0x82, 0x81, 0x80]);
        assert_eq!(
            storage_root([(H256::zero(), H256::from_low_u64_be(0x80))]),
            keccak256(&leaf)
        );
        // A later zero removes the slot.
        assert_eq!(
            storage_root([
                (H256::zero(), H256::from_low_u64_be(0x80)),
                (H256::zero(), H256::zero())
            ]),
            EMPTY_ROOT
        );
    }

    #[test]
    fn storage_values_are_trimmed_integers() {
        assert_eq!(storage_value_rlp(&H256::zero()), Vec::<u8>::new());
        assert_eq!(storage_value_rlp(&H256::from_low_u64_be(1)), [0x01]);
        assert_eq!(storage_value_rlp(&H256::from_low_u64_be(0x7f)), [0x7f]);
        assert_eq!(
            storage_value_rlp(&H256::from_low_u64_be(0x80)),
            [0x81, 0x80]
        );
        assert_eq!(
            storage_value_rlp(&H256::from_low_u64_be(0x1234)),
            [0x82, 0x12, 0x34]
        );
        let full = H256::repeat_byte(0xff);
        let mut expected = vec![0xa0];
        expected.extend([0xff; 32]);
        assert_eq!(storage_value_rlp(&full), expected);
    }
}
