//! A block: its header and transactions, the form the store keeps, and the roots and size
//! computed from the transactions.

use primitive_types::H256;
use rewasm_primitives::trie_root;

use super::header::Header;
use super::receipt::index_key;
use crate::tx::{self, RlpError, Signatures, SignedTransaction, TxDecodeError};
use rewasm_primitives::rlp::{Item, ListWriter, single_item};

/// A block with its decoded transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The header.
    pub header: Header,
    /// keccak of the header's RLP.
    pub hash: H256,
    /// The transactions in order, decoded (senders recovered).
    pub transactions: Vec<SignedTransaction>,
    /// The raw (network-form, EIP-2718) bytes of each transaction, as signed.
    pub raw_transactions: Vec<Vec<u8>>,
}

/// Why stored block bytes could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum BlockDecodeError {
    #[error("block rlp: {0}")]
    Rlp(#[from] RlpError),
    #[error("transaction {index} of the block: {source}")]
    Transaction { index: usize, source: TxDecodeError },
}

impl Block {
    /// A block from its header and raw transactions, decoding each under the chain's rule for
    /// `signatures`.
    pub fn new(
        header: Header,
        raw_transactions: Vec<Vec<u8>>,
        signatures: Signatures,
    ) -> Result<Self, BlockDecodeError> {
        let transactions = raw_transactions
            .iter()
            .enumerate()
            .map(|(index, raw)| {
                tx::decode_with(raw, signatures)
                    .map_err(|source| BlockDecodeError::Transaction { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            hash: header.hash(),
            header,
            transactions,
            raw_transactions,
        })
    }

    /// The stored form: `rlp([header, [raw transaction, ...]])`, each transaction a byte string.
    pub fn encode(&self) -> Vec<u8> {
        let mut transactions = ListWriter::new();
        for raw in &self.raw_transactions {
            transactions.bytes(raw);
        }
        let mut block = ListWriter::new();
        block.raw(&self.header.encode()).raw(&transactions.finish());
        block.finish()
    }

    /// Reads [`Block::encode`]'s output back, recovering every sender.
    pub fn decode(bytes: &[u8], signatures: Signatures) -> Result<Self, BlockDecodeError> {
        let (header, raws) = Self::decode_parts(bytes)?;
        Self::new(header, raws, signatures)
    }

    /// One transaction of a stored block: the header, the transaction at `index` (only its
    /// sender recovered) and its raw bytes; `None` past the last transaction. A lookup by hash
    /// needs one transaction, and recovering every sender of a full block for it would cost
    /// one secp256k1 recovery per transaction in the block.
    pub fn decode_transaction(
        bytes: &[u8],
        index: usize,
        signatures: Signatures,
    ) -> Result<Option<(Header, SignedTransaction, Vec<u8>)>, BlockDecodeError> {
        let (header, mut raws) = Self::decode_parts(bytes)?;
        if index >= raws.len() {
            return Ok(None);
        }
        let raw = raws.swap_remove(index);
        let transaction = tx::decode_with(&raw, signatures)
            .map_err(|source| BlockDecodeError::Transaction { index, source })?;
        Ok(Some((header, transaction, raw)))
    }

    /// The header and raw transactions of a stored block, without decoding the transactions.
    pub fn decode_parts(bytes: &[u8]) -> Result<(Header, Vec<Vec<u8>>), RlpError> {
        let mut list = single_item(bytes)?.list()?;
        let header = match list.element()? {
            Item::List(payload) => {
                let mut wrapped = ListWriter::new();
                wrapped.raw(payload);
                Header::decode(&wrapped.finish())?
            }
            Item::Bytes(_) => return Err(RlpError::ExpectedList),
        };
        let mut transactions = list.element()?.list()?;
        let mut raws = Vec::new();
        while !transactions.is_empty() {
            raws.push(transactions.element()?.bytes()?.to_vec());
        }
        list.finish()?;
        Ok((header, raws))
    }

    /// The size clients see: the length of [`Block::network_encoding`].
    pub fn size(&self) -> u64 {
        self.network_encoding().len() as u64
    }

    /// The block's network RLP `[header, [transaction, ...], []]` (Ethereum's consensus
    /// encoding, what `debug_getRawBlock` answers), where a legacy transaction is embedded as
    /// its list and a typed one as a byte string (EIP-2718).
    pub fn network_encoding(&self) -> Vec<u8> {
        let mut transactions = ListWriter::new();
        for raw in &self.raw_transactions {
            if raw.first().is_some_and(|&b| b >= 0xc0) {
                transactions.raw(raw);
            } else {
                transactions.bytes(raw);
            }
        }
        let mut block = ListWriter::new();
        block
            .raw(&self.header.encode())
            .raw(&transactions.finish())
            .raw(&ListWriter::new().finish());
        block.finish()
    }
}

/// The transactions root: the trie from `rlp(index)` to each raw transaction.
pub fn transactions_root(raw_transactions: &[Vec<u8>]) -> H256 {
    trie_root(
        raw_transactions
            .iter()
            .enumerate()
            .map(|(index, raw)| (index_key(index), raw.as_slice())),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::header::tests::london_block_1;

    /// The one (legacy) transaction of block 1 of `Call1MB1024Calldepth_d0g0v0_London`.
    const LONDON_TX: &str = "f860800a830249f094bbbf5374fce5edbc8e2a8697c15331677e6ebf0b0a801ba06843bbbe573744c46cf47f1c126c11a53cffa1bcc3eeb0e0d328e6a73ecc5447a02062c2fbb34bfea606f3cf268b5a94a81d68e748d4d896c514061c03e8acb774";

    #[test]
    fn the_transactions_root_and_size_match_ethereum_tests() {
        let raw = hex::decode(LONDON_TX).unwrap();
        let block = Block::new(london_block_1(), vec![raw], Signatures::Strict).unwrap();
        assert_eq!(
            transactions_root(&block.raw_transactions),
            block.header.transactions_root
        );
        // The test's block RLP starts f9 0263: 3 + 0x263 bytes.
        assert_eq!(block.size(), 3 + 0x263);
        assert_eq!(
            Block::decode(&block.encode(), Signatures::Strict).unwrap(),
            block
        );
    }

    #[test]
    fn one_transaction_is_decoded_without_touching_the_others() {
        let good = hex::decode(LONDON_TX).unwrap();
        // An undecodable neighbour: decoding it (or recovering its sender) would fail, so a
        // lookup that succeeds has decoded only the position it was asked for.
        let block = Block {
            header: london_block_1(),
            hash: london_block_1().hash(),
            transactions: vec![],
            raw_transactions: vec![vec![0x02, 0xc0], good.clone(), vec![0x02, 0xc0]],
        };
        let bytes = block.encode();
        assert!(
            Block::decode(&bytes, Signatures::Strict).is_err(),
            "the full decode sees the bad ones"
        );
        let (header, transaction, raw) = Block::decode_transaction(&bytes, 1, Signatures::Strict)
            .unwrap()
            .unwrap();
        assert_eq!(header, london_block_1());
        assert_eq!(raw, good);
        assert_eq!(transaction, tx::decode(&good).unwrap());
        assert!(
            Block::decode_transaction(&bytes, 3, Signatures::Strict)
                .unwrap()
                .is_none()
        );
        assert!(matches!(
            Block::decode_transaction(&bytes, 0, Signatures::Strict),
            Err(BlockDecodeError::Transaction { index: 0, .. })
        ));
    }

    #[test]
    fn a_stored_block_with_a_bad_transaction_is_an_error_not_a_panic() {
        let block = Block {
            header: london_block_1(),
            hash: london_block_1().hash(),
            transactions: vec![],
            raw_transactions: vec![vec![0x02, 0xc0]],
        };
        assert!(matches!(
            Block::decode(&block.encode(), Signatures::Strict),
            Err(BlockDecodeError::Transaction { index: 0, .. })
        ));
        assert!(Block::decode(&[0xc0], Signatures::Strict).is_err());
        assert!(Block::decode(&[], Signatures::Strict).is_err());
    }

    #[test]
    fn impersonated_transactions_are_valid_in_dev_blocks_only() {
        let unsigned = tx::UnsignedTransaction {
            kind: tx::TxKind::DynamicFee,
            chain_id: Some(31_337),
            nonce: 0,
            gas_limit: 21_000,
            gas_price: 0.into(),
            max_fee: 1_000_000_000.into(),
            max_priority_fee: 0.into(),
            to: Some(primitive_types::H160::repeat_byte(2)),
            value: 1.into(),
            data: Vec::new(),
            access_list: Vec::new(),
        };
        let sender = primitive_types::H160::repeat_byte(0xee);
        let raw = tx::seal_impersonated(&unsigned, sender).unwrap();
        let bytes = Block::new(london_block_1(), vec![raw], Signatures::DevMarkers)
            .unwrap()
            .encode();
        let dev = Block::decode(&bytes, Signatures::DevMarkers).unwrap();
        assert_eq!(dev.transactions[0].sender, sender);
        assert!(matches!(
            Block::decode(&bytes, Signatures::Strict),
            Err(BlockDecodeError::Transaction {
                index: 0,
                source: TxDecodeError::InvalidSignature
            })
        ));
        assert!(Block::decode_transaction(&bytes, 0, Signatures::Strict).is_err());
    }
}
