//! The benchmark kernels of `rewasm-bench-kernels` as a rewasm contract, with the function names
//! and selectors of `bench/solidity/Kernels.sol`, so the same call data runs both.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

#[derive(Debug)]
pub struct Kernels;

#[contract]
impl Kernels {
    /// `keccakRounds(uint32)`: keccak-256 of 1 KiB, `rounds` times, in contract code.
    pub fn keccak_rounds(&self, rounds: u32) -> [u8; 32] {
        rewasm_bench_kernels::keccak_rounds(rounds)
    }

    /// `keccakHostRounds(uint32)`: as `keccakRounds`, hashing with the node's
    /// `rewasm.keccak256` (what `rewasm_sdk::crypto::keccak256` calls) instead of contract code;
    /// the same result as Solidity's `keccakRounds`, which uses the EVM's opcode.
    pub fn keccak_host_rounds(&self, rounds: u32) -> [u8; 32] {
        let mut block = [0u8; rewasm_bench_kernels::BLOCK];
        for (i, byte) in block.iter_mut().enumerate() {
            *byte = i as u8;
        }
        let mut digest = [0u8; 32];
        for _ in 0..rounds {
            digest = rewasm_sdk::crypto::keccak256(&block);
            block[..32].copy_from_slice(&digest);
        }
        digest
    }

    /// `sha256Rounds(uint32)`: SHA-256 of 1 KiB, `rounds` times, in contract code.
    pub fn sha256_rounds(&self, rounds: u32) -> [u8; 32] {
        rewasm_bench_kernels::sha256_rounds(rounds)
    }

    /// `u256Loop(uint32)`: the 256-bit multiply-add loop.
    pub fn u256_loop(&self, n: u32) -> [u8; 32] {
        rewasm_bench_kernels::u256_loop(n)
    }

    /// `fib(uint32)`: naive recursive Fibonacci.
    pub fn fib(&self, n: u32) -> u64 {
        rewasm_bench_kernels::fib(n)
    }

    /// `noop()`: does nothing (dispatch only).
    pub fn noop(&self) {}
}
