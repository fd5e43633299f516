//! Strict (canonical) RLP reading and the little RLP writing transactions need.
//!
//! Reading rejects everything geth's `rlp` package rejects for transaction fields: non-canonical
//! headers (leading zeros in a length, a long form for a short payload, a single byte below 0x80
//! wrapped in a string header), integers with leading zero bytes, values longer than their target
//! type, lists where strings belong and vice versa, and payloads that run past their input.

use alloy_rlp::Header;
use primitive_types::{H160, H256, U256};

/// What is wrong with an RLP item; displayed after `rlp: ` (geth's wording where it has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RlpError {
    /// The header or payload runs past the end of the input.
    #[error("value size exceeds available input length")]
    InputTooShort,
    /// A length with leading zeros, a long form for a short payload, or a wrapped single byte.
    #[error("non-canonical size information")]
    NonCanonicalSize,
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
    /// A value the node's own records never hold: a flag other than 0 or 1, a field that must
    /// be empty given another (so every stored record has exactly one encoding).
    #[error("non-canonical value")]
    NonCanonicalValue,
}

/// One RLP item: a byte string or the (not yet decoded) payload of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item<'a> {
    /// A byte string.
    Bytes(&'a [u8]),
    /// The concatenated encodings of a list's elements.
    List(&'a [u8]),
}

/// Reads the next item from `buf`, advancing it past the item.
pub(crate) fn next_item<'a>(buf: &mut &'a [u8]) -> Result<Item<'a>, RlpError> {
    let mut rest: &'a [u8] = buf;
    let header = Header::decode(&mut rest).map_err(|err| match err {
        alloy_rlp::Error::InputTooShort => RlpError::InputTooShort,
        _ => RlpError::NonCanonicalSize,
    })?;
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
pub(crate) fn single_item(input: &[u8]) -> Result<Item<'_>, RlpError> {
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
    pub(crate) fn bytes(self) -> Result<&'a [u8], RlpError> {
        match self {
            Item::Bytes(bytes) => Ok(bytes),
            Item::List(_) => Err(RlpError::ExpectedString),
        }
    }

    /// The elements of a list item.
    pub(crate) fn list(self) -> Result<ListReader<'a>, RlpError> {
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
    pub(crate) fn u64(self) -> Result<u64, RlpError> {
        let bytes = self.integer_bytes(8)?;
        Ok(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A canonical integer that fits in 256 bits.
    pub(crate) fn u256(self) -> Result<U256, RlpError> {
        let bytes = self.integer_bytes(32)?;
        Ok(U256::from_big_endian(bytes))
    }

    /// Exactly `N` bytes.
    pub(crate) fn fixed<const N: usize>(self) -> Result<[u8; N], RlpError> {
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
    pub(crate) fn optional_address(self) -> Result<Option<H160>, RlpError> {
        if self == Item::Bytes(&[]) {
            Ok(None)
        } else {
            self.fixed::<20>().map(|a| Some(H160(a)))
        }
    }
}

/// Reads a list's elements one at a time.
#[derive(Debug, Clone)]
pub(crate) struct ListReader<'a> {
    rest: &'a [u8],
}

impl<'a> ListReader<'a> {
    /// The next element, or [`RlpError::TooFewElements`] at the end.
    pub(crate) fn next(&mut self) -> Result<Item<'a>, RlpError> {
        if self.rest.is_empty() {
            return Err(RlpError::TooFewElements);
        }
        next_item(&mut self.rest)
    }

    /// True when all elements have been read.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Fails with [`RlpError::TooManyElements`] unless all elements have been read.
    pub(crate) fn finish(self) -> Result<(), RlpError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(RlpError::TooManyElements)
        }
    }
}

/// Builds the payload of an RLP list.
#[derive(Debug, Default, Clone)]
pub(crate) struct ListWriter {
    payload: Vec<u8>,
}

impl ListWriter {
    /// An empty list.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Appends a byte string.
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
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
    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        let be = value.to_be_bytes();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        self.bytes(be.get(skip..).unwrap_or_default())
    }

    /// Appends a 256-bit integer (minimal big-endian bytes).
    pub(crate) fn u256(&mut self, value: U256) -> &mut Self {
        let be = value.to_big_endian();
        let skip = be.iter().take_while(|&&b| b == 0).count();
        self.bytes(be.get(skip..).unwrap_or_default())
    }

    /// Appends an address, or the empty string for none.
    pub(crate) fn optional_address(&mut self, to: Option<H160>) -> &mut Self {
        match to {
            Some(address) => self.bytes(address.as_bytes()),
            None => self.bytes(&[]),
        }
    }

    /// Appends an already-encoded list (the output of [`ListWriter::finish`]).
    pub(crate) fn raw(&mut self, encoded: &[u8]) -> &mut Self {
        self.payload.extend_from_slice(encoded);
        self
    }

    /// Appends an EIP-2930 access list.
    pub(crate) fn access_list(&mut self, list: &[(H160, Vec<H256>)]) -> &mut Self {
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
    pub(crate) fn finish(&self) -> Vec<u8> {
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
