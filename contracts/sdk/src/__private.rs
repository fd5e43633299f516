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

/// Decodes the arguments after the selector, reverting with the decode error's reason.
pub fn decode_args<T: Decode>(calldata: &[u8]) -> T {
    decode_params(calldata.get(4..).unwrap_or(&[]))
}

/// Decodes a whole parameter list (constructor arguments), reverting with the reason.
pub fn decode_params<T: Decode>(data: &[u8]) -> T {
    match T::decode_params(data) {
        Ok(args) => args,
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
