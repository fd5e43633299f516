//! The store's on-disk encodings: fixed-width, big-endian, no serialisation framework.
//!
//! Every decoder checks the length exactly and returns [`StoreError::Corrupt`] otherwise: a
//! value read from disk is never trusted to have the shape we wrote.

use primitive_types::{H160, H256, U256};

use super::StoreError;

/// Length of an `accounts` value: nonce (8) ++ balance (32) ++ code hash (32) ++ storage root (32).
pub const ACCOUNT_LEN: usize = 8 + 32 + 32 + 32;
/// Length of a `storage` key: address (20) ++ slot (32).
pub const STORAGE_KEY_LEN: usize = 20 + 32;

/// An account as the `accounts` column family stores it (the code lives in `code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredAccount {
    /// Nonce.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// keccak-256 of the code ([`rewasm_primitives::EMPTY_CODE_HASH`] for none).
    pub code_hash: H256,
    /// Root of the account's storage trie ([`rewasm_primitives::EMPTY_ROOT`] for none).
    pub storage_root: H256,
}

impl StoredAccount {
    /// `nonce_be8 ++ balance_be32 ++ code_hash ++ storage_root`.
    pub fn encode(&self) -> [u8; ACCOUNT_LEN] {
        let mut out = [0u8; ACCOUNT_LEN];
        let (nonce, rest) = out.split_at_mut(8);
        let (balance, rest) = rest.split_at_mut(32);
        let (code_hash, storage_root) = rest.split_at_mut(32);
        nonce.copy_from_slice(&self.nonce.to_be_bytes());
        balance.copy_from_slice(&self.balance.to_big_endian());
        code_hash.copy_from_slice(self.code_hash.as_bytes());
        storage_root.copy_from_slice(self.storage_root.as_bytes());
        out
    }

    /// The inverse of [`Self::encode`]; any other length is corruption.
    pub fn decode(bytes: &[u8]) -> Result<Self, StoreError> {
        let corrupt = || StoreError::corrupt("accounts", format!("value of {} bytes", bytes.len()));
        if bytes.len() != ACCOUNT_LEN {
            return Err(corrupt());
        }
        let (nonce, rest) = bytes.split_at_checked(8).ok_or_else(corrupt)?;
        let (balance, rest) = rest.split_at_checked(32).ok_or_else(corrupt)?;
        let (code_hash, storage_root) = rest.split_at_checked(32).ok_or_else(corrupt)?;
        Ok(Self {
            nonce: u64::from_be_bytes(nonce.try_into().map_err(|_| corrupt())?),
            balance: U256::from_big_endian(balance),
            code_hash: h256(code_hash, "accounts")?,
            storage_root: h256(storage_root, "accounts")?,
        })
    }
}

/// `address ++ slot`.
pub fn storage_key(address: &H160, slot: &H256) -> [u8; STORAGE_KEY_LEN] {
    let mut out = [0u8; STORAGE_KEY_LEN];
    let (a, s) = out.split_at_mut(20);
    a.copy_from_slice(address.as_bytes());
    s.copy_from_slice(slot.as_bytes());
    out
}

/// The `storage` key range `[start, end)` holding every slot of `address`, for a range delete:
/// `address ++ 0…0` up to `address ++ ff…ff ++ 00`, which sorts after every 52-byte key of the
/// address and before every key of a higher address.
pub fn storage_range(address: &H160) -> ([u8; STORAGE_KEY_LEN], [u8; STORAGE_KEY_LEN + 1]) {
    let start = storage_key(address, &H256::zero());
    let mut end = [0u8; STORAGE_KEY_LEN + 1];
    let (a, rest) = end.split_at_mut(20);
    a.copy_from_slice(address.as_bytes());
    if let Some(slot) = rest.get_mut(..32) {
        slot.fill(0xff);
    }
    (start, end)
}

/// Splits a `storage` key back into the slot, checking it belongs to `address`.
pub fn storage_slot(key: &[u8], address: &H160) -> Result<H256, StoreError> {
    let corrupt = || StoreError::corrupt("storage", format!("key of {} bytes", key.len()));
    if key.len() != STORAGE_KEY_LEN {
        return Err(corrupt());
    }
    let (a, slot) = key.split_at_checked(20).ok_or_else(corrupt)?;
    if a != address.as_bytes() {
        return Err(StoreError::corrupt(
            "storage",
            "key outside the address prefix".to_string(),
        ));
    }
    h256(slot, "storage")
}

/// Exactly 32 bytes as an `H256`.
pub fn h256(bytes: &[u8], column: &'static str) -> Result<H256, StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map(H256)
        .map_err(|_| StoreError::corrupt(column, format!("expected 32 bytes, got {}", bytes.len())))
}

/// Exactly 8 big-endian bytes as a `u64`.
pub fn u64_be(bytes: &[u8], column: &'static str) -> Result<u64, StoreError> {
    <[u8; 8]>::try_from(bytes)
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::corrupt(column, format!("expected 8 bytes, got {}", bytes.len())))
}

/// Exactly 4 big-endian bytes as a `u32`.
pub fn u32_be(bytes: &[u8], column: &'static str) -> Result<u32, StoreError> {
    <[u8; 4]>::try_from(bytes)
        .map(u32::from_be_bytes)
        .map_err(|_| StoreError::corrupt(column, format!("expected 4 bytes, got {}", bytes.len())))
}

