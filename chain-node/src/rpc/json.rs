//! The JSON shapes of blocks, transactions, receipts and logs, as the Ethereum execution API
//! specification and geth give them: quantities as minimal `0x` hex, data and hashes as full
//! `0x` hex, absent block fields of a pending transaction as `null`.
//!
//! Fields that only proof of work gave meaning to are present with their post-merge values
//! (difficulty and total difficulty `0x0`, zero nonce and mix hash, no uncles), because
//! clients read them unconditionally.

use primitive_types::{H160, H256, U256};
use rewasm_primitives::LogEntry;
use serde_json::{Map, Value, json};

use crate::chain::{Block, Header, ReceiptRecord, TxLocation};
use crate::tx::{SignedTransaction, TxKind, UnsignedTransaction};

/// A quantity: `0x` and the minimal lowercase hex digits (`0x0` for zero).
pub fn quantity(value: u64) -> String {
    format!("0x{value:x}")
}

/// A 256-bit quantity.
pub fn quantity_u256(value: U256) -> String {
    format!("0x{value:x}")
}

/// Unformatted data: `0x` and two hex digits per byte.
pub fn data(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

/// An address.
pub fn address(value: &H160) -> String {
    data(value.as_bytes())
}

/// A 32-byte hash.
pub fn hash(value: &H256) -> String {
    data(value.as_bytes())
}

/// A header's fields (what `newHeads` notifications carry).
pub fn header(header: &Header, block_hash: &H256) -> Map<String, Value> {
    let value = json!({
        "number": quantity(header.number),
        "hash": hash(block_hash),
        "parentHash": hash(&header.parent_hash),
        "sha3Uncles": hash(&header.ommers_hash),
        "miner": address(&header.beneficiary),
        "stateRoot": hash(&header.state_root),
        "transactionsRoot": hash(&header.transactions_root),
        "receiptsRoot": hash(&header.receipts_root),
        "logsBloom": data(&header.logs_bloom.0),
        "difficulty": quantity_u256(header.difficulty),
        "gasLimit": quantity(header.gas_limit),
        "gasUsed": quantity(header.gas_used),
        "timestamp": quantity(header.timestamp),
        "extraData": data(&header.extra_data),
        "mixHash": hash(&header.mix_hash),
        "nonce": data(&header.nonce),
        "baseFeePerGas": quantity_u256(header.base_fee_per_gas),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A block, with full transaction objects or only their hashes.
pub fn block(block: &Block, full_transactions: bool) -> Value {
    let mut map = header(&block.header, &block.hash);
    let transactions = block
        .transactions
        .iter()
        .enumerate()
        .map(|(index, tx)| {
            if full_transactions {
                let location = TxLocation {
                    block_number: block.header.number,
                    block_hash: block.hash,
                    block_timestamp: block.header.timestamp,
                    index: index as u64,
                };
                transaction(tx, Some((&location, block.header.base_fee_per_gas)))
            } else {
                Value::String(hash(&tx.hash))
            }
        })
        .collect();
    map.insert("totalDifficulty".into(), Value::String(quantity(0)));
    map.insert("size".into(), Value::String(quantity(block.size())));
    map.insert("uncles".into(), Value::Array(Vec::new()));
    map.insert("transactions".into(), Value::Array(transactions));
    Value::Object(map)
}

/// A transaction; `included` gives its block and that block's base fee, `None` for a pooled one.
pub fn transaction(tx: &SignedTransaction, included: Option<(&TxLocation, U256)>) -> Value {
    let mut map = Map::new();
    let (block_hash, block_number, block_timestamp, index) = match included {
        Some((location, _)) => (
            Value::String(hash(&location.block_hash)),
            Value::String(quantity(location.block_number)),
            Value::String(quantity(location.block_timestamp)),
            Value::String(quantity(location.index)),
        ),
        None => (Value::Null, Value::Null, Value::Null, Value::Null),
    };
    map.insert("blockHash".into(), block_hash);
    map.insert("blockNumber".into(), block_number);
    map.insert("blockTimestamp".into(), block_timestamp);
    map.insert("transactionIndex".into(), index);
    map.insert("hash".into(), Value::String(hash(&tx.hash)));
    map.insert("from".into(), Value::String(address(&tx.sender)));
    map.insert(
        "to".into(),
        tx.to.map_or(Value::Null, |to| Value::String(address(&to))),
    );
    map.insert("nonce".into(), Value::String(quantity(tx.nonce)));
    map.insert("gas".into(), Value::String(quantity(tx.gas_limit)));
    map.insert("value".into(), Value::String(quantity_u256(tx.value)));
    map.insert("input".into(), Value::String(data(&tx.data)));
    map.insert(
        "type".into(),
        Value::String(quantity(u64::from(tx.kind.type_byte()))),
    );
    map.insert("v".into(), Value::String(quantity_u256(tx.signature.v)));
    map.insert("r".into(), Value::String(quantity_u256(tx.signature.r)));
    map.insert("s".into(), Value::String(quantity_u256(tx.signature.s)));
    if let Some(chain_id) = tx.chain_id {
        map.insert("chainId".into(), Value::String(quantity(chain_id)));
    }
    let gas_price = match tx.kind {
        TxKind::Legacy { .. } | TxKind::AccessList => tx.gas_price,
        TxKind::DynamicFee => match included {
            // What the sender paid per gas (geth reports the effective price once mined).
            Some((_, base_fee)) => tx.max_fee.min(base_fee.saturating_add(tx.max_priority_fee)),
            None => tx.max_fee,
        },
    };
    map.insert("gasPrice".into(), Value::String(quantity_u256(gas_price)));
    if !matches!(tx.kind, TxKind::Legacy { .. }) {
        map.insert(
            "yParity".into(),
            Value::String(quantity(u64::from(tx.signature.y_parity))),
        );
    }
    insert_typed_fields(
        &mut map,
        tx.kind,
        &tx.access_list,
        tx.max_fee,
        tx.max_priority_fee,
    );
    Value::Object(map)
}

/// The access list of a typed transaction, and the fee fields of an EIP-1559 one.
fn insert_typed_fields(
    map: &mut Map<String, Value>,
    kind: TxKind,
    list: &[(H160, Vec<H256>)],
    max_fee: U256,
    max_priority_fee: U256,
) {
    if !matches!(kind, TxKind::Legacy { .. }) {
        map.insert("accessList".into(), access_list(list));
    }
    if kind == TxKind::DynamicFee {
        map.insert("maxFeePerGas".into(), Value::String(quantity_u256(max_fee)));
        map.insert(
            "maxPriorityFeePerGas".into(),
            Value::String(quantity_u256(max_priority_fee)),
        );
    }
}

/// A transaction not yet signed (`eth_fillTransaction`): the spec's unsigned shapes, with
/// `gasPrice` equal to the fee cap for an EIP-1559 one.
pub fn unsigned_transaction(tx: &UnsignedTransaction) -> Value {
    let mut map = Map::new();
    let type_byte = u64::from(tx.kind.type_byte());
    map.insert("type".into(), Value::String(quantity(type_byte)));
    map.insert("nonce".into(), Value::String(quantity(tx.nonce)));
    map.insert(
        "to".into(),
        tx.to.map_or(Value::Null, |to| Value::String(address(&to))),
    );
    map.insert("gas".into(), Value::String(quantity(tx.gas_limit)));
    map.insert("value".into(), Value::String(quantity_u256(tx.value)));
    map.insert("input".into(), Value::String(data(&tx.data)));
    if let Some(chain_id) = tx.chain_id {
        map.insert("chainId".into(), Value::String(quantity(chain_id)));
    }
    let gas_price = match tx.kind {
        TxKind::DynamicFee => tx.max_fee,
        TxKind::Legacy { .. } | TxKind::AccessList => tx.gas_price,
    };
    map.insert("gasPrice".into(), Value::String(quantity_u256(gas_price)));
    insert_typed_fields(
        &mut map,
        tx.kind,
        &tx.access_list,
        tx.max_fee,
        tx.max_priority_fee,
    );
    Value::Object(map)
}

/// A signed transaction outside any block (`eth_signTransaction`'s `tx`): its fields, hash
/// and signature.
pub fn signed_transaction(tx: &SignedTransaction) -> Value {
    let mut answer = unsigned_transaction(&tx.unsigned());
    if let Some(map) = answer.as_object_mut() {
        map.insert("hash".into(), Value::String(hash(&tx.hash)));
        map.insert("v".into(), Value::String(quantity_u256(tx.signature.v)));
        map.insert("r".into(), Value::String(quantity_u256(tx.signature.r)));
        map.insert("s".into(), Value::String(quantity_u256(tx.signature.s)));
        if !matches!(tx.kind, TxKind::Legacy { .. }) {
            map.insert(
                "yParity".into(),
                Value::String(quantity(u64::from(tx.signature.y_parity))),
            );
        }
    }
    answer
}

pub fn access_list(list: &[(H160, Vec<H256>)]) -> Value {
    Value::Array(
        list.iter()
            .map(|(account, keys)| {
                json!({
                    "address": address(account),
                    "storageKeys": keys.iter().map(hash).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Where a log was emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogPosition {
    pub block_number: u64,
    pub block_hash: H256,
    pub tx_hash: H256,
    pub tx_index: u64,
    /// Index in the block.
    pub log_index: u64,
}

/// A log with its position.
pub fn log(entry: &LogEntry, at: &LogPosition) -> Value {
    json!({
        "address": address(&entry.address),
        "topics": entry.topics.iter().map(hash).collect::<Vec<_>>(),
        "data": data(&entry.data),
        "blockNumber": quantity(at.block_number),
        "blockHash": hash(&at.block_hash),
        "transactionHash": hash(&at.tx_hash),
        "transactionIndex": quantity(at.tx_index),
        "logIndex": quantity(at.log_index),
        "removed": false,
    })
}

/// The logs of one receipt, with block-wide log indexes.
pub fn receipt_logs(receipt: &ReceiptRecord, tx_hash: &H256, location: &TxLocation) -> Vec<Value> {
    receipt
        .logs
        .iter()
        .enumerate()
        .map(|(offset, entry)| {
            log(
                entry,
                &LogPosition {
                    block_number: location.block_number,
                    block_hash: location.block_hash,
                    tx_hash: *tx_hash,
                    tx_index: location.index,
                    log_index: receipt.first_log_index.saturating_add(offset as u64),
                },
            )
        })
        .collect()
}

/// A transaction receipt.
pub fn receipt(tx: &SignedTransaction, receipt: &ReceiptRecord, location: &TxLocation) -> Value {
    json!({
        "transactionHash": hash(&tx.hash),
        "transactionIndex": quantity(location.index),
        "blockHash": hash(&location.block_hash),
        "blockNumber": quantity(location.block_number),
        "from": address(&tx.sender),
        "to": tx.to.map(|to| address(&to)),
        "cumulativeGasUsed": quantity(receipt.cumulative_gas_used),
        "gasUsed": quantity(receipt.gas_used),
        "effectiveGasPrice": quantity_u256(receipt.effective_gas_price),
        "contractAddress": receipt.contract_address.map(|created| address(&created)),
        "logs": receipt_logs(receipt, &tx.hash, location),
        "logsBloom": data(&receipt.bloom().0),
        "type": quantity(u64::from(receipt.tx_type)),
        "status": quantity(u64::from(receipt.success)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_minimal_and_data_is_full() {
        assert_eq!(quantity(0), "0x0");
        assert_eq!(quantity(0x400), "0x400");
        assert_eq!(quantity_u256(U256::MAX), format!("0x{}", "f".repeat(64)));
        assert_eq!(data(&[]), "0x");
        assert_eq!(data(&[0, 1]), "0x0001");
        assert_eq!(
            address(&H160::from_low_u64_be(1)),
            format!("0x{}01", "00".repeat(19))
        );
    }

    #[test]
    fn a_block_has_every_field_clients_read() {
        let block =
            Block::new(Header::default(), Vec::new(), crate::tx::Signatures::Strict).unwrap();
        let value = block_json_keys(&super::block(&block, true));
        for key in [
            "number",
            "hash",
            "parentHash",
            "sha3Uncles",
            "miner",
            "stateRoot",
            "transactionsRoot",
            "receiptsRoot",
            "logsBloom",
            "difficulty",
            "totalDifficulty",
            "gasLimit",
            "gasUsed",
            "timestamp",
            "extraData",
            "mixHash",
            "nonce",
            "baseFeePerGas",
            "size",
            "uncles",
            "transactions",
        ] {
            assert!(value.contains(&key.to_string()), "missing {key}");
        }
        assert_eq!(super::block(&block, false)["nonce"], "0x0000000000000000");
    }

    fn block_json_keys(value: &Value) -> Vec<String> {
        value
            .as_object()
            .map(|map| map.keys().cloned().collect())
            .unwrap_or_default()
    }
}
