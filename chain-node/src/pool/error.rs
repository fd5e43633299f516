//! Why the pool refused a transaction, in geth's words.
//!
//! JSON-RPC clients recognise rejections by message: ethers maps "nonce too low", "replacement
//! transaction underpriced" and "insufficient funds" to its error codes, web3.py and viem match
//! the same prefixes. So `Display` is geth's exact text — the sentinel and, where geth wraps it
//! with `fmt.Errorf("%w: …")`, the same details in the same format — and each variant names the
//! geth file it comes from. The fields carry the values as numbers for callers that want them.

use std::fmt;

use primitive_types::{U256, U512};
use rewasm_executor::StateError;

/// The JSON-RPC error code of every pool rejection. geth returns its transaction pool errors as
/// plain Go errors, which its RPC server reports with the default server-error code
/// (`errcodeDefault = -32000`, go-ethereum rpc/errors.go); none of these has its own code.
pub const POOL_ERROR_CODE: i32 = -32000;
/// JSON-RPC's internal error: the node failed, not the request.
pub(super) const INTERNAL_ERROR_CODE: i32 = -32603;

/// A wei amount that may be negative: the change in cost when a replacement is cheaper than the
/// transaction it replaces (geth prints a `big.Int` difference, which can be below zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedWei {
    /// Whether the amount is below zero.
    pub negative: bool,
    /// The absolute value.
    pub magnitude: U512,
}

impl SignedWei {
    /// `to - from`.
    pub fn difference(to: U512, from: U512) -> Self {
        if to >= from {
            Self {
                negative: false,
                magnitude: to.saturating_sub(from),
            }
        } else {
            Self {
                negative: true,
                magnitude: from.saturating_sub(to),
            }
        }
    }
}

impl fmt::Display for SignedWei {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative && !self.magnitude.is_zero() {
            write!(f, "-{}", self.magnitude)
        } else {
            write!(f, "{}", self.magnitude)
        }
    }
}

/// What a transaction would charge the sender's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// A new transaction: its whole cost, `gas_limit * max_fee + value`.
    Cost(U512),
    /// A replacement: its cost minus the cost of the transaction it replaces.
    Bump(SignedWei),
}

/// By how much a balance falls short, printed in geth's format (core/txpool/validation.go
/// `ValidateTransactionWithState`): `balance B, tx cost C, overshot O` for the transaction on
/// its own, `balance B, queued cost Q, tx cost C, overshot O` together with the sender's pooled
/// transactions, `balance B, queued cost Q, tx bumped D, overshot O` for a replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    /// The sender's balance.
    pub balance: U256,
    /// The summed cost of the sender's pooled transactions (the replaced one included); none
    /// when the transaction alone is too expensive.
    pub queued: Option<U512>,
    /// What the transaction adds.
    pub charge: Charge,
    /// The amount missing.
    pub overshot: U512,
}

impl fmt::Display for Shortfall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "balance {}, ", self.balance)?;
        if let Some(queued) = self.queued {
            write!(f, "queued cost {queued}, ")?;
        }
        match self.charge {
            Charge::Cost(cost) => write!(f, "tx cost {cost}")?,
            Charge::Bump(bump) => write!(f, "tx bumped {bump}")?,
        }
        write!(f, ", overshot {}", self.overshot)
    }
}

