//! The Solidity contract ABI: how call data, return data and event data are encoded.
//!
//! A rewasm contract speaks the same ABI as a Solidity contract, so an ethers/web3.py contract
//! object built from the ABI JSON works unchanged. The rules
//! (<https://docs.soliditylang.org/en/latest/abi-spec.html>):
//!
//! - Call data is the 4-byte selector (the first four bytes of keccak256 of the signature, e.g.
//!   `transfer(address,uint256)` → `a9059cbb`) followed by the arguments encoded as a tuple.
//! - Every static value is one or more 32-byte words: integers big-endian, sign-extended for
//!   `intN`, zero-padded on the left for `uintN`, `address` and `bool`; `bytesN` is left-aligned
//!   and zero-padded on the right.
//! - A tuple is a *head* part followed by a *tail* part: static elements sit in the head; each
//!   dynamic element (`bytes`, `string`, `T[]`, a tuple with a dynamic element) has a 32-byte
//!   offset in the head, counted from the start of the tuple, pointing at its encoding in the tail.
//! - `bytes` and `string` are a length word and the data padded to 32 bytes; `T[]` is a length word
//!   followed by the elements encoded as a tuple.
//!
//! Rust types map to Solidity types as follows (the same table the macros use for signatures):
//!
//! | Rust | Solidity |
//! |---|---|
//! | `u8`, `u16`, `u32`, `u64`, `u128`, [`U256`] | `uint8` … `uint128`, `uint256` |
//! | `i8`, `i16`, `i32`, `i64`, `i128` | `int8` … `int128` |
//! | `bool` | `bool` |
//! | [`Address`] (`H160`) | `address` |
//! | [`H256`], `[u8; 32]` | `bytes32` |
//! | `[u8; N]`, 1 ≤ N ≤ 32 | `bytesN` |
//! | `Vec<u8>`, `[u8]` | `bytes` |
//! | `String`, `str` | `string` |
//! | `Vec<T>`, `[T]` | `T[]` |
//! | `(A, B, …)` | `(a,b,…)` (a tuple; as a parameter list: the parameters) |
//!
//! Decoding never panics and never traps on bad input: it returns a [`DecodeError`], and the
//! dispatcher made by `#[contract]` reverts with it as an `Error(string)` reason. Decoding is
//! strict like Solidity's ABI coder v2: a value with bits set beyond its type (an `address` with a
//! non-zero upper 12 bytes, a `uint8` above 255, a `bool` other than 0 or 1), an offset or length
//! past the end of the data, and a `string` that is not UTF-8 are errors.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::{Address, H256, U256};

/// Why ABI data did not decode. Its [`reason`](Self::reason) is the revert reason the dispatcher
/// uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError(&'static str);

impl DecodeError {
    /// The data ends before a value it should contain.
    pub const TOO_SHORT: Self = Self("abi: data too short");
    /// An offset or a length does not fit the data.
    pub const BAD_OFFSET: Self = Self("abi: offset or length out of range");
    /// A value has bits set beyond its type.
    pub const OUT_OF_RANGE: Self = Self("abi: value out of range for its type");
    /// A `string` that is not UTF-8.
    pub const INVALID_UTF8: Self = Self("abi: string is not valid UTF-8");

    /// An error with a custom reason.
    pub const fn new(reason: &'static str) -> Self {
        Self(reason)
    }

