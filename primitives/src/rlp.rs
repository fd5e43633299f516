//! The one strict RLP codec of rewasm: the state trie, the store, transactions, blocks and
//! receipts all decode through it, so a byte sequence is canonical for all of them or for none.
//!
//! `alloy-rlp` parses headers and encodes; this module adds what it lacks:
//!
//! - a borrowing reader ([`single_item`], [`Item`], [`ListReader`]) that rejects everything geth's
//!   `rlp` package rejects for typed fields: non-canonical headers (leading zeros in a length, a
//!   long form for a short payload, a single byte below 0x80 wrapped in a string header), integers
//!   with leading zero bytes, values longer than their target type, lists where strings belong and
//!   vice versa, payloads that run past their input or their list, and trailing bytes;
//! - an owned tree decoder for arbitrary items ([`decode_item`]) on the same reader, with a bound
//!   on nesting; this is what the `RLPTests/invalidRLPTest.json` vectors require;
//! - a list writer ([`ListWriter`]) and encoding of `primitive-types`' [`U256`] (`alloy-rlp` only
//!   knows `ruint`): an RLP integer is its big-endian bytes without leading zeros, so zero is `0x80`.
//!
//! Errors carry geth's wording (the node shows them after `rlp: `, as geth does).

use alloy_rlp::{BufMut, Encodable, Header};
use primitive_types::{H160, H256, U256};

/// How deeply [`decode_item`] lets lists nest. Nothing Ethereum encodes comes close; the bound
/// keeps hostile input (`0xc1 0xc1 0xc1 ...`) from exhausting the native stack.
pub const MAX_DEPTH: usize = 256;

/// What is wrong with an RLP item; displayed after `rlp: ` (geth's wording where it has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RlpError {
    /// The header or payload runs past the end of the input (or of its list).
    #[error("value size exceeds available input length")]
    InputTooShort,
    /// A header that is not the shortest encoding of its size.
    #[error("non-canonical size information ({0})")]
    NonCanonicalSize(SizeFault),
    /// An integer with leading zero bytes (including a lone `0x00`).
    #[error("non-canonical integer (leading zero bytes)")]
    NonCanonicalInteger,
    /// A string where a list belongs.
    #[error("expected input list")]
    ExpectedList,
    /// A list where a string belongs.
    #[error("expected input string or byte")]
    ExpectedString,
    /// A string longer than the target type (an integer or a fixed-size byte array).
    #[error("input string too long")]
    StringTooLong,
    /// A string shorter than the target fixed-size byte array.
    #[error("input string too short")]
    StringTooShort,
    /// A list with fewer elements than the target structure has fields.
    #[error("too few elements")]
    TooFewElements,
    /// A list with more elements than the target structure has fields.
    #[error("input list has too many elements")]
    TooManyElements,
    /// Bytes after the outermost value.
    #[error("input contains more than one value")]
    TrailingBytes,
    /// Lists nested deeper than [`MAX_DEPTH`].
    #[error("lists nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A value the node's own records never hold: a flag other than 0 or 1, a field that must
    /// be empty given another (so every stored record has exactly one encoding).
    #[error("non-canonical value")]
    NonCanonicalValue,
}

/// Which rule a non-canonical header breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SizeFault {
    /// A long-form length whose first byte is zero.
    #[error("length with leading zero bytes")]
    LengthLeadingZero,
    /// A long-form header for a payload shorter than 56 bytes.
    #[error("long form for a payload below 56 bytes")]
    LongFormForShortPayload,
    /// `0x81 b` with `b < 0x80`: that byte is its own encoding.
    #[error("single byte below 0x80 wrapped in a string header")]
    WrappedSingleByte,
}

impl From<alloy_rlp::Error> for RlpError {
    fn from(error: alloy_rlp::Error) -> Self {
        match error {
            alloy_rlp::Error::LeadingZero => Self::NonCanonicalSize(SizeFault::LengthLeadingZero),
            alloy_rlp::Error::NonCanonicalSize => {
                Self::NonCanonicalSize(SizeFault::LongFormForShortPayload)
            }
            alloy_rlp::Error::NonCanonicalSingleByte => {
                Self::NonCanonicalSize(SizeFault::WrappedSingleByte)
            }
            // A length beyond `usize` ("Input too big") claims more than any input holds.
            _ => Self::InputTooShort,
        }
    }
}

