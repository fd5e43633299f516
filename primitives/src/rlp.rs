//! RLP helpers on top of `alloy-rlp`: 256-bit integers, and a generic, strictly canonical item
//! decoder.
//!
//! `alloy-rlp` does the encoding and header parsing. Two things it does not give us directly:
//!
//! - Encoding/decoding of `primitive-types`' [`U256`] (it only knows `ruint`): an RLP integer is its
//!   big-endian bytes with leading zeros stripped, encoded as a byte string, so zero is `0x80`.
//! - A decoder for an arbitrary item (string or nested list) that rejects every non-canonical
//!   form. [`alloy_rlp::Header::decode`] already rejects a long-form length below 56, a length with
//!   leading zero bytes and a one-byte string `0x81 0x00..0x7f`; [`decode_item`] adds the rest: each
//!   list payload must be exactly a sequence of whole items (an item may not claim bytes past its
//!   list's end), and nothing may follow the top-level item. This is what the
//!   `RLPTests/invalidRLPTest.json` vectors require.

use alloy_rlp::{Buf, BufMut, Encodable, Header};
use primitive_types::U256;
use thiserror::Error;

/// How deeply [`decode_item`] lets lists nest. Nothing Ethereum encodes comes close; the bound
/// keeps hostile input (`0xc1 0xc1 0xc1 ...`) from exhausting the native stack.
pub const MAX_DEPTH: usize = 256;

/// Why RLP bytes were rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RlpError {
    /// A header or payload that `alloy-rlp` rejects (truncated input, non-canonical length or
    /// single byte, leading zeros, wrong item kind, ...).
    #[error("malformed RLP: {0}")]
    Malformed(#[from] alloy_rlp::Error),
    /// Bytes left over after the top-level item.
    #[error("{trailing} trailing byte(s) after the RLP item")]
    TrailingBytes {
        /// How many bytes follow the item.
        trailing: usize,
    },
    /// Lists nested deeper than [`MAX_DEPTH`].
    #[error("RLP lists nested deeper than {max}")]
    TooDeep {
        /// The limit, [`MAX_DEPTH`].
        max: usize,
    },
    /// An integer wider than 256 bits.
    #[error("RLP integer of {len} bytes does not fit in 256 bits")]
    IntegerTooLarge {
        /// Payload length in bytes.
        len: usize,
    },
}

/// A decoded RLP item: a byte string or a list of items.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RlpItem {
    /// A byte string (its payload, without the header).
    Bytes(Vec<u8>),
    /// A list of items.
    List(Vec<RlpItem>),
}

impl RlpItem {
    fn payload_length(&self) -> usize {
        match self {
            Self::Bytes(bytes) => bytes.as_slice().length(),
            Self::List(items) => items.iter().map(Encodable::length).sum(),
        }
    }
}

impl Encodable for RlpItem {
    fn encode(&self, out: &mut dyn BufMut) {
        match self {
            Self::Bytes(bytes) => bytes.as_slice().encode(out),
            Self::List(items) => {
                Header {
                    list: true,
                    payload_length: self.payload_length(),
                }
                .encode(out);
                for item in items {
                    item.encode(out);
                }
            }
        }
    }

    fn length(&self) -> usize {
        match self {
            Self::Bytes(bytes) => bytes.as_slice().length(),
            Self::List(_) => {
                let payload_length = self.payload_length();
                alloy_rlp::length_of_length(payload_length) + payload_length
            }
        }
    }
}

/// Decodes exactly one canonical RLP item that spans all of `bytes`.
pub fn decode_item(bytes: &[u8]) -> Result<RlpItem, RlpError> {
    let mut buf = bytes;
    let item = decode_next(&mut buf, 0)?;
    if buf.is_empty() {
        Ok(item)
    } else {
        Err(RlpError::TrailingBytes {
            trailing: buf.len(),
        })
    }
}

/// Decodes the next item from `buf` and advances past it. Header checks are bounded by `buf`,
/// which for a nested item is its list's payload, so an item can never reach past its list.
fn decode_next(buf: &mut &[u8], depth: usize) -> Result<RlpItem, RlpError> {
    let header = Header::decode(buf)?;
    // `Header::decode` has checked the payload is present; for a single byte below 0x80 it has
    // not advanced, so the payload is that byte itself.
    let payload = take(buf, header.payload_length)?;
    if !header.list {
        return Ok(RlpItem::Bytes(payload.to_vec()));
    }
    if depth >= MAX_DEPTH {
        return Err(RlpError::TooDeep { max: MAX_DEPTH });
    }
    let mut rest = payload;
    let mut items = Vec::new();
    while !rest.is_empty() {
        items.push(decode_next(&mut rest, depth + 1)?);
    }
    Ok(RlpItem::List(items))
}

