//! JSON-RPC errors with the codes and messages geth answers with, because clients match them.
//!
//! - `-32602` invalid params, with geth's texts: "missing value for required argument N",
//!   "too many arguments, want at most N", "invalid argument N: <why>".
//! - `-32000` geth's default server error: state queries on an unknown block ("header not
//!   found"), raw transaction decoding, pool rejections, failed calls, unknown filters.
//! - `3` a reverted `eth_call` / `eth_estimateGas`, with the revert data as `data`.
//! - `-32005` a log query over its limits (the code Infura and geth use for "limit exceeded").
//! - `-32603` the node itself failed (a store read error, a panicked handler).

use jsonrpsee::types::ErrorObjectOwned;
use serde_json::Value;

use crate::chain::simulate::SimulateError;
use crate::chain::{CallError, ChainError};
use crate::node::SubmitError;

/// geth's default server error code.
pub const SERVER_ERROR: i32 = -32000;
/// JSON-RPC invalid params.
pub const INVALID_PARAMS: i32 = -32602;
/// JSON-RPC internal error.
pub const INTERNAL_ERROR: i32 = -32603;
/// geth's code for a reverted call.
pub const REVERTED: i32 = 3;
/// Limit exceeded (too many logs, too wide a range).
pub const LIMIT_EXCEEDED: i32 = -32005;
/// geth's code for an unknown subscription kind ("method not found").
pub const METHOD_NOT_FOUND: i32 = -32601;

/// An error answer.
#[derive(Clone, Debug, PartialEq)]
pub struct RpcError {
    /// The JSON-RPC error code.
    pub code: i32,
    /// The message.
    pub message: String,
    /// Extra data (revert data for code 3).
    pub data: Option<Value>,
}

impl std::fmt::Display for RpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (code {})", self.message, self.code)
    }
}

impl std::error::Error for RpcError {}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// A `-32000` server error.
    pub fn server(message: impl Into<String>) -> Self {
        Self::new(SERVER_ERROR, message)
    }

    /// A `-32602` invalid params error.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::new(INVALID_PARAMS, message)
    }

    /// geth's "invalid argument N: <why>".
    pub fn invalid_argument(index: usize, why: impl std::fmt::Display) -> Self {
        Self::invalid_params(format!("invalid argument {index}: {why}"))
    }

    /// A `-32603` node failure.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(INTERNAL_ERROR, format!("internal error: {message}"))
    }

    /// geth's answer to a state query on a block number it does not have.
    pub fn header_not_found() -> Self {
        Self::server("header not found")
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(error: RpcError) -> Self {
        ErrorObjectOwned::owned(error.code, error.message, error.data)
    }
}

impl From<ChainError> for RpcError {
    fn from(error: ChainError) -> Self {
        match error {
            ChainError::MissingBlock(_) => Self::header_not_found(),
            other => Self::internal(other),
        }
    }
}

impl From<CallError> for RpcError {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Reverted { ref data, .. } => Self {
                code: REVERTED,
                message: error.to_string(),
                data: Some(Value::String(super::json::data(data))),
            },
            CallError::Chain(chain) => chain.into(),
            CallError::Host(_) => Self::internal(error),
            other => Self::server(other.to_string()),
        }
    }
}

impl From<SimulateError> for RpcError {
    fn from(error: SimulateError) -> Self {
        match error {
            SimulateError::Call(call) => call.into(),
            refused => match refused.code() {
                Some(code) => Self::new(code, refused.to_string()),
                None => Self::server(refused.to_string()),
            },
        }
    }
}

impl From<SubmitError> for RpcError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::Decode(decode) => Self::server(decode.to_string()),
            SubmitError::Pool(pool) => Self::new(pool.code(), pool.to_string()),
            refused @ (SubmitError::StoreUnavailable(_)
            | SubmitError::Sealing(_)
            | SubmitError::Admission(_)
            | SubmitError::Rewound
            | SubmitError::NotImpersonated(_)) => Self::server(refused.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverts_carry_code_3_and_their_data() {
        let error = RpcError::from(CallError::Reverted {
            reason: None,
            data: vec![0xde, 0xad],
        });
        assert_eq!(error.code, 3);
        assert_eq!(error.message, "execution reverted");
        assert_eq!(error.data, Some(Value::String("0xdead".into())));
        let missing = RpcError::from(CallError::Chain(ChainError::MissingBlock(9)));
        assert_eq!(missing, RpcError::server("header not found"));
        let gas = RpcError::from(CallError::GasExceedsAllowance(100));
        assert_eq!(gas.code, -32000);
        assert_eq!(gas.message, "gas required exceeds allowance (100)");
    }
}
