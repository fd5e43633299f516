//! Compute kernels written once in Rust and compiled three ways by `rewasm-bench`: natively (the
//! physical limit), into a rewasm contract (`bench/contracts/kernels-contract`) and into a plain
//! wasm module (`bench/contracts/kernels-raw`) that rewasm's VM and wasmi both run. The Solidity
//! equivalents are in `bench/solidity/Kernels.sol`; every runner must return the same words.
//!
//! No dependencies, no allocation, no floats: the crate builds for `wasm32-unknown-unknown` as
//! `no_std` and passes rewasm's determinism rules.
#![no_std]

/// Bytes hashed per round by [`keccak_rounds`] and [`sha256_rounds`].
pub const BLOCK: usize = 1024;

/// The 1 KiB input: byte `i` is `i mod 256`.
fn initial_block() -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    for (i, byte) in block.iter_mut().enumerate() {
        *byte = i as u8;
    }
    block
}

/// `rounds` times: digest = keccak256(block); block[0..32] = digest. Returns the last digest
/// (keccak256 of the initial block when `rounds` is 0 is not computed: zero is returned).
pub fn keccak_rounds(rounds: u32) -> [u8; 32] {
    let mut block = initial_block();
    let mut digest = [0u8; 32];
    for _ in 0..rounds {
        digest = keccak256(&block);
        block[..32].copy_from_slice(&digest);
    }
    digest
}

/// As [`keccak_rounds`] with SHA-256.
pub fn sha256_rounds(rounds: u32) -> [u8; 32] {
    let mut block = initial_block();
    let mut digest = [0u8; 32];
    for _ in 0..rounds {
        digest = sha256(&block);
        block[..32].copy_from_slice(&digest);
    }
    digest
}

/// 256-bit wrapping arithmetic, as Solidity's `unchecked` `uint256`:
/// `a = 1, b = 3; n times { a = a * b + i; b = (b + a) | 1 }`; returns `a ^ b` big-endian.
pub fn u256_loop(n: u32) -> [u8; 32] {
    let mut a = U256::from_u64(1);
    let mut b = U256::from_u64(3);
    for i in 0..n {
        a = a
            .wrapping_mul(&b)
            .wrapping_add(&U256::from_u64(u64::from(i)));
        b = b.wrapping_add(&a);
        b.0[0] |= 1;
    }
    a.xor(&b).to_be_bytes()
}

/// Naive recursive Fibonacci: `fib(n) = n` for `n < 2`, else `fib(n - 1) + fib(n - 2)`
/// (wrapping). A call-heavy kernel.
pub fn fib(n: u32) -> u64 {
    if n < 2 {
        u64::from(n)
    } else {
        fib(n - 1).wrapping_add(fib(n - 2))
    }
}

/// An unsigned 256-bit integer: four little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct U256(pub [u64; 4]);

impl U256 {
    /// `value` as a 256-bit integer.
    pub const fn from_u64(value: u64) -> Self {
        Self([value, 0, 0, 0])
    }

    /// `self + other` mod 2^256.
    pub fn wrapping_add(&self, other: &Self) -> Self {
        let mut out = [0u64; 4];
        let mut carry = false;
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(other.0) {
            let (sum, c1) = a.overflowing_add(b);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *o = sum;
            carry = c1 | c2;
        }
        Self(out)
    }

    /// `self * other` mod 2^256 (schoolbook, the products above 2^256 skipped: of the ten
    /// products left, only the six below the top limb need their high half).
    pub fn wrapping_mul(&self, other: &Self) -> Self {
        let mut out = [0u64; 4];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u64;
            for (j, &b) in other.0.iter().take(4 - i).enumerate() {
                let Some(slot) = out.get_mut(i + j) else {
                    break;
                };
                if i + j == 3 {
                    *slot = slot.wrapping_add(a.wrapping_mul(b)).wrapping_add(carry);
                    break;
                }
                let (low, high) = mul_wide(a, b);
                let (low, c1) = low.overflowing_add(*slot);
                let (low, c2) = low.overflowing_add(carry);
                *slot = low;
                // a * b + slot + carry < 2^128: the high half takes both carries.
                carry = high + u64::from(c1) + u64::from(c2);
            }
        }
        Self(out)
    }
    /// Bitwise xor.
    pub fn xor(&self, other: &Self) -> Self {
        let mut out = [0u64; 4];
        for ((o, a), b) in out.iter_mut().zip(self.0).zip(other.0) {
            *o = a ^ b;
        }
        Self(out)
    }

    /// Big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (chunk, limb) in out.chunks_exact_mut(8).zip(self.0.iter().rev()) {
            chunk.copy_from_slice(&limb.to_be_bytes());
        }
        out
    }
}

/// The 128-bit product of `a` and `b` as (low, high) halves. wasm has no widening multiply:
/// a `u128` product compiles to a call of compiler-builtins' `__multi3`, which returns through
/// the shadow stack in memory, so on wasm the product is formed from four 32-bit products in
/// locals instead. Natively the CPU's widening multiply is faster.
#[cfg(target_arch = "wasm32")]
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    mul_wide_by_halves(a, b)
}

