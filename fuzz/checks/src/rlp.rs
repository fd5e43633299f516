//! `rlp`: bytes into every RLP (and store-record) decoder the node reads untrusted or stored
//! data with.
//!
//! No decoder panics. The RLP decoders are strict — they accept only the canonical encoding —
//! so whatever one accepts must re-encode to exactly the input: a decoder that accepted two
//! encodings of one value would let two nodes disagree about a hash.
//!
//! Decoders: the state-root RLP item decoder and the account leaf (`rewasm-vm`), the block
//! header, block, receipt record and block logs (`rewasm-node` chain), and the store's fixed
//! layout records (account, head, transaction location).

use rewasm_node::chain::block::Block;
use rewasm_node::chain::header::Header;
use rewasm_node::chain::receipt::{ReceiptRecord, decode_block_logs, encode_block_logs};
use rewasm_node::tx::Signatures;
use rewasm_primitives::account::AccountLeaf;
use rewasm_primitives::rlp::decode_item;
use rewasm_store::codec;

/// Runs one fuzz input.
pub fn check(data: &[u8]) {
    if let Ok(item) = decode_item(data) {
        assert_eq!(alloy_rlp::encode(&item), data, "RLP item is not canonical");
    }
    if let Ok(account) = AccountLeaf::decode_rlp(data) {
        assert_eq!(account.rlp(), data, "account leaf is not canonical");
    }
    if let Ok(header) = Header::decode(data) {
        assert_eq!(header.encode(), data, "header is not canonical");
    }
    if let Ok(receipt) = ReceiptRecord::decode(data) {
        assert_eq!(receipt.encode(), data, "receipt record is not canonical");
    }
    if let Ok(logs) = decode_block_logs(data) {
        assert_eq!(
            encode_block_logs(&logs),
            data,
            "block logs are not canonical"
        );
    }
    if Block::decode_parts(data).is_ok()
        && let Ok(block) = Block::decode(data, Signatures::DevMarkers)
    {
        assert_eq!(block.encode(), data, "block is not canonical");
    }
    if let Ok(account) = codec::StoredAccount::decode(data) {
        assert_eq!(account.encode().as_slice(), data, "stored account");
    }
    if let Ok((number, hash)) = codec::decode_head(data) {
        assert_eq!(codec::encode_head(number, &hash).as_slice(), data, "head");
    }
    if let Ok((number, index)) = codec::decode_tx_location(data) {
        assert_eq!(
            codec::encode_tx_location(number, index).as_slice(),
            data,
            "transaction location"
        );
    }
}
