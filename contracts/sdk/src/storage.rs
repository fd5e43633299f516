//! Contract storage with Solidity's layout.
//!
//! Storage is a map from 32-byte keys ("slots") to 32-byte words. These types put data where
//! Solidity would put it, so `eth_getStorageAt`, block explorers, storage-proof tooling and a
//! Solidity developer's expectations all agree with what the contract stores:
//!
//! - [`StorageValue<T>`] at slot `p`: the value's 32-byte ABI word (big-endian, left-padded
//!   integers and addresses) at `p`.
//! - [`StorageMap<K, V>`] at slot `p`: the entry for `k` lives at `keccak256(h(k) ++ p)`, where
//!   `h(k)` is the 32-byte ABI word of a value-type key and the raw bytes of a `string`/`bytes`
//!   key. A nested map's entry is a map at that slot, so `allowance[owner][spender]` is at
//!   `keccak256(spender ++ keccak256(owner ++ p))`.
//! - [`StorageVec<T>`] at slot `p` (Solidity `T[]`): the length at `p`, element `i` at
//!   `keccak256(p) + i`.
//! - [`StorageBytes`] / [`StorageString`] at slot `p` (Solidity `bytes`/`string`): up to 31
//!   bytes live in `p` itself (data left-aligned, last byte `2 * len`); longer data has
//!   `2 * len + 1` in `p` and the data in consecutive slots from `keccak256(p)`.
//!
//! Differences from Solidity: slots are given explicitly (`StorageValue::new(0)`,
//! `StorageMap::new(1)`, …; number them as Solidity would number the state variables in
//! declaration order to get its exact layout), and values smaller than 32 bytes are never packed
//! together into one slot — each value and each `StorageVec` element takes a full slot. That is
//! Solidity's layout too whenever no packing happens (e.g. `uint256`, `address` followed by
//! `uint256`, `address[]`, `bytes32[]`).
//!
//! Keys are hashed with [`crate::crypto::keccak256`] (the keccak256 precompile on wasm32).
//!
//! Declare storage as constants, which cost nothing until used:
//!
//! ```
//! use rewasm_sdk::prelude::*;
//! const TOTAL_SUPPLY: StorageValue<U256> = StorageValue::new(0);
//! const BALANCES: StorageMap<Address, U256> = StorageMap::new(1);
//! const ALLOWANCES: StorageMap<Address, StorageMap<Address, U256>> = StorageMap::new(2);
//! # let (owner, spender) = (Address::repeat_byte(1), Address::repeat_byte(2));
//! ALLOWANCES.at(&owner).set(&spender, U256::from(5));
//! assert_eq!(ALLOWANCES.at(&owner).get(&spender), U256::from(5));
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::marker::PhantomData;

use crate::U256;
use crate::abi::WordType;
use crate::crypto::keccak256;
use crate::eei;

/// A storage key (slot number), big-endian.
pub type Slot = [u8; 32];

/// Slot number `n` as a key.
#[allow(clippy::indexing_slicing)] // constant indices below 32, evaluated at compile time
pub const fn slot(n: u64) -> Slot {
    let mut out = [0u8; 32];
    let bytes = n.to_be_bytes();
    let mut i = 0;
    while i < 8 {
        out[24 + i] = bytes[i];
        i += 1;
    }
    out
}

/// `slot + n`, as 256-bit numbers (wrapping, as Solidity's layout arithmetic does).
pub fn slot_add(slot: &Slot, n: u64) -> Slot {
    U256::from_big_endian(slot)
        .overflowing_add(U256::from(n))
        .0
        .to_big_endian()
}

/// `keccak256(a ++ b)` of two words.
pub fn hash_pair(a: &[u8; 32], b: &[u8; 32]) -> Slot {
    let mut input = [0u8; 64];
    let (first, second) = input.split_at_mut(32);
    first.copy_from_slice(a);
    second.copy_from_slice(b);
    keccak256(&input)
}

/// Reads the word at `slot` as a `T`; a word with bits beyond `T` (only possible if something
/// else wrote a wider value there) reverts.
fn load<T: WordType>(slot: &Slot) -> T {
    match T::from_word(&eei::storage_load(slot)) {
        Ok(value) => value,
        Err(_) => crate::revert_with("storage: value does not fit its type"),
    }
}