    /// The reason, as shown in the `Error(string)` revert.
    pub fn reason(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A type with a Solidity ABI type.
pub trait AbiType {
    /// True for `bytes`, `string`, `T[]` and tuples containing one of them: such a value is
    /// encoded in the tail, with an offset in the head.
    const DYNAMIC: bool;
    /// The size of this type's part of a tuple's head: 32 for a dynamic type (the offset),
    /// otherwise the size of its encoding.
    const HEAD_SIZE: usize;
    /// Appends the Solidity type name as it appears in a signature (`uint256`, `address[]`,
    /// `(uint256,bool)`).
    fn sol_type(out: &mut String);
}

/// A value that can be ABI-encoded.
pub trait Encode: AbiType {
    /// Appends this value's own encoding: for a static type its [`AbiType::HEAD_SIZE`] bytes, for a
    /// dynamic type what its offset points at (for `bytes`: the length word and the padded data).
    fn encode_to(&self, out: &mut Vec<u8>);

    /// Appends the encoding of this value as a parameter list, as Solidity's `abi.encode(value)`:
    /// a one-element tuple. Tuples override it: `(a, b)` encodes as `abi.encode(a, b)`, and `()`
    /// as nothing.
    fn encode_params_to(&self, out: &mut Vec<u8>) {
        let base = out.len();
        let head = encode_head(self, out);
        encode_tail(self, head, base, out);
    }
}

/// A value that can be ABI-decoded.
pub trait Decode: AbiType + Sized {
    /// Decodes a value from `data`, which starts where its own encoding starts (see
    /// [`Encode::encode_to`]) and may continue past it.
    fn decode_from(data: &[u8]) -> Result<Self, DecodeError>;

    /// Decodes a parameter list holding this value (the inverse of [`Encode::encode_params_to`]).
    fn decode_params(data: &[u8]) -> Result<Self, DecodeError> {
        decode_element(data, 0)
    }
}

/// The types that may be elements of `T[]` (`Vec<T>`): every ABI type except `u8`, because
/// `Vec<u8>` is `bytes`. Implement it for your own [`Encode`]/[`Decode`] types to use them in
/// arrays.
pub trait ArrayElement {}

/// Types whose ABI encoding is exactly one 32-byte word: the value types. They are what storage
/// slots hold ([`crate::storage`]), what mapping keys hash, and what indexed event fields put in a
/// topic as is.
pub trait WordType: Sized {
    /// The 32-byte ABI encoding.
    fn to_word(&self) -> [u8; 32];
    /// Decodes a word, rejecting bits set beyond the type.
    fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError>;
}

/// A value as an event topic, as Solidity puts an indexed parameter in a topic: value types as
/// their 32-byte encoding, `string` and `bytes` as the keccak256 of their contents.
pub trait Topic {
    /// The 32-byte topic.
    fn to_topic(&self) -> [u8; 32];
}

// ---------------------------------------------------------------------------------------------
// Top-level functions.

/// Solidity's `abi.encode(...)`: a tuple is encoded as the parameter list of its elements
/// (`encode(&(a, b))` is `abi.encode(a, b)`), any other value as one parameter
/// (`encode(&s)` is `abi.encode(s)`).
pub fn encode<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode_params_to(&mut out);
    out
}

/// Call data for a function: `selector` followed by `encode(args)`. `args` is a tuple of the
/// arguments (`&(to, amount)`, `&()` for none).
pub fn encode_with_selector<T: Encode + ?Sized>(selector: [u8; 4], args: &T) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&selector);
    args.encode_params_to(&mut out);
    out
}

/// Solidity's `abi.decode(data, (T...))`: `T` is a tuple of the expected types, or one type.
pub fn decode<T: Decode>(data: &[u8]) -> Result<T, DecodeError> {
    T::decode_params(data)
}

/// Splits call data into its selector and arguments, decoding the arguments as `T`.
pub fn decode_call<T: Decode>(calldata: &[u8]) -> Result<([u8; 4], T), DecodeError> {
    let (selector, args) = calldata
        .split_first_chunk::<4>()
        .ok_or(DecodeError::TOO_SHORT)?;
    Ok((*selector, T::decode_params(args)?))
}

/// The selector of a function signature such as `"transfer(address,uint256)"`. At run time this
/// hashes (on wasm32, a keccak256 precompile call); for a constant, use the
/// [`selector!`](crate::selector) macro, which hashes at compile time.
pub fn selector(signature: &str) -> [u8; 4] {
    let hash = crate::crypto::keccak256(signature.as_bytes());
    let mut out = [0u8; 4];
    out.copy_from_slice(hash.split_first_chunk::<4>().map_or(&[0u8; 4], |(s, _)| s));
    out
}

