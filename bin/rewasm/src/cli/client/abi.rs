//! The Solidity ABI as the command line needs it, on alloy's `dyn-abi` and `json-abi`: types
//! from signatures (`"transfer(address,uint256)"`, `"balanceOf(address)(uint256)"`, or
//! `"f(uint) returns (bool)"`) and from ABI JSON, values from command-line strings (alloy's
//! coercion: decimal or `0x` numbers, units such as `1.5ether`, `[a, b]` arrays, `(a, b)`
//! tuples), call data encoded from them, and return data decoded for printing.
//!
//! Decoding treats the return data as hostile. alloy bounds every offset and length; on top of
//! it every integer must fit its width and every `bytesN` be zero beyond N, and static results
//! (the common `balanceOf(address)(uint256)` kind) must be their canonical encoding: a bool 0 or
//! 1, an address without high bytes. Inside dynamic results bools and addresses are read as
//! alloy and cast read them (not zero; the low 20 bytes), and a `string` that is not UTF-8 is
//! read with U+FFFD for what does not decode, as alloy reads it.

use alloy_dyn_abi::{DynSolType, DynSolValue, Specifier};
use alloy_json_abi::{Function, JsonAbi};
use alloy_primitives::{Address, I256};
use primitive_types::{H160, U256};
use rewasm_primitives::text::{self, Prefix};

/// Why a type, signature, argument or return value is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum AbiError {
    /// A function signature that does not parse.
    #[error(
        "invalid signature {signature:?}: {detail} (expected e.g. \"transfer(address,uint256)\" or \"balanceOf(address)(uint256)\")"
    )]
    Signature {
        /// The signature as written.
        signature: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A command-line value that does not fit its type.
    #[error("argument {value:?} is not a valid {ty}: {detail}")]
    Value {
        /// The canonical type name.
        ty: String,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        detail: String,
    },
    /// The number of arguments differs from the number of parameters.
    #[error("{what} takes {expected} argument(s) ({types}), got {got}")]
    ArgumentCount {
        /// The function or constructor.
        what: String,
        /// The parameter types, comma-separated.
        types: String,
        /// How many parameters there are.
        expected: usize,
        /// How many arguments were given.
        got: usize,
    },
    /// Return data that is not a valid encoding of the expected types.
    #[error("cannot decode {types} from {len} bytes of return data: {detail}")]
    Decode {
        /// The expected types, comma-separated.
        types: String,
        /// The length of the data.
        len: usize,
        /// Where decoding failed.
        detail: String,
    },
    /// An ABI JSON document without the expected shape.
    #[error("ABI JSON: {0}")]
    Json(String),
}

/// A parsed function signature with its parameter and return types resolved.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Signature {
    function: Function,
    /// The parameter types.
    pub inputs: Vec<DynSolType>,
    /// The return types (empty when the signature gives none).
    pub outputs: Vec<DynSolType>,
}

impl Signature {
    /// Parses `name(types)` optionally followed by `(return types)` (cast's form) or
    /// `returns (return types)` (Solidity's); parameter names are allowed and ignored.
    pub(super) fn parse(text: &str) -> Result<Self, AbiError> {
        let err = |detail: String| AbiError::Signature {
            signature: text.to_string(),
            detail,
        };
        let function =
            Function::parse(&solidity_form(text.trim())).map_err(|error| err(error.to_string()))?;
        let resolve = |params: &[alloy_json_abi::Param]| {
            params
                .iter()
                .map(|param| param.resolve().map_err(|error| err(error.to_string())))
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            inputs: resolve(&function.inputs)?,
            outputs: resolve(&function.outputs)?,
            function,
        })
    }

    /// `name(canonical input types)`.
    pub(super) fn canonical(&self) -> String {
        self.function.signature()
    }

    /// The 4-byte selector.
    pub(super) fn selector(&self) -> [u8; 4] {
        self.function.selector().0
    }

    /// Selector followed by the encoded arguments parsed from `args`.
    pub(super) fn encode_call(&self, args: &[String]) -> Result<Vec<u8>, AbiError> {
        let values = parse_args(&self.canonical(), &self.inputs, args)?;
        let mut data = self.selector().to_vec();
        data.extend(encode(&values));
        Ok(data)
    }
}

