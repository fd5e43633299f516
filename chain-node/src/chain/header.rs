//! Block headers (the London layout clients read), the logs bloom and the EIP-1559 base fee rule.
//!
//! The header is hashed exactly as Ethereum hashes it — keccak of its 16-field RLP — so a block
//! hash means the same to ethers or web3.py as to any Ethereum tool that recomputes it. Fields
//! that only proof of work gave meaning to (difficulty, mix hash, nonce) are zero, as after the
//! merge, and the ommers hash is that of the empty list.

use primitive_types::{H160, H256, U256};
use rewasm_primitives::consensus::eip1559;
use rewasm_primitives::{LogEntry, keccak256};

use crate::tx::RlpError;
use rewasm_primitives::rlp::{ListWriter, single_item};

/// keccak256(rlp([])): the ommers hash of a block without ommers.
pub const EMPTY_OMMERS_HASH: H256 = H256([
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47,
]);

/// The 2048-bit logs bloom (Yellow Paper 4.3.1): three bits per address and per topic.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bloom(pub [u8; 256]);

impl Default for Bloom {
    fn default() -> Self {
        Self([0; 256])
    }
}

impl std::fmt::Debug for Bloom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bloom(0x{})", hex::encode(self.0))
    }
}

impl Bloom {
    /// The three bit positions of `input`: the low 11 bits of the first three byte pairs of its
    /// keccak hash.
    fn bits(input: &[u8]) -> [usize; 3] {
        let [h0, h1, h2, h3, h4, h5, ..] = keccak256(input).0;
        let bit = |high: u8, low: u8| (usize::from(high) << 8 | usize::from(low)) & 2047;
        [bit(h0, h1), bit(h2, h3), bit(h4, h5)]
    }

    /// Adds the bits of `input` (an address or a topic).
    pub fn accrue(&mut self, input: &[u8]) {
        for bit in Self::bits(input) {
            // bit < 2048, so the byte index is in 0..256.
            if let Some(byte) = self.0.get_mut(255 - bit / 8) {
                *byte |= 1 << (bit % 8);
            }
        }
    }

    /// Adds a log's address and topics.
    pub fn accrue_log(&mut self, log: &LogEntry) {
        self.accrue(log.address.as_bytes());
        for topic in &log.topics {
            self.accrue(topic.as_bytes());
        }
    }

    /// Adds every bit of `other`.
    pub fn union(&mut self, other: &Bloom) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine |= theirs;
        }
    }

    /// Whether `input` may be in the set (false: certainly not).
    pub fn may_contain(&self, input: &[u8]) -> bool {
        Self::bits(input).into_iter().all(|bit| {
            self.0
                .get(255 - bit / 8)
                .is_some_and(|byte| byte & (1 << (bit % 8)) != 0)
        })
    }

    /// The bloom of a list of logs.
    pub fn of_logs<'a>(logs: impl IntoIterator<Item = &'a LogEntry>) -> Self {
        let mut bloom = Self::default();
        for log in logs {
            bloom.accrue_log(log);
        }
        bloom
    }
}

/// A block header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub parent_hash: H256,
    pub ommers_hash: H256,
    /// The coinbase: receives the priority fees.
    pub beneficiary: H160,
    pub state_root: H256,
    pub transactions_root: H256,
    pub receipts_root: H256,
    pub logs_bloom: Bloom,
    pub difficulty: U256,
    pub number: u64,
    pub gas_limit: u64,
    pub gas_used: u64,
    pub timestamp: u64,
    pub extra_data: Vec<u8>,
    pub mix_hash: H256,
    pub nonce: [u8; 8],
    pub base_fee_per_gas: U256,
}

/// Longest `extra_data` Ethereum allows (and we accept when decoding).
pub const MAX_EXTRA_DATA: usize = 32;

impl Header {
    /// The RLP encoding: the 16 fields of a London header.
    pub fn encode(&self) -> Vec<u8> {
        let mut list = ListWriter::new();
        list.bytes(self.parent_hash.as_bytes())
            .bytes(self.ommers_hash.as_bytes())
            .bytes(self.beneficiary.as_bytes())
            .bytes(self.state_root.as_bytes())
            .bytes(self.transactions_root.as_bytes())
            .bytes(self.receipts_root.as_bytes())
            .bytes(&self.logs_bloom.0)
            .u256(self.difficulty)
            .u64(self.number)
            .u64(self.gas_limit)
            .u64(self.gas_used)
            .u64(self.timestamp)
            .bytes(&self.extra_data)
            .bytes(self.mix_hash.as_bytes())
            .bytes(&self.nonce)
            .u256(self.base_fee_per_gas);
        list.finish()
    }

    /// Decodes [`Header::encode`]'s output (strict RLP).
    pub fn decode(bytes: &[u8]) -> Result<Self, RlpError> {
        let mut list = single_item(bytes)?.list()?;
        let header = Self {
            parent_hash: H256(list.element()?.fixed()?),
            ommers_hash: H256(list.element()?.fixed()?),
            beneficiary: H160(list.element()?.fixed()?),
            state_root: H256(list.element()?.fixed()?),
            transactions_root: H256(list.element()?.fixed()?),
            receipts_root: H256(list.element()?.fixed()?),
            logs_bloom: Bloom(list.element()?.fixed()?),
            difficulty: list.element()?.u256()?,
            number: list.element()?.u64()?,
            gas_limit: list.element()?.u64()?,
            gas_used: list.element()?.u64()?,
            timestamp: list.element()?.u64()?,
            extra_data: {
                let extra = list.element()?.bytes()?;
                if extra.len() > MAX_EXTRA_DATA {
                    return Err(RlpError::StringTooLong);
                }
                extra.to_vec()
            },
            mix_hash: H256(list.element()?.fixed()?),
            nonce: list.element()?.fixed()?,
            base_fee_per_gas: list.element()?.u256()?,
        };
        list.finish()?;
        Ok(header)
    }

