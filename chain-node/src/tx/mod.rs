//! Ethereum transaction envelopes and sender recovery, as geth does them.
//!
//! [`decode`] takes the bytes `eth_sendRawTransaction` carries (what ethers, web3.py and viem
//! produce): a legacy transaction is an RLP list of nine items (EIP-155 or not); a typed one is its
//! type byte followed by an RLP list — `0x01` EIP-2930, `0x02` EIP-1559. Decoding is strict
//! (canonical RLP, no trailing bytes, every field of the right shape and size), the signature is
//! checked the homestead way (`1 <= r, s < n`, `s <= n/2`) and the sender recovered with
//! libsecp256k1 (the `secp256k1` crate, as geth and reth use it; about three times faster than
//! k256, whose recovery was the largest part of a submission's time). k256 signs (tests, tools)
//! and derives the dev keys; `tests.rs` checks both libraries recover the same signers.
//!
//! A dev chain (genesis `devMode`) also accepts *impersonated* transactions, as anvil's
//! `anvil_impersonateAccount` sends them: the signature is a marker no ECDSA signature can be
//! (`s = 0`, `r` = the sender, y parity 0), so the sender is read, not recovered
//! ([`Signatures::DevMarkers`], [`seal_impersonated`]). Every other chain decodes with
//! [`Signatures::Strict`], where such a transaction is an invalid signature like any `s = 0`.
//!
//! What decoding does not check, because it depends on the chain's state or configuration: the
//! chain id (see [`SignedTransaction::chain_id`]; pre-EIP-155 legacy transactions have none), the
//! nonce, balances, intrinsic gas, and `max_priority_fee <= max_fee`.

mod senders;

use std::sync::LazyLock;

use k256::ecdsa::{SigningKey, VerifyingKey};
use primitive_types::{H160, H256, U256};
use secp256k1::{Message, Secp256k1, VerifyOnly, ecdsa};

pub use rewasm_primitives::keccak256;
pub use rewasm_primitives::rlp::RlpError;
use rewasm_primitives::rlp::{self, Item, ListReader, ListWriter};

/// The EIP-2718 type byte of an EIP-2930 (access list) transaction.
pub const ACCESS_LIST_TX_TYPE: u8 = 0x01;
/// The EIP-2718 type byte of an EIP-1559 (dynamic fee) transaction.
pub const DYNAMIC_FEE_TX_TYPE: u8 = 0x02;

/// secp256k1's group order n, big-endian.
const SECP256K1_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
];

/// Which signatures a chain accepts: a consensus rule, fixed by the genesis (`devMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signatures {
    /// ECDSA only (every chain but a dev chain).
    Strict,
    /// ECDSA, and the impersonation marker of [`seal_impersonated`] (a dev chain).
    DevMarkers,
}

/// The kind of envelope a transaction came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxKind {
    /// An untyped RLP list; `chain_id` is `Some` when EIP-155 replay-protected.
    Legacy {
        /// The chain id folded into `v`, if any.
        chain_id: Option<u64>,
    },
    /// EIP-2930, type `0x01`.
    AccessList,
    /// EIP-1559, type `0x02`.
    DynamicFee,
}

impl TxKind {
    /// The EIP-2718 type number (0 for legacy), as `eth_getTransactionByHash` reports it.
    pub fn type_byte(self) -> u8 {
        match self {
            TxKind::Legacy { .. } => 0,
            TxKind::AccessList => ACCESS_LIST_TX_TYPE,
            TxKind::DynamicFee => DYNAMIC_FEE_TX_TYPE,
        }
    }
}

/// An EIP-2930 access list: addresses and the storage keys under each.
pub type AccessList = Vec<(H160, Vec<H256>)>;

