//! The few Ethereum JSON-RPC calls the client commands make, over jsonrpsee's HTTP client,
//! with the node's answers checked for shape.
//!
//! Errors keep the line the CLI's exit codes draw: a JSON-RPC error object is the node saying no
//! ([`RpcError::Node`], exit 1), while a failed connection, a timeout or an answer that is not
//! what the method returns is a problem between us and the node ([`RpcError::Transport`],
//! [`RpcError::Response`], exit 2).

use std::time::Duration;

use jsonrpsee::core::client::ClientT;
use jsonrpsee::core::params::ArrayParams;
use jsonrpsee::http_client::{HttpClient, HttpClientBuilder};
use primitive_types::{H160, H256, U256};
use serde_json::Value;

use super::abi::{parse_hex, parse_u256};

/// Per-request timeout: long enough for an `eth_estimateGas` binary search on a slow machine.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A failed JSON-RPC request.
#[derive(Debug, thiserror::Error)]
pub(super) enum RpcError {
    /// The node answered with a JSON-RPC error object.
    #[error("{message}")]
    Node {
        /// The method called.
        method: &'static str,
        /// The error code (3 for a revert, as geth).
        code: i32,
        /// The node's message.
        message: String,
        /// The error's `data` (revert data for code 3), if any.
        data: Option<Value>,
    },
    /// No answer: the connection failed, timed out or the response was not JSON-RPC.
    #[error("{method} to {url}: {detail}")]
    Transport {
        /// The method called.
        method: &'static str,
        /// The node's URL.
        url: String,
        /// What failed.
        detail: String,
    },
    /// An answer of the wrong shape for the method.
    #[error("{method}: unexpected result {result}: {detail}")]
    Response {
        /// The method called.
        method: &'static str,
        /// The result as received.
        result: String,
        /// What was expected.
        detail: String,
    },
}

impl RpcError {
    /// For a node error carrying revert data (geth's code 3), that data.
    pub(super) fn revert_data(&self) -> Option<Vec<u8>> {
        match self {
            Self::Node {
                data: Some(Value::String(hex)),
                ..
            } => parse_hex(hex).ok(),
            _ => None,
        }
    }

    /// Whether this is the node reporting an execution revert.
    pub(super) fn is_revert(&self) -> bool {
        match self {
            Self::Node { code, message, .. } => {
                *code == 3 || message.starts_with("execution reverted")
            }
            _ => false,
        }
    }
}

/// A JSON-RPC connection to a node.
#[derive(Debug)]
pub(super) struct Rpc {
    client: HttpClient,
    url: String,
}

