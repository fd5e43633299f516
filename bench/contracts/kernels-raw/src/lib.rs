//! The benchmark kernels as plain wasm exports with no imports: each returns the first 8 bytes
//! (big-endian) of its result word, or the value itself for `fib`.
#![no_std]

use rewasm_bench_kernels as kernels;

/// keccak-256 of 1 KiB, `rounds` times.
#[unsafe(no_mangle)]
pub extern "C" fn keccak_rounds(rounds: u32) -> u64 {
    kernels::head(&kernels::keccak_rounds(rounds))
}

/// SHA-256 of 1 KiB, `rounds` times.
#[unsafe(no_mangle)]
pub extern "C" fn sha256_rounds(rounds: u32) -> u64 {
    kernels::head(&kernels::sha256_rounds(rounds))
}

/// The 256-bit multiply-add loop.
#[unsafe(no_mangle)]
pub extern "C" fn u256_loop(n: u32) -> u64 {
    kernels::head(&kernels::u256_loop(n))
}

/// Naive recursive Fibonacci.
#[unsafe(no_mangle)]
pub extern "C" fn fib(n: u32) -> u64 {
    kernels::fib(n)
}

/// Does nothing: the per-call overhead of a runtime.
#[unsafe(no_mangle)]
pub extern "C" fn noop() {}

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
