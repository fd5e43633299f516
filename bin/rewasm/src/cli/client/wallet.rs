//! Signing and sending a transaction the way wallets do: chain id, nonce, gas and fees asked
//! from the node, the transaction signed locally with [`rewasm_node::tx::sign`], sent raw, and
//! its receipt polled for.
//!
//! EIP-1559 fees follow ethers v6: the tip is `eth_maxPriorityFeePerGas` and the fee cap twice
//! the latest base fee plus the tip, so the transaction stays includable while the base fee
//! rises for a few blocks. A legacy transaction pays `eth_gasPrice` and is EIP-155 protected.

use std::time::Duration;

use k256::ecdsa::SigningKey;
use primitive_types::{H160, H256, U256};
use rewasm_node::genesis::{DEV_MNEMONIC, address_of, derive_accounts};
use rewasm_node::tx::{TxKind, TxSignError, UnsignedTransaction, keccak256, sign};
use serde_json::{Value, json};

use super::rpc::{Rpc, RpcError, address_json, quantity_json};
use rewasm_primitives::text::{self, Prefix};

/// How often the receipt is polled for; the dev node mines a block per transaction, so the
/// first or second poll usually finds it.
const RECEIPT_POLL: Duration = Duration::from_millis(100);

/// Why a transaction could not be prepared, sent or confirmed.
#[derive(Debug, thiserror::Error)]
pub(super) enum WalletError {
    /// The private key is not 32 bytes of hex, or not a valid secp256k1 scalar.
    #[error("invalid private key: {0}")]
    Key(String),
    /// A JSON-RPC request failed.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(#[from] TxSignError),
    /// The node has no base fee, so an EIP-1559 transaction cannot be priced.
    #[error(
        "the latest block has no baseFeePerGas: the node does not support EIP-1559 (use --legacy)"
    )]
    NoBaseFee,
    /// The fee computation overflowed 256 bits.
    #[error("fee overflow: base fee {base_fee} and tip {tip}")]
    FeeOverflow {
        /// The latest base fee.
        base_fee: U256,
        /// The priority fee.
        tip: U256,
    },
    /// The node returned a different hash than the signed bytes have.
    #[error(
        "the node reported transaction hash {reported:#x}, but the signed transaction hashes to {computed:#x}"
    )]
    HashMismatch {
        /// What `eth_sendRawTransaction` returned.
        reported: H256,
        /// keccak256 of the raw transaction.
        computed: H256,
    },
    /// No receipt within the timeout.
    #[error("transaction {hash:#x} has no receipt after {seconds} s (not mined?)")]
    ReceiptTimeout {
        /// The transaction.
        hash: H256,
        /// The timeout.
        seconds: u64,
    },
}

/// A local signing key and its address.
#[derive(Debug)]
pub(super) struct Signer {
    key: SigningKey,
    /// The key's address.
    pub address: H160,
}

