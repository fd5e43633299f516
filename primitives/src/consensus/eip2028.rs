//! EIP-2028 (Istanbul): call data's non-zero bytes cost 16 gas instead of 68. The price a chain
//! charges is its gas schedule's choice: the first schedules keep Byzantium's, `v2` takes
//! Istanbul's.

/// Intrinsic gas per byte of transaction data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CalldataPrices {
    /// Per zero byte.
    pub zero: u64,
    /// Per non-zero byte.
    pub non_zero: u64,
}

impl CalldataPrices {
    /// Byzantium: 4 and 68.
    pub const BYZANTIUM: Self = Self {
        zero: 4,
        non_zero: 68,
    };
    /// Istanbul (EIP-2028): 4 and 16.
    pub const ISTANBUL: Self = Self {
        zero: 4,
        non_zero: 16,
    };

    /// The gas of `data`, saturating.
    pub fn of(&self, data: &[u8]) -> u64 {
        data.iter().fold(0u64, |gas, byte| {
            gas.saturating_add(if *byte == 0 { self.zero } else { self.non_zero })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn istanbul_charges_16_per_non_zero_byte() {
        assert_eq!(CalldataPrices::ISTANBUL.of(&[0, 1, 0, 2]), 2 * 4 + 2 * 16);
        assert_eq!(CalldataPrices::BYZANTIUM.of(&[0, 1, 0, 2]), 2 * 4 + 2 * 68);
    }
}
