//! Support for the code `#[contract]` and `#[event]` generate. Not a stable API.

use crate::abi::{Decode, Encode};
use crate::eei;

pub use crate::abi::Topic;

/// The selector of `calldata`, if it has four bytes.
pub fn selector(calldata: &[u8]) -> Option<u32> {
    calldata
        .split_first_chunk::<4>()
        .map(|(s, _)| u32::from_be_bytes(*s))
}

/// Reverts unless the call carries no value (Solidity's check for non-payable functions).
pub fn require_no_value() {
    if !eei::call_value_is_zero() {
        crate::revert_with("function is not payable");
    }
}

/// The encoded arguments: the call data after the selector.
pub fn args(calldata: &[u8]) -> &[u8] {
    calldata.get(4..).unwrap_or(&[])
}

/// Decodes the argument whose head starts at `head` in the parameter list `params`, reverting
/// with the decode error's reason. Not inlined: one copy per argument type serves every
/// function, where a tuple decoder inlined into each dispatch arm cost hundreds of bytes
/// (moving each decoded value through a `Result` piece by piece).
#[inline(never)]
pub fn arg<T: Decode>(params: &[u8], head: usize) -> T {
    match crate::abi::decode_element(params, head) {
        Ok(value) => value,
        Err(e) => crate::revert_with(e.reason()),
    }
}

/// Finishes with the ABI encoding of a function's return value.
pub fn finish_return<T: Encode + ?Sized>(value: &T) -> ! {
    let mut out = Vec::new();
    value.encode_params_to(&mut out);
    eei::finish(&out)
}

/// Reverts with an error returned by a function.
pub fn revert_error<E: crate::RevertReason>(error: E) -> ! {
    error.revert()
}

/// The total length of `parts` (for the ABI JSON, concatenated at compile time).
#[allow(clippy::indexing_slicing)] // compile-time evaluation: out of bounds is a compile error
pub const fn total_len(parts: &[&str]) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < parts.len() {
        total += parts[i].len();
        i += 1;
    }
    total
}

/// `parts` concatenated into an array of exactly `N` bytes (`N` = [`total_len`]).
#[allow(clippy::indexing_slicing)] // compile-time evaluation: out of bounds is a compile error
pub const fn concat<const N: usize>(parts: &[&str]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < parts.len() {
        let bytes = parts[i].as_bytes();
        let mut j = 0;
        while j < bytes.len() {
            out[at] = bytes[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The ABI JSON bytes as text.
pub fn as_str(bytes: &'static [u8]) -> &'static str {
    core::str::from_utf8(bytes).unwrap_or("[]")
}

pub use alloc::vec::Vec;
