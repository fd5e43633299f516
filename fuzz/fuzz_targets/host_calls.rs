//! The `host_calls` target; see `rewasm_fuzz_checks::host_calls` for what it checks.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rewasm_fuzz_checks::Target::HostCalls.check(data);
});
