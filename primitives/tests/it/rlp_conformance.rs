//! RLP (`alloy-rlp` plus `rewasm_primitives::rlp`) against the official `ethereum-tests/RLPTests` vectors:
//! every valid vector encodes to its `out` and decodes back; every invalid one is rejected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fs;

use alloy_rlp::Encodable;
use primitive_types::U256;
use rewasm_primitives::rlp::{RlpError, RlpItem, SizeFault, decode_item, encode_u256, single_item};
use serde_json::Value;

use common::hex;
use rewasm_test_support as common;

fn load(name: &str) -> serde_json::Map<String, Value> {
    common::load(&format!("ethereum-tests/RLPTests/{name}"))
}

/// Minimal big-endian bytes of a decimal number of any size (empty for zero).
fn decimal_to_be(digits: &str) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        assert!(d.is_ascii_digit(), "bad digit in {digits:?}");
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    out
}

fn u64_to_be(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(8);
    bytes[first..].to_vec()
}

/// The vector's `in` as an item: a string is its UTF-8 bytes, "#123…" a big integer, a JSON
/// number an integer, an array a list. Along the way, checks each leaf against `alloy-rlp`'s
/// typed encoders (`str`, `u64`) or ours (`U256`) and our typed readers, so those are exercised too.
fn item(input: &Value, typed_checks: &mut usize) -> RlpItem {
    match input {
        Value::String(s) => match s.strip_prefix('#') {
            Some(digits) => {
                let bytes = decimal_to_be(digits);
                let item = RlpItem::Bytes(bytes.clone());
                match U256::from_dec_str(digits) {
                    Ok(value) => {
                        let mut out = Vec::new();
                        encode_u256(&value, &mut out);
                        assert_eq!(out, alloy_rlp::encode(&item), "U256 {digits}");
                        assert_eq!(single_item(&out).unwrap().u256().unwrap(), value);
                    }
                    Err(_) => {
                        // Wider than 256 bits: our integer decoder must refuse it.
                        let encoded = alloy_rlp::encode(&item);
                        assert_eq!(
                            single_item(&encoded).unwrap().u256(),
                            Err(RlpError::StringTooLong)
                        );
                    }
                }
                *typed_checks += 1;
                item
            }
            None => {
                let item = RlpItem::Bytes(s.as_bytes().to_vec());
                let encoded = alloy_rlp::encode(s.as_str());
                assert_eq!(encoded, alloy_rlp::encode(&item), "str {s:?}");
                assert_eq!(
                    single_item(&encoded).unwrap().bytes().unwrap(),
                    s.as_bytes()
                );
                *typed_checks += 1;
                item
            }
        },
        Value::Number(n) => {
            let n = n.as_u64().expect("integer vectors fit u64");
            let item = RlpItem::Bytes(u64_to_be(n));
            let encoded = alloy_rlp::encode(n);
            assert_eq!(encoded, alloy_rlp::encode(&item), "u64 {n}");
            assert_eq!(single_item(&encoded).unwrap().u64().unwrap(), n);
            *typed_checks += 1;
            item
        }
        Value::Array(list) => RlpItem::List(list.iter().map(|v| item(v, typed_checks)).collect()),
        other => panic!("unexpected input {other}"),
    }
}

#[test]
fn rlptest_encodes_and_decodes() {
    let tests = load("rlptest.json");
    let mut typed_checks = 0;
    for (name, test) in &tests {
        let expected = hex(test["out"].as_str().unwrap());
        let item = item(&test["in"], &mut typed_checks);
        let encoded = alloy_rlp::encode(&item);
        assert_eq!(encoded, expected, "{name}: encoding");
        assert_eq!(item.length(), expected.len(), "{name}: length");
        assert_eq!(decode_item(&expected).unwrap(), item, "{name}: decoding");
    }
    assert_eq!(tests.len(), 28);
    // Every leaf of every vector was also checked through a typed encoder/decoder.
    assert_eq!(typed_checks, 152);
}

