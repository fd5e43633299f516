//! Storage layout: the slots Solidity would use, checked against hashes computed by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use rewasm_sdk::abi::WordType;
use rewasm_sdk::storage::{
    self, StorageBytes, StorageMap, StorageString, StorageValue, StorageVec, slot, slot_add,
};
use rewasm_sdk::{Address, U256, keccak, testing};
use sha3::{Digest, Keccak256};

fn keccak(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Keccak256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

fn h(text: &str) -> [u8; 32] {
    hex::decode(text).unwrap().try_into().unwrap()
}

#[test]
fn well_known_slots() {
    // keccak256(uint256(0)): where the elements of an array at slot 0 start.
    assert_eq!(
        StorageVec::<U256>::new(0).element_slot(0),
        h("290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563")
    );
    // keccak256(uint256(0) . uint256(0)): mapping at slot 0, key 0.
    assert_eq!(
        StorageMap::<U256, U256>::new(0).entry_slot(&U256::zero()),
        h("ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5")
    );
    // EIP-1967's implementation slot: keccak256("eip1967.proxy.implementation") - 1.
    let implementation = U256::from_big_endian(&keccak!("eip1967.proxy.implementation")) - 1;
    assert_eq!(
        implementation.to_big_endian(),
        h("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")
    );
}

#[test]
fn mapping_slot_is_keccak_of_padded_key_and_slot() {
    let holder =
        Address::from_slice(&hex::decode("5B38Da6a701c568545dCfcB03FcB875f56beddC4").unwrap());
    // By hand: 12 zero bytes ++ address ++ the slot number 3 as a 32-byte big-endian word.
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(holder.as_bytes());
    preimage[63] = 3;
    let expected = keccak(&[&preimage]);
    let balances: StorageMap<Address, U256> = StorageMap::new(3);
    assert_eq!(balances.entry_slot(&holder), expected);

    // Nested: allowance[owner][spender] at slot 4.
    let spender = Address::repeat_byte(0x22);
    let inner = keccak(&[&holder.to_word(), &slot(4)]);
    let expected = keccak(&[&spender.to_word(), &inner]);
    let allowances: StorageMap<Address, StorageMap<Address, U256>> = StorageMap::new(4);
    assert_eq!(allowances.at(&holder).entry_slot(&spender), expected);

    // A string key is hashed unpadded.
    let names: StorageMap<str, U256> = StorageMap::new(5);
    assert_eq!(names.entry_slot("alice"), keccak(&[b"alice", &slot(5)]));
    // A uint key is its 32-byte word.
    let ids: StorageMap<u64, Address> = StorageMap::new(6);
    assert_eq!(
        ids.entry_slot(&7),
        keccak(&[&U256::from(7).to_word(), &slot(6)])
    );
}

#[test]
fn values_are_left_padded_big_endian_words() {
    testing::reset();
    const OWNER: StorageValue<Address> = StorageValue::new(0);
    const COUNT: StorageValue<u64> = StorageValue::new(1);
    const FLAG: StorageValue<bool> = StorageValue::new(2);
    OWNER.set(Address::repeat_byte(0xaa));
    COUNT.set(0x0102);
    FLAG.set(true);
    let mut owner_word = [0u8; 32];
    owner_word[12..].copy_from_slice(&[0xaa; 20]);
    assert_eq!(testing::storage_at(&slot(0)), owner_word);
    assert_eq!(
        testing::storage_at(&slot(1)),
        U256::from(0x0102).to_big_endian()
    );
    assert_eq!(testing::storage_at(&slot(2)), U256::one().to_big_endian());
    assert_eq!(OWNER.get(), Address::repeat_byte(0xaa));
    assert_eq!(COUNT.get(), 0x0102);
    assert!(FLAG.get());
    COUNT.clear();
    assert_eq!(COUNT.get(), 0);
    assert!(testing::with_env(|env| !env.storage.contains_key(&slot(1))));
}

#[test]
fn maps_and_vectors() {
    testing::reset();
    const BALANCES: StorageMap<Address, U256> = StorageMap::new(1);
    const ALLOWANCES: StorageMap<Address, StorageMap<Address, U256>> = StorageMap::new(2);
    const LIST: StorageVec<Address> = StorageVec::new(3);
    let (a, b) = (Address::repeat_byte(1), Address::repeat_byte(2));
    assert_eq!(BALANCES.get(&a), U256::zero());
    BALANCES.set(&a, U256::from(10));
    assert_eq!(BALANCES.get(&a), U256::from(10));
    assert_eq!(
        testing::storage_at(&BALANCES.entry_slot(&a)),
        U256::from(10).to_big_endian()
    );
    ALLOWANCES.at(&a).set(&b, U256::from(5));
    assert_eq!(ALLOWANCES.at(&a).get(&b), U256::from(5));
    assert_eq!(ALLOWANCES.at(&b).get(&a), U256::zero());
    BALANCES.remove(&a);
    assert_eq!(BALANCES.get(&a), U256::zero());

    assert!(LIST.is_empty());
    LIST.push(a);
    LIST.push(b);
    assert_eq!(LIST.len(), 2);
    assert_eq!(testing::storage_at(&slot(3)), U256::from(2).to_big_endian());
    assert_eq!(
        testing::storage_at(&slot_add(&keccak(&[&slot(3)]), 1)),
        b.to_word()
    );
    assert_eq!(LIST.get(1), Some(b));
    assert_eq!(LIST.get(2), None);
    LIST.set(0, b);
    assert_eq!(LIST.pop(), Some(b));
    assert_eq!(LIST.pop(), Some(b));
    assert_eq!(LIST.pop(), None);
    // Only the allowance is left: popping zeroed the elements and the length.
    assert_eq!(testing::with_env(|env| env.storage.len()), 1);
}

#[test]
fn vec_set_out_of_bounds_reverts() {
    testing::reset();
    const LIST: StorageVec<U256> = StorageVec::new(0);
    let outcome = testing::run(|| LIST.set(0, U256::one()));
    assert_eq!(
        outcome.revert_reason().as_deref(),
        Some("StorageVec: index out of bounds")
    );
}

#[test]
fn strings_use_the_solidity_short_and_long_layouts() {
    testing::reset();
    const NAME: StorageString = StorageString::new(0);
    NAME.set("Token");
    // Short: data left-aligned, last byte = 2 * len.
    let mut word = [0u8; 32];
    word[..5].copy_from_slice(b"Token");
    word[31] = 10;
    assert_eq!(testing::storage_at(&slot(0)), word);
    assert_eq!(NAME.get(), "Token");
    assert_eq!(NAME.len(), 5);

    // Long: 2 * len + 1 in the slot, data from keccak256(slot).
    let long = "a fairly long token name, longer than 31 bytes";
    NAME.set(long);
    assert_eq!(
        testing::storage_at(&slot(0)),
        U256::from(long.len() * 2 + 1).to_big_endian()
    );
    let data = keccak(&[&slot(0)]);
    assert_eq!(&testing::storage_at(&data)[..], &long.as_bytes()[..32]);
    let mut tail = [0u8; 32];
    tail[..long.len() - 32].copy_from_slice(&long.as_bytes()[32..]);
    assert_eq!(testing::storage_at(&slot_add(&data, 1)), tail);
    assert_eq!(NAME.get(), long);

    // Back to short: the old data slots are zeroed.
    NAME.set("x");
    assert_eq!(NAME.get(), "x");
    assert_eq!(testing::with_env(|env| env.storage.len()), 1);
    NAME.clear();
    assert!(NAME.is_empty());
    assert!(testing::with_env(|env| env.storage.is_empty()));

    // Exactly 32 bytes takes the long layout.
    const BLOB: StorageBytes = StorageBytes::new(9);
    BLOB.set(&[7u8; 32]);
    assert_eq!(
        testing::storage_at(&slot(9)),
        U256::from(65).to_big_endian()
    );
    assert_eq!(BLOB.get(), vec![7u8; 32]);
}

#[test]
fn slot_arithmetic() {
    assert_eq!(slot(0x0102), U256::from(0x0102).to_big_endian());
    assert_eq!(slot_add(&[0xff; 32], 1), [0u8; 32], "wraps like Solidity");
    assert_eq!(
        slot_add(&slot(1), u64::MAX),
        U256::from(u128::from(u64::MAX) + 1).to_big_endian()
    );
    assert_eq!(
        storage::hash_pair(&[0u8; 32], &[0u8; 32]),
        h("ad3228b676f7d3cd4284a5443f17f1962b36e491b30a40b2405849e597ba5fb5")
    );
}
