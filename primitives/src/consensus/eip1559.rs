//! EIP-1559 fee market: the base fee of each block, and what a transaction pays per gas.
//!
//! The base fee starts at 1 gwei and moves toward the gas target (half the gas limit) by at most
//! 1/8 per block. A transaction offers a fee cap (`max fee per gas`) and a tip cap (`max priority
//! fee per gas`); it pays `min(fee cap, base fee + tip cap)`, the base fee part is burned and the
//! rest goes to the block's coinbase. Legacy and EIP-2930 transactions offer their gas price as
//! both caps.

use primitive_types::U256;

/// The base fee of the genesis block: 1 gwei.
pub const INITIAL_BASE_FEE: u64 = 1_000_000_000;
/// The gas target is the gas limit divided by this.
pub const ELASTICITY_MULTIPLIER: u64 = 2;
/// The base fee moves by at most 1/this per block.
pub const BASE_FEE_CHANGE_DENOMINATOR: u64 = 8;

/// Why a transaction cannot pay the fee in a block (geth's texts).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeeError {
    /// The tip cap exceeds the fee cap: never valid.
    #[error("max priority fee per gas higher than max fee per gas")]
    TipAboveFeeCap,
    /// The fee cap is below this block's base fee: valid in a cheaper block.
    #[error(
        "max fee per gas less than block base fee: maxFeePerGas: {fee_cap}, baseFee: {base_fee}"
    )]
    FeeCapBelowBaseFee { fee_cap: U256, base_fee: U256 },
}

/// The base fee of the block after one with `gas_used` of `gas_limit` at `base_fee`: unchanged
/// at the target, up by `base fee × excess / target / 8` (at least 1 wei) when fuller, down by
/// the same rule when emptier.
pub fn next_base_fee(gas_used: u64, gas_limit: u64, base_fee: U256) -> U256 {
    let target = gas_limit / ELASTICITY_MULTIPLIER;
    if target == 0 || gas_used == target {
        return base_fee;
    }
    let denominator = U256::from(target) * U256::from(BASE_FEE_CHANGE_DENOMINATOR);
    if gas_used > target {
        let delta = base_fee.saturating_mul(U256::from(gas_used - target)) / denominator;
        base_fee.saturating_add(delta.max(U256::one()))
    } else {
        let delta = base_fee.saturating_mul(U256::from(target - gas_used)) / denominator;
        base_fee.saturating_sub(delta)
    }
}

/// The price per gas a transaction with `fee_cap` and `tip_cap` pays in a block with `base_fee`.
pub fn effective_gas_price(fee_cap: U256, tip_cap: U256, base_fee: U256) -> Result<U256, FeeError> {
    if tip_cap > fee_cap {
        return Err(FeeError::TipAboveFeeCap);
    }
    if fee_cap < base_fee {
        return Err(FeeError::FeeCapBelowBaseFee { fee_cap, base_fee });
    }
    Ok(fee_cap.min(base_fee.saturating_add(tip_cap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_fee_follows_the_gas_target() {
        let gwei = U256::from(INITIAL_BASE_FEE);
        assert_eq!(next_base_fee(15_000_000, 30_000_000, gwei), gwei);
        assert_eq!(
            next_base_fee(30_000_000, 30_000_000, gwei),
            U256::from(1_125_000_000u64)
        );
        assert_eq!(
            next_base_fee(0, 30_000_000, gwei),
            U256::from(875_000_000u64)
        );
        // At least one wei up when fuller than the target, however small the base fee.
        assert_eq!(
            next_base_fee(15_000_001, 30_000_000, U256::from(7)),
            U256::from(8)
        );
        // Down never below zero; a zero gas limit has no target and keeps the fee.
        assert_eq!(next_base_fee(0, 30_000_000, U256::zero()), U256::zero());
        assert_eq!(next_base_fee(5, 0, gwei), gwei);
        // No overflow at the top.
        assert_eq!(next_base_fee(30_000_000, 30_000_000, U256::MAX), U256::MAX);
    }

    #[test]
    fn the_effective_price_is_the_fee_cap_or_base_fee_plus_tip() {
        let base = U256::from(10);
        assert_eq!(
            effective_gas_price(U256::from(30), U256::from(5), base),
            Ok(U256::from(15))
        );
        assert_eq!(
            effective_gas_price(U256::from(12), U256::from(5), base),
            Ok(U256::from(12))
        );
        assert_eq!(
            effective_gas_price(U256::from(10), U256::zero(), base),
            Ok(U256::from(10))
        );
        // Legacy: gas price as both caps pays the gas price.
        assert_eq!(
            effective_gas_price(U256::from(20), U256::from(20), base),
            Ok(U256::from(20))
        );
        assert_eq!(
            effective_gas_price(U256::from(5), U256::from(6), base),
            Err(FeeError::TipAboveFeeCap)
        );
        let below = effective_gas_price(U256::from(9), U256::from(1), base).unwrap_err();
        assert_eq!(
            below.to_string(),
            "max fee per gas less than block base fee: maxFeePerGas: 9, baseFee: 10"
        );
        assert_eq!(
            effective_gas_price(U256::MAX, U256::MAX, U256::MAX),
            Ok(U256::MAX)
        );
    }
}
