//! EIP-2930 access lists: their intrinsic gas, under every schedule. Under one with warm and
//! cold state access (`v2`) the listed accounts and slots also start warm; under the first
//! schedules a list changes nothing but its intrinsic gas.

/// Intrinsic gas per address in an access list.
pub const ACCESS_LIST_ADDRESS_GAS: u64 = 2_400;

/// Intrinsic gas per storage key in an access list.
pub const ACCESS_LIST_STORAGE_KEY_GAS: u64 = 1_900;
