//! The refund cap (Byzantium, before EIP-3529): a transaction gets back at most half the gas it
//! used, whatever its refund counter (storage clears, self-destructs) says.

/// The refund is at most `gas used / MAX_REFUND_QUOTIENT`.
pub const MAX_REFUND_QUOTIENT: u64 = 2;

/// The refund a transaction that used `used` gas and counted `refund` gets.
pub fn capped_refund(refund: u64, used: u64) -> u64 {
    refund.min(used / MAX_REFUND_QUOTIENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refund_is_capped_at_half_the_gas_used() {
        assert_eq!(capped_refund(10_000, 50_000), 10_000);
        assert_eq!(capped_refund(30_000, 50_000), 25_000);
        assert_eq!(capped_refund(u64::MAX, 21_001), 10_500);
        assert_eq!(capped_refund(0, 0), 0);
    }
}