    /// The block hash: keccak256 of the RLP.
    pub fn hash(&self) -> H256 {
        keccak256(&self.encode())
    }

    /// The base fee of the block after this one ([`eip1559::next_base_fee`]). Every child of
    /// this block has the same gas limit on this chain.
    pub fn next_base_fee(&self) -> U256 {
        eip1559::next_base_fee(self.gas_used, self.gas_limit, self.base_fee_per_gas)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            parent_hash: H256::repeat_byte(1),
            ommers_hash: EMPTY_OMMERS_HASH,
            beneficiary: H160::repeat_byte(2),
            state_root: H256::repeat_byte(3),
            transactions_root: H256::repeat_byte(4),
            receipts_root: H256::repeat_byte(5),
            logs_bloom: Bloom([6; 256]),
            difficulty: U256::zero(),
            number: 7,
            gas_limit: 30_000_000,
            gas_used: 21_000,
            timestamp: 1_700_000_000,
            extra_data: b"rewasm".to_vec(),
            mix_hash: H256::zero(),
            nonce: [0; 8],
            base_fee_per_gas: U256::from(eip1559::INITIAL_BASE_FEE),
        }
    }

    #[test]
    fn the_empty_ommers_hash_is_keccak_of_the_empty_list() {
        assert_eq!(EMPTY_OMMERS_HASH, keccak256(&[0xc0]));
    }

    #[test]
    fn headers_round_trip_and_reject_extra_fields() {
        let header = header();
        let encoded = header.encode();
        assert_eq!(Header::decode(&encoded).unwrap(), header);
        let mut longer = ListWriter::new();
        let inner = single_item(&encoded).unwrap();
        let rewasm_primitives::rlp::Item::List(payload) = inner else {
            panic!("a header is a list")
        };
        longer.raw(payload).u64(1);
        assert_eq!(
            Header::decode(&longer.finish()),
            Err(RlpError::TooManyElements)
        );
    }

    /// Block 1 of ethereum/tests BlockchainTests `Call1MB1024Calldepth_d0g0v0_London` (filled by
    /// geth): its fields hash to the block hash the test records, so field order and encoding are
    /// Ethereum's.
    #[test]
    fn a_london_block_from_ethereum_tests_hashes_to_its_recorded_hash() {
        assert_eq!(
            london_block_1().hash(),
            h256("fa70e84a600031d217fae4106b80155ff4af8970a97c8f9bf35efaf6929390a5")
        );
        let encoded = london_block_1().encode();
        assert_eq!(Header::decode(&encoded).unwrap(), london_block_1());
    }

    pub(crate) fn h256(hex_digits: &str) -> H256 {
        H256::from_slice(&hex::decode(hex_digits).unwrap())
    }

    pub(crate) fn london_block_1() -> Header {
        Header {
            parent_hash: h256("efe355079be4a8cb49404abe2162ac9513c33d657d8f3cefe1ebadb91b1cd0cc"),
            ommers_hash: EMPTY_OMMERS_HASH,
            beneficiary: H160::from_slice(
                &hex::decode("b94f5374fce5edbc8e2a8697c15331677e6ebf0b").unwrap(),
            ),
            state_root: h256("33a1c7342e4b786c8fd736fc7d5c1b2fb3563abab428b356600e6f526de5518a"),
            transactions_root: h256(
                "09612e25490525613f1024d5f9a39a220234a3865309a68dee5f2f13eaac5fc1",
            ),
            receipts_root: h256("a0e10907f175886de9bd8cd4ac2c21d1db4109a3a9fecf60f54015ee102803fd"),
            logs_bloom: Bloom::default(),
            difficulty: U256::from(0x020000),
            number: 1,
            gas_limit: 0xcd79195900,
            gas_used: 0x0249f0,
            timestamp: 0x03e8,
            extra_data: vec![0],
            mix_hash: H256::zero(),
            nonce: [0; 8],
            base_fee_per_gas: U256::from(10),
        }
    }

    #[test]
    fn the_next_base_fee_is_eip_1559s_of_this_header() {
        // The rule and its edge cases are tested beside it (rewasm_primitives::consensus).
        let mut parent = header();
        parent.gas_limit = 30_000_000;
        parent.base_fee_per_gas = U256::from(1_000_000_000u64);
        parent.gas_used = 30_000_000;
        assert_eq!(parent.next_base_fee(), U256::from(1_125_000_000u64));
    }

    #[test]
    fn the_bloom_sets_the_three_bits_of_each_input() {
        let log = LogEntry {
            address: H160::repeat_byte(0x11),
            topics: vec![H256::repeat_byte(0x22)],
            data: vec![1, 2, 3],
        };
        let bloom = Bloom::of_logs([&log]);
        let set: u32 = bloom.0.iter().map(|b| b.count_ones()).sum();
        assert!((1..=6).contains(&set));
        assert!(bloom.may_contain(log.address.as_bytes()));
        assert!(bloom.may_contain(H256::repeat_byte(0x22).as_bytes()));
        assert!(!Bloom::default().may_contain(log.address.as_bytes()));
    }
}