/// `number_be8 ++ hash` (the `head` meta value).
pub fn encode_head(number: u64, hash: &H256) -> [u8; 40] {
    let mut out = [0u8; 40];
    let (n, h) = out.split_at_mut(8);
    n.copy_from_slice(&number.to_be_bytes());
    h.copy_from_slice(hash.as_bytes());
    out
}

/// The inverse of [`encode_head`].
pub fn decode_head(bytes: &[u8]) -> Result<(u64, H256), StoreError> {
    let (n, h) = bytes
        .split_at_checked(8)
        .ok_or_else(|| StoreError::corrupt("meta", format!("head of {} bytes", bytes.len())))?;
    Ok((u64_be(n, "meta")?, h256(h, "meta")?))
}

/// `block_number_be8 ++ index_be4` (a `tx_index` value).
pub fn encode_tx_location(number: u64, index: u32) -> [u8; 12] {
    let mut out = [0u8; 12];
    let (n, i) = out.split_at_mut(8);
    n.copy_from_slice(&number.to_be_bytes());
    i.copy_from_slice(&index.to_be_bytes());
    out
}

/// The inverse of [`encode_tx_location`].
pub fn decode_tx_location(bytes: &[u8]) -> Result<(u64, u32), StoreError> {
    let (n, i) = bytes.split_at_checked(8).ok_or_else(|| {
        StoreError::corrupt("tx_index", format!("value of {} bytes", bytes.len()))
    })?;
    Ok((u64_be(n, "tx_index")?, u32_be(i, "tx_index")?))
}

/// Length of the fixed part of a `chain_params` meta value: chain id (8) ++ gas limit (8) ++
/// schedule hash (32) ++ limits hash (32); the schedule name follows.
pub const CHAIN_PARAMS_FIXED_LEN: usize = 8 + 8 + 32 + 32;

/// The consensus settings a chain was created with, which the genesis header does not cover
/// (the `chain_params` meta value): a node refuses to run a store under other ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainParams {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Gas limit of every block.
    pub gas_limit: u64,
    /// [`rewasm_vm::GasSchedule::hash`]: every price, and the name.
    pub schedule_hash: H256,
    /// [`rewasm_vm::ChainLimits::hash`].
    pub limits_hash: H256,
    /// The gas schedule's name (for the messages; the hash decides).
    pub schedule_name: String,
    /// The validator set's hash (its own `validators` meta value); `None` in a store written
    /// before it was recorded.
    pub validators_hash: Option<H256>,
    /// Whether the chain is a dev chain (genesis `devMode`: impersonated transactions are
    /// valid; its own `dev_mode` meta value, one byte); `None` in a store written before it
    /// was recorded.
    pub dev_mode: Option<bool>,
}

/// The `dev_mode` meta value: one byte, 0 or 1.
pub fn encode_dev_mode(dev_mode: bool) -> [u8; 1] {
    [u8::from(dev_mode)]
}

fn decode_dev_mode(bytes: &[u8]) -> Result<bool, StoreError> {
    match bytes {
        [0] => Ok(false),
        [1] => Ok(true),
        other => Err(StoreError::corrupt(
            "meta",
            format!("dev_mode value {other:02x?} (not one byte 0 or 1)"),
        )),
    }
}

impl ChainParams {
    /// `chain_id_be8 ++ gas_limit_be8 ++ schedule_hash ++ limits_hash ++ schedule name (UTF-8)`
    /// (the validator set's hash and the dev mode are values of their own, added after this
    /// layout was fixed).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(CHAIN_PARAMS_FIXED_LEN + self.schedule_name.len());
        out.extend_from_slice(&self.chain_id.to_be_bytes());
        out.extend_from_slice(&self.gas_limit.to_be_bytes());
        out.extend_from_slice(self.schedule_hash.as_bytes());
        out.extend_from_slice(self.limits_hash.as_bytes());
        out.extend_from_slice(self.schedule_name.as_bytes());
        out
    }

    /// The inverse of [`Self::encode`], with the `validators` and `dev_mode` meta values if
    /// there are.
    pub fn decode(
        bytes: &[u8],
        validators: Option<&[u8]>,
        dev_mode: Option<&[u8]>,
    ) -> Result<Self, StoreError> {
        let corrupt =
            || StoreError::corrupt("meta", format!("chain params of {} bytes", bytes.len()));
        let (chain_id, rest) = bytes.split_at_checked(8).ok_or_else(corrupt)?;
        let (gas_limit, rest) = rest.split_at_checked(8).ok_or_else(corrupt)?;
        let (schedule_hash, rest) = rest.split_at_checked(32).ok_or_else(corrupt)?;
        let (limits_hash, name) = rest.split_at_checked(32).ok_or_else(corrupt)?;
        let schedule_name = String::from_utf8(name.to_vec()).map_err(|_| {
            StoreError::corrupt(
                "meta",
                "chain params: schedule name is not UTF-8".to_string(),
            )
        })?;
        Ok(Self {
            chain_id: u64_be(chain_id, "meta")?,
            gas_limit: u64_be(gas_limit, "meta")?,
            schedule_hash: h256(schedule_hash, "meta")?,
            limits_hash: h256(limits_hash, "meta")?,
            schedule_name,
            validators_hash: validators.map(|bytes| h256(bytes, "meta")).transpose()?,
            dev_mode: dev_mode.map(decode_dev_mode).transpose()?,
        })
    }
}
