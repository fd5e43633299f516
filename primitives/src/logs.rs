//! The logs hash that state tests compare: keccak-256 of the RLP list of a transaction's logs.

use alloy_rlp::{BufMut, Encodable, Header};
use primitive_types::{H160, H256};

use super::keccak256;

/// One log record (Yellow Paper section 4.3.1): RLP `[address, [topic, ...], data]`, the address
/// a 20-byte string, each topic a 32-byte string, the data a byte string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct LogEntry {
    /// The account that emitted the log.
    pub address: H160,
    /// Up to four indexed topics.
    pub topics: Vec<H256>,
    /// Unindexed data.
    pub data: Vec<u8>,
}

impl LogEntry {
    fn topics_payload_length(&self) -> usize {
        self.topics.iter().map(|topic| topic.0.length()).sum()
    }

    fn payload_length(&self) -> usize {
        let topics = self.topics_payload_length();
        self.address.0.length()
            + alloy_rlp::length_of_length(topics)
            + topics
            + self.data.as_slice().length()
    }
}

impl Encodable for LogEntry {
    fn encode(&self, out: &mut dyn BufMut) {
        Header {
            list: true,
            payload_length: self.payload_length(),
        }
        .encode(out);
        self.address.0.encode(out);
        Header {
            list: true,
            payload_length: self.topics_payload_length(),
        }
        .encode(out);
        for topic in &self.topics {
            topic.0.encode(out);
        }
        self.data.as_slice().encode(out);
    }

    fn length(&self) -> usize {
        let payload_length = self.payload_length();
        alloy_rlp::length_of_length(payload_length) + payload_length
    }
}

/// keccak-256 of `rlp([log, ...])`: the `logs` field of a GeneralStateTest's post state. No logs
/// hash to keccak(0xc0) = `0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347`.
pub fn logs_hash(logs: &[LogEntry]) -> H256 {
    let mut out = Vec::new();
    alloy_rlp::encode_list::<LogEntry, LogEntry>(logs, &mut out);
    keccak256(&out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn empty_logs_hash() {
        let expected: [u8; 32] = [
            0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc,
            0xd4, 0x1a, 0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd,
            0x40, 0xd4, 0x93, 0x47,
        ];
        assert_eq!(logs_hash(&[]), H256(expected));
        assert_eq!(logs_hash(&[]), keccak256(&[0xc0]));
    }

    #[test]
    fn one_log_by_hand() {
        let log = LogEntry {
            address: H160::repeat_byte(0xaa),
            topics: vec![H256::repeat_byte(0x01)],
            data: vec![0x12, 0x34],
        };
        // [address (0x94 ‖ 20 bytes), [topic (0xa0 ‖ 32 bytes)] (0xe1 ‖ 33 bytes), data (0x82 ‖ 2)]
        // payload 21 + 34 + 3 = 58 ≥ 56, so the log is f8 3a ‖ payload, and the list of logs
        // (payload 60) is f8 3c ‖ log.
        let mut log_rlp = vec![0xf8, 58, 0x94];
        log_rlp.extend([0xaa; 20]);
        log_rlp.extend([0xe1, 0xa0]);
        log_rlp.extend([0x01; 32]);
        log_rlp.extend([0x82, 0x12, 0x34]);
        assert_eq!(alloy_rlp::encode(&log), log_rlp);
        assert_eq!(log.length(), log_rlp.len());
        let mut list = vec![0xf8, 60];
        list.extend(&log_rlp);
        assert_eq!(logs_hash(&[log]), keccak256(&list));
    }
}
