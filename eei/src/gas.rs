//! Host-function gas, Byzantium schedule as Hera (the eWASM reference VM) charges it.
//!
//! These are consensus constants: the eWASM state tests were filled with exactly these numbers, so
//! changing one changes results. Each [`crate::HostFunction::base_gas`] is one of them; the
//! variable parts are charged by the host function itself, from the constants below.

/// Simple getters (`getAddress`, `getCaller`, `getBlockNumber`, ...).
pub const BASE: u64 = 2;
/// Fixed part of the memory copies (`callDataCopy`, `codeCopy`, `returnDataCopy`).
pub const COPY: u64 = 3;
/// Per 32-byte word copied, charged on top of the fixed part (rounded up).
pub const COPY_PER_WORD: u64 = 3;
/// `getExternalBalance`.
pub const BALANCE: u64 = 400;
/// `getBlockHash`.
pub const BLOCK_HASH: u64 = 800;
/// `getExternalCodeSize` and the fixed part of `externalCodeCopy`.
pub const EXT_CODE: u64 = 700;
/// Fixed part of `call`, `callCode`, `callDelegate`, `callStatic`.
pub const CALL: u64 = 700;
/// Added to a call that transfers a non-zero value.
pub const CALL_VALUE: u64 = 9_000;
/// Added to a value-carrying `call` whose target account does not exist.
pub const CALL_NEW_ACCOUNT: u64 = 25_000;
/// Gas the callee receives for free when a call carries value.
pub const CALL_STIPEND: u64 = 2_300;
/// `storageLoad`.
pub const STORAGE_LOAD: u64 = 200;
/// `storageStore` over a non-zero slot, or of a zero value.
pub const STORAGE_STORE_RESET: u64 = 5_000;
/// `storageStore` of a non-zero value into a zero slot.
pub const STORAGE_STORE_SET: u64 = 20_000;
/// Refund for clearing a storage slot (applied by the transaction, capped at half the gas used).
pub const STORAGE_CLEAR_REFUND: u64 = 15_000;
/// Fixed part of `create`.
pub const CREATE: u64 = 32_000;
/// Fixed part of `log`.
pub const LOG: u64 = 375;
/// Per topic of `log`.
pub const LOG_TOPIC: u64 = 375;
/// Per data byte of `log`.
pub const LOG_DATA_BYTE: u64 = 8;
/// Fixed part of `selfDestruct`.
pub const SELF_DESTRUCT: u64 = 5_000;
/// Added to `selfDestruct` when the beneficiary does not exist.
pub const SELF_DESTRUCT_NEW_ACCOUNT: u64 = 25_000;
/// Refund for a self-destruct (applied by the transaction, capped at half the gas used).
pub const SELF_DESTRUCT_REFUND: u64 = 24_000;
/// `finish`, `revert`, and `useGas` before its argument.
pub const ZERO: u64 = 0;

/// `W(len)` of the EEI: [`COPY_PER_WORD`] × ceil(len / 32). Cannot overflow for any `u64` length
/// (ceil(len / 32) < 2^59); the multiplication saturates anyway so a future constant cannot wrap.
pub const fn copy_words(len: u64) -> u64 {
    len.div_ceil(32).saturating_mul(COPY_PER_WORD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_words_rounds_up() {
        assert_eq!(copy_words(0), 0);
        assert_eq!(copy_words(1), 3);
        assert_eq!(copy_words(32), 3);
        assert_eq!(copy_words(33), 6);
        assert_eq!(copy_words(u64::MAX), (u64::MAX / 32 + 1) * 3);
    }
}