/// One RLP item: a byte string or the (not yet decoded) payload of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item<'a> {
    /// A byte string.
    Bytes(&'a [u8]),
    /// The concatenated encodings of a list's elements.
    List(&'a [u8]),
}

/// Reads the next item from `buf`, advancing it past the item.
pub fn next_item<'a>(buf: &mut &'a [u8]) -> Result<Item<'a>, RlpError> {
    let mut rest: &'a [u8] = buf;
    let header = Header::decode(&mut rest)?;
    let (payload, after) = rest
        .split_at_checked(header.payload_length)
        .ok_or(RlpError::InputTooShort)?;
    *buf = after;
    Ok(if header.list {
        Item::List(payload)
    } else {
        Item::Bytes(payload)
    })
}

/// Reads exactly one item spanning all of `input`.
pub fn single_item(input: &[u8]) -> Result<Item<'_>, RlpError> {
    let mut buf = input;
    let item = next_item(&mut buf)?;
    if buf.is_empty() {
        Ok(item)
    } else {
        Err(RlpError::TrailingBytes)
    }
}

impl<'a> Item<'a> {
    /// The payload of a string item.
    pub fn bytes(self) -> Result<&'a [u8], RlpError> {
        match self {
            Item::Bytes(bytes) => Ok(bytes),
            Item::List(_) => Err(RlpError::ExpectedString),
        }
    }

    /// The elements of a list item.
    pub fn list(self) -> Result<ListReader<'a>, RlpError> {
        match self {
            Item::List(payload) => Ok(ListReader { rest: payload }),
            Item::Bytes(_) => Err(RlpError::ExpectedList),
        }
    }

    /// A canonical big-endian integer of at most `max_len` bytes, as its minimal bytes.
    fn integer_bytes(self, max_len: usize) -> Result<&'a [u8], RlpError> {
        let bytes = self.bytes()?;
        if bytes.first() == Some(&0) {
            return Err(RlpError::NonCanonicalInteger);
        }
        if bytes.len() > max_len {
            return Err(RlpError::StringTooLong);
        }
        Ok(bytes)
    }

    /// A canonical integer that fits in 64 bits.
    pub fn u64(self) -> Result<u64, RlpError> {
        let bytes = self.integer_bytes(8)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A canonical integer that fits in 256 bits.
    pub fn u256(self) -> Result<U256, RlpError> {
        let bytes = self.integer_bytes(32)?;
        Ok(U256::from_big_endian(bytes))
    }

    /// Exactly `N` bytes.
    pub fn fixed<const N: usize>(self) -> Result<[u8; N], RlpError> {
        let bytes = self.bytes()?;
        match bytes.len() {
            n if n < N => Err(RlpError::StringTooShort),
            n if n > N => Err(RlpError::StringTooLong),
            _ => {
                let mut out = [0u8; N];
                out.copy_from_slice(bytes);
                Ok(out)
            }
        }
    }

    /// An address, or none for the empty string (a contract creation's `to`).
    pub fn optional_address(self) -> Result<Option<H160>, RlpError> {
        if self == Item::Bytes(&[]) {
            Ok(None)
        } else {
            self.fixed::<20>().map(|a| Some(H160(a)))
        }
    }
}

/// Reads a list's elements one at a time.
#[derive(Debug, Clone)]
pub struct ListReader<'a> {
    rest: &'a [u8],
}

impl<'a> ListReader<'a> {
    /// The next element, or [`RlpError::TooFewElements`] at the end.
    pub fn element(&mut self) -> Result<Item<'a>, RlpError> {
        if self.rest.is_empty() {
            return Err(RlpError::TooFewElements);
        }
        next_item(&mut self.rest)
    }

    /// True when all elements have been read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Fails with [`RlpError::TooManyElements`] unless all elements have been read.
    pub fn finish(self) -> Result<(), RlpError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(RlpError::TooManyElements)
        }
    }
}

/// Builds the payload of an RLP list.
#[derive(Debug, Default, Clone)]
pub struct ListWriter {
    payload: Vec<u8>,
}