/// The Solidity type name of `T` (`type_name::<Vec<Address>>()` is `"address[]"`).
pub fn type_name<T: AbiType + ?Sized>() -> String {
    let mut out = String::new();
    T::sol_type(&mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Building blocks (public so that the macros and hand-written impls can use them).

/// Appends `value` as a 32-byte big-endian word.
pub fn push_usize(out: &mut Vec<u8>, value: usize) {
    out.extend_from_slice(&[0u8; 24]);
    out.extend_from_slice(&(value as u64).to_be_bytes());
}

/// Appends an element's head: its encoding when static, a placeholder offset when dynamic.
/// Returns where the head starts, for [`encode_tail`].
pub fn encode_head<T: Encode + ?Sized>(value: &T, out: &mut Vec<u8>) -> usize {
    let at = out.len();
    if T::DYNAMIC {
        out.extend_from_slice(&[0u8; 32]);
    } else {
        value.encode_to(out);
    }
    at
}

/// Appends a dynamic element's tail and patches its offset (relative to `base`, where the tuple
/// starts) into the head at `head`. Does nothing for a static element.
pub fn encode_tail<T: Encode + ?Sized>(value: &T, head: usize, base: usize, out: &mut Vec<u8>) {
    if T::DYNAMIC {
        let offset = (out.len() - base) as u64;
        if let Some(word) = out.get_mut(head + 24..head + 32) {
            word.copy_from_slice(&offset.to_be_bytes());
        }
        value.encode_to(out);
    }
}

/// Decodes the element whose head starts at `head` in the tuple `tuple` (which starts at the
/// tuple's first byte): static elements in place, dynamic ones through their offset.
pub fn decode_element<T: Decode>(tuple: &[u8], head: usize) -> Result<T, DecodeError> {
    if T::DYNAMIC {
        let offset = read_usize(tuple, head)?;
        T::decode_from(tuple.get(offset..).ok_or(DecodeError::BAD_OFFSET)?)
    } else {
        T::decode_from(tuple.get(head..).ok_or(DecodeError::TOO_SHORT)?)
    }
}

/// The 32-byte word at `at`.
pub fn read_word(data: &[u8], at: usize) -> Result<&[u8; 32], DecodeError> {
    let end = at.checked_add(32).ok_or(DecodeError::TOO_SHORT)?;
    data.get(at..end)
        .and_then(|w| w.try_into().ok())
        .ok_or(DecodeError::TOO_SHORT)
}

/// The word at `at` as an offset or a length (it must fit in 64 bits and in `usize`).
pub fn read_usize(data: &[u8], at: usize) -> Result<usize, DecodeError> {
    let (high, low) = read_word(data, at)?.split_at(24);
    if high.iter().any(|&b| b != 0) {
        return Err(DecodeError::BAD_OFFSET);
    }
    let low: [u8; 8] = low.try_into().map_err(|_| DecodeError::BAD_OFFSET)?;
    usize::try_from(u64::from_be_bytes(low)).map_err(|_| DecodeError::BAD_OFFSET)
}

fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 || len == digits.len() {
            break;
        }
    }
    for d in digits.iter().take(len).rev() {
        out.push(char::from(*d));
    }
}

/// A word whose last `suffix.len()` bytes are `suffix` and the others `fill`.
fn word_ending_with(fill: u8, suffix: &[u8]) -> [u8; 32] {
    let mut word = [fill; 32];
    let start = 32usize.saturating_sub(suffix.len());
    if let Some(dst) = word.get_mut(start..) {
        dst.iter_mut().zip(suffix).for_each(|(d, s)| *d = *s);
    }
    word
}

/// The last `N` bytes of a word, and the bytes before them.
fn split_word<const N: usize>(word: &[u8; 32]) -> (&[u8], [u8; N]) {
    let (prefix, tail) = word.split_at(32 - N);
    let mut out = [0u8; N];
    out.iter_mut().zip(tail).for_each(|(d, s)| *d = *s);
    (prefix, out)
}

// ---------------------------------------------------------------------------------------------
// Value types.

macro_rules! word_type {
    ($($t:ty),* $(,)?) => {$(
        impl AbiType for $t {
            const DYNAMIC: bool = false;
            const HEAD_SIZE: usize = 32;
            fn sol_type(out: &mut String) {
                <$t as WordName>::name(out)
            }
        }
        impl Encode for $t {
            fn encode_to(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&WordType::to_word(self));
            }
        }
        impl Decode for $t {
            fn decode_from(data: &[u8]) -> Result<Self, DecodeError> {
                <$t as WordType>::from_word(read_word(data, 0)?)
            }
        }
    )*};
}

/// The type name of a one-word type (a private helper of `word_type!`).
trait WordName {
    fn name(out: &mut String);
}

