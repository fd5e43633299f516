//! Receipts: the consensus encoding that goes into a block's receipts root, and the record the
//! node stores per transaction to answer `eth_getTransactionReceipt` and `eth_getLogs`.
//!
//! The stored record carries more than consensus needs (gas used by this transaction, the
//! effective gas price, the created address, the output and why the frame failed) because the
//! JSON-RPC returns it and recomputing it would mean re-executing the block.

use primitive_types::{H160, H256, U256};
use rewasm_primitives::{LogEntry, trie_root};

use super::header::Bloom;
use crate::tx::RlpError;
use rewasm_primitives::rlp::{Item, ListReader, ListWriter, single_item};

/// What the node keeps about an included transaction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptRecord {
    /// The envelope type (0 legacy, 1 EIP-2930, 2 EIP-1559).
    pub tx_type: u8,
    /// Whether the top-level frame succeeded (receipt status 1).
    pub success: bool,
    /// Gas used by this and every earlier transaction of the block.
    pub cumulative_gas_used: u64,
    /// Gas used by this transaction (after refunds).
    pub gas_used: u64,
    /// Wei per gas the sender paid.
    pub effective_gas_price: U256,
    /// The created contract, for a successful create.
    pub contract_address: Option<H160>,
    /// The logs, in order (none when the transaction failed).
    pub logs: Vec<LogEntry>,
    /// Index in the block of this receipt's first log (log indexes are block-wide).
    pub first_log_index: u64,
    /// The top-level frame's output: return data, or the revert data.
    pub output: Vec<u8>,
    /// Why the top-level frame failed (trap, out of gas, invalid code), when it did.
    pub failure: Option<String>,
}

impl ReceiptRecord {
    /// The receipt's logs bloom.
    pub fn bloom(&self) -> Bloom {
        Bloom::of_logs(&self.logs)
    }

    /// The consensus encoding: `rlp([status, cumulativeGasUsed, logsBloom, logs])`, prefixed with
    /// the type byte for typed transactions (EIP-2718).
    pub fn consensus_encoding(&self) -> Vec<u8> {
        let mut list = ListWriter::new();
        list.u64(u64::from(self.success))
            .u64(self.cumulative_gas_used)
            .bytes(&self.bloom().0)
            .raw(&encode_logs(&self.logs));
        let payload = list.finish();
        if self.tx_type == 0 {
            payload
        } else {
            let mut typed = Vec::with_capacity(payload.len() + 1);
            typed.push(self.tx_type);
            typed.extend_from_slice(&payload);
            typed
        }
    }

    /// The stored form.
    pub fn encode(&self) -> Vec<u8> {
        let mut list = ListWriter::new();
        list.u64(u64::from(self.tx_type))
            .u64(u64::from(self.success))
            .u64(self.cumulative_gas_used)
            .u64(self.gas_used)
            .u256(self.effective_gas_price)
            .optional_address(self.contract_address)
            .raw(&encode_logs(&self.logs))
            .u64(self.first_log_index)
            .bytes(&self.output);
        match &self.failure {
            Some(reason) => list.u64(1).bytes(reason.as_bytes()),
            None => list.u64(0).bytes(&[]),
        };
        list.finish()
    }

    /// Decodes [`ReceiptRecord::encode`]'s output.
    pub fn decode(bytes: &[u8]) -> Result<Self, RlpError> {
        let mut list = single_item(bytes)?.list()?;
        let tx_type = u8::try_from(list.element()?.u64()?).map_err(|_| RlpError::StringTooLong)?;
        let success = flag(list.element()?.u64()?)?;
        let cumulative_gas_used = list.element()?.u64()?;
        let gas_used = list.element()?.u64()?;
        let effective_gas_price = list.element()?.u256()?;
        let contract_address = list.element()?.optional_address()?;
        let logs = decode_logs(list.element()?.list()?)?;
        let first_log_index = list.element()?.u64()?;
        let output = list.element()?.bytes()?.to_vec();
        let has_failure = flag(list.element()?.u64()?)?;
        let reason = list.element()?.bytes()?;
        list.finish()?;
        // One encoding per record: no reason without a failure (the fuzzer's rlp target found
        // records that decoded but re-encoded differently).
        if !has_failure && !reason.is_empty() {
            return Err(RlpError::NonCanonicalValue);
        }
        // The node only writes reasons from a `String`; bytes that are not UTF-8 would come back
        // with replacement characters, i.e. re-encode differently (found by the same target).
        let failure = match has_failure {
            true => {
                Some(String::from_utf8(reason.to_vec()).map_err(|_| RlpError::NonCanonicalValue)?)
            }
            false => None,
        };
        Ok(Self {
            tx_type,
            success,
            cumulative_gas_used,
            gas_used,
            effective_gas_price,
            contract_address,
            logs,
            first_log_index,
            output,
            failure,
        })
    }
}

