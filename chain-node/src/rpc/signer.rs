//! The dev chain's accounts as a node-side wallet, as anvil and hardhat hold theirs.
//!
//! On a dev chain (`--dev`, or a genesis with `devMode`) the node holds the ten keys of the test mnemonic, so the tools that expect the
//! node to sign work unchanged: Remix's external provider, web3.py's `send_transaction`, ethers'
//! `provider.getSigner()`. `eth_accounts` lists them; `eth_sendTransaction` fills in what a
//! request leaves out (nonce, gas, fees, chain id: [`fill`]), signs with the sender's key and
//! submits as `eth_sendRawTransaction` does; `eth_signTransaction` returns the signed transaction
//! instead (`{raw, tx}`, the specification's and geth's answer); `eth_sign` and `personal_sign` sign
//! EIP-191 personal messages, `eth_signTypedData_v4` EIP-712 typed data (encoded by alloy's
//! `dyn-abi`). On any other chain the node holds no key: `eth_accounts` is empty and the signing
//! methods answer [`NO_KEYS`].
//!
//! An account the dev node impersonates (`anvil_impersonateAccount`) sends with
//! `eth_sendTransaction` too, without a key: the transaction carries the impersonation marker
//! for a signature ([`tx::seal_impersonated`]), which only a dev chain accepts.

use std::sync::Arc;

use alloy_dyn_abi::eip712::TypedData;
use k256::ecdsa::SigningKey;
use primitive_types::{H160, H256, U256};
use rewasm_primitives::keccak256;

use super::RpcError;
use super::params::{BlockId, BlockTag, CallArgs};
use crate::chain::CallRequest;
use crate::genesis::{DEV_ACCOUNTS, DEV_MNEMONIC, DevAccount, GenesisError, derive_accounts};
use crate::node::Node;
use crate::tx::{self, TxKind, UnsignedTransaction};

/// The answer to a signing method on a node that holds no keys.
pub const NO_KEYS: &str = "unknown account: this node holds no keys (only `rewasm node --dev` \
     holds the dev accounts); sign the transaction yourself and send it with eth_sendRawTransaction";

/// geth's answer when the node holds no key for the address.
pub const UNKNOWN_ACCOUNT: &str = "unknown account";

/// The keys the node signs with: the dev accounts, or none.
#[derive(Default)]
pub struct Signer {
    accounts: Vec<Held>,
    /// The nonce lock of the impersonated accounts' sends (one for all: tests send few).
    impersonated_sending: std::sync::Mutex<()>,
}

/// An account the node signs for.
struct Held {
    account: DevAccount,
    /// Held from choosing a transaction's nonce until it is pooled, so that concurrent sends
    /// from the account take consecutive nonces (geth's nonce lock).
    sending: std::sync::Mutex<()>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.accounts.iter().map(|held| held.account.address))
            .finish()
    }
}

impl Signer {
    /// The ten dev accounts of the test mnemonic (`rewasm node --dev`).
    pub fn dev() -> Result<Self, GenesisError> {
        Ok(Self::holding(derive_accounts(DEV_MNEMONIC, DEV_ACCOUNTS)?))
    }

    /// A signer holding `accounts`' keys.
    fn holding(accounts: Vec<DevAccount>) -> Self {
        let accounts = accounts
            .into_iter()
            .map(|account| Held {
                account,
                sending: std::sync::Mutex::new(()),
            })
            .collect();
        Self {
            accounts,
            impersonated_sending: std::sync::Mutex::new(()),
        }
    }

    /// The addresses it holds keys for, in derivation order.
    pub fn addresses(&self) -> Vec<H160> {
        self.accounts
            .iter()
            .map(|held| held.account.address)
            .collect()
    }

    /// The account of `address`, or the error a signing method answers.
    fn held(&self, address: &H160) -> Result<&Held, RpcError> {
        if self.accounts.is_empty() {
            return Err(RpcError::server(NO_KEYS));
        }
        self.accounts
            .iter()
            .find(|held| held.account.address == *address)
            .ok_or_else(|| RpcError::server(UNKNOWN_ACCOUNT))
    }

    /// The key of `address`, or the error a signing method answers.
    fn key(&self, address: &H160) -> Result<&SigningKey, RpcError> {
        self.held(address).map(|held| &held.account.key)
    }