/// cast's `name(inputs)(outputs)` as Solidity's `name(inputs) returns (outputs)`, which alloy
/// parses; any other text unchanged.
fn solidity_form(signature: &str) -> String {
    let mut depth = 0usize;
    for (index, character) in signature.char_indices() {
        match character {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    let (head, rest) = signature.split_at(index + 1);
                    return match rest.trim_start() {
                        outputs if outputs.starts_with('(') => format!("{head} returns {outputs}"),
                        _ => signature.to_string(),
                    };
                }
            }
            _ => {}
        }
    }
    signature.to_string()
}

/// The types comma-separated, as in a canonical signature.
pub(super) fn canonical_list(types: &[DynSolType]) -> String {
    types
        .iter()
        .map(DynSolType::sol_type_name)
        .collect::<Vec<_>>()
        .join(",")
}

/// Parses one command-line argument per type.
pub(super) fn parse_args(
    what: &str,
    types: &[DynSolType],
    args: &[String],
) -> Result<Vec<DynSolValue>, AbiError> {
    if types.len() != args.len() {
        return Err(AbiError::ArgumentCount {
            what: what.to_string(),
            types: canonical_list(types),
            expected: types.len(),
            got: args.len(),
        });
    }
    types
        .iter()
        .zip(args)
        .map(|(ty, arg)| {
            ty.coerce_str(arg).map_err(|error| AbiError::Value {
                ty: ty.sol_type_name().into_owned(),
                value: arg.clone(),
                detail: error.to_string(),
            })
        })
        .collect()
}

/// The constructor's parameter types from an ABI JSON document (none without a constructor).
pub(super) fn constructor_inputs(abi: &serde_json::Value) -> Result<Vec<DynSolType>, AbiError> {
    let abi: JsonAbi =
        serde_json::from_value(abi.clone()).map_err(|error| AbiError::Json(error.to_string()))?;
    let Some(constructor) = abi.constructor() else {
        return Ok(Vec::new());
    };
    constructor
        .inputs
        .iter()
        .map(|param| {
            param.resolve().map_err(|error| {
                AbiError::Json(format!("constructor input {}: {error}", param.name))
            })
        })
        .collect()
}

/// Encodes a sequence of values as a tuple (function arguments, constructor arguments).
pub(super) fn encode(values: &[DynSolValue]) -> Vec<u8> {
    DynSolValue::Tuple(values.to_vec()).abi_encode_params()
}

/// Decodes `data` as the tuple of `types`, strictly (see the module documentation). Bytes
/// after the encoding are ignored, as clients ignore them.
pub(super) fn decode(types: &[DynSolType], data: &[u8]) -> Result<Vec<DynSolValue>, AbiError> {
    let err = |detail: String| AbiError::Decode {
        types: canonical_list(types),
        len: data.len(),
        detail,
    };
    let decoded = DynSolType::Tuple(types.to_vec())
        .abi_decode_params(data)
        .map_err(|error| err(error.to_string()))?;
    let DynSolValue::Tuple(values) = decoded else {
        return Err(err("the decoder returned no tuple".to_string()));
    };
    values.iter().try_for_each(within_width).map_err(err)?;
    // alloy reads a bool as "not zero" and an address from its low 20 bytes; for static types
    // the canonical re-encoding shows what a dirty word held. Dynamic data may place its parts
    // at other offsets than the canonical ones, so there only the widths are checked.
    if !types.iter().any(DynSolType::is_dynamic) {
        let canonical = encode(&values);
        if data.get(..canonical.len()) != Some(canonical.as_slice()) {
            return Err(err(
                "not the canonical encoding: a bool other than 0 or 1, or an address with high \
                 bytes"
                    .to_string(),
            ));
        }
    }
    Ok(values)
}

/// An error unless every integer fits its width and every `bytesN` is zero beyond N: alloy
/// decodes the whole word, so its re-encoding would repeat what was sent.
fn within_width(value: &DynSolValue) -> Result<(), String> {
    match value {
        DynSolValue::Uint(word, bits) if *bits < 256 && word.bit_len() > *bits => {
            Err(format!("{word} does not fit uint{bits}"))
        }
        DynSolValue::Int(word, bits)
            if *bits < 256 && ![I256::ZERO, I256::MINUS_ONE].contains(&word.asr(bits - 1)) =>
        {
            Err(format!("{word} does not fit int{bits}"))
        }
        DynSolValue::FixedBytes(word, size)
            if word
                .get(*size..)
                .is_some_and(|rest| rest.iter().any(|b| *b != 0)) =>
        {
            Err(format!(
                "bytes{size} with non-zero bytes after the first {size}"
            ))
        }
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            items.iter().try_for_each(within_width)
        }
        _ => Ok(()),
    }
}

