//! The `tx_decode` target; see `rewasm_fuzz_checks::tx_decode` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rewasm_fuzz_checks::Target::TxDecode.check(data);
});