/// Why [`super::Pool::add`] refused a transaction. The variants are listed in the order `add`
/// checks them, which is geth's order (legacypool.go `add`, then txpool/validation.go
/// `ValidateTransaction` and `ValidateTransactionWithState`).
///
/// Amounts are `U512` because a cost (`gas_limit * max_fee + value`) can exceed 2^256: geth
/// computes it with `big.Int` and reports such a transaction as short of funds with the full
/// number, and so does the pool.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The node could not read the sender's account: its failure, not the transaction's
    /// (JSON-RPC internal error).
    #[error("internal error: {0}")]
    State(#[from] StateError),
    /// A transaction with the same hash is already pooled.
    /// geth core/txpool/errors.go `ErrAlreadyKnown`.
    #[error("already known")]
    AlreadyKnown,

    /// The raw transaction is larger than the pool accepts.
    /// geth core/txpool/errors.go `ErrOversizedData`, wrapped in core/txpool/validation.go.
    #[error("oversized data: transaction size {size}, limit {limit}")]
    OversizedData {
        /// Bytes of the raw transaction.
        size: usize,
        /// `PoolConfig::max_tx_size`.
        limit: usize,
    },

    /// A contract creation whose init code is larger than the limit (EIP-3860's rule, with the
    /// node's own limit).
    /// geth core/error.go `ErrMaxInitCodeSizeExceeded`, wrapped in core/txpool/validation.go.
    #[error("max initcode size exceeded: code size {size}, limit {limit}")]
    MaxInitCodeSizeExceeded {
        /// Bytes of init code.
        size: usize,
        /// `PoolConfig::max_code_size`.
        limit: usize,
    },

    /// The transaction's gas limit is above the block gas limit, so no block can hold it.
    /// geth core/txpool/errors.go `ErrGasLimit` (returned unwrapped).
    #[error("exceeds block gas limit")]
    GasLimit {
        /// The transaction's gas limit.
        gas_limit: u64,
        /// The block gas limit.
        block_gas_limit: u64,
    },

    /// An EIP-1559 transaction whose tip cap is above its fee cap.
    /// geth core/error.go `ErrTipAboveFeeCap` (returned unwrapped by the pool).
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap {
        /// `max_priority_fee`.
        tip: U256,
        /// `max_fee`.
        fee_cap: U256,
    },

    /// The signature commits to another chain. geth's signer reports
    /// core/types/transaction_signing.go `ErrInvalidChainId` with "have X want Y", and the pool
    /// wraps it in core/txpool/errors.go `ErrInvalidSender` (core/txpool/validation.go).
    #[error("invalid sender: invalid chain id for signer: have {have} want {want}")]
    InvalidChainId {
        /// The transaction's chain id.
        have: u64,
        /// The node's chain id.
        want: u64,
    },

    /// Nonce 2^64-1, which the account could never move past (EIP-2681).
    /// geth core/error.go `ErrNonceMax`.
    #[error("nonce has max value")]
    NonceMax,

    /// The gas limit does not cover the intrinsic gas.
    /// geth core/error.go `ErrIntrinsicGas`, wrapped in core/txpool/validation.go.
    #[error("intrinsic gas too low: gas {gas}, minimum needed {needed}")]
    IntrinsicGas {
        /// The transaction's gas limit.
        gas: u64,
        /// Its intrinsic gas.
        needed: u64,
    },

    /// The tip (a legacy transaction's gas price) is below `PoolLimits::price_limit`.
    /// geth core/txpool/validation.go `ErrTxGasPriceTooLow`, wrapped there.
    #[error("transaction gas price below minimum: gas tip cap {tip}, minimum needed {minimum}")]
    TipBelowMinimum {
        /// `max_priority_fee`.
        tip: U256,
        /// `PoolLimits::price_limit`.
        minimum: U256,
    },

    /// The nonce is below the account's nonce: already used on chain.
    /// geth core/error.go `ErrNonceTooLow`, wrapped in core/txpool/validation.go.
    #[error("nonce too low: next nonce {next}, tx nonce {nonce}")]
    NonceTooLow {
        /// The account's nonce.
        next: u64,
        /// The transaction's nonce.
        nonce: u64,
    },

    /// A transaction executable now (its nonce is the sender's next) whose fee cap is below
    /// the next block's base fee: no block could include it. geth's pool keeps such a
    /// transaction; this one refuses it with the text geth's state transition gives it
    /// (core/error.go `ErrFeeCapTooLow`) and the block builder here uses.
    #[error(
        "max fee per gas less than block base fee: maxFeePerGas: {fee_cap}, baseFee: {base_fee}"
    )]
    FeeCapTooLow {
        /// `max_fee`.
        fee_cap: U256,
        /// The next block's base fee.
        base_fee: U256,
    },

    /// The balance does not cover the transaction, alone or together with the sender's other
    /// pooled transactions. geth core/error.go `ErrInsufficientFunds`, wrapped in
    /// core/txpool/validation.go with one of three detail formats (see [`Shortfall`]). Boxed:
    /// the amounts would make every `Result` of the pool four times larger.
    #[error("insufficient funds for gas * price + value: {0}")]
    InsufficientFunds(Box<Shortfall>),

    /// A transaction with the same sender and nonce is pooled and this one does not raise both
    /// the fee cap and the tip by the configured percentage.
    /// geth core/txpool/errors.go `ErrReplaceUnderpriced`.
    #[error("replacement transaction underpriced")]
    ReplaceUnderpriced,

    /// The sender already has `PoolLimits::account_queue` transactions behind a nonce gap
    /// (for a gapped transaction), or `PoolLimits::account_slots` executable ones while the
    /// executable slots are full (for an executable one).
    /// geth core/txpool/errors.go `ErrAccountLimitExceeded`, wrapped in
    /// core/txpool/validation.go.
    #[error("account limit exceeded: pooled {pooled} txs")]
    AccountLimitExceeded {
        /// How many transactions of that kind the sender has pooled.
        pooled: usize,
    },

    /// The pool is full and the transaction does not pay more than the cheapest one it could
    /// evict. geth core/txpool/errors.go `ErrUnderpriced`.
    #[error("transaction underpriced")]
    Underpriced,

    /// The pool is full, the transaction is behind a nonce gap, and only executable
    /// transactions are cheaper: a gapped one never evicts an executable one.
    /// geth core/txpool/errors.go `ErrFutureReplacePending`.
    #[error("future transaction tries to replace pending")]
    FutureReplacePending,
}

impl PoolError {
    /// The JSON-RPC error code geth answers this rejection with: [`POOL_ERROR_CODE`] for all
    /// but a failed read, which is the node's ([`INTERNAL_ERROR_CODE`]).
    pub fn code(&self) -> i32 {
        match self {
            Self::State(_) => INTERNAL_ERROR_CODE,
            _ => POOL_ERROR_CODE,
        }
    }

    /// Whether every node of the chain refuses this transaction, whatever its state and
    /// settings: a peer that relays it is at fault (transaction gossip penalises it). The rest
    /// depend on the pool's state, the head or this node's settings.
    pub fn is_invalid_on_chain(&self) -> bool {
        match self {
            Self::MaxInitCodeSizeExceeded { .. }
            | Self::GasLimit { .. }
            | Self::TipAboveFeeCap { .. }
            | Self::InvalidChainId { .. }
            | Self::NonceMax
            | Self::IntrinsicGas { .. } => true,
            Self::State(_)
            | Self::AlreadyKnown
            | Self::OversizedData { .. }
            | Self::TipBelowMinimum { .. }
            | Self::NonceTooLow { .. }
            | Self::FeeCapTooLow { .. }
            | Self::InsufficientFunds(_)
            | Self::ReplaceUnderpriced
            | Self::AccountLimitExceeded { .. }
            | Self::Underpriced
            | Self::FutureReplacePending => false,
        }
    }
}