macro_rules! uint_word {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl WordName for $t {
            fn name(out: &mut String) { out.push_str($name) }
        }
        impl WordType for $t {
            fn to_word(&self) -> [u8; 32] {
                word_ending_with(0, &self.to_be_bytes())
            }
            fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
                let (prefix, value) = split_word::<{ core::mem::size_of::<$t>() }>(word);
                if prefix.iter().any(|&b| b != 0) {
                    return Err(DecodeError::OUT_OF_RANGE);
                }
                Ok(<$t>::from_be_bytes(value))
            }
        }
        word_type!($t);
    )*};
}

macro_rules! int_word {
    ($($t:ty => $name:literal),* $(,)?) => {$(
        impl WordName for $t {
            fn name(out: &mut String) { out.push_str($name) }
        }
        impl WordType for $t {
            fn to_word(&self) -> [u8; 32] {
                word_ending_with(if *self < 0 { 0xff } else { 0 }, &self.to_be_bytes())
            }
            fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
                let (prefix, value) = split_word::<{ core::mem::size_of::<$t>() }>(word);
                let value = <$t>::from_be_bytes(value);
                let fill = if value < 0 { 0xff } else { 0 };
                if prefix.iter().any(|&b| b != fill) {
                    return Err(DecodeError::OUT_OF_RANGE);
                }
                Ok(value)
            }
        }
        word_type!($t);
    )*};
}

uint_word!(u8 => "uint8", u16 => "uint16", u32 => "uint32", u64 => "uint64", u128 => "uint128");
int_word!(i8 => "int8", i16 => "int16", i32 => "int32", i64 => "int64", i128 => "int128");

impl WordName for U256 {
    fn name(out: &mut String) {
        out.push_str("uint256")
    }
}
impl WordType for U256 {
    fn to_word(&self) -> [u8; 32] {
        self.to_big_endian()
    }
    fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
        Ok(U256::from_big_endian(word))
    }
}
word_type!(U256);

impl WordName for bool {
    fn name(out: &mut String) {
        out.push_str("bool")
    }
}
impl WordType for bool {
    fn to_word(&self) -> [u8; 32] {
        word_ending_with(0, &[u8::from(*self)])
    }
    fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
        match u8::from_word(word)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::OUT_OF_RANGE),
        }
    }
}
word_type!(bool);

impl WordName for Address {
    fn name(out: &mut String) {
        out.push_str("address")
    }
}
impl WordType for Address {
    fn to_word(&self) -> [u8; 32] {
        word_ending_with(0, self.as_bytes())
    }
    fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
        let (prefix, value) = split_word::<20>(word);
        if prefix.iter().any(|&b| b != 0) {
            return Err(DecodeError::OUT_OF_RANGE);
        }
        Ok(Address::from(value))
    }
}
word_type!(Address);

impl WordName for H256 {
    fn name(out: &mut String) {
        out.push_str("bytes32")
    }
}
impl WordType for H256 {
    fn to_word(&self) -> [u8; 32] {
        self.0
    }
    fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
        Ok(H256(*word))
    }
}
word_type!(H256);

/// `[u8; N]` is `bytesN` (1 ≤ N ≤ 32; other lengths fail to compile when used).
impl<const N: usize> WordName for [u8; N] {
    fn name(out: &mut String) {
        out.push_str("bytes");
        push_decimal(out, N);
    }
}
impl<const N: usize> WordType for [u8; N] {
    fn to_word(&self) -> [u8; 32] {
        const { assert!(N >= 1 && N <= 32, "bytesN needs 1 <= N <= 32") };
        let mut word = [0u8; 32];
        word.iter_mut().zip(self).for_each(|(d, s)| *d = *s);
        word
    }
    fn from_word(word: &[u8; 32]) -> Result<Self, DecodeError> {
        const { assert!(N >= 1 && N <= 32, "bytesN needs 1 <= N <= 32") };
        let (value, rest) = word.split_at(N);
        if rest.iter().any(|&b| b != 0) {
            return Err(DecodeError::OUT_OF_RANGE);
        }
        let mut out = [0u8; N];
        out.iter_mut().zip(value).for_each(|(d, s)| *d = *s);
        Ok(out)
    }
}
impl<const N: usize> AbiType for [u8; N] {
    const DYNAMIC: bool = false;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        <Self as WordName>::name(out)
    }
}
impl<const N: usize> Encode for [u8; N] {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&WordType::to_word(self));
    }
}
impl<const N: usize> Decode for [u8; N] {
    fn decode_from(data: &[u8]) -> Result<Self, DecodeError> {
        Self::from_word(read_word(data, 0)?)
    }
}
impl<const N: usize> ArrayElement for [u8; N] {}