/// A decoded transaction with its recovered sender.
///
/// The fee fields follow geth's accessors: for legacy and EIP-2930 transactions `gas_price`,
/// `max_fee` and `max_priority_fee` are all the gas price; for EIP-1559 `gas_price` is `max_fee`
/// (the most the sender can pay per gas).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTransaction {
    /// The envelope.
    pub kind: TxKind,
    /// The chain id the signature commits to: the typed transaction's field, the EIP-155 chain id
    /// of a legacy transaction, or none for a pre-EIP-155 legacy transaction.
    pub chain_id: Option<u64>,
    /// The sender's nonce.
    pub nonce: u64,
    /// The gas limit.
    pub gas_limit: u64,
    /// See the struct documentation.
    pub gas_price: U256,
    /// See the struct documentation.
    pub max_fee: U256,
    /// See the struct documentation.
    pub max_priority_fee: U256,
    /// The recipient; none for a contract creation.
    pub to: Option<H160>,
    /// The value transferred, in wei.
    pub value: U256,
    /// The call data or init code.
    pub data: Vec<u8>,
    /// The EIP-2930 access list (empty for legacy transactions).
    pub access_list: AccessList,
    /// The recovered sender.
    pub sender: H160,
    /// keccak256 of the raw bytes: the transaction hash clients see.
    pub hash: H256,
    /// The signature as encoded (JSON-RPC returns it with the transaction).
    pub signature: TxSignature,
}

/// A transaction's signature fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TxSignature {
    /// The raw `v`: 27/28, `chain_id * 2 + 35/36` (EIP-155), or the y parity (typed).
    pub v: U256,
    /// `r`.
    pub r: U256,
    /// `s`.
    pub s: U256,
    /// The parity of the recovery point's y coordinate.
    pub y_parity: bool,
}

impl SignedTransaction {
    /// The transaction without its signature, sender and hash (what [`sign`] takes).
    pub fn unsigned(&self) -> UnsignedTransaction {
        UnsignedTransaction {
            kind: self.kind,
            chain_id: self.chain_id,
            nonce: self.nonce,
            gas_limit: self.gas_limit,
            gas_price: self.gas_price,
            max_fee: self.max_fee,
            max_priority_fee: self.max_priority_fee,
            to: self.to,
            value: self.value,
            data: self.data.clone(),
            access_list: self.access_list.clone(),
        }
    }

    /// Whether the sender was impersonated (the marker signature of [`seal_impersonated`],
    /// which only [`Signatures::DevMarkers`] admits) rather than recovered.
    pub fn impersonated(&self) -> bool {
        self.signature.s.is_zero()
    }

    /// How many addresses the access list names (EIP-2930 charges each).
    pub fn access_list_addresses(&self) -> u64 {
        u64::try_from(self.access_list.len()).unwrap_or(u64::MAX)
    }

    /// How many storage keys the access list names, over all its addresses (EIP-2930 charges
    /// each, duplicates included).
    pub fn access_list_storage_keys(&self) -> u64 {
        self.access_list
            .iter()
            .map(|(_, keys)| u64::try_from(keys.len()).unwrap_or(u64::MAX))
            .fold(0, u64::saturating_add)
    }
}

/// A transaction to sign. The same shape as [`SignedTransaction`] without sender and hash.
///
/// Which fee fields are encoded depends on `kind`: `gas_price` for legacy and EIP-2930,
/// `max_priority_fee` and `max_fee` for EIP-1559 (the others are ignored). `chain_id` must be
/// `Some` for typed transactions and equal the `chain_id` in [`TxKind::Legacy`] for legacy ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsignedTransaction {
    /// The envelope (and, for legacy transactions, whether to use EIP-155).
    pub kind: TxKind,
    /// The chain id.
    pub chain_id: Option<u64>,
    /// The sender's nonce.
    pub nonce: u64,
    /// The gas limit.
    pub gas_limit: u64,
    /// The gas price (legacy, EIP-2930).
    pub gas_price: U256,
    /// The fee cap (EIP-1559).
    pub max_fee: U256,
    /// The tip cap (EIP-1559).
    pub max_priority_fee: U256,
    /// The recipient; none for a contract creation.
    pub to: Option<H160>,
    /// The value transferred, in wei.
    pub value: U256,
    /// The call data or init code.
    pub data: Vec<u8>,
    /// The EIP-2930 access list (must be empty for legacy transactions).
    pub access_list: AccessList,
}