/// The value in its Solidity form for people: decimal numbers, checksummed addresses, `0x`
/// bytes, `[a, b]` arrays and `(a, b)` tuples; strings nested in arrays or tuples are quoted, a
/// top-level string is printed as it is.
pub(super) fn display(value: &DynSolValue) -> String {
    display_at(value, false)
}

fn display_at(value: &DynSolValue, nested: bool) -> String {
    let list = |items: &[DynSolValue]| {
        items
            .iter()
            .map(|item| display_at(item, true))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match value {
        DynSolValue::String(text) if nested => serde_json::Value::String(text.clone()).to_string(),
        DynSolValue::String(text) => text.clone(),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => format!("[{}]", list(items)),
        DynSolValue::Tuple(items) => format!("({})", list(items)),
        scalar => scalar_text(scalar),
    }
}

/// The value as JSON: numbers as decimal strings (they exceed JSON's safe integers),
/// addresses checksummed, bytes as `0x` hex, arrays and tuples as arrays.
pub(super) fn to_json(value: &DynSolValue) -> serde_json::Value {
    use serde_json::Value;
    match value {
        DynSolValue::Bool(flag) => Value::Bool(*flag),
        DynSolValue::String(text) => Value::String(text.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            Value::Array(items.iter().map(to_json).collect())
        }
        scalar => Value::String(scalar_text(scalar)),
    }
}

/// A value that is not a string, array or tuple, as text.
fn scalar_text(value: &DynSolValue) -> String {
    match value {
        DynSolValue::Uint(word, _) => word.to_string(),
        DynSolValue::Int(word, _) => word.to_string(),
        DynSolValue::Address(address) => address.to_checksum(None),
        DynSolValue::Bool(flag) => flag.to_string(),
        DynSolValue::FixedBytes(word, size) => {
            format!("0x{}", hex::encode(word.get(..*size).unwrap_or_default()))
        }
        DynSolValue::Bytes(bytes) => format!("0x{}", hex::encode(bytes)),
        DynSolValue::Function(function) => format!("0x{}", hex::encode(function.as_slice())),
        other => format!("{other:?}"),
    }
}

/// The reason in `Error(string)` revert data, or a description of a `Panic(uint256)` or custom
/// error; `None` for empty data.
pub(super) fn revert_reason(data: &[u8]) -> Option<String> {
    const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
    const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];
    let (selector, body) = (data.get(..4)?, data.get(4..).unwrap_or_default());
    if selector == ERROR_STRING
        && let Ok(values) = decode(&[DynSolType::String], body)
        && let [DynSolValue::String(reason)] = values.as_slice()
    {
        return Some(reason.clone());
    }
    if selector == PANIC
        && let Ok(values) = decode(&[DynSolType::Uint(256)], body)
        && let [DynSolValue::Uint(code, _)] = values.as_slice()
    {
        return Some(format!("panic code {code:#x}"));
    }
    Some(format!("custom error 0x{}", hex::encode(data)))
}

/// Parses a decimal or `0x`-hex unsigned number.
pub(super) fn parse_u256(text: &str) -> Result<U256, String> {
    text::number(text).map_err(|e| e.to_string())
}

/// Parses `0x` followed by 40 hex digits (any case; the checksum is not enforced).
pub(super) fn parse_address(text: &str) -> Result<H160, String> {
    text::address(text, Prefix::Required).map_err(|e| e.to_string())
}

/// Parses `0x`-prefixed hex (`0x` alone is empty).
pub(super) fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    text::hex_bytes(text, Prefix::Required).map_err(|e| e.to_string())
}