fn store<T: WordType>(slot: &Slot, value: &T) {
    eei::storage_store(slot, &value.to_word())
}

/// A mapping key: how Solidity finds the entry of key `self` in the mapping at `map_slot`.
pub trait StorageKey {
    /// The entry's slot.
    fn entry_slot(&self, map_slot: &Slot) -> Slot;
}

impl<T: WordType> StorageKey for T {
    fn entry_slot(&self, map_slot: &Slot) -> Slot {
        hash_pair(&self.to_word(), map_slot)
    }
}

fn bytes_key_slot(key: &[u8], map_slot: &Slot) -> Slot {
    let mut input = Vec::with_capacity(key.len() + 32);
    input.extend_from_slice(key);
    input.extend_from_slice(map_slot);
    keccak256(&input)
}

impl StorageKey for [u8] {
    fn entry_slot(&self, map_slot: &Slot) -> Slot {
        bytes_key_slot(self, map_slot)
    }
}
impl StorageKey for Vec<u8> {
    fn entry_slot(&self, map_slot: &Slot) -> Slot {
        bytes_key_slot(self, map_slot)
    }
}
impl StorageKey for str {
    fn entry_slot(&self, map_slot: &Slot) -> Slot {
        bytes_key_slot(self.as_bytes(), map_slot)
    }
}
impl StorageKey for String {
    fn entry_slot(&self, map_slot: &Slot) -> Slot {
        bytes_key_slot(self.as_bytes(), map_slot)
    }
}

/// A storage layout that lives at a slot: the storage types of this module, and your own structs
/// (give each field `slot_add(slot, i)`), so they can be [`StorageMap`] values.
pub trait FromSlot {
    /// The layout at `slot`.
    fn from_slot(slot: Slot) -> Self;
}

/// One value at one slot (a Solidity state variable of a value type).
pub struct StorageValue<T> {
    slot: Slot,
    _type: PhantomData<fn() -> T>,
}

impl<T> StorageValue<T> {
    /// The value at slot number `n`.
    pub const fn new(n: u64) -> Self {
        Self::at_slot(slot(n))
    }
    /// The value at the 32-byte key `slot` (e.g. an EIP-1967 slot).
    pub const fn at_slot(slot: Slot) -> Self {
        Self {
            slot,
            _type: PhantomData,
        }
    }
    /// Its slot.
    pub fn slot(&self) -> Slot {
        self.slot
    }
}

impl<T: WordType> StorageValue<T> {
    /// Reads the value (zero/false/the zero address when never written).
    pub fn get(&self) -> T {
        load(&self.slot)
    }
    /// Writes the value.
    pub fn set(&self, value: T) {
        store(&self.slot, &value)
    }
    /// Zeroes the slot (earns the storage-clear refund).
    pub fn clear(&self) {
        eei::storage_store(&self.slot, &[0u8; 32])
    }
}

impl<T> FromSlot for StorageValue<T> {
    fn from_slot(slot: Slot) -> Self {
        Self::at_slot(slot)
    }
}

impl<T> Clone for StorageValue<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for StorageValue<T> {}
impl<T> core::fmt::Debug for StorageValue<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StorageValue")
            .field("slot", &self.slot)
            .finish()
    }
}

/// A Solidity `mapping(K => V)`. `V` is a value type (use [`get`](Self::get) /
/// [`set`](Self::set)) or another layout such as a nested map (use [`at`](Self::at)).
pub struct StorageMap<K: ?Sized, V> {
    slot: Slot,
    _types: PhantomData<fn(&K) -> V>,
}

impl<K: ?Sized, V> StorageMap<K, V> {
    /// The mapping at slot number `n`.
    pub const fn new(n: u64) -> Self {
        Self::at_slot(slot(n))
    }
    /// The mapping at the 32-byte key `slot`.
    pub const fn at_slot(slot: Slot) -> Self {
        Self {
            slot,
            _types: PhantomData,
        }
    }
    /// Its slot.
    pub fn slot(&self) -> Slot {
        self.slot
    }
}