/// Why raw bytes are not an acceptable transaction. Messages follow geth where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxDecodeError {
    /// Empty input, or a type byte with nothing after it.
    #[error("typed transaction too short")]
    TypedTxTooShort,
    /// A type byte other than `0x01` and `0x02` (or a first byte that is neither a type nor a list).
    #[error("transaction type not supported")]
    TxTypeNotSupported,
    /// Malformed RLP, or a field of the wrong shape.
    #[error("rlp: {error} for {context}")]
    Rlp {
        /// What is wrong.
        error: RlpError,
        /// Where: the transaction type, or the type and field.
        context: &'static str,
    },
    /// An integer field wider than its type (gas limit and nonce 64 bits, amounts 256 bits).
    #[error("rlp: input string too long for {ty}, decoding into {context}")]
    IntegerOverflow {
        /// The field.
        context: &'static str,
        /// The field's type: `uint64` or `uint256`.
        ty: &'static str,
    },
    /// The chain id (a typed field, or the one in an EIP-155 `v`) does not fit 64 bits.
    #[error("chain id exceeds 2^64-1")]
    ChainIdTooLarge,
    /// `v`/`yParity`, `r` or `s` out of range (including high `s`), or no key recovers.
    #[error("invalid transaction v, r, s values")]
    InvalidSignature,
}

/// Why [`sign`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxSignError {
    /// `chain_id` disagrees with the kind (missing for a typed transaction, or different from the
    /// legacy kind's).
    #[error("chain id does not match the transaction kind")]
    ChainIdMismatch,
    /// A legacy transaction with an access list.
    #[error("legacy transactions have no access list")]
    AccessListOnLegacy,
    /// The signer failed (only for a nonce giving `r` or `s` zero: probability ~2^-256).
    #[error("signing failed: {0}")]
    Signer(String),
}

/// The address of a public key: the last 20 bytes of keccak256 of its uncompressed coordinates.
pub fn public_key_address(key: &VerifyingKey) -> H160 {
    let point = key.to_encoded_point(false);
    let coordinates = point.as_bytes().get(1..).unwrap_or_default();
    let hash = keccak256(coordinates);
    H160::from_slice(hash.as_bytes().get(12..).unwrap_or(&[0u8; 20]))
}

/// Decodes raw transaction bytes (the `eth_sendRawTransaction` form) and recovers the sender,
/// accepting ECDSA signatures only.
pub fn decode(raw: &[u8]) -> Result<SignedTransaction, TxDecodeError> {
    decode_with(raw, Signatures::Strict)
}

/// [`decode`] under a chain's rule for signatures.
pub fn decode_with(raw: &[u8], signatures: Signatures) -> Result<SignedTransaction, TxDecodeError> {
    let hash = keccak256(raw);
    let check = Check { hash, signatures };
    match raw.first() {
        None => Err(TxDecodeError::TypedTxTooShort),
        Some(&first) if first >= 0xc0 => decode_legacy(raw, check),
        Some(&first) if first >= 0x80 => Err(TxDecodeError::Rlp {
            error: RlpError::ExpectedList,
            context: "LegacyTx",
        }),
        Some(_) if raw.len() <= 1 => Err(TxDecodeError::TypedTxTooShort),
        Some(&ACCESS_LIST_TX_TYPE) => decode_typed(TxKind::AccessList, raw, check),
        Some(&DYNAMIC_FEE_TX_TYPE) => decode_typed(TxKind::DynamicFee, raw, check),
        _ => Err(TxDecodeError::TxTypeNotSupported),
    }
}

/// How a decoded transaction's sender is found.
#[derive(Clone, Copy)]
struct Check {
    hash: H256,
    signatures: Signatures,
}

impl Check {
    /// The sender of a transaction whose signing hash is `sighash`: read from the marker on a
    /// dev chain, otherwise recovered (or remembered). `s = 0` is the marker or invalid, decided
    /// before the memory of recovered senders is asked, which markers never enter.
    fn sender(self, sighash: H256, y_odd: bool, r: U256, s: U256) -> Result<H160, TxDecodeError> {
        if s.is_zero() {
            return match self.signatures {
                Signatures::DevMarkers => marker_sender(y_odd, r),
                Signatures::Strict => Err(TxDecodeError::InvalidSignature),
            };
        }
        senders::recover(self.hash, || recover(sighash, y_odd, r, s))
    }
}

