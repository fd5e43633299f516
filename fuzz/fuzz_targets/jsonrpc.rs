//! The `jsonrpc` target; see `rewasm_fuzz_checks::jsonrpc` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rewasm_fuzz_checks::Target::JsonRpc.check(data);
});
