//! EIP-2930 access lists. rewasm has no warm/cold pricing, so a list changes nothing but its
//! intrinsic gas: carrying one is not free.

/// Intrinsic gas per address in an access list.
pub const ACCESS_LIST_ADDRESS_GAS: u64 = 2_400;

/// Intrinsic gas per storage key in an access list.
pub const ACCESS_LIST_STORAGE_KEY_GAS: u64 = 1_900;