fn take<'a>(buf: &mut &'a [u8], len: usize) -> Result<&'a [u8], RlpError> {
    let (head, tail) = buf
        .split_at_checked(len)
        .ok_or(alloy_rlp::Error::InputTooShort)?;
    *buf = tail;
    Ok(head)
}

/// The big-endian bytes of `value` without leading zeros (empty for zero): the RLP integer payload.
pub fn u256_be_trimmed(value: &U256) -> Vec<u8> {
    let bytes = value.to_big_endian();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    bytes.get(first..).unwrap_or_default().to_vec()
}

/// Appends the RLP encoding of `value` as an integer (zero is `0x80`).
pub fn encode_u256(value: &U256, out: &mut dyn BufMut) {
    u256_be_trimmed(value).as_slice().encode(out);
}

/// Length of [`encode_u256`]'s output.
pub fn u256_length(value: &U256) -> usize {
    u256_be_trimmed(value).as_slice().length()
}

/// Decodes an RLP integer of at most 256 bits and advances `buf` past it. Rejects a list, leading
/// zero bytes (so zero must be `0x80`, never `0x00`) and payloads longer than 32 bytes.
pub fn decode_u256(buf: &mut &[u8]) -> Result<U256, RlpError> {
    let bytes = Header::decode_bytes(buf, false)?;
    if bytes.first() == Some(&0) {
        return Err(alloy_rlp::Error::LeadingZero.into());
    }
    if bytes.len() > 32 {
        return Err(RlpError::IntegerTooLarge { len: bytes.len() });
    }
    Ok(U256::from_big_endian(bytes))
}

/// Checks that a decoded list payload has been consumed entirely.
pub(crate) fn expect_consumed(payload: &[u8]) -> Result<(), RlpError> {
    if payload.has_remaining() {
        Err(alloy_rlp::Error::UnexpectedLength.into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn u256_round_trip() {
        for value in [
            U256::zero(),
            U256::one(),
            U256::from(0x7f),
            U256::from(0x80),
            U256::from(1000),
            U256::MAX,
        ] {
            let mut out = Vec::new();
            encode_u256(&value, &mut out);
            assert_eq!(out.len(), u256_length(&value));
            let mut buf = out.as_slice();
            assert_eq!(decode_u256(&mut buf).unwrap(), value);
            assert!(buf.is_empty());
        }
        let mut zero = Vec::new();
        encode_u256(&U256::zero(), &mut zero);
        assert_eq!(zero, [0x80]);
    }

    #[test]
    fn u256_rejects_non_canonical() {
        // 0x00 as a single byte: zero must be the empty string.
        assert!(decode_u256(&mut &[0x00][..]).is_err());
        // 0x82 0x00 0x01: leading zero.
        assert!(decode_u256(&mut &[0x82, 0x00, 0x01][..]).is_err());
        // 33-byte payload.
        let mut long = vec![0xa1, 0x01];
        long.extend([0u8; 32]);
        assert_eq!(
            decode_u256(&mut long.as_slice()),
            Err(RlpError::IntegerTooLarge { len: 33 })
        );
        // A list.
        assert!(decode_u256(&mut &[0xc0][..]).is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        // MAX_DEPTH + 1 nested lists: c0 wrapped repeatedly.
        let mut item = RlpItem::List(Vec::new());
        for _ in 0..MAX_DEPTH {
            item = RlpItem::List(vec![item]);
        }
        let encoded = alloy_rlp::encode(&item);
        assert_eq!(
            decode_item(&encoded),
            Err(RlpError::TooDeep { max: MAX_DEPTH })
        );
        // One level fewer decodes.
        let RlpItem::List(inner) = item else {
            unreachable!()
        };
        let encoded = alloy_rlp::encode(&inner[0]);
        assert_eq!(decode_item(&encoded).unwrap(), inner[0]);
    }

    #[test]
    fn item_may_not_overrun_its_list() {
        // c2 = list of 2 bytes, holding 83 'a' 'b' which claims 3 bytes; 'c' follows the list.
        assert!(decode_item(&[0xc3, 0x83, b'a', b'b', b'c']).is_err());
        assert!(decode_item(&[0xc2, 0x83, b'a', b'b', b'c']).is_err());
        // Trailing bytes after a whole item.
        assert_eq!(
            decode_item(&[0x01, 0x02]),
            Err(RlpError::TrailingBytes { trailing: 1 })
        );
    }
}
