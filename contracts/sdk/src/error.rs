//! Reverting with reasons clients can show.
//!
//! Solidity's `require(cond, "reason")` and `revert("reason")` revert with the ABI encoding of a
//! call to `Error(string)`: the selector `0x08c379a0` followed by the ABI-encoded string. ethers,
//! web3.py, viem and block explorers recognize exactly that shape and display the reason, so this
//! SDK uses it for every revert it makes itself (unknown selector, value sent to a non-payable
//! function, undecodable arguments, a panic).

use alloc::string::String;
use alloc::vec::Vec;

/// The selector of `Error(string)`: the first four bytes of keccak256("Error(string)").
pub const ERROR_SELECTOR: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];

/// The revert data Solidity produces for `revert(reason)`: `0x08c379a0` ++ abi.encode(reason).
pub fn encode_error_string(reason: &str) -> Vec<u8> {
    let bytes = reason.as_bytes();
    let padded = bytes.len().div_ceil(32) * 32;
    let mut out = Vec::with_capacity(4 + 64 + padded);
    out.extend_from_slice(&ERROR_SELECTOR);
    crate::abi::push_usize(&mut out, 32);
    crate::abi::push_usize(&mut out, bytes.len());
    out.extend_from_slice(bytes);
    out.resize(4 + 64 + padded, 0);
    out
}

/// The longest reason [`revert_with`] sends; longer ones are cut (at a character boundary).
pub const MAX_REASON_LEN: usize = 256;

/// Reverts with `Error(string)` carrying `reason`, like Solidity's `revert(reason)`.
///
/// It does not allocate (so it also works when memory ran out, from the panic handler): the
/// encoding is built on the stack, and a reason longer than [`MAX_REASON_LEN`] bytes is cut.
pub fn revert_with(reason: &str) -> ! {
    let mut len = reason.len().min(MAX_REASON_LEN);
    while !reason.is_char_boundary(len) {
        len -= 1;
    }
    // Written at constant indexes and with one copy, which compiles to a few stores and a
    // `memory.copy` (iterators or slice copies of runtime lengths cost hundreds of bytes).
    let mut out = [0u8; 4 + 64 + MAX_REASON_LEN];
    let [s0, s1, s2, s3] = ERROR_SELECTOR;
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
    out[35] = 32;
    out[66] = (len >> 8) as u8;
    out[67] = len as u8;
    // SAFETY: `len` is at most MAX_REASON_LEN, so the destination `out[68..68 + len]` is inside
    // `out`, and at most `reason.len()`, so the source is inside `reason`; the two do not
    // overlap (`out` is a local array).
    unsafe {
        core::ptr::copy_nonoverlapping(reason.as_ptr(), out.as_mut_ptr().add(4 + 64), len);
    }
    let total = 4 + 64 + len.div_ceil(32) * 32;
    crate::eei::revert(out.get(..total).unwrap_or(&out))
}

/// Raw revert data: returned as the error of a `Result` from a contract function, it is passed to
/// `revert` unchanged (use it for custom Solidity errors: selector ++ ABI-encoded arguments, see
/// [`crate::abi::encode_with_selector`], or to forward a callee's revert data).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RevertData(pub Vec<u8>);

/// What a contract function may return as the error of a `Result<T, E>`: the dispatcher calls
/// [`RevertReason::revert`].
pub trait RevertReason {
    /// Reverts the frame with this error.
    fn revert(self) -> !;
}

impl RevertReason for &str {
    fn revert(self) -> ! {
        revert_with(self)
    }
}

impl RevertReason for String {
    fn revert(self) -> ! {
        revert_with(&self)
    }
}

impl RevertReason for RevertData {
    fn revert(self) -> ! {
        crate::eei::revert(&self.0)
    }
}

impl RevertReason for crate::abi::DecodeError {
    fn revert(self) -> ! {
        revert_with(self.reason())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn revert_with_encodes_error_string_and_cuts_long_reasons() {
        let long = "é".repeat(200);
        for reason in ["", "hi", &"x".repeat(32), &"y".repeat(256), &long] {
            let out = crate::testing::run(|| revert_with(reason));
            let expected = if reason.len() <= MAX_REASON_LEN {
                reason.to_string()
            } else {
                // Cut at a character boundary: 128 two-byte characters.
                "é".repeat(128)
            };
            assert_eq!(out.data(), &encode_error_string(&expected)[..], "{reason}");
        }
    }
}