impl Rpc {
    /// Prepares a client for `url` (nothing is sent until the first request).
    pub(super) fn new(url: &str) -> Result<Self, RpcError> {
        let client = HttpClientBuilder::default()
            .request_timeout(REQUEST_TIMEOUT)
            .build(url)
            .map_err(|e| RpcError::Transport {
                method: "connect",
                url: url.to_string(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            client,
            url: url.to_string(),
        })
    }

    /// Sends one request and returns its raw result.
    pub(super) async fn request(
        &self,
        method: &'static str,
        params: Vec<Value>,
    ) -> Result<Value, RpcError> {
        let mut array = ArrayParams::new();
        for param in params {
            array.insert(param).map_err(|e| RpcError::Transport {
                method,
                url: self.url.clone(),
                detail: format!("encoding parameters: {e}"),
            })?;
        }
        self.client
            .request::<Value, _>(method, array)
            .await
            .map_err(|error| match error {
                jsonrpsee::core::ClientError::Call(object) => RpcError::Node {
                    method,
                    code: object.code(),
                    message: object.message().to_string(),
                    data: object
                        .data()
                        .and_then(|raw| serde_json::from_str(raw.get()).ok()),
                },
                other => RpcError::Transport {
                    method,
                    url: self.url.clone(),
                    detail: other.to_string(),
                },
            })
    }

    /// `eth_chainId`.
    pub(super) async fn chain_id(&self) -> Result<u64, RpcError> {
        let method = "eth_chainId";
        let result = self.request(method, vec![]).await?;
        quantity_u64(method, &result)
    }

    /// `eth_getTransactionCount(address, "pending")`.
    pub(super) async fn pending_nonce(&self, address: H160) -> Result<u64, RpcError> {
        let method = "eth_getTransactionCount";
        let result = self
            .request(method, vec![address_json(address), "pending".into()])
            .await?;
        quantity_u64(method, &result)
    }

    /// `eth_gasPrice`.
    pub(super) async fn gas_price(&self) -> Result<U256, RpcError> {
        let method = "eth_gasPrice";
        let result = self.request(method, vec![]).await?;
        quantity(method, &result)
    }

    /// `eth_maxPriorityFeePerGas`.
    pub(super) async fn max_priority_fee(&self) -> Result<U256, RpcError> {
        let method = "eth_maxPriorityFeePerGas";
        let result = self.request(method, vec![]).await?;
        quantity(method, &result)
    }

    /// `baseFeePerGas` of the latest block (`None` before London, as geth leaves it out).
    pub(super) async fn latest_base_fee(&self) -> Result<Option<U256>, RpcError> {
        let method = "eth_getBlockByNumber";
        let block = self
            .request(method, vec!["latest".into(), false.into()])
            .await?;
        match block.get("baseFeePerGas") {
            None | Some(Value::Null) if block.is_object() => Ok(None),
            Some(fee) => quantity(method, fee).map(Some),
            None => Err(RpcError::Response {
                method,
                result: block.to_string(),
                detail: "expected a block object".to_string(),
            }),
        }
    }

    /// `eth_estimateGas(request)` at the latest block.
    pub(super) async fn estimate_gas(&self, request: &Value) -> Result<u64, RpcError> {
        let method = "eth_estimateGas";
        let result = self.request(method, vec![request.clone()]).await?;
        quantity_u64(method, &result)
    }

    /// `eth_sendRawTransaction`: the hash the node reports.
    pub(super) async fn send_raw(&self, raw: &[u8]) -> Result<H256, RpcError> {
        let method = "eth_sendRawTransaction";
        let result = self
            .request(method, vec![format!("0x{}", hex::encode(raw)).into()])
            .await?;
        hash(method, &result)
    }

    /// `eth_getTransactionReceipt`: `None` while pending or unknown.
    pub(super) async fn receipt(&self, tx: H256) -> Result<Option<Value>, RpcError> {
        let method = "eth_getTransactionReceipt";
        let result = self.request(method, vec![hash_json(tx)]).await?;
        match result {
            Value::Null => Ok(None),
            Value::Object(_) => Ok(Some(result)),
            other => Err(RpcError::Response {
                method,
                result: other.to_string(),
                detail: "expected a receipt object or null".to_string(),
            }),
        }
    }

    /// `eth_call(request, block)`: the return data.
    pub(super) async fn call(&self, request: &Value, block: &str) -> Result<Vec<u8>, RpcError> {
        let method = "eth_call";
        let result = self
            .request(method, vec![request.clone(), block.into()])
            .await?;
        data(method, &result)
    }

    /// `eth_getBalance(address, block)`.
    pub(super) async fn balance(&self, address: H160, block: &str) -> Result<U256, RpcError> {
        let method = "eth_getBalance";
        let result = self
            .request(method, vec![address_json(address), block.into()])
            .await?;
        quantity(method, &result)
    }
}

/// `0x`-prefixed lowercase hex of an address, as requests carry it.
pub(super) fn address_json(address: H160) -> Value {
    format!("{address:#x}").into()
}

/// `0x`-prefixed hex of a 32-byte hash.
pub(super) fn hash_json(hash: H256) -> Value {
    format!("{hash:#x}").into()
}

/// A quantity as JSON-RPC writes it: `0x` hex without leading zeros.
pub(super) fn quantity_json(value: U256) -> Value {
    format!("{value:#x}").into()
}

fn shape_error(method: &'static str, value: &Value, detail: &str) -> RpcError {
    RpcError::Response {
        method,
        result: value.to_string(),
        detail: detail.to_string(),
    }
}

/// A `0x`-hex quantity.
pub(super) fn quantity(method: &'static str, value: &Value) -> Result<U256, RpcError> {
    value
        .as_str()
        .filter(|s| s.starts_with("0x"))
        .and_then(|s| parse_u256(s).ok())
        .ok_or_else(|| shape_error(method, value, "expected a 0x-hex quantity"))
}

/// A `0x`-hex quantity that fits 64 bits.
pub(super) fn quantity_u64(method: &'static str, value: &Value) -> Result<u64, RpcError> {
    let wide = quantity(method, value)?;
    if wide.bits() > 64 {
        return Err(shape_error(method, value, "quantity does not fit 64 bits"));
    }
    Ok(wide.low_u64())
}

/// `0x`-hex data.
pub(super) fn data(method: &'static str, value: &Value) -> Result<Vec<u8>, RpcError> {
    value
        .as_str()
        .and_then(|s| parse_hex(s).ok())
        .ok_or_else(|| shape_error(method, value, "expected 0x-hex data"))
}

/// A 32-byte `0x`-hex hash.
pub(super) fn hash(method: &'static str, value: &Value) -> Result<H256, RpcError> {
    data(method, value)?
        .try_into()
        .map(H256)
        .map_err(|_: Vec<u8>| shape_error(method, value, "expected a 32-byte hash"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_must_be_hex() {
        assert_eq!(quantity("m", &"0x7a69".into()).unwrap(), U256::from(31337));
        assert_eq!(quantity_u64("m", &"0x0".into()).unwrap(), 0);
        assert!(quantity("m", &"31337".into()).is_err());
        assert!(quantity("m", &Value::from(5)).is_err());
        let too_wide = format!("0x1{}", "0".repeat(16));
        assert!(quantity_u64("m", &too_wide.into()).is_err());
    }

    #[test]
    fn hashes_must_have_32_bytes() {
        let text = format!("0x{}", "ab".repeat(32));
        assert_eq!(hash("m", &text.clone().into()).unwrap(), H256([0xab; 32]));
        assert!(hash("m", &"0xabcd".into()).is_err());
        assert_eq!(hash_json(H256([0xab; 32])), Value::from(text));
    }

    #[test]
    fn requests_write_quantities_without_leading_zeros() {
        assert_eq!(quantity_json(U256::zero()), Value::from("0x0"));
        assert_eq!(quantity_json(U256::from(255)), Value::from("0xff"));
        assert_eq!(
            address_json(H160::from_low_u64_be(1)),
            Value::from("0x0000000000000000000000000000000000000001")
        );
    }

    #[test]
    fn revert_errors_carry_their_data() {
        let revert = RpcError::Node {
            method: "eth_call",
            code: 3,
            message: "execution reverted: nope".to_string(),
            data: Some("0x08c379a0".into()),
        };
        assert!(revert.is_revert());
        assert_eq!(revert.revert_data().unwrap(), vec![0x08, 0xc3, 0x79, 0xa0]);
        let other = RpcError::Node {
            method: "eth_sendRawTransaction",
            code: -32000,
            message: "nonce too low".to_string(),
            data: None,
        };
        assert!(!other.is_revert());
        assert_eq!(other.to_string(), "nonce too low");
    }
}