/// The sender an impersonation marker names: `r` is the address, the y parity even.
fn marker_sender(y_odd: bool, r: U256) -> Result<H160, TxDecodeError> {
    let bytes = r.to_big_endian();
    let (high, address) = bytes.split_at(12);
    if y_odd || high.iter().any(|&b| b != 0) {
        return Err(TxDecodeError::InvalidSignature);
    }
    Ok(H160::from_slice(address))
}

/// Field reading with error context.
struct Fields<'a> {
    list: ListReader<'a>,
    tx: &'static str,
}

impl<'a> Fields<'a> {
    fn next(&mut self, field: &'static str) -> Result<Item<'a>, TxDecodeError> {
        let tx = self.tx;
        self.list.element().map_err(|error| TxDecodeError::Rlp {
            error,
            context: if error == RlpError::TooFewElements {
                tx
            } else {
                field
            },
        })
    }

    fn u64(&mut self, field: &'static str) -> Result<u64, TxDecodeError> {
        self.next(field)?
            .u64()
            .map_err(|e| int_error(e, field, "uint64"))
    }

    fn u256(&mut self, field: &'static str) -> Result<U256, TxDecodeError> {
        self.next(field)?
            .u256()
            .map_err(|e| int_error(e, field, "uint256"))
    }

    fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], TxDecodeError> {
        self.next(field)?.bytes().map_err(|e| rlp_error(e, field))
    }

    fn to(&mut self, field: &'static str) -> Result<Option<H160>, TxDecodeError> {
        self.next(field)?
            .optional_address()
            .map_err(|e| rlp_error(e, field))
    }

    fn access_list(&mut self, field: &'static str) -> Result<AccessList, TxDecodeError> {
        let mut entries = self.next(field)?.list().map_err(|e| rlp_error(e, field))?;
        let mut out = Vec::new();
        while !entries.is_empty() {
            let mut entry = entries
                .element()
                .and_then(Item::list)
                .map_err(|e| rlp_error(e, field))?;
            let address = entry
                .element()
                .and_then(Item::fixed::<20>)
                .map_err(|e| rlp_error(e, field))?;
            let mut slots = entry
                .element()
                .and_then(Item::list)
                .map_err(|e| rlp_error(e, field))?;
            entry.finish().map_err(|e| rlp_error(e, field))?;
            let mut keys = Vec::new();
            while !slots.is_empty() {
                let key = slots
                    .element()
                    .and_then(Item::fixed::<32>)
                    .map_err(|e| rlp_error(e, field))?;
                keys.push(H256(key));
            }
            out.push((H160(address), keys));
        }
        Ok(out)
    }

    fn finish(self) -> Result<(), TxDecodeError> {
        self.list.finish().map_err(|e| rlp_error(e, self.tx))
    }
}

fn rlp_error(error: RlpError, context: &'static str) -> TxDecodeError {
    TxDecodeError::Rlp { error, context }
}

fn int_error(error: RlpError, context: &'static str, ty: &'static str) -> TxDecodeError {
    match error {
        RlpError::StringTooLong => TxDecodeError::IntegerOverflow { context, ty },
        error => TxDecodeError::Rlp { error, context },
    }
}

