//! The little Solidity ABI the benchmarks need: selectors and static/string arguments.

use primitive_types::{H160, U256};
use sha3::{Digest, Keccak256};

/// keccak-256.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// The 4-byte selector of a Solidity signature.
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = keccak256(signature.as_bytes());
    [hash[0], hash[1], hash[2], hash[3]]
}

/// A word holding `value`.
pub fn word_u256(value: U256) -> [u8; 32] {
    value.to_big_endian()
}

/// A word holding an address.
pub fn word_address(address: &H160) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address.as_bytes());
    word
}

/// Call data: selector then static words.
pub fn call(signature: &str, words: &[[u8; 32]]) -> Vec<u8> {
    let mut data = selector(signature).to_vec();
    for word in words {
        data.extend_from_slice(word);
    }
    data
}

/// `transfer(address,uint256)`.
pub fn transfer(to: &H160, value: U256) -> Vec<u8> {
    call(
        "transfer(address,uint256)",
        &[word_address(to), word_u256(value)],
    )
}

/// `balanceOf(address)`.
pub fn balance_of(owner: &H160) -> Vec<u8> {
    call("balanceOf(address)", &[word_address(owner)])
}

/// The ERC-20 constructor's arguments `(string name, string symbol, uint256 supply)`.
pub fn erc20_constructor(name: &str, symbol: &str, supply: U256) -> Vec<u8> {
    let head = 3 * 32;
    let name_tail = string_tail(name);
    let mut out = Vec::new();
    out.extend_from_slice(&word_u256(U256::from(head)));
    out.extend_from_slice(&word_u256(U256::from(head + name_tail.len())));
    out.extend_from_slice(&word_u256(supply));
    out.extend_from_slice(&name_tail);
    out.extend_from_slice(&string_tail(symbol));
    out
}

fn string_tail(s: &str) -> Vec<u8> {
    let mut out = word_u256(U256::from(s.len())).to_vec();
    out.extend_from_slice(s.as_bytes());
    let padded = s.len().div_ceil(32) * 32;
    out.resize(32 + padded, 0);
    out
}

/// The first 8 bytes of a 32-byte return word, big-endian (the value for a `uint64`, which sits
/// in the low bytes).
pub fn head_of_output(output: &[u8], uint64: bool) -> Option<u64> {
    let word = output.get(..32)?;
    let bytes = if uint64 {
        word.get(24..32)?
    } else {
        word.get(..8)?
    };
    let mut buf = [0u8; 8];
    buf.copy_from_slice(bytes);
    Some(u64::from_be_bytes(buf))
}

/// A `uint256` return word.
pub fn u256_of_output(output: &[u8]) -> Option<U256> {
    output.get(..32).map(U256::from_big_endian)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_and_constructor() {
        assert_eq!(
            selector("transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
        let args = erc20_constructor("Bench", "BN", U256::from(7));
        assert_eq!(args.len(), 3 * 32 + 2 * 64);
        assert_eq!(args[31], 96);
        assert_eq!(args[63], 160);
        assert_eq!(args[95], 7);
        assert_eq!(&args[128..133], b"Bench");
    }
}