    /// The EIP-191 signature of `message` by `address`: `r ‖ s ‖ v`, `v` 27 or 28, over
    /// keccak256("\x19Ethereum Signed Message:\n" ‖ decimal length ‖ message).
    pub fn sign_message(&self, address: &H160, message: &[u8]) -> Result<[u8; 65], RpcError> {
        let mut prefixed = format!("\x19Ethereum Signed Message:\n{}", message.len()).into_bytes();
        prefixed.extend_from_slice(message);
        self.sign_digest(address, keccak256(&prefixed).as_fixed_bytes())
    }

    /// The EIP-712 signature of `data` by `address` (`r ‖ s ‖ v`, `v` 27 or 28), over
    /// keccak256("\x19\x01" ‖ domain separator ‖ hashStruct(message)).
    pub fn sign_typed_data(&self, address: &H160, data: &TypedData) -> Result<[u8; 65], RpcError> {
        let digest = data
            .eip712_signing_hash()
            .map_err(|error| RpcError::invalid_params(format!("typed data: {error}")))?;
        self.sign_digest(address, &digest.0)
    }

    /// `digest` signed by `address`'s key: `r ‖ s ‖ v`, `v` 27 or 28.
    fn sign_digest(&self, address: &H160, digest: &[u8; 32]) -> Result<[u8; 65], RpcError> {
        let key = self.key(address)?;
        let (signature, recovery) = key
            .sign_prehash_recoverable(digest)
            .map_err(|error| RpcError::internal(format!("signing: {error}")))?;
        let mut out = [0u8; 65];
        let (rs, v) = out.split_at_mut(64);
        rs.copy_from_slice(&signature.to_bytes());
        if let Some(v) = v.first_mut() {
            *v = 27 + recovery.to_byte();
        }
        Ok(out)
    }

    /// `args` completed ([`fill`]), signed by its `from` and submitted: the transaction hash.
    pub fn send_transaction(&self, node: &Arc<Node>, args: CallArgs) -> Result<H256, RpcError> {
        let from = args.from.ok_or_else(|| RpcError::server(UNKNOWN_ACCOUNT))?;
        if self.held(&from).is_err() && node.impersonation().covers(&from) {
            return self.send_impersonated(node, from, args);
        }
        let _nonce = self
            .held(&from)?
            .sending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let raw = self.sign_transaction(node, args)?;
        Ok(node.submit_raw_transaction(raw)?)
    }

    /// `args` completed and sent for the impersonated `from`, with the marker for a signature.
    fn send_impersonated(
        &self,
        node: &Arc<Node>,
        from: H160,
        args: CallArgs,
    ) -> Result<H256, RpcError> {
        let _nonce = self
            .impersonated_sending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let unsigned = fill(node, from, args)?;
        let raw = tx::seal_impersonated(&unsigned, from)
            .map_err(|error| RpcError::internal(format!("sealing: {error}")))?;
        Ok(node.submit_raw_transaction(raw)?)
    }

    /// `args` completed ([`fill`]) and signed by its `from`: the raw transaction.
    pub fn sign_transaction(&self, node: &Node, args: CallArgs) -> Result<Vec<u8>, RpcError> {
        let from = args.from.ok_or_else(|| RpcError::server(UNKNOWN_ACCOUNT))?;
        let key = self.key(&from)?;
        let unsigned = fill(node, from, args)?;
        tx::sign(&unsigned, key).map_err(|error| RpcError::internal(format!("signing: {error}")))
    }
}

