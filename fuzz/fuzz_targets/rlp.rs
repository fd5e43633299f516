//! The `rlp` target; see `rewasm_fuzz_checks::rlp` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rewasm_fuzz_checks::Target::Rlp.check(data);
});
