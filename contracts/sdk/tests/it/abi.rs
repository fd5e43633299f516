//! ABI encoding and decoding: the Solidity documentation's vectors, round trips, strictness.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use rewasm_sdk::abi::{self, AbiType, Decode, DecodeError, Encode, WordType};
use rewasm_sdk::{Address, H256, U256, encode_error_string, keccak, selector};

fn hex(text: &str) -> Vec<u8> {
    let clean: String = text.split_whitespace().collect();
    hex::decode(clean.trim_start_matches("0x")).unwrap()
}

#[test]
fn selectors() {
    assert_eq!(
        selector!("transfer(address,uint256)"),
        [0xa9, 0x05, 0x9c, 0xbb]
    );
    assert_eq!(selector!("balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
    assert_eq!(
        abi::selector("transfer(address,uint256)"),
        [0xa9, 0x05, 0x9c, 0xbb]
    );
    assert_eq!(selector!("Error(string)"), rewasm_sdk::ERROR_SELECTOR);
    // The Solidity ABI spec's examples.
    assert_eq!(selector!("baz(uint32,bool)"), [0xcd, 0xcd, 0x77, 0xc0]);
    assert_eq!(
        selector!("sam(bytes,bool,uint256[])"),
        [0xa5, 0x64, 0x3b, 0xf2]
    );
    assert_eq!(
        keccak!("Transfer(address,address,uint256)").to_vec(),
        hex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
    );
}

#[test]
fn transfer_calldata() {
    let to = Address::from_slice(&hex::decode("5B38Da6a701c568545dCfcB03FcB875f56beddC4").unwrap());
    let data = abi::encode_with_selector(
        selector!("transfer(address,uint256)"),
        &(to, U256::from(1000)),
    );
    assert_eq!(
        data,
        hex("a9059cbb
             0000000000000000000000005b38da6a701c568545dcfcb03fcb875f56beddc4
             00000000000000000000000000000000000000000000000000000000000003e8")
    );
    let (sel, (who, amount)) = abi::decode_call::<(Address, U256)>(&data).unwrap();
    assert_eq!(
        (sel, who, amount),
        ([0xa9, 0x05, 0x9c, 0xbb], to, U256::from(1000))
    );
}

#[test]
fn solidity_docs_static_example() {
    // baz(uint32 x, bool y) with 69, true.
    let data = abi::encode_with_selector(selector!("baz(uint32,bool)"), &(69u32, true));
    assert_eq!(
        data,
        hex("cdcd77c0
             0000000000000000000000000000000000000000000000000000000000000045
             0000000000000000000000000000000000000000000000000000000000000001")
    );
}

#[test]
fn solidity_docs_dynamic_example() {
    // sam(bytes, bool, uint256[]) with "dave", true, [1, 2, 3].
    let args = (
        b"dave".to_vec(),
        true,
        vec![U256::from(1), U256::from(2), U256::from(3)],
    );
    let expected = hex("a5643bf2
        0000000000000000000000000000000000000000000000000000000000000060
        0000000000000000000000000000000000000000000000000000000000000001
        00000000000000000000000000000000000000000000000000000000000000a0
        0000000000000000000000000000000000000000000000000000000000000004
        6461766500000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000003
        0000000000000000000000000000000000000000000000000000000000000001
        0000000000000000000000000000000000000000000000000000000000000002
        0000000000000000000000000000000000000000000000000000000000000003");
    assert_eq!(
        abi::encode_with_selector(selector!("sam(bytes,bool,uint256[])"), &args),
        expected
    );
    let (_, decoded) = abi::decode_call::<(Vec<u8>, bool, Vec<U256>)>(&expected).unwrap();
    assert_eq!(decoded, args);
}

#[test]
fn solidity_docs_mixed_example() {
    // f(uint256, uint32[], bytes10, bytes) with 0x123, [0x456, 0x789], "1234567890",
    // "Hello, world!".
    let args = (
        U256::from(0x123),
        vec![0x456u32, 0x789],
        *b"1234567890",
        b"Hello, world!".to_vec(),
    );
    let expected = hex("8be65246
        0000000000000000000000000000000000000000000000000000000000000123
        0000000000000000000000000000000000000000000000000000000000000080
        3132333435363738393000000000000000000000000000000000000000000000
        00000000000000000000000000000000000000000000000000000000000000e0
        0000000000000000000000000000000000000000000000000000000000000002
        0000000000000000000000000000000000000000000000000000000000000456
        0000000000000000000000000000000000000000000000000000000000000789
        000000000000000000000000000000000000000000000000000000000000000d
        48656c6c6f2c20776f726c642100000000000000000000000000000000000000");
    assert_eq!(
        selector!("f(uint256,uint32[],bytes10,bytes)"),
        [0x8b, 0xe6, 0x52, 0x46]
    );
    assert_eq!(
        abi::encode_with_selector(selector!("f(uint256,uint32[],bytes10,bytes)"), &args),
        expected
    );
    let (_, decoded) = abi::decode_call::<(U256, Vec<u32>, [u8; 10], Vec<u8>)>(&expected).unwrap();
    assert_eq!(decoded, args);
}

#[test]
fn solidity_docs_nested_dynamic_example() {
    // g(uint256[][], string[]) with [[1, 2], [3]], ["one", "two", "three"].
    let args = (
        vec![vec![U256::from(1), U256::from(2)], vec![U256::from(3)]],
        vec!["one".to_string(), "two".to_string(), "three".to_string()],
    );
    let expected = hex("2289b18c
        0000000000000000000000000000000000000000000000000000000000000040
        0000000000000000000000000000000000000000000000000000000000000140
        0000000000000000000000000000000000000000000000000000000000000002
        0000000000000000000000000000000000000000000000000000000000000040
        00000000000000000000000000000000000000000000000000000000000000a0
        0000000000000000000000000000000000000000000000000000000000000002
        0000000000000000000000000000000000000000000000000000000000000001
        0000000000000000000000000000000000000000000000000000000000000002
        0000000000000000000000000000000000000000000000000000000000000001
        0000000000000000000000000000000000000000000000000000000000000003
        0000000000000000000000000000000000000000000000000000000000000003
        0000000000000000000000000000000000000000000000000000000000000060
        00000000000000000000000000000000000000000000000000000000000000a0
        00000000000000000000000000000000000000000000000000000000000000e0
        0000000000000000000000000000000000000000000000000000000000000003
        6f6e650000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000003
        74776f0000000000000000000000000000000000000000000000000000000000
        0000000000000000000000000000000000000000000000000000000000000005
        7468726565000000000000000000000000000000000000000000000000000000");
    assert_eq!(
        selector!("g(uint256[][],string[])"),
        [0x22, 0x89, 0xb1, 0x8c]
    );
    assert_eq!(
        abi::encode_with_selector(selector!("g(uint256[][],string[])"), &args),
        expected
    );
    let (_, decoded) = abi::decode_call::<(Vec<Vec<U256>>, Vec<String>)>(&expected).unwrap();
    assert_eq!(decoded, args);
}

#[test]
fn error_string_encoding() {
    assert_eq!(
        encode_error_string("hi"),
        hex("08c379a0
             0000000000000000000000000000000000000000000000000000000000000020
             0000000000000000000000000000000000000000000000000000000000000002
             6869000000000000000000000000000000000000000000000000000000000000")
    );
    // Exactly one word of text: no extra padding word.
    assert_eq!(encode_error_string(&"a".repeat(32)).len(), 4 + 96);
    assert_eq!(encode_error_string("").len(), 4 + 64);
}

#[test]
fn single_values_encode_like_abi_encode() {
    // abi.encode("hi") has an offset word first; abi.encode(uint256(5)) is one word.
    assert_eq!(
        abi::encode(&"hi".to_string()),
        hex(
            "0000000000000000000000000000000000000000000000000000000000000020
             0000000000000000000000000000000000000000000000000000000000000002
             6869000000000000000000000000000000000000000000000000000000000000"
        )
    );
    assert_eq!(abi::encode("hi"), abi::encode(&"hi".to_string()));
    assert_eq!(
        abi::encode(&U256::from(5)),
        U256::from(5).to_word().to_vec()
    );
    assert_eq!(abi::encode(&()), Vec::<u8>::new());
    assert_eq!(abi::decode::<String>(&abi::encode("hi")).unwrap(), "hi");
    assert_eq!(
        abi::decode::<U256>(&abi::encode(&U256::MAX)).unwrap(),
        U256::MAX
    );
}

#[test]
fn value_type_words() {
    assert_eq!(
        (-1i8).to_word(),
        [0xff; 32],
        "negative integers are sign-extended"
    );
    assert_eq!(i128::from_word(&[0xff; 32]).unwrap(), -1);
    assert_eq!(i64::from_word(&(-5i64).to_word()).unwrap(), -5);
    assert_eq!(i16::from_word(&i16::MIN.to_word()).unwrap(), i16::MIN);
    assert_eq!(u128::from_word(&u128::MAX.to_word()).unwrap(), u128::MAX);
    let address = Address::repeat_byte(0xab);
    let word = address.to_word();
    assert_eq!(&word[..12], &[0u8; 12]);
    assert_eq!(Address::from_word(&word).unwrap(), address);
    assert_eq!(
        <[u8; 4]>::from_word(&[
            1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0
        ])
        .unwrap(),
        [1, 2, 3, 4]
    );
    assert_eq!(H256::repeat_byte(7).to_word(), [7; 32]);
    assert_eq!(true.to_word()[31], 1);
}

#[test]
fn strict_decoding() {
    let mut word = [0u8; 32];
    word[0] = 1;
    assert_eq!(Address::from_word(&word), Err(DecodeError::OUT_OF_RANGE));
    assert_eq!(
        u8::from_word(&U256::from(256).to_word()),
        Err(DecodeError::OUT_OF_RANGE)
    );
    assert_eq!(
        bool::from_word(&U256::from(2).to_word()),
        Err(DecodeError::OUT_OF_RANGE)
    );
    // A positive value with 0xff padding, a negative value with zero padding.
    let mut bad = (-1i8).to_word();
    bad[31] = 1;
    assert_eq!(i8::from_word(&bad), Err(DecodeError::OUT_OF_RANGE));
    assert_eq!(
        i8::from_word(&U256::from(0x80).to_word()),
        Err(DecodeError::OUT_OF_RANGE)
    );
    let mut bytes4 = [0u8; 32];
    bytes4[4] = 1;
    assert_eq!(
        <[u8; 4]>::from_word(&bytes4),
        Err(DecodeError::OUT_OF_RANGE)
    );
}

#[test]
fn malformed_data_is_an_error_not_a_panic() {
    // Too short.
    assert_eq!(abi::decode::<U256>(&[0u8; 31]), Err(DecodeError::TOO_SHORT));
    assert_eq!(
        abi::decode::<(U256, U256)>(&[0u8; 40]),
        Err(DecodeError::TOO_SHORT)
    );
    assert!(abi::decode_call::<()>(&[1, 2]).is_err());
    // An offset past the end, an offset that does not fit 64 bits.
    let mut data = abi::encode(&b"abc".to_vec());
    data[31] = 0xff;
    assert_eq!(abi::decode::<Vec<u8>>(&data), Err(DecodeError::BAD_OFFSET));
    data[0] = 1;
    assert_eq!(abi::decode::<Vec<u8>>(&data), Err(DecodeError::BAD_OFFSET));
    // A length past the end.
    let mut data = abi::encode(&b"abc".to_vec());
    data[63] = 0x40;
    assert_eq!(abi::decode::<Vec<u8>>(&data), Err(DecodeError::BAD_OFFSET));
    // A huge array length is refused before allocating.
    let mut data = abi::encode(&vec![U256::one()]);
    data[56..64].copy_from_slice(&u64::MAX.to_be_bytes());
    assert_eq!(
        abi::decode::<Vec<U256>>(&data),
        Err(DecodeError::BAD_OFFSET)
    );
    data[56..64].copy_from_slice(&(1u64 << 40).to_be_bytes());
    assert_eq!(
        abi::decode::<Vec<U256>>(&data),
        Err(DecodeError::BAD_OFFSET)
    );
    // Invalid UTF-8.
    let data = abi::encode(&vec![0xffu8, 0xfe]);
    assert_eq!(abi::decode::<String>(&data), Err(DecodeError::INVALID_UTF8));
    // Every truncation of a valid encoding fails cleanly.
    let full = abi::encode(&(
        vec!["one".to_string(), "two".to_string()],
        Address::repeat_byte(1),
        vec![vec![U256::one()]],
    ));
    for len in 0..full.len() {
        let _ = abi::decode::<(Vec<String>, Address, Vec<Vec<U256>>)>(&full[..len]);
    }
    // Arbitrary garbage never panics.
    let mut seed = 0x9e3779b97f4a7c15u64;
    for _ in 0..2000 {
        let len = (seed % 300) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                if seed.is_multiple_of(3) {
                    0
                } else {
                    (seed >> 8) as u8 % 8 * 0x20
                }
            })
            .collect();
        let _ = abi::decode::<(Vec<u8>, Vec<String>, (U256, Vec<Address>))>(&bytes);
        let _ = abi::decode::<Vec<Vec<Vec<u8>>>>(&bytes);
    }
}

#[test]
fn round_trips() {
    fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(value: T) {
        let encoded = abi::encode(&value);
        assert_eq!(abi::decode::<T>(&encoded).unwrap(), value);
    }
    round_trip(U256::MAX);
    round_trip(0u8);
    round_trip(u64::MAX);
    round_trip(i32::MIN);
    round_trip(true);
    round_trip(Address::repeat_byte(0x42));
    round_trip(H256::repeat_byte(0x42));
    round_trip([9u8; 32]);
    round_trip([9u8; 1]);
    round_trip(Vec::<u8>::new());
    round_trip(vec![1u8; 33]);
    round_trip(String::from("héllo"));
    round_trip(vec![String::new(), "x".repeat(64)]);
    round_trip(vec![Address::zero(), Address::repeat_byte(1)]);
    round_trip(vec![(Address::repeat_byte(3), U256::from(7))]);
    round_trip(vec![(String::from("a"), vec![1u8, 2])]);
    round_trip((
        U256::one(),
        (String::from("nested"), vec![true, false]),
        -7i128,
    ));
    round_trip(Vec::<Vec<U256>>::new());
}

#[test]
fn type_names() {
    assert_eq!(abi::type_name::<U256>(), "uint256");
    assert_eq!(abi::type_name::<u8>(), "uint8");
    assert_eq!(abi::type_name::<i128>(), "int128");
    assert_eq!(abi::type_name::<Address>(), "address");
    assert_eq!(abi::type_name::<[u8; 32]>(), "bytes32");
    assert_eq!(abi::type_name::<[u8; 7]>(), "bytes7");
    assert_eq!(abi::type_name::<H256>(), "bytes32");
    assert_eq!(abi::type_name::<Vec<u8>>(), "bytes");
    assert_eq!(abi::type_name::<String>(), "string");
    assert_eq!(abi::type_name::<str>(), "string");
    assert_eq!(abi::type_name::<Vec<Vec<Address>>>(), "address[][]");
    assert_eq!(
        abi::type_name::<(U256, Vec<String>)>(),
        "(uint256,string[])"
    );
    const { assert!(!<(U256, Address)>::DYNAMIC) };
    assert_eq!(<(U256, Address)>::HEAD_SIZE, 64);
    const { assert!(<(U256, String)>::DYNAMIC) };
    assert_eq!(<(U256, String)>::HEAD_SIZE, 32);
}

#[test]
fn static_tuples_inside_arrays_are_inline() {
    // (uint256,address)[] with one element: length, then the two words in place.
    let data = abi::encode(&vec![(U256::from(1), Address::repeat_byte(2))]);
    assert_eq!(data.len(), 32 + 32 + 64);
    assert_eq!(&data[..32], &abi::encode(&U256::from(32))[..]);
    assert_eq!(&data[32..64], &abi::encode(&U256::from(1))[..]);
}