impl<K: StorageKey + ?Sized, V> StorageMap<K, V> {
    /// The slot of `key`'s entry: `keccak256(h(key) ++ slot)`.
    pub fn entry_slot(&self, key: &K) -> Slot {
        key.entry_slot(&self.slot)
    }
    /// The layout stored for `key`: a nested map (`allowances.at(&owner).get(&spender)`), a
    /// [`StorageVec`], a [`StorageString`], your own [`FromSlot`] struct, or a [`StorageValue`].
    pub fn at(&self, key: &K) -> V
    where
        V: FromSlot,
    {
        V::from_slot(self.entry_slot(key))
    }
}

impl<K: StorageKey + ?Sized, V: WordType> StorageMap<K, V> {
    /// The entry for `key` as a [`StorageValue`]: the key is hashed once, so a read-modify-write
    /// (`let e = BALANCES.entry(&who); e.set(e.get() + amount);`) costs one keccak256 instead of
    /// two (each is a precompile call, about 870 gas).
    pub fn entry(&self, key: &K) -> StorageValue<V> {
        StorageValue::at_slot(self.entry_slot(key))
    }
    /// The value for `key` (zero when never set, as in Solidity).
    pub fn get(&self, key: &K) -> V {
        load(&self.entry_slot(key))
    }
    /// Sets the value for `key`.
    pub fn set(&self, key: &K, value: V) {
        store(&self.entry_slot(key), &value)
    }
    /// Zeroes the entry for `key` (Solidity's `delete m[key]`).
    pub fn remove(&self, key: &K) {
        eei::storage_store(&self.entry_slot(key), &[0u8; 32])
    }
}

impl<K: ?Sized, V> FromSlot for StorageMap<K, V> {
    fn from_slot(slot: Slot) -> Self {
        Self::at_slot(slot)
    }
}

impl<K: ?Sized, V> Clone for StorageMap<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: ?Sized, V> Copy for StorageMap<K, V> {}
impl<K: ?Sized, V> core::fmt::Debug for StorageMap<K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StorageMap")
            .field("slot", &self.slot)
            .finish()
    }
}

/// A Solidity dynamic storage array `T[]` of a value type: the length at the slot, element `i` at
/// `keccak256(slot) + i` (one slot per element; see the module docs on packing).
pub struct StorageVec<T> {
    slot: Slot,
    _type: PhantomData<fn() -> T>,
}

impl<T> StorageVec<T> {
    /// The array at slot number `n`.
    pub const fn new(n: u64) -> Self {
        Self::at_slot(slot(n))
    }
    /// The array at the 32-byte key `slot`.
    pub const fn at_slot(slot: Slot) -> Self {
        Self {
            slot,
            _type: PhantomData,
        }
    }
    /// Its slot (where the length is).
    pub fn slot(&self) -> Slot {
        self.slot
    }
    /// The number of elements.
    pub fn len(&self) -> u64 {
        load::<U256>(&self.slot).low_u64()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The slot of element `index` (whether or not it is in bounds).
    pub fn element_slot(&self, index: u64) -> Slot {
        slot_add(&keccak256(&self.slot), index)
    }
    fn set_len(&self, len: u64) {
        store(&self.slot, &U256::from(len))
    }
}

impl<T: WordType> StorageVec<T> {
    /// Element `index`, or `None` past the end.
    pub fn get(&self, index: u64) -> Option<T> {
        (index < self.len()).then(|| load(&self.element_slot(index)))
    }
    /// Replaces element `index`; reverts with `"StorageVec: index out of bounds"` past the end.
    pub fn set(&self, index: u64, value: T) {
        if index >= self.len() {
            crate::revert_with("StorageVec: index out of bounds");
        }
        store(&self.element_slot(index), &value)
    }
    /// Appends an element.
    pub fn push(&self, value: T) {
        let len = self.len();
        store(&self.element_slot(len), &value);
        self.set_len(len + 1);
    }
    /// Removes and returns the last element (its slot is zeroed, as Solidity's `pop` does).
    pub fn pop(&self) -> Option<T> {
        let len = self.len().checked_sub(1)?;
        let slot = self.element_slot(len);
        let value = load(&slot);
        eei::storage_store(&slot, &[0u8; 32]);
        self.set_len(len);
        Some(value)
    }
}

impl<T> FromSlot for StorageVec<T> {
    fn from_slot(slot: Slot) -> Self {
        Self::at_slot(slot)
    }
}

impl<T> Clone for StorageVec<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for StorageVec<T> {}
impl<T> core::fmt::Debug for StorageVec<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StorageVec")
            .field("slot", &self.slot)
            .finish()
    }
}