/// The receipts root of a block: the trie from `rlp(index)` to each consensus encoding.
pub fn receipts_root(receipts: &[ReceiptRecord]) -> H256 {
    trie_root(
        receipts
            .iter()
            .enumerate()
            .map(|(index, receipt)| (index_key(index), receipt.consensus_encoding())),
    )
}

/// The key of the `index`-th entry of an ordered trie (transactions, receipts): `rlp(index)`.
pub fn index_key(index: usize) -> Vec<u8> {
    alloy_rlp::encode(index as u64)
}

fn encode_logs(logs: &[LogEntry]) -> Vec<u8> {
    let mut list = ListWriter::new();
    for log in logs {
        list.raw(&alloy_rlp::encode(log));
    }
    list.finish()
}

/// A stored boolean: exactly 0 or 1.
fn flag(value: u64) -> Result<bool, RlpError> {
    match value {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(RlpError::NonCanonicalValue),
    }
}

fn decode_logs(mut list: ListReader<'_>) -> Result<Vec<LogEntry>, RlpError> {
    let mut logs = Vec::new();
    while !list.is_empty() {
        logs.push(decode_log(list.element()?)?);
    }
    Ok(logs)
}

fn decode_log(item: Item<'_>) -> Result<LogEntry, RlpError> {
    let mut log = item.list()?;
    let address = H160(log.element()?.fixed()?);
    let mut topic_list = log.element()?.list()?;
    let mut topics = Vec::new();
    while !topic_list.is_empty() {
        topics.push(H256(topic_list.element()?.fixed()?));
    }
    let data = log.element()?.bytes()?.to_vec();
    log.finish()?;
    Ok(LogEntry {
        address,
        topics,
        data,
    })
}

/// One log of a block as `eth_getLogs` needs it: where it came from and the log itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockLog {
    /// Index of the transaction in the block.
    pub tx_index: u64,
    /// Hash of the transaction.
    pub tx_hash: H256,
    /// The log.
    pub log: LogEntry,
}

/// Encodes a block's logs (the `logs` column), in block order: position = log index.
pub fn encode_block_logs(logs: &[BlockLog]) -> Vec<u8> {
    let mut list = ListWriter::new();
    for entry in logs {
        let mut item = ListWriter::new();
        item.u64(entry.tx_index)
            .bytes(entry.tx_hash.as_bytes())
            .raw(&alloy_rlp::encode(&entry.log));
        list.raw(&item.finish());
    }
    list.finish()
}

