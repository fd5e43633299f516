//! `tx_decode`: bytes into the node's transaction decoder (`rewasm_node::tx::decode`).
//!
//! Two modes, chosen by the first byte so that a raw transaction from the wild (which starts
//! with `0x01`, `0x02` or a list header `≥ 0xc0`) replays as itself:
//! - raw (first byte not `0xaa`): decoding never panics; an accepted transaction's hash is the
//!   Keccak-256 of the input, its envelope is consistent (typed ⇒ chain id, legacy ⇒ no access
//!   list) and decoding it again gives the same result; a dev chain's decoding (which also reads
//!   impersonation markers) accepts it too, with the same result, and what only a dev chain
//!   accepts is a marker;
//! - structured (`0xaa`, then fields): a transaction built from the input and signed with a
//!   fixed key decodes back to exactly the transaction signed, with the key's address as sender;
//!   the signed bytes with one byte changed still decode without a panic.

use arbitrary::Unstructured;
use k256::ecdsa::SigningKey;
use primitive_types::{H160, H256, U256};
use rewasm_node::tx::{self, Signatures, SignedTransaction, TxKind, UnsignedTransaction};

/// First byte selecting the structured mode.
pub const STRUCTURED: u8 = 0xaa;

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    match data.split_first() {
        Some((&STRUCTURED, rest)) => structured(rest),
        _ => {
            raw(data);
        }
    }
}

/// Decodes `data`; checks what an accepted transaction must satisfy.
fn raw(data: &[u8]) -> Option<SignedTransaction> {
    let on_dev_chain = tx::decode_with(data, Signatures::DevMarkers).ok();
    let decoded = match tx::decode(data) {
        Ok(decoded) => decoded,
        Err(_) => {
            if let Some(marked) = on_dev_chain {
                assert!(marked.impersonated(), "dev chains accept a bad signature");
            }
            return None;
        }
    };
    assert_eq!(
        on_dev_chain.as_ref(),
        Some(&decoded),
        "a dev chain decodes a signed transaction differently"
    );
    assert_eq!(decoded.hash, tx::keccak256(data), "hash is not keccak(raw)");
    match decoded.kind {
        TxKind::Legacy { chain_id } => {
            assert_eq!(decoded.chain_id, chain_id, "legacy chain id disagrees");
            assert!(decoded.access_list.is_empty(), "legacy with access list");
        }
        TxKind::AccessList | TxKind::DynamicFee => {
            assert!(
                decoded.chain_id.is_some(),
                "typed transaction without chain id"
            );
        }
    }
    assert_eq!(
        tx::decode(data).ok().as_ref(),
        Some(&decoded),
        "decoding is not stable"
    );
    Some(decoded)
}

fn u256(u: &mut Unstructured<'_>) -> U256 {
    match u.int_in_range(0u8..=2).unwrap_or(0) {
        0 => U256::from(u.int_in_range(0u64..=1_000_000).unwrap_or(0)),
        1 => U256::MAX,
        _ => U256::from_big_endian(&u.arbitrary::<[u8; 32]>().unwrap_or_default()),
    }
}

fn u64_field(u: &mut Unstructured<'_>) -> u64 {
    match u.int_in_range(0u8..=2).unwrap_or(0) {
        0 => u.int_in_range(0..=1_000).unwrap_or(0),
        1 => u64::MAX,
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// A transaction whose fee fields already have the shape [`tx::decode`] reports for its kind.
fn unsigned(u: &mut Unstructured<'_>) -> UnsignedTransaction {
    let chain_id = u64_field(u);
    let (kind, chain_id) = match u.int_in_range(0u8..=3).unwrap_or(0) {
        0 => (TxKind::Legacy { chain_id: None }, None),
        1 => (
            TxKind::Legacy {
                chain_id: Some(chain_id),
            },
            Some(chain_id),
        ),
        2 => (TxKind::AccessList, Some(chain_id)),
        _ => (TxKind::DynamicFee, Some(chain_id)),
    };
    let fee = u256(u);
    let tip = u256(u);
    let (gas_price, max_fee, max_priority_fee) = match kind {
        TxKind::DynamicFee => (fee, fee, tip),
        _ => (fee, fee, fee),
    };
    let to = if u.arbitrary().unwrap_or(false) {
        Some(H160(u.arbitrary().unwrap_or_default()))
    } else {
        None
    };
    let len = u.int_in_range(0..=200).unwrap_or(0);
    let data = u.bytes(len).unwrap_or_default().to_vec();
    let mut access_list = Vec::new();
    if !matches!(kind, TxKind::Legacy { .. }) {
        for _ in 0..u.int_in_range(0..=3).unwrap_or(0) {
            let keys = (0..u.int_in_range(0..=3).unwrap_or(0))
                .map(|_| H256(u.arbitrary().unwrap_or_default()))
                .collect();
            access_list.push((H160(u.arbitrary().unwrap_or_default()), keys));
        }
    }
    UnsignedTransaction {
        kind,
        chain_id,
        nonce: u64_field(u),
        gas_limit: u64_field(u),
        gas_price,
        max_fee,
        max_priority_fee,
        to,
        value: u256(u),
        data,
        access_list,
    }
}

fn structured(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let transaction = unsigned(&mut u);
    let Ok(key) = SigningKey::from_slice(&[0x42; 32]) else {
        panic!("fixed test key rejected");
    };
    let raw_bytes = match tx::sign(&transaction, &key) {
        Ok(bytes) => bytes,
        Err(err) => panic!("signing a consistent transaction failed: {err}"),
    };
    let Some(decoded) = raw(&raw_bytes) else {
        panic!(
            "a signed transaction does not decode: {:?}",
            tx::decode(&raw_bytes)
        );
    };
    assert_eq!(
        decoded.unsigned(),
        transaction,
        "round trip changed the transaction"
    );
    assert_eq!(
        decoded.sender,
        tx::public_key_address(key.verifying_key()),
        "wrong sender recovered"
    );
    // One changed byte: anything may happen but a panic.
    if !raw_bytes.is_empty() {
        let mut mutated = raw_bytes.clone();
        let index = u.choose_index(mutated.len()).unwrap_or(0);
        let flip = u.arbitrary::<u8>().unwrap_or(1).max(1);
        if let Some(byte) = mutated.get_mut(index) {
            *byte ^= flip;
        }
        raw(&mutated);
    }
}