/// What a transaction request leaves out, filled in as geth's `setDefaults` does: the
/// sender's pending nonce, EIP-1559 fees (a tip of `eth_maxPriorityFeePerGas`, a fee cap of
/// twice the next base fee plus the tip) unless `gasPrice` is given (then a legacy
/// transaction, or EIP-2930 with an access list), the gas an estimate at the head gives,
/// and the chain id. A `chainId` other than the node's is refused with geth's text.
pub fn fill(node: &Node, from: H160, args: CallArgs) -> Result<UnsignedTransaction, RpcError> {
    let chain = node.chain();
    let chain_id = chain.chain_id();
    if let Some(asked) = args.chain_id
        && asked != U256::from(chain_id)
    {
        return Err(RpcError::server(format!(
            "chainId does not match node's (have={asked}, want={chain_id})"
        )));
    }
    let nonce = match args.nonce {
        Some(nonce) => nonce,
        None => node.pending_nonce(&from).map_err(RpcError::internal)?,
    };
    let kind = kind_of(&args, chain_id)?;
    let base_fee = chain.next_base_fee();
    let tip = args
        .max_priority_fee_per_gas
        .unwrap_or_else(|| U256::from(super::eth::SUGGESTED_TIP));
    let max_fee = args
        .max_fee_per_gas
        .unwrap_or_else(|| base_fee.saturating_mul(U256::from(2)).saturating_add(tip));
    // `eth_gasPrice`'s answer, as geth prices a legacy transaction without one.
    let gas_price = args
        .gas_price
        .unwrap_or_else(|| base_fee.saturating_add(tip));
    let gas_limit = args.gas;
    let request = CallArgs {
        from: Some(from),
        ..args
    }
    .into_request()?;
    let gas_limit = match gas_limit {
        Some(gas) => gas,
        None => estimate(node, &request)?,
    };
    Ok(UnsignedTransaction {
        kind,
        chain_id: Some(chain_id),
        nonce,
        gas_limit,
        gas_price,
        max_fee,
        max_priority_fee: tip,
        to: request.to,
        value: request.value.unwrap_or_default(),
        data: request.data,
        access_list: request.access_list,
    })
}

/// The envelope: the request's `type`, else legacy (EIP-155, or EIP-2930 with an access list)
/// for a `gasPrice`, else EIP-1559.
fn kind_of(args: &CallArgs, chain_id: u64) -> Result<TxKind, RpcError> {
    let legacy = TxKind::Legacy {
        chain_id: Some(chain_id),
    };
    match args.tx_type {
        Some(0) => Ok(legacy),
        Some(1) => Ok(TxKind::AccessList),
        Some(2) => Ok(TxKind::DynamicFee),
        Some(other) => Err(RpcError::server(format!(
            "transaction type not supported: {other}"
        ))),
        None if args.gas_price.is_some() && args.access_list.is_empty() => Ok(legacy),
        None if args.gas_price.is_some() => Ok(TxKind::AccessList),
        None => Ok(TxKind::DynamicFee),
    }
}

/// `eth_estimateGas` of the request at the head.
fn estimate(node: &Node, request: &CallRequest) -> Result<u64, RpcError> {
    let chain = node.chain();
    let block = super::eth::state_block(chain, BlockId::Tag(BlockTag::Latest))?;
    Ok(chain.estimate_gas(request, block)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EIP-712's own example: the "Ether Mail" message signed by the key keccak256("cow")
    /// (<https://eips.ethereum.org/EIPS/eip-712>, its test vectors).
    #[test]
    fn typed_data_is_signed_as_the_eip_712_example() {
        let key = SigningKey::from_slice(keccak256(b"cow").as_bytes())
            .unwrap_or_else(|error| panic!("{error}"));
        let address = crate::genesis::address_of(&key);
        assert_eq!(
            format!("{address:?}"),
            "0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826"
        );
        let signer = Signer::holding(vec![DevAccount { address, key }]);
        let data: TypedData = serde_json::from_value(serde_json::json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"}
                ],
                "Person": [
                    {"name": "name", "type": "string"},
                    {"name": "wallet", "type": "address"}
                ],
                "Mail": [
                    {"name": "from", "type": "Person"},
                    {"name": "to", "type": "Person"},
                    {"name": "contents", "type": "string"}
                ]
            },
            "primaryType": "Mail",
            "domain": {
                "name": "Ether Mail",
                "version": "1",
                "chainId": 1,
                "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
            },
            "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
            }
        }))
        .unwrap_or_else(|error| panic!("{error}"));
        let digest = data
            .eip712_signing_hash()
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(
            hex::encode(digest.0),
            "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
        );
        let signature = signer
            .sign_typed_data(&address, &data)
            .unwrap_or_else(|error| panic!("{error:?}"));
        assert_eq!(
            hex::encode(signature),
            "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d\
             07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562\
             1c"
        );
    }
}