impl Signer {
    /// The key from `0x`-hex (or bare hex); dev account 0 of the test mnemonic when `None`.
    pub(super) fn new(private_key: Option<&str>) -> Result<Self, WalletError> {
        let key = match private_key {
            Some(key_text) => {
                let trimmed = key_text.trim();
                let bytes: [u8; 32] = text::fixed_hex(trimmed, Prefix::Optional)
                    .map_err(|e| WalletError::Key(e.to_string()))?;
                SigningKey::from_slice(&bytes).map_err(|_| {
                    WalletError::Key(
                        "not a valid secp256k1 secret (zero or ≥ the group order)".to_string(),
                    )
                })?
            }
            None => derive_accounts(DEV_MNEMONIC, 1)
                .map_err(|e| WalletError::Key(e.to_string()))?
                .into_iter()
                .next()
                .map(|account| account.key)
                .ok_or_else(|| WalletError::Key("no dev account derived".to_string()))?,
        };
        Ok(Self {
            address: address_of(&key),
            key,
        })
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub(super) struct TxRequest {
    /// The recipient; `None` deploys `data` as init code.
    pub to: Option<H160>,
    /// Call data or init code.
    pub data: Vec<u8>,
    /// Wei to transfer.
    pub value: U256,
}

/// How to send it.
#[derive(Debug, Clone)]
pub(super) struct TxOptions {
    /// A legacy (EIP-155) transaction instead of EIP-1559.
    pub legacy: bool,
    /// The gas limit; estimated by the node when `None`.
    pub gas_limit: Option<u64>,
    /// The nonce; the sender's pending nonce when `None`.
    pub nonce: Option<u64>,
    /// How long to wait for the receipt.
    pub timeout: Duration,
}

/// Signs and sends `request`, waits for its receipt, and returns the hash and the receipt.
pub(super) async fn send_and_wait(
    rpc: &Rpc,
    signer: &Signer,
    request: &TxRequest,
    options: &TxOptions,
) -> Result<(H256, Value), WalletError> {
    let chain_id = rpc.chain_id().await?;
    let nonce = match options.nonce {
        Some(nonce) => nonce,
        None => rpc.pending_nonce(signer.address).await?,
    };
    let gas_limit = match options.gas_limit {
        Some(gas) => gas,
        None => {
            let mut call = json!({
                "from": address_json(signer.address),
                "data": format!("0x{}", hex::encode(&request.data)),
                "value": quantity_json(request.value),
            });
            if let (Some(to), Some(object)) = (request.to, call.as_object_mut()) {
                object.insert("to".to_string(), address_json(to));
            }
            rpc.estimate_gas(&call).await?
        }
    };
    let (kind, gas_price, max_fee, max_priority_fee) = if options.legacy {
        let price = rpc.gas_price().await?;
        (
            TxKind::Legacy {
                chain_id: Some(chain_id),
            },
            price,
            price,
            price,
        )
    } else {
        let tip = rpc.max_priority_fee().await?;
        let base_fee = rpc.latest_base_fee().await?.ok_or(WalletError::NoBaseFee)?;
        let max_fee = base_fee
            .checked_mul(U256::from(2))
            .and_then(|doubled| doubled.checked_add(tip))
            .ok_or(WalletError::FeeOverflow { base_fee, tip })?;
        (TxKind::DynamicFee, max_fee, max_fee, tip)
    };
    let unsigned = UnsignedTransaction {
        kind,
        chain_id: Some(chain_id),
        nonce,
        gas_limit,
        gas_price,
        max_fee,
        max_priority_fee,
        to: request.to,
        value: request.value,
        data: request.data.clone(),
        access_list: Vec::new(),
    };
    let raw = sign(&unsigned, &signer.key)?;
    let computed = keccak256(&raw);
    let reported = rpc.send_raw(&raw).await?;
    if reported != computed {
        return Err(WalletError::HashMismatch { reported, computed });
    }
    let receipt = wait_for_receipt(rpc, computed, options.timeout).await?;
    Ok((computed, receipt))
}

/// Polls `eth_getTransactionReceipt` until the receipt appears or `timeout` passes.
pub(super) async fn wait_for_receipt(
    rpc: &Rpc,
    hash: H256,
    timeout: Duration,
) -> Result<Value, WalletError> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(receipt) = rpc.receipt(hash).await? {
            return Ok(receipt);
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(WalletError::ReceiptTimeout {
                hash,
                seconds: timeout.as_secs(),
            });
        }
        tokio::time::sleep(RECEIPT_POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_signer_is_dev_account_zero() {
        let signer = Signer::new(None).unwrap();
        assert_eq!(
            format!("{:#x}", signer.address),
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        let explicit = Signer::new(Some(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        ))
        .unwrap();
        assert_eq!(explicit.address, signer.address);
        let bare = Signer::new(Some(
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        ))
        .unwrap();
        assert_eq!(
            format!("{:#x}", bare.address),
            "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
        );
    }

    #[test]
    fn bad_keys_are_rejected_with_a_reason() {
        let short = Signer::new(Some("0x1234")).unwrap_err();
        assert_eq!(
            short.to_string(),
            "invalid private key: expected 32 bytes, found 2"
        );
        let zero = format!("0x{}", "00".repeat(32));
        assert!(Signer::new(Some(&zero)).is_err());
        assert!(Signer::new(Some("0xzz")).is_err());
    }
}
