//! Hashes and signature recovery, through the node.
//!
//! **keccak256 is the host function `rewasm.keccak256`** on wasm32 (chains on the `v2` gas
//! schedule, the dev chain's): 30 gas + 6 per 32-byte word, the EVM's `KECCAK256` price, and
//! no code in the contract. With the `precompile-keccak` feature (for chains on the `default`
//! schedule, which do not offer module `rewasm`) it is a call to the precompile at `0x09`
//! instead. Hashing compiled into the contract is the worst choice either way, measured with
//! `rewasm run` under the `default` schedule on a contract that only hashes:
//!
//! | | runtime code | gas per 64-byte hash | gas per 300-byte hash |
//! |---|---|---|---|
//! | precompile call | 4,857 bytes | 874 | 970 |
//! | the `sha3` crate compiled in (no_std) | 11,164 bytes (+6.3 KiB) | 16,206 | 45,931 |
//!
//! A storage map access hashes 64 bytes, so this is the path every `StorageMap` takes.
//!
//! The precompile call replaces the return-data buffer (see [`crate::eei::return_data`]); the
//! host function does not. The precompile call can only fail at call depth 1024 or when the
//! frame is out of gas; then the contract reverts with `Error("keccak256 precompile failed")`.
//!
//! On the host (tests), keccak256 is computed natively, and the [`crate::testing`] mock runs the
//! other precompiles natively too.

use crate::Address;
use crate::eei;

/// The keccak256 precompile (eWASM testnet): `0x0000…0009`.
pub const KECCAK256_PRECOMPILE: Address = precompile(9);
/// ecrecover: `0x0000…0001`.
pub const ECRECOVER_PRECOMPILE: Address = precompile(1);
/// sha256: `0x0000…0002`.
pub const SHA256_PRECOMPILE: Address = precompile(2);
/// ripemd160: `0x0000…0003`.
pub const RIPEMD160_PRECOMPILE: Address = precompile(3);
/// identity: `0x0000…0004`.
pub const IDENTITY_PRECOMPILE: Address = precompile(4);

const fn precompile(n: u8) -> Address {
    let mut bytes = [0u8; 20];
    bytes[19] = n;
    primitive_types::H160(bytes)
}

/// Calls a precompile with `input` and copies the first `N` bytes of its output; `None` when the
/// call failed or the output is shorter than `N`.
fn precompile_call<const N: usize>(address: &Address, input: &[u8]) -> Option<[u8; N]> {
    let zero_value = [0u8; 16];
    let status = eei::backend::call(i64::MAX, address.as_fixed_bytes(), &zero_value, input);
    if status != 0 {
        return None;
    }
    let mut out = [0u8; N];
    eei::return_data_copy(0, &mut out).then_some(out)
}

/// Keccak-256 of `data` (what Solidity calls `keccak256`). See the module docs for how.
#[cfg(all(target_arch = "wasm32", not(feature = "precompile-keccak")))]
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    // SAFETY: `rewasm.keccak256` reads `data.len()` bytes at `data` and writes 32 bytes at
    // `out`, both buffers of those sizes; the host bounds-checks both against the contract's
    // memory. A wasm32 slice is shorter than 2^31 bytes, so its length fits the i32.
    unsafe { crate::eei::sys::keccak256(data.as_ptr(), data.len() as i32, out.as_mut_ptr()) }
    out
}

/// Keccak-256 of `data` (what Solidity calls `keccak256`). See the module docs for how.
#[cfg(all(target_arch = "wasm32", feature = "precompile-keccak"))]
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    match precompile_call::<32>(&KECCAK256_PRECOMPILE, data) {
        Some(hash) => hash,
        None => crate::revert_with("keccak256 precompile failed"),
    }
}

/// Keccak-256 of `data` (what Solidity calls `keccak256`). See the module docs for how.
#[cfg(not(target_arch = "wasm32"))]
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    use sha3::Digest;
    sha3::Keccak256::digest(data).into()
}

/// SHA-256 of `data` (precompile `0x02`).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    match precompile_call::<32>(&SHA256_PRECOMPILE, data) {
        Some(hash) => hash,
        None => crate::revert_with("sha256 precompile failed"),
    }
}

/// RIPEMD-160 of `data` (precompile `0x03`; its output is left-padded to 32 bytes).
pub fn ripemd160(data: &[u8]) -> [u8; 20] {
    match precompile_call::<32>(&RIPEMD160_PRECOMPILE, data) {
        Some(word) => {
            let mut out = [0u8; 20];
            out.iter_mut()
                .zip(word.iter().skip(12))
                .for_each(|(d, s)| *d = *s);
            out
        }
        None => crate::revert_with("ripemd160 precompile failed"),
    }
}

/// Solidity's `ecrecover(hash, v, r, s)` (precompile `0x01`): the address whose key signed `hash`,
/// or `None` for an invalid signature (`v` not 27 or 28, `r` or `s` zero or out of range, no
/// such point). Like Solidity, it accepts high-`s` signatures; reject them yourself (EIP-2) when
/// signatures must not be malleable.
pub fn ecrecover(hash: &[u8; 32], v: u8, r: &[u8; 32], s: &[u8; 32]) -> Option<Address> {
    let mut input = [0u8; 128];
    let (h, rest) = input.split_at_mut(32);
    let (vw, rest) = rest.split_at_mut(32);
    let (rw, sw) = rest.split_at_mut(32);
    h.copy_from_slice(hash);
    if let Some(last) = vw.last_mut() {
        *last = v;
    }
    rw.copy_from_slice(r);
    sw.copy_from_slice(s);
    let status = eei::backend::call(
        i64::MAX,
        ECRECOVER_PRECOMPILE.as_fixed_bytes(),
        &[0u8; 16],
        &input,
    );
    if status != 0 {
        crate::revert_with("ecrecover precompile failed");
    }
    // Empty output: the signature is invalid.
    let mut word = [0u8; 32];
    if !eei::return_data_copy(0, &mut word) {
        return None;
    }
    let (_, address) = word.split_last_chunk::<20>()?;
    Some(Address::from(*address))
}
