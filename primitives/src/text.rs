//! Text forms of bytes and numbers, parsed the same way wherever they are read: genesis files, the
//! CLI's arguments and the state-test fixtures.
//!
//! Every parser is strict about its digits (no signs, spaces or stray characters, no silent
//! truncation) and says what was wrong. The formats differ only where the sources do, and the
//! caller picks: whether the `0x` prefix is required ([`Prefix`]), and whether a number may be
//! decimal ([`number`]) or is always hex ([`hex_number`], the state tests' form).

use primitive_types::{H160, H256, U256};

/// What is wrong with a hex string or a number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseError {
    /// Hex without the `0x` prefix where the format requires one.
    #[error("expected 0x-prefixed hex")]
    MissingPrefix,
    /// An odd number of hex digits or a character that is not one.
    #[error("bad hex: {0}")]
    Hex(#[from] hex::FromHexError),
    /// Bytes of the wrong length for a fixed-size value.
    #[error("expected {expected} bytes, found {found}")]
    Length {
        /// The value's size.
        expected: usize,
        /// How many bytes the text holds.
        found: usize,
    },
    /// Neither decimal digits nor `0x` and hex digits.
    #[error("not a decimal or 0x-hex number")]
    NotANumber,
    /// `0x` followed by something other than hex digits.
    #[error("not a hex number")]
    NotAHexNumber,
    /// A number wider than 256 bits.
    #[error("does not fit 256 bits")]
    TooLarge,
}

/// Whether hex text must start with `0x` (or `0X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    /// `0x` is part of the format (the CLI, JSON-RPC data).
    Required,
    /// `0x` may be left out (genesis allocations and state tests use both forms).
    Optional,
}

/// The text after a `0x` or `0X` prefix, if there is one.
pub fn strip_hex_prefix(text: &str) -> Option<&str> {
    text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"))
}

fn digits(text: &str, prefix: Prefix) -> Result<&str, ParseError> {
    match (strip_hex_prefix(text), prefix) {
        (Some(digits), _) => Ok(digits),
        (None, Prefix::Optional) => Ok(text),
        (None, Prefix::Required) => Err(ParseError::MissingPrefix),
    }
}

/// Hex bytes; `0x` alone (or, without a required prefix, the empty string) is no bytes.
pub fn hex_bytes(text: &str, prefix: Prefix) -> Result<Vec<u8>, ParseError> {
    Ok(hex::decode(digits(text, prefix)?)?)
}

/// Exactly `N` hex bytes.
pub fn fixed_hex<const N: usize>(text: &str, prefix: Prefix) -> Result<[u8; N], ParseError> {
    let bytes = hex_bytes(text, prefix)?;
    <[u8; N]>::try_from(bytes).map_err(|bytes| ParseError::Length {
        expected: N,
        found: bytes.len(),
    })
}

/// A 20-byte address in hex (any case; an EIP-55 checksum is not enforced).
pub fn address(text: &str, prefix: Prefix) -> Result<H160, ParseError> {
    fixed_hex(text, prefix).map(H160)
}

/// A 32-byte hash in hex.
pub fn hash(text: &str, prefix: Prefix) -> Result<H256, ParseError> {
    fixed_hex(text, prefix).map(H256)
}

/// An unsigned 256-bit number: decimal digits, or `0x` and hex digits.
pub fn number(text: &str) -> Result<U256, ParseError> {
    match strip_hex_prefix(text) {
        Some(hex) if !hex.is_empty() => hex_digits(hex),
        Some(_) => Err(ParseError::NotAHexNumber),
        None if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            U256::from_dec_str(text).map_err(|_| ParseError::TooLarge)
        }
        None => Err(ParseError::NotANumber),
    }
}

/// An unsigned 256-bit number in hex, `0x` optional; no digits at all is zero (the state tests'
/// form, where `0x` and `""` both stand for zero).
pub fn hex_number(text: &str) -> Result<U256, ParseError> {
    match digits(text, Prefix::Optional)? {
        "" => Ok(U256::zero()),
        hex => hex_digits(hex),
    }
}

/// Hex digits (at least one, leading zeros allowed) as a number.
fn hex_digits(hex: &str) -> Result<U256, ParseError> {
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::NotAHexNumber);
    }
    let significant = hex.trim_start_matches('0');
    if significant.len() > 64 {
        return Err(ParseError::TooLarge);
    }
    U256::from_str_radix(significant, 16).map_err(|_| ParseError::NotAHexNumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_decimal_or_prefixed_hex() {
        assert_eq!(number("0"), Ok(U256::zero()));
        assert_eq!(number("1000"), Ok(U256::from(1000)));
        assert_eq!(number("0x3e8"), Ok(U256::from(1000)));
        assert_eq!(number("0X3E8"), Ok(U256::from(1000)));
        assert_eq!(
            number("0x000000000000000000000000000000000000000000000000000000000000000000ff"),
            Ok(U256::from(255))
        );
        assert_eq!(number(&format!("{}", U256::MAX)), Ok(U256::MAX));
        assert_eq!(number(&format!("{:#x}", U256::MAX)), Ok(U256::MAX));
        let too_large =
            "115792089237316195423570985008687907853269984665640564039457584007913129639936";
        assert_eq!(number(too_large), Err(ParseError::TooLarge));
        assert_eq!(
            number(&format!("0x1{}", "0".repeat(64))),
            Err(ParseError::TooLarge)
        );
        for bad in ["", "-1", "+1", " 1", "1e3", "0x", "ff", "1_000"] {
            assert!(number(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(number("0x"), Err(ParseError::NotAHexNumber));
        assert_eq!(number("0xg"), Err(ParseError::NotAHexNumber));
        assert_eq!(number("12a"), Err(ParseError::NotANumber));
    }

    #[test]
    fn hex_numbers_take_an_optional_prefix_and_empty_is_zero() {
        assert_eq!(hex_number(""), Ok(U256::zero()));
        assert_eq!(hex_number("0x"), Ok(U256::zero()));
        assert_eq!(hex_number("ff"), Ok(U256::from(255)));
        assert_eq!(hex_number("0x0100"), Ok(U256::from(256)));
        assert_eq!(hex_number("0x-1"), Err(ParseError::NotAHexNumber));
        assert_eq!(hex_number(&"f".repeat(65)), Err(ParseError::TooLarge));
    }

    #[test]
    fn bytes_and_fixed_sizes() {
        assert_eq!(hex_bytes("0x", Prefix::Required), Ok(Vec::new()));
        assert_eq!(hex_bytes("0xAbcd", Prefix::Required), Ok(vec![0xab, 0xcd]));
        assert_eq!(
            hex_bytes("abcd", Prefix::Required),
            Err(ParseError::MissingPrefix)
        );
        assert_eq!(hex_bytes("abcd", Prefix::Optional), Ok(vec![0xab, 0xcd]));
        assert_eq!(
            hex_bytes("0xabc", Prefix::Required),
            Err(ParseError::Hex(hex::FromHexError::OddLength))
        );
        let text = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
        assert_eq!(
            address(text, Prefix::Required).map(|a| format!("{a:?}")),
            Ok(text.to_string())
        );
        assert_eq!(
            address("0x1234", Prefix::Required),
            Err(ParseError::Length {
                expected: 20,
                found: 2
            })
        );
        assert_eq!(
            hash(&"11".repeat(32), Prefix::Optional),
            Ok(H256::repeat_byte(0x11))
        );
        assert_eq!(
            ParseError::Length {
                expected: 32,
                found: 31
            }
            .to_string(),
            "expected 32 bytes, found 31"
        );
    }
}