fn decode_legacy(raw: &[u8], check: Check) -> Result<SignedTransaction, TxDecodeError> {
    const TX: &str = "LegacyTx";
    let list = rlp::single_item(raw)
        .and_then(Item::list)
        .map_err(|e| rlp_error(e, TX))?;
    let mut fields = Fields { list, tx: TX };
    let nonce = fields.u64("LegacyTx.Nonce")?;
    let gas_price = fields.u256("LegacyTx.GasPrice")?;
    let gas_limit = fields.u64("LegacyTx.Gas")?;
    let to = fields.to("LegacyTx.To")?;
    let value = fields.u256("LegacyTx.Value")?;
    let data = fields.bytes("LegacyTx.Data")?;
    let v = fields.u256("LegacyTx.V")?;
    let r = fields.u256("LegacyTx.R")?;
    let s = fields.u256("LegacyTx.S")?;
    fields.finish()?;

    let (chain_id, y_odd) = if v == U256::from(27) || v == U256::from(28) {
        (None, v == U256::from(28))
    } else if v >= U256::from(35) {
        let offset = v - U256::from(35);
        let chain_id = offset >> 1;
        if chain_id > U256::from(u64::MAX) {
            return Err(TxDecodeError::ChainIdTooLarge);
        }
        (Some(chain_id.low_u64()), offset.bit(0))
    } else {
        return Err(TxDecodeError::InvalidSignature);
    };

    let mut unsigned = ListWriter::new();
    unsigned
        .u64(nonce)
        .u256(gas_price)
        .u64(gas_limit)
        .optional_address(to)
        .u256(value)
        .bytes(data);
    if let Some(id) = chain_id {
        unsigned.u64(id).u64(0).u64(0);
    }
    let sighash = keccak256(&unsigned.finish());
    let sender = check.sender(sighash, y_odd, r, s)?;
    Ok(SignedTransaction {
        kind: TxKind::Legacy { chain_id },
        chain_id,
        nonce,
        gas_limit,
        gas_price,
        max_fee: gas_price,
        max_priority_fee: gas_price,
        to,
        value,
        data: data.to_vec(),
        access_list: Vec::new(),
        sender,
        hash: check.hash,
        signature: TxSignature {
            v,
            r,
            s,
            y_parity: y_odd,
        },
    })
}

fn decode_typed(
    kind: TxKind,
    raw: &[u8],
    check: Check,
) -> Result<SignedTransaction, TxDecodeError> {
    let (tx, names) = match kind {
        TxKind::DynamicFee => ("DynamicFeeTx", &DYNAMIC_FEE_FIELDS),
        _ => ("AccessListTx", &ACCESS_LIST_FIELDS),
    };
    let body = raw.get(1..).unwrap_or_default();
    let list = rlp::single_item(body)
        .and_then(Item::list)
        .map_err(|e| rlp_error(e, tx))?;
    let mut fields = Fields { list, tx };
    let [
        f_chain,
        f_nonce,
        f_fee1,
        f_fee2,
        f_gas,
        f_to,
        f_value,
        f_data,
        f_access,
        f_v,
        f_r,
        f_s,
    ] = *names;
    let chain_id = fields.u256(f_chain)?;
    let nonce = fields.u64(f_nonce)?;
    let (gas_price, max_fee, max_priority_fee) = if kind == TxKind::DynamicFee {
        let tip = fields.u256(f_fee1)?;
        let cap = fields.u256(f_fee2)?;
        (cap, cap, tip)
    } else {
        let price = fields.u256(f_fee1)?;
        (price, price, price)
    };
    let gas_limit = fields.u64(f_gas)?;
    let to = fields.to(f_to)?;
    let value = fields.u256(f_value)?;
    let data = fields.bytes(f_data)?;
    let access_list = fields.access_list(f_access)?;
    let y_parity = fields.u256(f_v)?;
    let r = fields.u256(f_r)?;
    let s = fields.u256(f_s)?;
    fields.finish()?;

    if chain_id > U256::from(u64::MAX) {
        return Err(TxDecodeError::ChainIdTooLarge);
    }
    let chain_id = chain_id.low_u64();
    let y_odd = match y_parity.low_u64() {
        0 if y_parity.is_zero() => false,
        1 if y_parity == U256::one() => true,
        _ => return Err(TxDecodeError::InvalidSignature),
    };
    let unsigned = UnsignedTransaction {
        kind,
        chain_id: Some(chain_id),
        nonce,
        gas_limit,
        gas_price,
        max_fee,
        max_priority_fee,
        to,
        value,
        data: data.to_vec(),
        access_list,
    };
    let sighash = keccak256(&typed_payload(&unsigned, chain_id, None));
    let sender = check.sender(sighash, y_odd, r, s)?;
    let UnsignedTransaction {
        data, access_list, ..
    } = unsigned;
    Ok(SignedTransaction {
        kind,
        chain_id: Some(chain_id),
        nonce,
        gas_limit,
        gas_price,
        max_fee,
        max_priority_fee,
        to,
        value,
        data,
        access_list,
        sender,
        hash: check.hash,
        signature: TxSignature {
            v: y_parity,
            r,
            s,
            y_parity: y_odd,
        },
    })
}

