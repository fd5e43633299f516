//! Intrinsic gas: what a transaction pays before any code runs (Yellow Paper `g0`, with
//! EIP-2's 53000 for creates and EIP-2930's access-list prices).

use super::eip2028::CalldataPrices;
use super::eip2930::{ACCESS_LIST_ADDRESS_GAS, ACCESS_LIST_STORAGE_KEY_GAS};

/// Intrinsic gas of every transaction.
pub const TX_GAS: u64 = 21_000;
/// Intrinsic gas of a contract-creating transaction (EIP-2).
pub const TX_CREATE_GAS: u64 = 53_000;
/// Intrinsic gas of a transaction: 21000 (53000 for a create) plus `calldata`'s price of each
/// byte of `data` (the gas schedule's: 4 per zero byte, 68 or 16 per non-zero one), plus 2400
/// per access-list address and 1900 per access-list storage key. Saturates instead of
/// overflowing (such a transaction can never be paid for).
pub fn intrinsic_gas(
    is_create: bool,
    data: &[u8],
    access_list_addresses: u64,
    access_list_storage_keys: u64,
    calldata: CalldataPrices,
) -> u64 {
    let base = if is_create { TX_CREATE_GAS } else { TX_GAS };
    let access_list = access_list_addresses
        .saturating_mul(ACCESS_LIST_ADDRESS_GAS)
        .saturating_add(access_list_storage_keys.saturating_mul(ACCESS_LIST_STORAGE_KEY_GAS));
    base.saturating_add(access_list)
        .saturating_add(calldata.of(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intrinsic_gas_counts_kind_data_bytes_and_the_access_list() {
        let byzantium = CalldataPrices::BYZANTIUM;
        assert_eq!(intrinsic_gas(false, &[], 0, 0, byzantium), 21_000);
        assert_eq!(intrinsic_gas(true, &[], 0, 0, byzantium), 53_000);
        assert_eq!(
            intrinsic_gas(false, &[0, 1, 0, 2], 0, 0, byzantium),
            21_000 + 2 * 4 + 2 * 68
        );
        assert_eq!(
            intrinsic_gas(false, &[0, 1, 0, 2], 0, 0, CalldataPrices::ISTANBUL),
            21_000 + 2 * 4 + 2 * 16
        );
        assert_eq!(
            intrinsic_gas(false, &[], 2, 3, byzantium),
            21_000 + 2 * 2_400 + 3 * 1_900
        );
        assert_eq!(intrinsic_gas(false, &[], u64::MAX, 1, byzantium), u64::MAX);
    }
}