impl ArrayElement for u16 {}
impl ArrayElement for u32 {}
impl ArrayElement for u64 {}
impl ArrayElement for u128 {}
impl ArrayElement for i8 {}
impl ArrayElement for i16 {}
impl ArrayElement for i32 {}
impl ArrayElement for i64 {}
impl ArrayElement for i128 {}
impl ArrayElement for U256 {}
impl ArrayElement for bool {}
impl ArrayElement for Address {}
impl ArrayElement for H256 {}

impl<T: WordType> Topic for T {
    fn to_topic(&self) -> [u8; 32] {
        self.to_word()
    }
}

// ---------------------------------------------------------------------------------------------
// bytes and string.

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    push_usize(out, bytes.len());
    out.extend_from_slice(bytes);
    let padding = bytes.len().next_multiple_of(32) - bytes.len();
    out.resize(out.len() + padding, 0);
}

fn decode_bytes(data: &[u8]) -> Result<&[u8], DecodeError> {
    let len = read_usize(data, 0)?;
    data.get(32..)
        .and_then(|rest| rest.get(..len))
        .ok_or(DecodeError::BAD_OFFSET)
}

impl AbiType for [u8] {
    const DYNAMIC: bool = true;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        out.push_str("bytes")
    }
}
impl Encode for [u8] {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_bytes(self, out)
    }
}
impl Topic for [u8] {
    fn to_topic(&self) -> [u8; 32] {
        crate::crypto::keccak256(self)
    }
}

impl AbiType for Vec<u8> {
    const DYNAMIC: bool = true;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        out.push_str("bytes")
    }
}
impl Encode for Vec<u8> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_bytes(self, out)
    }
}
impl Decode for Vec<u8> {
    fn decode_from(data: &[u8]) -> Result<Self, DecodeError> {
        decode_bytes(data).map(<[u8]>::to_vec)
    }
}
impl ArrayElement for Vec<u8> {}
impl Topic for Vec<u8> {
    fn to_topic(&self) -> [u8; 32] {
        crate::crypto::keccak256(self)
    }
}

impl AbiType for str {
    const DYNAMIC: bool = true;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        out.push_str("string")
    }
}
impl Encode for str {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_bytes(self.as_bytes(), out)
    }
}
impl Topic for str {
    fn to_topic(&self) -> [u8; 32] {
        crate::crypto::keccak256(self.as_bytes())
    }
}

impl AbiType for String {
    const DYNAMIC: bool = true;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        out.push_str("string")
    }
}
impl Encode for String {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_bytes(self.as_bytes(), out)
    }
}
impl Decode for String {
    fn decode_from(data: &[u8]) -> Result<Self, DecodeError> {
        let bytes = decode_bytes(data)?;
        crate::utf8::to_string(bytes.to_vec()).ok_or(DecodeError::INVALID_UTF8)
    }
}
impl ArrayElement for String {}
impl Topic for String {
    fn to_topic(&self) -> [u8; 32] {
        crate::crypto::keccak256(self.as_bytes())
    }
}

// ---------------------------------------------------------------------------------------------
// Arrays.

fn encode_sequence<T: Encode>(items: &[T], out: &mut Vec<u8>) {
    push_usize(out, items.len());
    let base = out.len();
    if T::DYNAMIC {
        out.resize(base + 32 * items.len(), 0);
        for (i, item) in items.iter().enumerate() {
            encode_tail(item, base + 32 * i, base, out);
        }
    } else {
        items.iter().for_each(|item| item.encode_to(out));
    }
}

impl<T: ArrayElement + AbiType> AbiType for [T] {
    const DYNAMIC: bool = true;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        T::sol_type(out);
        out.push_str("[]");
    }
}
impl<T: ArrayElement + Encode> Encode for [T] {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_sequence(self, out)
    }
}

