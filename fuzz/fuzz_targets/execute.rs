//! The `execute` target; see `rewasm_fuzz_checks::execute` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rewasm_fuzz_checks::Target::Execute.check(data);
});