/// EIP-55 mixed-case checksum form.
pub(super) fn checksum_address(address: &H160) -> String {
    Address::from(address.0).to_checksum(None)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::U256 as Word;

    use super::*;

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn ty(text: &str) -> DynSolType {
        text.parse().unwrap()
    }

    fn word(value: u64) -> Vec<u8> {
        Word::from(value).to_be_bytes::<32>().to_vec()
    }

    #[test]
    fn selectors_match_the_erc20_ones() {
        let transfer = Signature::parse("transfer(address,uint256)").unwrap();
        assert_eq!(hex::encode(transfer.selector()), "a9059cbb");
        let balance = Signature::parse("balanceOf(address owner)(uint256)").unwrap();
        assert_eq!(hex::encode(balance.selector()), "70a08231");
        assert_eq!(balance.outputs, vec![DynSolType::Uint(256)]);
        let with_returns = Signature::parse("totalSupply() returns (uint)").unwrap();
        assert_eq!(with_returns.canonical(), "totalSupply()");
        assert_eq!(with_returns.outputs, vec![DynSolType::Uint(256)]);
        let nested = Signature::parse("f((uint8,bool)[] items)((address,string))").unwrap();
        assert_eq!(nested.canonical(), "f((uint8,bool)[])");
        assert_eq!(canonical_list(&nested.outputs), "(address,string)");
        for bad in [
            "transfer",
            "1x()",
            "f(uint7)",
            "f(uint256",
            "f()(uint) extra",
        ] {
            assert!(Signature::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn a_transfer_call_encodes_like_solidity() {
        let sig = Signature::parse("transfer(address,uint256)").unwrap();
        let data = sig
            .encode_call(&args(&[
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                "100",
            ]))
            .unwrap();
        assert_eq!(
            hex::encode(data),
            "a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8\
             0000000000000000000000000000000000000000000000000000000000000064"
        );
    }

    #[test]
    fn dynamic_values_use_offsets_and_padding() {
        // Solidity: abi.encode("Token", "TKN", 1000)
        let types = [
            DynSolType::String,
            DynSolType::String,
            DynSolType::Uint(256),
        ];
        let values = parse_args("constructor", &types, &args(&["Token", "TKN", "1000"])).unwrap();
        let encoded = encode(&values);
        let expected = [
            "0000000000000000000000000000000000000000000000000000000000000060",
            "00000000000000000000000000000000000000000000000000000000000000a0",
            "00000000000000000000000000000000000000000000000000000000000003e8",
            "0000000000000000000000000000000000000000000000000000000000000005",
            "546f6b656e000000000000000000000000000000000000000000000000000000",
            "0000000000000000000000000000000000000000000000000000000000000003",
            "544b4e0000000000000000000000000000000000000000000000000000000000",
        ]
        .concat();
        assert_eq!(hex::encode(&encoded), expected);
        assert_eq!(decode(&types, &encoded).unwrap(), values);
    }

    #[test]
    fn nested_arrays_and_tuples_round_trip_and_print() {
        let types = [ty("(uint8,string[],int16)[]")];
        let values = parse_args(
            "f",
            &types,
            &args(&[r#"[(1, ["a", "b,c"], -2), (255, [], 300)]"#]),
        )
        .unwrap();
        let decoded = decode(&types, &encode(&values)).unwrap();
        assert_eq!(decoded, values);
        assert_eq!(
            display(&values[0]),
            r#"[(1, ["a", "b,c"], -2), (255, [], 300)]"#
        );
        assert_eq!(
            to_json(&values[0]),
            serde_json::json!([["1", ["a", "b,c"], "-2"], ["255", [], "300"]])
        );
        let address = parse_args(
            "f",
            &[DynSolType::Address],
            &args(&["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"]),
        )
        .unwrap();
        assert_eq!(
            display(&address[0]),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(
            display(&parse_args("f", &[ty("bytes2")], &args(&["0xbeef"])).unwrap()[0]),
            "0xbeef"
        );
    }

    #[test]
    fn values_out_of_range_are_rejected_with_the_type() {
        let error = parse_args("f", &[DynSolType::Uint(8)], &args(&["256"])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("argument \"256\" is not a valid uint8: "),
            "{error}"
        );
        assert!(parse_args("f", &[DynSolType::Int(8)], &args(&["-128"])).is_ok());
        for (bad_type, bad) in [
            ("int8", "-129"),
            ("int8", "128"),
            ("address", "0x1234"),
            ("bool", "yes"),
            ("bytes2", "0x01"),
            ("uint256", "12a"),
        ] {
            assert!(
                parse_args("f", &[ty(bad_type)], &args(&[bad])).is_err(),
                "{bad} as {bad_type}"
            );
        }
        let count = parse_args("f(uint256)", &[DynSolType::Uint(256)], &[]).unwrap_err();
        assert_eq!(
            count.to_string(),
            "f(uint256) takes 1 argument(s) (uint256), got 0"
        );
    }

    #[test]
    fn negative_ints_are_twos_complement() {
        let value = parse_args("f", &[DynSolType::Int(256)], &args(&["-1"])).unwrap();
        assert_eq!(encode(&value), vec![0xff; 32]);
        assert_eq!(display(&value[0]), "-1");
        let minus_128 = [vec![0xff; 31], vec![0x80]].concat();
        assert_eq!(
            display(&decode(&[DynSolType::Int(8)], &minus_128).unwrap()[0]),
            "-128"
        );
        let not_extended = [vec![0u8; 31], vec![0x80]].concat();
        assert!(decode(&[DynSolType::Int(8)], &not_extended).is_err());
        assert_eq!(
            display(&decode(&[DynSolType::Int(16)], &not_extended).unwrap()[0]),
            "128"
        );
    }

    #[test]
    fn hostile_return_data_is_an_error_not_a_panic() {
        let string = [DynSolType::String];
        let mut huge_length = word(32);
        huge_length.extend(word(u64::from(u32::MAX)));
        assert!(decode(&string, &huge_length).is_err());
        let huge_offset = vec![0xff; 32];
        assert!(decode(&string, &huge_offset).is_err());
        let mut many = word(32);
        many.extend(word(1_000_000_000));
        assert!(decode(&[ty("uint256[]")], &many).is_err());
        assert!(decode(&[DynSolType::Uint(256)], &[0u8; 31]).is_err());
        assert!(decode(&[DynSolType::Uint(8)], &word(256)).is_err());
        assert!(decode(&[DynSolType::Bool], &word(2)).is_err());
        assert!(decode(&[ty("bytes1")], &[vec![1, 1], vec![0; 30]].concat()).is_err());
        let mut dirty_address = vec![1u8];
        dirty_address.extend([0u8; 31]);
        assert!(decode(&[DynSolType::Address], &dirty_address).is_err());
        let mut deep = String::from("uint8");
        for _ in 0..40 {
            deep = format!("{deep}[]");
        }
        if let Ok(deep) = deep.parse::<DynSolType>() {
            let mut nested = Vec::new();
            for _ in 0..64 {
                nested.extend(word(32));
            }
            assert!(decode(&[deep], &nested).is_err());
        }
    }

    #[test]
    fn constructor_types_come_from_the_abi_json() {
        let abi = serde_json::json!([
            {"type": "function", "name": "x", "inputs": [], "outputs": [], "stateMutability": "view"},
            {"type": "constructor", "inputs": [
                {"name": "name", "type": "string"},
                {"name": "pairs", "type": "tuple[2][]", "components": [
                    {"name": "a", "type": "address"}, {"name": "b", "type": "uint8"}
                ]}
            ], "stateMutability": "nonpayable"}
        ]);
        let types = constructor_inputs(&abi).unwrap();
        assert_eq!(canonical_list(&types), "string,(address,uint8)[2][]");
        assert!(
            constructor_inputs(&serde_json::json!([]))
                .unwrap()
                .is_empty()
        );
        assert!(constructor_inputs(&serde_json::json!({"not": "an abi"})).is_err());
    }

    #[test]
    fn revert_data_gives_the_reason() {
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        data.extend(encode(&[DynSolValue::String(
            "ERC20: transfer amount exceeds balance".to_string(),
        )]));
        assert_eq!(
            revert_reason(&data).unwrap(),
            "ERC20: transfer amount exceeds balance"
        );
        let mut panic = vec![0x4e, 0x48, 0x7b, 0x71];
        panic.extend(word(0x11));
        assert_eq!(revert_reason(&panic).unwrap(), "panic code 0x11");
        assert_eq!(
            revert_reason(&[0xde, 0xad, 0xbe, 0xef]).unwrap(),
            "custom error 0xdeadbeef"
        );
        assert_eq!(revert_reason(&[]), None);
    }

    #[test]
    fn addresses_print_with_the_eip55_checksum() {
        let address = parse_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266").unwrap();
        assert_eq!(
            checksum_address(&address),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }
}

#[cfg(test)]
mod round_trip {
    use alloy_primitives::{B256, U256 as Word};
    use proptest::prelude::*;

    use super::*;

    fn leaf_type() -> impl Strategy<Value = DynSolType> {
        prop_oneof![
            (1usize..=32).prop_map(|bytes| DynSolType::Uint(bytes * 8)),
            (1usize..=32).prop_map(|bytes| DynSolType::Int(bytes * 8)),
            Just(DynSolType::Address),
            Just(DynSolType::Bool),
            (1usize..=32).prop_map(DynSolType::FixedBytes),
            Just(DynSolType::Bytes),
            Just(DynSolType::String),
        ]
    }

    fn any_type() -> impl Strategy<Value = DynSolType> {
        leaf_type().prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| DynSolType::Array(Box::new(t))),
                (inner.clone(), 1usize..3)
                    .prop_map(|(t, n)| DynSolType::FixedArray(Box::new(t), n)),
                proptest::collection::vec(inner, 1..3).prop_map(DynSolType::Tuple),
            ]
        })
    }

    fn word() -> impl Strategy<Value = Word> {
        proptest::array::uniform32(any::<u8>()).prop_map(Word::from_be_bytes)
    }

    /// A value of type `ty`: integers within the type's width, byte strings of any length.
    fn value_of(ty: &DynSolType) -> BoxedStrategy<DynSolValue> {
        match ty {
            DynSolType::Uint(bits) => {
                let bits = *bits;
                word()
                    .prop_map(move |w| DynSolValue::Uint(w >> (256 - bits), bits))
                    .boxed()
            }
            DynSolType::Int(bits) => {
                let bits = *bits;
                word()
                    .prop_map(move |w| DynSolValue::Int(I256::from_raw(w).asr(256 - bits), bits))
                    .boxed()
            }
            DynSolType::Address => proptest::array::uniform20(any::<u8>())
                .prop_map(|a| DynSolValue::Address(Address::from(a)))
                .boxed(),
            DynSolType::Bool => any::<bool>().prop_map(DynSolValue::Bool).boxed(),
            DynSolType::FixedBytes(n) => {
                let n = *n;
                proptest::collection::vec(any::<u8>(), n)
                    .prop_map(move |bytes| {
                        DynSolValue::FixedBytes(B256::right_padding_from(&bytes), n)
                    })
                    .boxed()
            }
            DynSolType::Bytes => proptest::collection::vec(any::<u8>(), 0..70)
                .prop_map(DynSolValue::Bytes)
                .boxed(),
            DynSolType::String => ".{0,40}".prop_map(DynSolValue::String).boxed(),
            DynSolType::Array(inner) => proptest::collection::vec(value_of(inner), 0..3)
                .prop_map(DynSolValue::Array)
                .boxed(),
            DynSolType::FixedArray(inner, n) => proptest::collection::vec(value_of(inner), *n)
                .prop_map(DynSolValue::FixedArray)
                .boxed(),
            DynSolType::Tuple(items) => items
                .iter()
                .map(value_of)
                .collect::<Vec<_>>()
                .prop_map(DynSolValue::Tuple)
                .boxed(),
            other => panic!("no values of {other:?} here"),
        }
    }

    fn typed_values() -> impl Strategy<Value = (Vec<DynSolType>, Vec<DynSolValue>)> {
        proptest::collection::vec(any_type(), 0..4).prop_flat_map(|types| {
            let values: Vec<_> = types.iter().map(value_of).collect();
            (Just(types), values)
        })
    }

    proptest! {
        /// What the CLI encodes for a call, it decodes back from a result, for every type shape,
        /// and prints the way it parses.
        #[test]
        fn encode_then_decode_is_the_identity((types, values) in typed_values()) {
            let encoded = encode(&values);
            prop_assert_eq!(encoded.len() % 32, 0);
            prop_assert_eq!(decode(&types, &encoded).unwrap(), values);
        }

        /// Arbitrary bytes never panic the strict decoder.
        #[test]
        fn any_data_decodes_or_fails(types in proptest::collection::vec(any_type(), 1..3),
                                     data in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&types, &data);
        }
    }
}

/// The contract SDK's typed ABI codec (`rewasm_sdk::abi`, what contracts run) against alloy's
/// (what the CLI sends and reads): two independent implementations of the same spec must
/// produce the same bytes and read each other's output back, for every type the SDK maps.
#[cfg(test)]
mod sdk_agreement {
    use alloy_primitives::{B256, U256 as Word};
    use proptest::prelude::*;
    use rewasm_sdk::H256;
    use rewasm_sdk::abi::{self as sdk, Decode, Encode};

    use super::*;

    /// The CLI's value for an SDK value.
    trait AsCli {
        fn as_cli(&self) -> DynSolValue;
    }

    macro_rules! unsigned {
        ($($t:ty),*) => {$(
            impl AsCli for $t {
                fn as_cli(&self) -> DynSolValue {
                    DynSolValue::Uint(Word::from(*self), <$t>::BITS as usize)
                }
            }
        )*};
    }
    unsigned!(u8, u16, u32, u64, u128);

    macro_rules! signed {
        ($($t:ty),*) => {$(
            impl AsCli for $t {
                fn as_cli(&self) -> DynSolValue {
                    DynSolValue::Int(I256::try_from(*self).unwrap(), <$t>::BITS as usize)
                }
            }
        )*};
    }
    signed!(i8, i16, i32, i64, i128);

    impl AsCli for U256 {
        fn as_cli(&self) -> DynSolValue {
            DynSolValue::Uint(Word::from_be_bytes(self.to_big_endian()), 256)
        }
    }

    impl AsCli for bool {
        fn as_cli(&self) -> DynSolValue {
            DynSolValue::Bool(*self)
        }
    }

    impl AsCli for H160 {
        fn as_cli(&self) -> DynSolValue {
            DynSolValue::Address(Address::from(self.0))
        }
    }

    impl AsCli for H256 {
        fn as_cli(&self) -> DynSolValue {
            DynSolValue::FixedBytes(B256::from(self.0), 32)
        }
    }

    impl<const N: usize> AsCli for [u8; N] {
        fn as_cli(&self) -> DynSolValue {
            DynSolValue::FixedBytes(B256::right_padding_from(self), N)
        }
    }

    impl AsCli for String {
        fn as_cli(&self) -> DynSolValue {
            DynSolValue::String(self.clone())
        }
    }

    /// `Vec<u8>` is `bytes`; any other vector is `T[]`.
    trait ElementsAsCli {
        fn vec_as_cli(items: &[Self]) -> DynSolValue
        where
            Self: Sized;
    }

    impl<T: ElementsAsCli> AsCli for Vec<T> {
        fn as_cli(&self) -> DynSolValue {
            T::vec_as_cli(self)
        }
    }

    impl ElementsAsCli for u8 {
        fn vec_as_cli(items: &[Self]) -> DynSolValue {
            DynSolValue::Bytes(items.to_vec())
        }
    }

    macro_rules! array_elements {
        ($($t:ty),*) => {$(
            impl ElementsAsCli for $t {
                fn vec_as_cli(items: &[Self]) -> DynSolValue {
                    DynSolValue::Array(items.iter().map(AsCli::as_cli).collect())
                }
            }
        )*};
    }
    array_elements!(
        u64,
        U256,
        i32,
        bool,
        H160,
        String,
        Vec<u8>,
        Vec<U256>,
        (u32, Vec<u8>)
    );

    macro_rules! tuples {
        ($(($($t:ident $i:tt),+))*) => {$(
            impl<$($t: AsCli),+> AsCli for ($($t,)+) {
                fn as_cli(&self) -> DynSolValue {
                    DynSolValue::Tuple(vec![$(self.$i.as_cli()),+])
                }
            }
        )*};
    }
    tuples! {
        (A 0, B 1)
        (A 0, B 1, C 2)
        (A 0, B 1, C 2, D 3)
        (A 0, B 1, C 2, D 3, E 4)
        (A 0, B 1, C 2, D 3, E 4, F 5)
    }

    /// The parameter types of the SDK tuple `T`, as alloy parses its Solidity name.
    fn cli_params<T: sdk::AbiType>() -> Vec<DynSolType> {
        match sdk::type_name::<T>().parse::<DynSolType>() {
            Ok(DynSolType::Tuple(types)) => types,
            other => panic!("{}: {other:?}", sdk::type_name::<T>()),
        }
    }

    /// Both codecs agree on `params` (a tuple, encoded as a parameter list).
    fn agree<T>(params: &T) -> Result<(), TestCaseError>
    where
        T: Encode + Decode + AsCli + Clone + PartialEq + std::fmt::Debug,
    {
        let DynSolValue::Tuple(values) = params.as_cli() else {
            panic!("parameters are a tuple");
        };
        let ours = sdk::encode(params);
        prop_assert_eq!(&ours, &encode(&values), "SDK and CLI encode differently");
        prop_assert_eq!(sdk::decode::<T>(&ours), Ok(params.clone()));
        prop_assert_eq!(decode(&cli_params::<T>(), &ours).ok(), Some(values));
        Ok(())
    }

    /// One byte of a valid encoding changed: if both codecs accept the result they read the same
    /// value; the SDK (strict like Solidity's coder v2) never accepts what the CLI rejects.
    fn agree_on_corruption<T>(params: &T, at: usize, byte: u8) -> Result<(), TestCaseError>
    where
        T: Encode + Decode + AsCli + std::fmt::Debug,
    {
        let mut data = sdk::encode(params);
        if data.is_empty() {
            return Ok(());
        }
        let at = at % data.len();
        data[at] = byte;
        let theirs = decode(&cli_params::<T>(), &data);
        match (sdk::decode::<T>(&data), theirs) {
            (Ok(value), Ok(values)) => {
                prop_assert_eq!(value.as_cli(), DynSolValue::Tuple(values));
            }
            (Ok(value), Err(err)) => {
                prop_assert!(false, "SDK accepts {value:?}, CLI rejects: {err}");
            }
            (Err(_), _) => {}
        }
        Ok(())
    }

    fn word() -> impl Strategy<Value = U256> {
        proptest::array::uniform32(any::<u8>()).prop_map(|b| U256::from_big_endian(&b))
    }

    fn address() -> impl Strategy<Value = H160> {
        proptest::array::uniform20(any::<u8>()).prop_map(H160::from)
    }

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..70)
    }

    fn small_vec<S: Strategy>(element: S) -> impl Strategy<Value = Vec<S::Value>> {
        proptest::collection::vec(element, 0..4)
    }

    proptest! {
        #[test]
        fn unsigned_integers(v in (any::<u8>(), any::<u16>(), any::<u32>(), any::<u64>(),
                                   any::<u128>(), word())) {
            agree(&v)?;
        }

        #[test]
        fn signed_integers_and_bools(v in (any::<i8>(), any::<i16>(), any::<i32>(),
                                           any::<i64>(), any::<i128>(), any::<bool>())) {
            agree(&v)?;
        }

        #[test]
        fn addresses_and_fixed_bytes(v in (address(),
                                           proptest::array::uniform32(any::<u8>()).prop_map(H256),
                                           any::<[u8; 1]>(), any::<[u8; 7]>(),
                                           proptest::array::uniform31(any::<u8>()),
                                           proptest::array::uniform32(any::<u8>()))) {
            agree(&v)?;
        }

        #[test]
        fn dynamic_values(v in (bytes(), ".{0,40}", small_vec(any::<u64>()),
                                small_vec(address()))) {
            agree(&v)?;
        }

        #[test]
        fn nested_values(v in (small_vec(".{0,20}"), small_vec(bytes()),
                               small_vec(small_vec(word())),
                               small_vec((any::<u32>(), bytes())),
                               (any::<bool>(), ".{0,20}"),
                               small_vec(any::<i32>()))) {
            agree(&v)?;
        }

        #[test]
        fn corrupted_static_encodings(v in (any::<u8>(), any::<i16>(), any::<bool>(), address(),
                                            any::<[u8; 7]>()),
                                      at in any::<usize>(), byte in any::<u8>()) {
            agree_on_corruption(&v, at, byte)?;
        }

        #[test]
        fn corrupted_dynamic_encodings(v in (bytes(), ".{0,40}", small_vec(small_vec(word())),
                                             small_vec((any::<u32>(), bytes()))),
                                       at in any::<usize>(), byte in any::<u8>()) {
            agree_on_corruption(&v, at, byte)?;
        }
    }
}