const ACCESS_LIST_FIELDS: [&str; 12] = [
    "AccessListTx.ChainID",
    "AccessListTx.Nonce",
    "AccessListTx.GasPrice",
    "AccessListTx.GasPrice",
    "AccessListTx.Gas",
    "AccessListTx.To",
    "AccessListTx.Value",
    "AccessListTx.Data",
    "AccessListTx.AccessList",
    "AccessListTx.V",
    "AccessListTx.R",
    "AccessListTx.S",
];

const DYNAMIC_FEE_FIELDS: [&str; 12] = [
    "DynamicFeeTx.ChainID",
    "DynamicFeeTx.Nonce",
    "DynamicFeeTx.GasTipCap",
    "DynamicFeeTx.GasFeeCap",
    "DynamicFeeTx.Gas",
    "DynamicFeeTx.To",
    "DynamicFeeTx.Value",
    "DynamicFeeTx.Data",
    "DynamicFeeTx.AccessList",
    "DynamicFeeTx.V",
    "DynamicFeeTx.R",
    "DynamicFeeTx.S",
];

/// `type || rlp(fields [, yParity, r, s])` of a typed transaction.
fn typed_payload(
    tx: &UnsignedTransaction,
    chain_id: u64,
    sig: Option<(bool, U256, U256)>,
) -> Vec<u8> {
    let mut list = ListWriter::new();
    list.u64(chain_id).u64(tx.nonce);
    if tx.kind == TxKind::DynamicFee {
        list.u256(tx.max_priority_fee).u256(tx.max_fee);
    } else {
        list.u256(tx.gas_price);
    }
    list.u64(tx.gas_limit)
        .optional_address(tx.to)
        .u256(tx.value)
        .bytes(&tx.data)
        .access_list(&tx.access_list);
    if let Some((y_odd, r, s)) = sig {
        list.u64(u64::from(y_odd)).u256(r).u256(s);
    }
    let encoded = list.finish();
    let mut out = Vec::with_capacity(encoded.len() + 1);
    out.push(tx.kind.type_byte());
    out.extend_from_slice(&encoded);
    out
}

/// libsecp256k1's context for recovery, built once (it holds no secret).
static VERIFIER: LazyLock<Secp256k1<VerifyOnly>> = LazyLock::new(Secp256k1::verification_only);

/// Recovers the signer of `sighash`, enforcing geth's homestead signature rules.
fn recover(sighash: H256, y_odd: bool, r: U256, s: U256) -> Result<H160, TxDecodeError> {
    let n = U256::from_big_endian(&SECP256K1_N);
    let half_n = n >> 1;
    if r.is_zero() || s.is_zero() || r >= n || s > half_n {
        return Err(TxDecodeError::InvalidSignature);
    }
    let mut compact = [0u8; 64];
    compact[..32].copy_from_slice(&r.to_big_endian());
    compact[32..].copy_from_slice(&s.to_big_endian());
    let recovery_id = ecdsa::RecoveryId::try_from(i32::from(y_odd))
        .map_err(|_| TxDecodeError::InvalidSignature)?;
    let signature = ecdsa::RecoverableSignature::from_compact(&compact, recovery_id)
        .map_err(|_| TxDecodeError::InvalidSignature)?;
    let key = VERIFIER
        .recover_ecdsa(Message::from_digest(sighash.to_fixed_bytes()), &signature)
        .map_err(|_| TxDecodeError::InvalidSignature)?;
    let point = key.serialize_uncompressed();
    let hash = keccak256(point.get(1..).unwrap_or_default());
    Ok(H160::from_slice(
        hash.as_bytes().get(12..).unwrap_or(&[0u8; 20]),
    ))
}