impl ListWriter {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a byte string.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        match bytes {
            [b] if *b < 0x80 => self.payload.push(*b),
            _ => {
                Header {
                    list: false,
                    payload_length: bytes.len(),
                }
                .encode(&mut self.payload);
                self.payload.extend_from_slice(bytes);
            }
        }
        self
    }

    /// Appends an integer (minimal big-endian bytes).
    pub fn u64(&mut self, value: u64) -> &mut Self {
        let be = value.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        self.bytes(be.get(skip..).unwrap_or_default())
    }

    /// Appends a 256-bit integer (minimal big-endian bytes).
    pub fn u256(&mut self, value: U256) -> &mut Self {
        let be = value.to_big_endian();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        self.bytes(be.get(skip..).unwrap_or_default())
    }

    /// Appends an address, or the empty string for none.
    pub fn optional_address(&mut self, to: Option<H160>) -> &mut Self {
        match to {
            Some(address) => self.bytes(address.as_bytes()),
            None => self.bytes(&[]),
        }
    }

    /// Appends an already-encoded list (the output of [`ListWriter::finish`]).
    pub fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.payload.extend_from_slice(encoded);
        self
    }

    /// Appends an EIP-2930 access list.
    pub fn access_list(&mut self, list: &[(H160, Vec<H256>)]) -> &mut Self {
        let mut outer = ListWriter::new();
        for (address, keys) in list {
            let mut slots = ListWriter::new();
            for key in keys {
                slots.bytes(key.as_bytes());
            }
            let mut entry = ListWriter::new();
            entry.bytes(address.as_bytes()).raw(&slots.finish());
            outer.raw(&entry.finish());
        }
        self.raw(&outer.finish())
    }

    /// The encoded list: header and payload.
    pub fn finish(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.payload.len() + 9);
        Header {
            list: true,
            payload_length: self.payload.len(),
        }
        .encode(&mut out);
        out.extend_from_slice(&self.payload);
        out
    }
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

/// Decodes exactly one canonical RLP item, of any shape, that spans all of `bytes`.
pub fn decode_item(bytes: &[u8]) -> Result<RlpItem, RlpError> {
    to_tree(single_item(bytes)?, 0)
}

/// Each list's elements are read from its own payload, so an element can never reach past it.
fn to_tree(item: Item<'_>, depth: usize) -> Result<RlpItem, RlpError> {
    match item {
        Item::Bytes(bytes) => Ok(RlpItem::Bytes(bytes.to_vec())),
        Item::List(_) if depth >= MAX_DEPTH => Err(RlpError::TooDeep),
        Item::List(_) => {
            let mut elements = item.list()?;
            let mut items = Vec::new();
            while !elements.is_empty() {
                items.push(to_tree(elements.element()?, depth + 1)?);
            }
            Ok(RlpItem::List(items))
        }
    }
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
            let buf = out.as_slice();
            assert_eq!(single_item(buf).unwrap().u256().unwrap(), value);
        }
        let mut zero = Vec::new();
        encode_u256(&U256::zero(), &mut zero);
        assert_eq!(zero, [0x80]);
    }

    #[test]
    fn u256_rejects_non_canonical() {
        // 0x00 as a single byte: zero must be the empty string.
        assert_eq!(
            single_item(&[0x00]).unwrap().u256(),
            Err(RlpError::NonCanonicalInteger)
        );
        // 0x82 0x00 0x01: leading zero.
        assert_eq!(
            single_item(&[0x82, 0x00, 0x01]).unwrap().u256(),
            Err(RlpError::NonCanonicalInteger)
        );
        // 33-byte payload.
        let mut long = vec![0xa1, 0x01];
        long.extend([0u8; 32]);
        assert_eq!(
            single_item(&long).unwrap().u256(),
            Err(RlpError::StringTooLong)
        );
        // A list.
        assert_eq!(
            single_item(&[0xc0]).unwrap().u256(),
            Err(RlpError::ExpectedString)
        );
    }

    #[test]
    fn nesting_is_bounded() {
        // MAX_DEPTH + 1 nested lists: c0 wrapped repeatedly.
        let mut item = RlpItem::List(Vec::new());
        for _ in 0..MAX_DEPTH {
            item = RlpItem::List(vec![item]);
        }
        let encoded = alloy_rlp::encode(&item);
        assert_eq!(decode_item(&encoded), Err(RlpError::TooDeep));
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
        assert_eq!(decode_item(&[0x01, 0x02]), Err(RlpError::TrailingBytes));
    }
}