#[test]
fn invalid_rlp_is_rejected() {
    use RlpError::{InputTooShort, NonCanonicalSize};
    use SizeFault::{LengthLeadingZero, LongFormForShortPayload, WrappedSingleByte};
    // Each vector must fail, and for the reason its name gives.
    let expected = |name: &str| -> RlpError {
        match name {
            // A long-form length of 8 bytes claiming far more than is there.
            "int32Overflow" | "int32Overflow2" => InputTooShort,
            // Long-form list header for a 1-byte payload (short form is mandatory below 56).
            "wrongSizeList" | "wrongSizeList2" => NonCanonicalSize(LongFormForShortPayload),
            // A long-form length `00 21` with a leading zero (also nested inside randomRLP).
            "incorrectLengthInArray" | "randomRLP" => NonCanonicalSize(LengthLeadingZero),
            // 0x81 followed by a byte < 0x80: that byte is its own encoding.
            "bytesShouldBeSingleByte00"
            | "bytesShouldBeSingleByte01"
            | "bytesShouldBeSingleByte7F" => NonCanonicalSize(WrappedSingleByte),
            other => panic!("unknown invalid vector {other}"),
        }
    };
    let tests = load("invalidRLPTest.json");
    for (name, test) in &tests {
        assert_eq!(test["in"], "INVALID", "{name}");
        let bytes = hex(test["out"].as_str().unwrap());
        assert_eq!(decode_item(&bytes), Err(expected(name)), "{name}");
    }
    assert_eq!(tests.len(), 9);
}

/// Rejections the vectors above do not reach: trailing bytes, an item overrunning its list, empty
/// input, and non-canonical long forms of strings.
#[test]
fn further_invalid_encodings_are_rejected() {
    use RlpError::{InputTooShort, NonCanonicalSize, TrailingBytes};
    use SizeFault::{LengthLeadingZero, LongFormForShortPayload};
    let cases: [(&str, RlpError); 9] = [
        ("", InputTooShort),
        ("81", InputTooShort),
        ("c5010203", InputTooShort),
        // c3 holds `83 61 62`, whose string claims 3 bytes but the list has only 2 left.
        ("c3836162", InputTooShort),
        ("8080", TrailingBytes),
        ("c0c0", TrailingBytes),
        ("b801ff", NonCanonicalSize(LongFormForShortPayload)),
        ("b800", NonCanonicalSize(LengthLeadingZero)),
        ("f90001c0", NonCanonicalSize(LengthLeadingZero)),
    ];
    for (input, error) in cases {
        assert_eq!(decode_item(&hex(input)), Err(error), "{input}");
    }
}

#[test]
fn random_rlp_round_trips() {
    let tests = load("RandomRLPTests/example.json");
    for (name, test) in &tests {
        assert_eq!(test["in"], "VALID", "{name}");
        let bytes = hex(test["out"].as_str().unwrap());
        let item = decode_item(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(alloy_rlp::encode(&item), bytes, "{name}: re-encoding");
    }
    assert_eq!(tests.len(), 1);
}

#[test]
fn every_file_is_accounted_for() {
    let mut files: Vec<String> = fs::read_dir(common::conformance("ethereum-tests/RLPTests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["RandomRLPTests", "invalidRLPTest.json", "rlptest.json"]
    );
    let random: Vec<_> = fs::read_dir(common::conformance(
        "ethereum-tests/RLPTests/RandomRLPTests",
    ))
    .unwrap()
    .map(|e| e.unwrap().file_name().into_string().unwrap())
    .collect();
    assert_eq!(random, ["example.json"]);
}

#[test]
fn decimal_helper() {
    assert_eq!(decimal_to_be("0"), Vec::<u8>::new());
    assert_eq!(decimal_to_be("255"), [0xff]);
    assert_eq!(decimal_to_be("256"), [0x01, 0x00]);
    assert_eq!(decimal_to_be("100000"), [0x01, 0x86, 0xa0]);
}