/// `a * b` as (low, high) from four 32-bit products.
#[cfg(any(target_arch = "wasm32", test))]
fn mul_wide_by_halves(a: u64, b: u64) -> (u64, u64) {
    const LOW: u64 = 0xffff_ffff;
    let (a0, a1) = (a & LOW, a >> 32);
    let (b0, b1) = (b & LOW, b >> 32);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Three terms below 2^32 each: no overflow.
    let middle = (p00 >> 32) + (p01 & LOW) + (p10 & LOW);
    let low = (p00 & LOW) | (middle << 32);
    let high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
    (low, high)
}

/// The CPU's widening multiply.
#[cfg(not(target_arch = "wasm32"))]
fn mul_wide(a: u64, b: u64) -> (u64, u64) {
    let wide = u128::from(a) * u128::from(b);
    (wide as u64, (wide >> 64) as u64)
}

const KECCAK_ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Rotation offsets, indexed by lane `x + 5 * y`.
const KECCAK_ROTATIONS: [u32; 25] = [
    0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14,
];

/// Keccak-f[1600].
#[allow(clippy::indexing_slicing)] // constant indexes below 25, checked by the loop bounds
fn keccak_f(state: &mut [u64; 25]) {
    for round_constant in KECCAK_ROUND_CONSTANTS {
        // θ
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                state[x + 5 * y] ^= d;
            }
        }
        // ρ and π
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] =
                    state[x + 5 * y].rotate_left(KECCAK_ROTATIONS[x + 5 * y]);
            }
        }
        // χ
        for x in 0..5 {
            for y in 0..5 {
                state[x + 5 * y] =
                    b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        // ι
        state[0] ^= round_constant;
    }
}

/// Keccak-256 (the Ethereum variant: padding byte 0x01).
#[allow(clippy::indexing_slicing)] // the remainder is shorter than the padded block
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let mut chunks = data.chunks_exact(RATE);
    for chunk in &mut chunks {
        absorb(&mut state, chunk);
        keccak_f(&mut state);
    }
    let rest = chunks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    keccak_f(&mut state);
    let mut out = [0u8; 32];
    for (chunk, lane) in out.chunks_exact_mut(8).zip(state) {
        chunk.copy_from_slice(&lane.to_le_bytes());
    }
    out
}

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        *lane ^= u64::from_le_bytes(word);
    }
}

const SHA256_K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 compression of one 64-byte block.
#[allow(clippy::indexing_slicing)] // indexes below 64 and 8, checked by the loop bounds
fn sha256_compress(h: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        let mut b = [0u8; 4];
        b.copy_from_slice(bytes);
        *word = u32::from_be_bytes(b);
    }
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16]
            .wrapping_add(s0)
            .wrapping_add(w[i - 7])
            .wrapping_add(s1);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
    for i in 0..64 {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = hh
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(SHA256_K[i])
            .wrapping_add(w[i]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        hh = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (word, add) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
        *word = word.wrapping_add(add);
    }
}

/// SHA-256.
#[allow(clippy::indexing_slicing)] // the remainder (< 64 bytes) plus padding fits the 128-byte tail
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut chunks = data.chunks_exact(64);
    for chunk in &mut chunks {
        sha256_compress(&mut h, chunk);
    }
    let rest = chunks.remainder();
    let bits = (data.len() as u64).wrapping_mul(8);
    let mut tail = [0u8; 128];
    tail[..rest.len()].copy_from_slice(rest);
    tail[rest.len()] = 0x80;
    let len = if rest.len() < 56 { 64 } else { 128 };
    tail[len - 8..len].copy_from_slice(&bits.to_be_bytes());
    for chunk in tail[..len].chunks_exact(64) {
        sha256_compress(&mut h, chunk);
    }
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(h) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// The first 8 bytes of a word, big-endian: what the plain wasm exports return.
pub fn head(word: &[u8; 32]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&word[..8]);
    u64::from_be_bytes(bytes)
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;

    #[test]
    fn hashes_match_known_vectors() {
        // keccak256("") and sha256("abc").
        assert_eq!(
            keccak256(b""),
            [
                0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7,
                0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04,
                0x5d, 0x85, 0xa4, 0x70
            ]
        );
        assert_eq!(
            sha256(b"abc"),
            [
                0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae,
                0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61,
                0xf2, 0x00, 0x15, 0xad
            ]
        );
    }

    #[test]
    fn small_kernels() {
        assert_eq!(fib(20), 6765);
        assert_eq!(
            U256::from_u64(u64::MAX).wrapping_add(&U256::from_u64(1)).0,
            [0, 1, 0, 0]
        );
        let big = U256([0, 0, 0, 1 << 63]);
        assert_eq!(big.wrapping_mul(&U256::from_u64(2)).0, [0; 4]);
    }

    #[test]
    fn the_wasm_widening_multiply_matches_u128() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let edges = [0, 1, u64::from(u32::MAX), 1 << 32, u64::MAX - 1, u64::MAX];
        let pairs = edges
            .iter()
            .flat_map(|&a| edges.iter().map(move |&b| (a, b)))
            .chain((0..10_000).map(|_| (next(), next())))
            .collect::<std::vec::Vec<_>>();
        for (a, b) in pairs {
            let wide = u128::from(a) * u128::from(b);
            assert_eq!(
                mul_wide_by_halves(a, b),
                (wide as u64, (wide >> 64) as u64),
                "{a} * {b}"
            );
        }
    }
}