/// Solidity `bytes` in storage (see the module docs for the short and long layouts).
#[derive(Clone, Copy, Debug)]
pub struct StorageBytes {
    slot: Slot,
}

impl StorageBytes {
    /// The bytes at slot number `n`.
    pub const fn new(n: u64) -> Self {
        Self::at_slot(slot(n))
    }
    /// The bytes at the 32-byte key `slot`.
    pub const fn at_slot(slot: Slot) -> Self {
        Self { slot }
    }

    /// The length and whether the data is in the long layout.
    fn header(&self) -> (usize, bool, [u8; 32]) {
        let word = eei::storage_load(&self.slot);
        let last = word.last().copied().unwrap_or(0);
        if last & 1 == 0 {
            (usize::from(last / 2), false, word)
        } else {
            let n = U256::from_big_endian(&word);
            let len = if n.bits() > 63 {
                usize::MAX / 2
            } else {
                usize::try_from(n.low_u64() / 2).unwrap_or(usize::MAX / 2)
            };
            (len, true, word)
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.header().0
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the bytes.
    pub fn get(&self) -> Vec<u8> {
        let (len, long, word) = self.header();
        if !long {
            return word.iter().take(len).copied().collect();
        }
        let data = keccak256(&self.slot);
        let words = len.div_ceil(32);
        let mut out = Vec::with_capacity(words * 32);
        for i in 0..words {
            out.extend_from_slice(&eei::storage_load(&slot_add(&data, i as u64)));
        }
        out.truncate(len);
        out
    }

    /// Writes the bytes (zeroing the slots of longer old data, as Solidity does).
    pub fn set(&self, value: &[u8]) {
        let (old_len, old_long, _) = self.header();
        let old_words = if old_long { old_len.div_ceil(32) } else { 0 };
        let data = keccak256(&self.slot);
        let new_words = if value.len() < 32 {
            let mut word = [0u8; 32];
            word.iter_mut().zip(value).for_each(|(d, s)| *d = *s);
            if let Some(last) = word.last_mut() {
                *last = (value.len() * 2) as u8;
            }
            eei::storage_store(&self.slot, &word);
            0
        } else {
            let header = U256::from(value.len()) * U256::from(2) + U256::one();
            eei::storage_store(&self.slot, &header.to_big_endian());
            for (i, chunk) in value.chunks(32).enumerate() {
                let mut word = [0u8; 32];
                word.iter_mut().zip(chunk).for_each(|(d, s)| *d = *s);
                eei::storage_store(&slot_add(&data, i as u64), &word);
            }
            value.len().div_ceil(32)
        };
        for i in new_words..old_words {
            eei::storage_store(&slot_add(&data, i as u64), &[0u8; 32]);
        }
    }

    /// Empties it (Solidity's `delete`).
    pub fn clear(&self) {
        self.set(&[])
    }
}

impl FromSlot for StorageBytes {
    fn from_slot(slot: Slot) -> Self {
        Self::at_slot(slot)
    }
}

/// Solidity `string` in storage: the layout of [`StorageBytes`], holding UTF-8.
#[derive(Clone, Copy, Debug)]
pub struct StorageString {
    bytes: StorageBytes,
}

impl StorageString {
    /// The string at slot number `n`.
    pub const fn new(n: u64) -> Self {
        Self::at_slot(slot(n))
    }
    /// The string at the 32-byte key `slot`.
    pub const fn at_slot(slot: Slot) -> Self {
        Self {
            bytes: StorageBytes::at_slot(slot),
        }
    }
    /// Reads the string. Invalid UTF-8 (only a foreign write, e.g. through a delegate call,
    /// can store it) reverts.
    pub fn get(&self) -> String {
        match crate::utf8::to_string(self.bytes.get()) {
            Some(text) => text,
            None => crate::revert_with("StorageString: invalid UTF-8"),
        }
    }
    /// Writes the string.
    pub fn set(&self, value: &str) {
        self.bytes.set(value.as_bytes())
    }
    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    /// Empties it.
    pub fn clear(&self) {
        self.bytes.clear()
    }
}

impl FromSlot for StorageString {
    fn from_slot(slot: Slot) -> Self {
        Self::at_slot(slot)
    }
}