/// Decodes [`encode_block_logs`]'s output.
pub fn decode_block_logs(bytes: &[u8]) -> Result<Vec<BlockLog>, RlpError> {
    let mut list = single_item(bytes)?.list()?;
    let mut out = Vec::new();
    while !list.is_empty() {
        let mut item = list.element()?.list()?;
        let tx_index = item.element()?.u64()?;
        let tx_hash = H256(item.element()?.fixed()?);
        let log = decode_log(item.element()?)?;
        item.finish()?;
        out.push(BlockLog {
            tx_index,
            tx_hash,
            log,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::header::tests::{h256, london_block_1};

    /// Found by the rlp fuzz target: a record with a non-0/1 flag, a reason without a failure,
    /// or a reason that is not UTF-8, decoded and then re-encoded differently.
    #[test]
    fn only_canonical_records_decode() {
        let record = ReceiptRecord {
            tx_type: 2,
            success: false,
            cumulative_gas_used: 21_000,
            gas_used: 21_000,
            effective_gas_price: U256::from(7),
            contract_address: None,
            logs: Vec::new(),
            first_log_index: 0,
            output: Vec::new(),
            failure: Some("out of gas".into()),
        };
        let encoded = record.encode();
        assert_eq!(ReceiptRecord::decode(&encoded).unwrap(), record);
        let without_failure = ReceiptRecord {
            failure: None,
            ..record
        };
        assert_eq!(
            ReceiptRecord::decode(&without_failure.encode()).unwrap(),
            without_failure
        );
        // The failure flag (the tenth field, 0x01) set to 2: not a flag.
        let position = encoded.len() - "out of gas".len() - 2;
        assert_eq!(encoded[position], 0x01);
        let mut two = encoded.clone();
        two[position] = 0x02;
        assert_eq!(
            ReceiptRecord::decode(&two),
            Err(RlpError::NonCanonicalValue)
        );
        // The flag cleared while the reason stays: one record, two encodings.
        let mut cleared = encoded;
        cleared[position] = 0x80;
        assert_eq!(
            ReceiptRecord::decode(&cleared),
            Err(RlpError::NonCanonicalValue)
        );
        let fuzzed =
            include_bytes!("../../../fuzz/regressions/rlp/receipt-reason-without-failure.bin");
        assert!(ReceiptRecord::decode(fuzzed).is_err());
        // A reason that is not UTF-8 ("out of gas" with its first byte made 0xc3).
        let mut not_utf8 = two.clone();
        not_utf8[position] = 0x01;
        let start = not_utf8.len() - "out of gas".len();
        not_utf8[start] = 0xc3;
        assert_eq!(
            ReceiptRecord::decode(&not_utf8),
            Err(RlpError::NonCanonicalValue)
        );
        let fuzzed = include_bytes!("../../../fuzz/regressions/rlp/receipt-reason-not-utf8.bin");
        assert_eq!(
            ReceiptRecord::decode(fuzzed),
            Err(RlpError::NonCanonicalValue)
        );
    }

    #[test]
    fn index_keys_are_rlp_integers() {
        assert_eq!(index_key(0), vec![0x80]);
        assert_eq!(index_key(1), vec![0x01]);
        assert_eq!(index_key(0x7f), vec![0x7f]);
        assert_eq!(index_key(0x80), vec![0x81, 0x80]);
        assert_eq!(index_key(0x1234), vec![0x82, 0x12, 0x34]);
    }

    /// The receipts root of block 1 of `Call1MB1024Calldepth_d0g0v0_London` (one legacy
    /// transaction that failed using all of its 150 000 gas, no logs).
    #[test]
    fn the_receipts_root_matches_ethereum_tests() {
        let receipt = ReceiptRecord {
            success: false,
            cumulative_gas_used: 0x0249f0,
            ..ReceiptRecord::default()
        };
        assert_eq!(receipts_root(&[receipt]), london_block_1().receipts_root);
        assert_eq!(
            receipts_root(&[]),
            h256("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421")
        );
    }

    #[test]
    fn records_and_block_logs_round_trip() {
        let log = LogEntry {
            address: H160::repeat_byte(7),
            topics: vec![H256::repeat_byte(1), H256::repeat_byte(2)],
            data: vec![0, 1, 2, 0xff],
        };
        let record = ReceiptRecord {
            tx_type: 2,
            success: false,
            cumulative_gas_used: 100_000,
            gas_used: 50_000,
            effective_gas_price: U256::from(1_000_000_007u64),
            contract_address: Some(H160::repeat_byte(9)),
            logs: vec![log.clone(), LogEntry::default()],
            first_log_index: 3,
            output: vec![8, 9],
            failure: Some("out of gas".to_string()),
        };
        assert_eq!(ReceiptRecord::decode(&record.encode()).unwrap(), record);
        let plain = ReceiptRecord::default();
        assert_eq!(ReceiptRecord::decode(&plain.encode()).unwrap(), plain);
        assert_eq!(record.consensus_encoding().first(), Some(&2));

        let logs = vec![
            BlockLog {
                tx_index: 0,
                tx_hash: H256::repeat_byte(3),
                log: log.clone(),
            },
            BlockLog {
                tx_index: 4,
                tx_hash: H256::repeat_byte(4),
                log: LogEntry::default(),
            },
        ];
        assert_eq!(decode_block_logs(&encode_block_logs(&logs)).unwrap(), logs);
        assert_eq!(decode_block_logs(&encode_block_logs(&[])).unwrap(), vec![]);
        assert!(decode_block_logs(&[0xc1, 0x05]).is_err());
    }
}
