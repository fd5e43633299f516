//! The `differential` target; see `rewasm_fuzz_checks::differential` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rewasm_fuzz_checks::Target::Differential.check(data);
});