impl<T: ArrayElement + AbiType> AbiType for Vec<T> {
    const DYNAMIC: bool = true;
    const HEAD_SIZE: usize = 32;
    fn sol_type(out: &mut String) {
        T::sol_type(out);
        out.push_str("[]");
    }
}
impl<T: ArrayElement + Encode> Encode for Vec<T> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        encode_sequence(self, out)
    }
}
impl<T: ArrayElement + Decode> Decode for Vec<T> {
    fn decode_from(data: &[u8]) -> Result<Self, DecodeError> {
        let len = read_usize(data, 0)?;
        let items = data.get(32..).ok_or(DecodeError::TOO_SHORT)?;
        // Every element has a head of HEAD_SIZE bytes: refuse a length the data cannot hold
        // before allocating for it.
        let heads = len
            .checked_mul(T::HEAD_SIZE)
            .ok_or(DecodeError::BAD_OFFSET)?;
        if heads > items.len() {
            return Err(DecodeError::BAD_OFFSET);
        }
        let mut out = Vec::with_capacity(len);
        for i in 0..len {
            out.push(decode_element(items, i * T::HEAD_SIZE)?);
        }
        Ok(out)
    }
}
impl<T: ArrayElement> ArrayElement for Vec<T> {}

// ---------------------------------------------------------------------------------------------
// References.

impl<T: AbiType + ?Sized> AbiType for &T {
    const DYNAMIC: bool = T::DYNAMIC;
    const HEAD_SIZE: usize = T::HEAD_SIZE;
    fn sol_type(out: &mut String) {
        T::sol_type(out)
    }
}
impl<T: Encode + ?Sized> Encode for &T {
    fn encode_to(&self, out: &mut Vec<u8>) {
        (**self).encode_to(out)
    }
    fn encode_params_to(&self, out: &mut Vec<u8>) {
        (**self).encode_params_to(out)
    }
}
impl<T: ArrayElement + ?Sized> ArrayElement for &T {}

// ---------------------------------------------------------------------------------------------
// Tuples.

impl AbiType for () {
    const DYNAMIC: bool = false;
    const HEAD_SIZE: usize = 0;
    fn sol_type(out: &mut String) {
        out.push_str("()")
    }
}
impl Encode for () {
    fn encode_to(&self, _out: &mut Vec<u8>) {}
    fn encode_params_to(&self, _out: &mut Vec<u8>) {}
}
impl Decode for () {
    fn decode_from(_data: &[u8]) -> Result<Self, DecodeError> {
        Ok(())
    }
    fn decode_params(_data: &[u8]) -> Result<Self, DecodeError> {
        Ok(())
    }
}

macro_rules! tuple_impls {
    ($( ($($t:ident $i:tt),+) )*) => {$(
        impl<$($t: AbiType),+> AbiType for ($($t,)+) {
            const DYNAMIC: bool = false $(|| $t::DYNAMIC)+;
            const HEAD_SIZE: usize = if Self::DYNAMIC { 32 } else { 0 $(+ $t::HEAD_SIZE)+ };
            fn sol_type(out: &mut String) {
                let names: &[fn(&mut String)] = &[$($t::sol_type),+];
                out.push('(');
                for (i, name) in names.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    name(out);
                }
                out.push(')');
            }
        }
        impl<$($t: Encode),+> Encode for ($($t,)+) {
            fn encode_to(&self, out: &mut Vec<u8>) {
                let base = out.len();
                let heads = ($(encode_head(&self.$i, out),)+);
                $(encode_tail(&self.$i, heads.$i, base, out);)+
            }
            fn encode_params_to(&self, out: &mut Vec<u8>) {
                self.encode_to(out)
            }
        }
        impl<$($t: Decode),+> Decode for ($($t,)+) {
            #[allow(unused_assignments)]
            fn decode_from(data: &[u8]) -> Result<Self, DecodeError> {
                let mut head = 0usize;
                Ok(($({
                    let value = decode_element::<$t>(data, head)?;
                    head += $t::HEAD_SIZE;
                    value
                },)+))
            }
            fn decode_params(data: &[u8]) -> Result<Self, DecodeError> {
                Self::decode_from(data)
            }
        }
        impl<$($t),+> ArrayElement for ($($t,)+) {}
    )*};
}

tuple_impls! {
    (A 0)
    (A 0, B 1)
    (A 0, B 1, C 2)
    (A 0, B 1, C 2, D 3)
    (A 0, B 1, C 2, D 3, E 4)
    (A 0, B 1, C 2, D 3, E 4, F 5)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10)
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
}
