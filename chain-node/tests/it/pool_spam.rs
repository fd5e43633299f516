//! Attack (issue 13, finding 6): pool spam through `eth_sendRawTransaction`'s entry point,
//! [`Node::submit_raw_transaction`], on the instant-mining dev node.
//!
//! Before: 300 zero-fee transactions from keys that hold nothing, with nonce gaps, were all
//! pooled and stayed there for good. Now each is refused before it takes a slot, and a paying
//! dev account is still served.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use k256::ecdsa::SigningKey;
use primitive_types::{H160, U256};
use rewasm_node::genesis::{DEV_CHAIN_ID, DEV_MNEMONIC, Genesis, derive_accounts};
use rewasm_node::node::{Mining, Node, SubmitError};
use rewasm_node::pool::PoolError;
use rewasm_node::tx::{self, TxKind, UnsignedTransaction};

const GWEI: u64 = 1_000_000_000;

fn transfer(nonce: u64, max_fee: u64, tip: u64) -> UnsignedTransaction {
    UnsignedTransaction {
        kind: TxKind::DynamicFee,
        chain_id: Some(DEV_CHAIN_ID),
        nonce,
        gas_limit: 21_000,
        gas_price: U256::zero(),
        max_fee: U256::from(max_fee),
        max_priority_fee: U256::from(tip),
        to: Some(H160::repeat_byte(0x42)),
        value: U256::zero(),
        data: Vec::new(),
        access_list: Vec::new(),
    }
}

#[test]
fn zero_fee_gapped_spam_from_unfunded_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let node = std::sync::Arc::new(
        Node::open(dir.path(), &Genesis::dev().unwrap(), Mining::Instant).unwrap(),
    );
    let head = node.chain().head().header.number;

    for i in 0..300u32 {
        let mut seed = [0u8; 32];
        seed[..4].copy_from_slice(&(i + 1).to_be_bytes());
        let key = SigningKey::from_slice(&seed).unwrap();
        let nonce = u64::from(i % 10) * 2 + 1;
        let raw = tx::sign(&transfer(nonce, 0, 0), &key).unwrap();
        let err = node.submit_raw_transaction(raw).unwrap_err();
        assert!(
            matches!(err, SubmitError::Pool(PoolError::TipBelowMinimum { .. })),
            "{err}"
        );
    }
    // At the minimum tip, an unfunded key cannot pay for a gapped transaction, and an
    // executable one with a fee cap under the base fee would never be mined.
    let key = SigningKey::from_slice(&[7; 32]).unwrap();
    let gapped = tx::sign(&transfer(3, 1, 1), &key).unwrap();
    assert!(
        node.submit_raw_transaction(gapped)
            .unwrap_err()
            .to_string()
            .starts_with("insufficient funds for gas * price + value: balance 0,")
    );
    let next = tx::sign(&transfer(0, 1, 1), &key).unwrap();
    assert!(
        node.submit_raw_transaction(next)
            .unwrap_err()
            .to_string()
            .starts_with("max fee per gas less than block base fee")
    );

    let metrics = node.render_metrics();
    assert!(metrics.contains("rewasm_txpool_pending 0"), "{metrics}");
    assert!(metrics.contains("rewasm_txpool_queued 0"), "{metrics}");
    assert_eq!(node.chain().head().header.number, head);

    // A dev account paying the usual fees is still mined at once.
    let funded = &derive_accounts(DEV_MNEMONIC, 1).unwrap()[0];
    let raw = tx::sign(&transfer(0, 10 * GWEI, GWEI), &funded.key).unwrap();
    let hash = node.submit_raw_transaction(raw).unwrap();
    assert!(node.pooled_transaction(&hash).is_none());
    assert_eq!(node.chain().head().header.number, head + 1);
}