/// Signs `unsigned` with `key` and returns the raw transaction bytes (low-`s`, as every client
/// produces); [`decode`] of the result gives back the transaction with the key's address as sender.
pub fn sign(unsigned: &UnsignedTransaction, key: &SigningKey) -> Result<Vec<u8>, TxSignError> {
    seal(unsigned, |hash| {
        let (signature, recovery_id) = key
            .sign_prehash_recoverable(hash.as_bytes())
            .map_err(|e| TxSignError::Signer(e.to_string()))?;
        let (signature, y_odd) = match signature.normalize_s() {
            Some(low) => (low, !recovery_id.is_y_odd()),
            None => (signature, recovery_id.is_y_odd()),
        };
        let (r, s) = signature.split_bytes();
        Ok((
            y_odd,
            U256::from_big_endian(r.as_slice()),
            U256::from_big_endian(s.as_slice()),
        ))
    })
}

/// `unsigned` as sent by `sender` without its key: the raw bytes with the impersonation marker
/// for a signature, which [`decode_with`] under [`Signatures::DevMarkers`] reads back with
/// `sender` as the sender (and every other chain refuses).
pub fn seal_impersonated(
    unsigned: &UnsignedTransaction,
    sender: H160,
) -> Result<Vec<u8>, TxSignError> {
    seal(unsigned, |_| {
        Ok((
            false,
            U256::from_big_endian(sender.as_bytes()),
            U256::zero(),
        ))
    })
}

/// The raw bytes of `unsigned` with the signature `sign_hash` gives for its signing hash
/// (`(y odd, r, s)`).
fn seal(
    unsigned: &UnsignedTransaction,
    sign_hash: impl FnOnce(H256) -> Result<(bool, U256, U256), TxSignError>,
) -> Result<Vec<u8>, TxSignError> {
    match unsigned.kind {
        TxKind::Legacy { chain_id } => {
            let mut fields = legacy_fields(unsigned)?;
            let mut for_hash = fields.clone();
            if let Some(id) = chain_id {
                for_hash.u64(id).u64(0).u64(0);
            }
            let (y_odd, r, s) = sign_hash(keccak256(&for_hash.finish()))?;
            let v = match chain_id {
                Some(id) => U256::from(id) * 2 + 35 + u64::from(y_odd),
                None => U256::from(27 + u64::from(y_odd)),
            };
            fields.u256(v).u256(r).u256(s);
            Ok(fields.finish())
        }
        TxKind::AccessList | TxKind::DynamicFee => {
            let chain_id = unsigned.chain_id.ok_or(TxSignError::ChainIdMismatch)?;
            let sig = sign_hash(keccak256(&typed_payload(unsigned, chain_id, None)))?;
            Ok(typed_payload(unsigned, chain_id, Some(sig)))
        }
    }
}

/// `unsigned`'s bytes with a zero signature (`v`, `r` and `s` all 0): geth's encoding of an
/// unsigned transaction, the `raw` of `eth_fillTransaction`'s answer.
pub fn encode_unsigned(unsigned: &UnsignedTransaction) -> Result<Vec<u8>, TxSignError> {
    match unsigned.kind {
        TxKind::Legacy { .. } => {
            let mut fields = legacy_fields(unsigned)?;
            fields.u64(0).u64(0).u64(0);
            Ok(fields.finish())
        }
        TxKind::AccessList | TxKind::DynamicFee => {
            let chain_id = unsigned.chain_id.ok_or(TxSignError::ChainIdMismatch)?;
            let zero = U256::zero();
            Ok(typed_payload(unsigned, chain_id, Some((false, zero, zero))))
        }
    }
}

/// The signed fields of a legacy transaction, checked against its kind.
fn legacy_fields(unsigned: &UnsignedTransaction) -> Result<ListWriter, TxSignError> {
    let TxKind::Legacy { chain_id } = unsigned.kind else {
        return Err(TxSignError::ChainIdMismatch);
    };
    if unsigned.chain_id != chain_id {
        return Err(TxSignError::ChainIdMismatch);
    }
    if !unsigned.access_list.is_empty() {
        return Err(TxSignError::AccessListOnLegacy);
    }
    let mut fields = ListWriter::new();
    fields
        .u64(unsigned.nonce)
        .u256(unsigned.gas_price)
        .u64(unsigned.gas_limit)
        .optional_address(unsigned.to)
        .u256(unsigned.value)
        .bytes(&unsigned.data);
    Ok(fields)
}

#[cfg(test)]
mod tests;
