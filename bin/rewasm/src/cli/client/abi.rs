//! The Solidity ABI as the command line needs it: types from signatures
//! (`"transfer(address,uint256)"`, `"balanceOf(address)(uint256)"`) and from ABI JSON, values
//! from command-line strings, call data encoded from them and return data decoded for printing.
//!
//! This is our own small codec rather than alloy-dyn-abi: alloy-primitives carries optional
//! CC0-licensed dependencies (secp256k1, bitcoin_hashes, …) that `cargo metadata` lists and the
//! licence check would have to except, and a second `digest` generation next to the one `sha3`
//! 0.10 uses. The part of the ABI a CLI needs is small and fully specified.
//!
//! Decoding treats the return data as hostile: every offset and length is bounds-checked, a
//! length can never make us allocate more elements than the data could hold, and words that do
//! not fit their type (a `uint8` above 255, an address with high bytes, a bool other than 0/1)
//! are errors, as ethers and web3.py treat them.

use primitive_types::{H160, U256};
use rewasm_node::tx::keccak256;
use rewasm_primitives::text::{self, Prefix};

/// Why a type, signature, argument or return value is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(super) enum AbiError {
    /// A type name that is not a Solidity ABI type.
    #[error("invalid ABI type {ty:?}: {detail}")]
    Type {
        /// The type as written.
        ty: String,
        /// What is wrong with it.
        detail: String,
    },
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

/// A Solidity ABI type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AbiType {
    /// `uintN`, N in 8..=256 by 8.
    Uint(usize),
    /// `intN`, N in 8..=256 by 8.
    Int(usize),
    /// `address`.
    Address,
    /// `bool`.
    Bool,
    /// `bytesN`, N in 1..=32.
    FixedBytes(usize),
    /// `bytes`.
    Bytes,
    /// `string`.
    String,
    /// `T[]`.
    Array(Box<AbiType>),
    /// `T[N]`, N ≥ 1.
    FixedArray(Box<AbiType>, usize),
    /// `(T1,…,Tn)`, n ≥ 1.
    Tuple(Vec<AbiType>),
}

/// A decoded or parsed ABI value. Values describe their own encoding (static or dynamic), so
/// encoding needs no type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AbiValue {
    /// An unsigned integer.
    Uint(U256),
    /// A signed integer in 256-bit two's complement.
    Int(U256),
    /// An address.
    Address(H160),
    /// A bool.
    Bool(bool),
    /// `bytesN`: N bytes, right-padded when encoded.
    FixedBytes(Vec<u8>),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// `string`.
    String(String),
    /// `T[]`.
    Array(Vec<AbiValue>),
    /// `T[N]`.
    FixedArray(Vec<AbiValue>),
    /// A tuple.
    Tuple(Vec<AbiValue>),
}

/// A parsed function signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Signature {
    /// The function name.
    pub name: String,
    /// The parameter types.
    pub inputs: Vec<AbiType>,
    /// The return types (empty when the signature gives none).
    pub outputs: Vec<AbiType>,
}

impl AbiType {
    /// Parses a type name: `uint256`, `uint` (= `uint256`), `bytes32`, `address[]`,
    /// `(uint256,string)[2]`, `tuple(address,bool)`.
    pub(super) fn parse(text: &str) -> Result<Self, AbiError> {
        let ty = text.trim();
        let err = |detail: &str| AbiError::Type {
            ty: text.to_string(),
            detail: detail.to_string(),
        };
        if let Some(body) = ty.strip_suffix(']') {
            let open = body.rfind('[').ok_or_else(|| err("unbalanced ']'"))?;
            let (element, size) = (body.get(..open).unwrap_or(""), body.get(open + 1..));
            let element = Box::new(Self::parse(element)?);
            return match size.unwrap_or("") {
                "" => Ok(Self::Array(element)),
                n => match n.parse::<usize>() {
                    Ok(0) => Err(err("a fixed-size array needs at least one element")),
                    Ok(n) => Ok(Self::FixedArray(element, n)),
                    Err(_) => Err(err("array size is not a number")),
                },
            };
        }
        let tuple_body = ty
            .strip_prefix("tuple")
            .unwrap_or(ty)
            .strip_prefix('(')
            .and_then(|rest| rest.strip_suffix(')'));
        if let Some(body) = tuple_body {
            let parts = split_top_level(body).map_err(|detail| err(&detail))?;
            if parts.is_empty() {
                return Err(err("an empty tuple is not a type"));
            }
            return parts
                .into_iter()
                .map(|part| Self::parse(first_word(part)))
                .collect::<Result<Vec<_>, _>>()
                .map(Self::Tuple);
        }
        match ty {
            "address" => return Ok(Self::Address),
            "bool" => return Ok(Self::Bool),
            "bytes" => return Ok(Self::Bytes),
            "string" => return Ok(Self::String),
            "uint" => return Ok(Self::Uint(256)),
            "int" => return Ok(Self::Int(256)),
            _ => {}
        }
        let sized = |prefix: &str| {
            ty.strip_prefix(prefix)
                .filter(|digits| !digits.is_empty() && !digits.starts_with('0'))
                .and_then(|digits| digits.parse::<usize>().ok())
        };
        if let Some(bits) = sized("uint") {
            return int_bits(bits).map(Self::Uint).map_err(|d| err(&d));
        }
        if let Some(bits) = sized("int") {
            return int_bits(bits).map(Self::Int).map_err(|d| err(&d));
        }
        if let Some(size) = sized("bytes") {
            return if (1..=32).contains(&size) {
                Ok(Self::FixedBytes(size))
            } else {
                Err(err("bytesN needs N from 1 to 32"))
            };
        }
        Err(err("unknown type"))
    }

    /// Builds a type from a parameter of an ABI JSON document (`{"type": "tuple[]",
    /// "components": [...]}` included).
    pub(super) fn from_json(param: &serde_json::Value) -> Result<Self, AbiError> {
        let ty = param
            .get("type")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| AbiError::Json(format!("parameter without a \"type\": {param}")))?;
        let Some(suffix) = ty.strip_prefix("tuple") else {
            return Self::parse(ty);
        };
        let components = param
            .get("components")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| {
                AbiError::Json(format!("tuple parameter without \"components\": {param}"))
            })?;
        let tuple = components
            .iter()
            .map(Self::from_json)
            .collect::<Result<Vec<_>, _>>()
            .map(Self::Tuple)?;
        let mut wrapped = tuple;
        let mut rest = suffix;
        while let Some(after_open) = rest.strip_prefix('[') {
            let close = after_open.find(']').ok_or_else(|| AbiError::Type {
                ty: ty.to_string(),
                detail: "unbalanced '['".to_string(),
            })?;
            let size = after_open.get(..close).unwrap_or("");
            wrapped = if size.is_empty() {
                Self::Array(Box::new(wrapped))
            } else {
                let n = size
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| AbiError::Type {
                        ty: ty.to_string(),
                        detail: "array size is not a positive number".to_string(),
                    })?;
                Self::FixedArray(Box::new(wrapped), n)
            };
            rest = after_open.get(close + 1..).unwrap_or("");
        }
        if rest.is_empty() {
            Ok(wrapped)
        } else {
            Err(AbiError::Type {
                ty: ty.to_string(),
                detail: "unexpected text after \"tuple\"".to_string(),
            })
        }
    }

    /// The canonical name, as selectors hash it.
    pub(super) fn canonical(&self) -> String {
        match self {
            Self::Uint(bits) => format!("uint{bits}"),
            Self::Int(bits) => format!("int{bits}"),
            Self::Address => "address".to_string(),
            Self::Bool => "bool".to_string(),
            Self::FixedBytes(n) => format!("bytes{n}"),
            Self::Bytes => "bytes".to_string(),
            Self::String => "string".to_string(),
            Self::Array(element) => format!("{}[]", element.canonical()),
            Self::FixedArray(element, n) => format!("{}[{n}]", element.canonical()),
            Self::Tuple(items) => format!("({})", canonical_list(items)),
        }
    }

    fn is_dynamic(&self) -> bool {
        match self {
            Self::Bytes | Self::String | Self::Array(_) => true,
            Self::FixedArray(element, _) => element.is_dynamic(),
            Self::Tuple(items) => items.iter().any(Self::is_dynamic),
            _ => false,
        }
    }

    /// Bytes the type takes in the head of an enclosing sequence.
    fn head_size(&self) -> usize {
        if self.is_dynamic() {
            return 32;
        }
        match self {
            Self::FixedArray(element, n) => element.head_size().saturating_mul(*n),
            Self::Tuple(items) => items.iter().map(Self::head_size).sum(),
            _ => 32,
        }
    }

    /// Parses a command-line value of this type. Numbers are decimal or `0x` hex (ints may have a
    /// leading `-`); addresses and bytes are `0x` hex; bools are `true`/`false`; arrays are
    /// `[a, b]` and tuples `(a, b)`, with strings inside them optionally in double quotes.
    pub(super) fn parse_value(&self, text: &str) -> Result<AbiValue, AbiError> {
        self.parse_value_at(text, false)
    }

    fn parse_value_at(&self, text: &str, nested: bool) -> Result<AbiValue, AbiError> {
        let err = |detail: &str| AbiError::Value {
            ty: self.canonical(),
            value: text.to_string(),
            detail: detail.to_string(),
        };
        let trimmed = if nested { text.trim() } else { text };
        match self {
            Self::Uint(bits) => {
                let value = parse_u256(trimmed).map_err(|d| err(&d))?;
                if value.bits() > *bits {
                    return Err(err(&format!("does not fit {bits} bits")));
                }
                Ok(AbiValue::Uint(value))
            }
            Self::Int(bits) => {
                let (negative, digits) = match trimmed.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, trimmed),
                };
                let magnitude = parse_u256(digits).map_err(|d| err(&d))?;
                let limit = U256::one() << (bits - 1);
                if (negative && magnitude > limit) || (!negative && magnitude >= limit) {
                    return Err(err(&format!("does not fit {bits} signed bits")));
                }
                Ok(AbiValue::Int(if negative {
                    negate(magnitude)
                } else {
                    magnitude
                }))
            }
            Self::Address => parse_address(trimmed)
                .map(AbiValue::Address)
                .map_err(|d| err(&d)),
            Self::Bool => match trimmed {
                "true" => Ok(AbiValue::Bool(true)),
                "false" => Ok(AbiValue::Bool(false)),
                _ => Err(err("expected true or false")),
            },
            Self::FixedBytes(n) => {
                let bytes = parse_hex(trimmed).map_err(|d| err(&d))?;
                if bytes.len() != *n {
                    return Err(err(&format!("expected {n} bytes, got {}", bytes.len())));
                }
                Ok(AbiValue::FixedBytes(bytes))
            }
            Self::Bytes => parse_hex(trimmed).map(AbiValue::Bytes).map_err(|d| err(&d)),
            Self::String => {
                let unquoted = if nested {
                    trimmed
                        .strip_prefix('"')
                        .and_then(|s| s.strip_suffix('"'))
                        .unwrap_or(trimmed)
                } else {
                    trimmed
                };
                Ok(AbiValue::String(unquoted.to_string()))
            }
            Self::Array(element) | Self::FixedArray(element, _) => {
                let body = trimmed
                    .strip_prefix('[')
                    .and_then(|s| s.strip_suffix(']'))
                    .ok_or_else(|| err("expected [a, b, …]"))?;
                let items = split_top_level(body)
                    .map_err(|d| err(&d))?
                    .into_iter()
                    .map(|item| element.parse_value_at(item, true))
                    .collect::<Result<Vec<_>, _>>()?;
                match self {
                    Self::FixedArray(_, n) if items.len() != *n => {
                        Err(err(&format!("expected {n} elements, got {}", items.len())))
                    }
                    Self::FixedArray(..) => Ok(AbiValue::FixedArray(items)),
                    _ => Ok(AbiValue::Array(items)),
                }
            }
            Self::Tuple(types) => {
                let body = trimmed
                    .strip_prefix('(')
                    .and_then(|s| s.strip_suffix(')'))
                    .ok_or_else(|| err("expected (a, b, …)"))?;
                let items = split_top_level(body).map_err(|d| err(&d))?;
                if items.len() != types.len() {
                    return Err(err(&format!(
                        "expected {} components, got {}",
                        types.len(),
                        items.len()
                    )));
                }
                types
                    .iter()
                    .zip(items)
                    .map(|(ty, item)| ty.parse_value_at(item, true))
                    .collect::<Result<Vec<_>, _>>()
                    .map(AbiValue::Tuple)
            }
        }
    }
}

fn int_bits(bits: usize) -> Result<usize, String> {
    if bits.is_multiple_of(8) && (8..=256).contains(&bits) {
        Ok(bits)
    } else {
        Err("integer width must be a multiple of 8 from 8 to 256".to_string())
    }
}

/// The canonical names of `types`, comma-separated.
pub(super) fn canonical_list(types: &[AbiType]) -> String {
    types
        .iter()
        .map(AbiType::canonical)
        .collect::<Vec<_>>()
        .join(",")
}

/// The first whitespace-separated word: a parameter written with a name (`address owner`) is
/// its type.
fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// Splits at commas outside brackets, parentheses and double quotes; an empty (or all-blank)
/// input has no parts.
fn split_top_level(text: &str) -> Result<Vec<&str>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '(' | '[' if !in_quotes => depth += 1,
            ')' | ']' if !in_quotes => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| format!("unbalanced {c:?}"))?;
            }
            ',' if !in_quotes && depth == 0 => {
                parts.push(text.get(start..i).unwrap_or(""));
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 || in_quotes {
        return Err("unbalanced brackets or quotes".to_string());
    }
    parts.push(text.get(start..).unwrap_or(""));
    Ok(parts)
}

impl Signature {
    /// Parses `name(types)` optionally followed by `(return types)`; parameter names are allowed
    /// and ignored (`transfer(address to, uint256 amount)`).
    pub(super) fn parse(text: &str) -> Result<Self, AbiError> {
        let err = |detail: String| AbiError::Signature {
            signature: text.to_string(),
            detail,
        };
        let sig = text.trim();
        let open = sig
            .find('(')
            .ok_or_else(|| err("no parameter list".to_string()))?;
        let name = sig.get(..open).unwrap_or("").trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(err(format!("{name:?} is not a function name")));
        }
        let rest = sig.get(open..).unwrap_or("");
        let (inputs, rest) = parenthesised(rest).map_err(&err)?;
        let rest = rest.trim();
        let rest = rest.strip_prefix("returns").map_or(rest, str::trim_start);
        let outputs = if rest.is_empty() {
            Vec::new()
        } else {
            let (outputs, trailing) = parenthesised(rest).map_err(&err)?;
            if !trailing.trim().is_empty() {
                return Err(err(format!("unexpected {:?} at the end", trailing.trim())));
            }
            parse_list(outputs)?
        };
        Ok(Self {
            name: name.to_string(),
            inputs: parse_list(inputs)?,
            outputs,
        })
    }

    /// `name(canonical input types)`.
    pub(super) fn canonical(&self) -> String {
        format!("{}({})", self.name, canonical_list(&self.inputs))
    }

    /// The 4-byte selector.
    pub(super) fn selector(&self) -> [u8; 4] {
        selector(&self.canonical())
    }

    /// Selector followed by the encoded arguments parsed from `args`.
    pub(super) fn encode_call(&self, args: &[String]) -> Result<Vec<u8>, AbiError> {
        let values = parse_args(&self.canonical(), &self.inputs, args)?;
        let mut data = self.selector().to_vec();
        data.extend(encode(&values));
        Ok(data)
    }
}

/// The 4-byte selector of a canonical signature.
pub(super) fn selector(canonical: &str) -> [u8; 4] {
    let hash = keccak256(canonical.as_bytes());
    let mut out = [0u8; 4];
    out.copy_from_slice(hash.as_bytes().get(..4).unwrap_or(&[0; 4]));
    out
}

/// Splits `(inner)rest` at the parenthesis matching the first one.
fn parenthesised(text: &str) -> Result<(&str, &str), String> {
    if !text.starts_with('(') {
        return Err(format!("expected '(' at {text:?}"));
    }
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok((
                        text.get(1..i).unwrap_or(""),
                        text.get(i + 1..).unwrap_or(""),
                    ));
                }
            }
            _ => {}
        }
    }
    Err("unbalanced parentheses".to_string())
}

fn parse_list(text: &str) -> Result<Vec<AbiType>, AbiError> {
    split_top_level(text)
        .map_err(|detail| AbiError::Type {
            ty: text.to_string(),
            detail,
        })?
        .into_iter()
        .map(|part| AbiType::parse(first_word(part)))
        .collect()
}

/// Parses one command-line argument per type.
pub(super) fn parse_args(
    what: &str,
    types: &[AbiType],
    args: &[String],
) -> Result<Vec<AbiValue>, AbiError> {
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
        .map(|(ty, arg)| ty.parse_value(arg))
        .collect()
}

/// The constructor's parameter types from an ABI JSON document (none without a constructor).
pub(super) fn constructor_inputs(abi: &serde_json::Value) -> Result<Vec<AbiType>, AbiError> {
    let entries = abi
        .as_array()
        .ok_or_else(|| AbiError::Json("the document is not an array".to_string()))?;
    let Some(constructor) = entries
        .iter()
        .find(|entry| entry.get("type").and_then(serde_json::Value::as_str) == Some("constructor"))
    else {
        return Ok(Vec::new());
    };
    match constructor.get("inputs") {
        None => Ok(Vec::new()),
        Some(serde_json::Value::Array(inputs)) => inputs.iter().map(AbiType::from_json).collect(),
        Some(other) => Err(AbiError::Json(format!(
            "constructor \"inputs\" is not an array: {other}"
        ))),
    }
}

impl AbiValue {
    fn is_dynamic(&self) -> bool {
        match self {
            Self::Bytes(_) | Self::String(_) | Self::Array(_) => true,
            Self::FixedArray(items) | Self::Tuple(items) => items.iter().any(Self::is_dynamic),
            _ => false,
        }
    }

    /// Writes the value in its Solidity form for people: decimal numbers, checksummed
    /// addresses, `0x` bytes, `[a, b]` arrays and `(a, b)` tuples; strings nested in arrays or
    /// tuples are quoted, a top-level string is printed as it is.
    pub(super) fn display(&self) -> String {
        self.display_at(false)
    }

    fn display_at(&self, nested: bool) -> String {
        let list = |items: &[AbiValue]| {
            items
                .iter()
                .map(|item| item.display_at(true))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Self::Uint(value) => value.to_string(),
            Self::Int(value) => signed_to_string(*value),
            Self::Address(address) => checksum_address(address),
            Self::Bool(value) => value.to_string(),
            Self::FixedBytes(bytes) | Self::Bytes(bytes) => format!("0x{}", hex::encode(bytes)),
            Self::String(text) if nested => serde_json::Value::String(text.clone()).to_string(),
            Self::String(text) => text.clone(),
            Self::Array(items) | Self::FixedArray(items) => format!("[{}]", list(items)),
            Self::Tuple(items) => format!("({})", list(items)),
        }
    }

    /// The value as JSON: numbers as decimal strings (they exceed JSON's safe integers),
    /// addresses checksummed, bytes as `0x` hex, arrays and tuples as arrays.
    pub(super) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Self::Uint(value) => Value::String(value.to_string()),
            Self::Int(value) => Value::String(signed_to_string(*value)),
            Self::Address(address) => Value::String(checksum_address(address)),
            Self::Bool(value) => Value::Bool(*value),
            Self::FixedBytes(bytes) | Self::Bytes(bytes) => {
                Value::String(format!("0x{}", hex::encode(bytes)))
            }
            Self::String(text) => Value::String(text.clone()),
            Self::Array(items) | Self::FixedArray(items) | Self::Tuple(items) => {
                Value::Array(items.iter().map(Self::to_json).collect())
            }
        }
    }
}

/// Encodes a sequence of values as a tuple (function arguments, constructor arguments).
pub(super) fn encode(values: &[AbiValue]) -> Vec<u8> {
    let head_size: usize = values.iter().map(head_size).sum();
    let mut head = Vec::with_capacity(head_size);
    let mut tail = Vec::new();
    for value in values {
        if value.is_dynamic() {
            head.extend_from_slice(&word(U256::from(head_size + tail.len())));
            tail.extend(encode_one(value));
        } else {
            head.extend(encode_one(value));
        }
    }
    head.extend(tail);
    head
}

fn head_size(value: &AbiValue) -> usize {
    match value {
        _ if value.is_dynamic() => 32,
        AbiValue::FixedArray(items) | AbiValue::Tuple(items) => items.iter().map(head_size).sum(),
        _ => 32,
    }
}

fn encode_one(value: &AbiValue) -> Vec<u8> {
    match value {
        AbiValue::Uint(v) | AbiValue::Int(v) => word(*v).to_vec(),
        AbiValue::Address(address) => {
            let mut out = vec![0u8; 12];
            out.extend_from_slice(address.as_bytes());
            out
        }
        AbiValue::Bool(b) => word(U256::from(u8::from(*b))).to_vec(),
        AbiValue::FixedBytes(bytes) => padded(bytes),
        AbiValue::Bytes(bytes) => {
            let mut out = word(U256::from(bytes.len())).to_vec();
            out.extend(padded(bytes));
            out
        }
        AbiValue::String(text) => {
            let mut out = word(U256::from(text.len())).to_vec();
            out.extend(padded(text.as_bytes()));
            out
        }
        AbiValue::Array(items) => {
            let mut out = word(U256::from(items.len())).to_vec();
            out.extend(encode(items));
            out
        }
        AbiValue::FixedArray(items) | AbiValue::Tuple(items) => encode(items),
    }
}

fn word(value: U256) -> [u8; 32] {
    value.to_big_endian()
}

/// Right-pads to a multiple of 32 bytes.
fn padded(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out.resize(bytes.len().div_ceil(32) * 32, 0);
    out
}

/// Decodes return data (or event data) as the tuple of `types`.
pub(super) fn decode(types: &[AbiType], data: &[u8]) -> Result<Vec<AbiValue>, AbiError> {
    decode_seq(types.iter(), data).map_err(|detail| AbiError::Decode {
        types: canonical_list(types),
        len: data.len(),
        detail,
    })
}

/// Decodes a sequence whose head starts at `data[0]`; offsets are relative to it.
fn decode_seq<'a>(
    types: impl Iterator<Item = &'a AbiType>,
    data: &[u8],
) -> Result<Vec<AbiValue>, String> {
    let mut values = Vec::new();
    let mut pos = 0usize;
    for ty in types {
        let value = if ty.is_dynamic() {
            let offset = read_usize(data, pos)?;
            let tail = data
                .get(offset..)
                .ok_or_else(|| format!("offset {offset} at byte {pos} is past the end"))?;
            decode_one(ty, tail)?
        } else {
            let at = data
                .get(pos..)
                .ok_or_else(|| format!("data ends before byte {pos}"))?;
            decode_one(ty, at)?
        };
        values.push(value);
        pos = pos
            .checked_add(ty.head_size())
            .ok_or_else(|| "head size overflows".to_string())?;
    }
    Ok(values)
}

fn read_word(data: &[u8], pos: usize) -> Result<U256, String> {
    let end = pos.checked_add(32).ok_or("offset overflows")?;
    data.get(pos..end)
        .map(U256::from_big_endian)
        .ok_or_else(|| format!("data ends inside the word at byte {pos}"))
}

fn read_usize(data: &[u8], pos: usize) -> Result<usize, String> {
    let value = read_word(data, pos)?;
    if value.bits() > 32 {
        return Err(format!(
            "offset or length {value} at byte {pos} is too large"
        ));
    }
    usize::try_from(value.low_u64()).map_err(|_| format!("{value} does not fit usize"))
}

/// Checks that `count` elements of head size `element` can fit in `available` bytes, so a
/// hostile length cannot make us loop or allocate beyond the data.
fn check_count(count: usize, element: &AbiType, available: usize) -> Result<(), String> {
    let need = count
        .checked_mul(element.head_size().max(1))
        .ok_or("array length overflows")?;
    if need > available {
        return Err(format!(
            "{count} elements of {} need {need} bytes, only {available} remain",
            element.canonical()
        ));
    }
    Ok(())
}

fn decode_one(ty: &AbiType, data: &[u8]) -> Result<AbiValue, String> {
    let canonical = || ty.canonical();
    match ty {
        AbiType::Uint(bits) => {
            let value = read_word(data, 0)?;
            if value.bits() > *bits {
                return Err(format!("{value} does not fit {}", canonical()));
            }
            Ok(AbiValue::Uint(value))
        }
        AbiType::Int(bits) => {
            let value = read_word(data, 0)?;
            let sign_extended = if *bits == 256 {
                true
            } else {
                let high = value >> (bits - 1);
                high.is_zero() || high == (U256::MAX >> (bits - 1))
            };
            if !sign_extended {
                return Err(format!("word is not a sign-extended {}", canonical()));
            }
            Ok(AbiValue::Int(value))
        }
        AbiType::Address => {
            let bytes = data.get(..32).ok_or("data ends inside an address")?;
            let (high, low) = bytes.split_at(12);
            if high.iter().any(|&b| b != 0) {
                return Err("address word has non-zero high bytes".to_string());
            }
            Ok(AbiValue::Address(H160::from_slice(low)))
        }
        AbiType::Bool => match read_word(data, 0)? {
            v if v.is_zero() => Ok(AbiValue::Bool(false)),
            v if v == U256::one() => Ok(AbiValue::Bool(true)),
            v => Err(format!("{v} is not a bool")),
        },
        AbiType::FixedBytes(n) => {
            let bytes = data.get(..32).ok_or("data ends inside a bytesN")?;
            let (value, padding) = bytes.split_at(*n);
            if padding.iter().any(|&b| b != 0) {
                return Err(format!("{} has non-zero padding", canonical()));
            }
            Ok(AbiValue::FixedBytes(value.to_vec()))
        }
        AbiType::Bytes | AbiType::String => {
            let len = read_usize(data, 0)?;
            let bytes = data
                .get(32..)
                .and_then(|rest| rest.get(..len))
                .ok_or_else(|| format!("{} of length {len} runs past the end", canonical()))?;
            if *ty == AbiType::Bytes {
                Ok(AbiValue::Bytes(bytes.to_vec()))
            } else {
                String::from_utf8(bytes.to_vec())
                    .map(AbiValue::String)
                    .map_err(|_| "string is not UTF-8".to_string())
            }
        }
        AbiType::Array(element) => {
            let len = read_usize(data, 0)?;
            let items = data.get(32..).unwrap_or_default();
            check_count(len, element, items.len())?;
            decode_seq(std::iter::repeat_n(element.as_ref(), len), items).map(AbiValue::Array)
        }
        AbiType::FixedArray(element, n) => {
            check_count(*n, element, data.len())?;
            decode_seq(std::iter::repeat_n(element.as_ref(), *n), data).map(AbiValue::FixedArray)
        }
        AbiType::Tuple(items) => decode_seq(items.iter(), data).map(AbiValue::Tuple),
    }
}

/// The reason in `Error(string)` revert data, or a description of a `Panic(uint256)` or custom
/// error; `None` for empty data.
pub(super) fn revert_reason(data: &[u8]) -> Option<String> {
    const ERROR_STRING: [u8; 4] = [0x08, 0xc3, 0x79, 0xa0];
    const PANIC: [u8; 4] = [0x4e, 0x48, 0x7b, 0x71];
    let (selector, body) = (data.get(..4)?, data.get(4..).unwrap_or_default());
    if selector == ERROR_STRING
        && let Ok(values) = decode(&[AbiType::String], body)
        && let [AbiValue::String(reason)] = values.as_slice()
    {
        return Some(reason.clone());
    }
    if selector == PANIC
        && let Ok(values) = decode(&[AbiType::Uint(256)], body)
        && let [AbiValue::Uint(code)] = values.as_slice()
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
    let lower = hex::encode(address.as_bytes());
    let hash = keccak256(lower.as_bytes());
    let nibble = |i: usize| {
        let byte = hash.as_bytes().get(i / 2).copied().unwrap_or(0);
        if i.is_multiple_of(2) {
            byte >> 4
        } else {
            byte & 0x0f
        }
    };
    let body: String = lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if nibble(i) >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    format!("0x{body}")
}

fn negate(value: U256) -> U256 {
    (!value).overflowing_add(U256::one()).0
}

fn signed_to_string(value: U256) -> String {
    if value.bit(255) {
        format!("-{}", negate(value))
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn selectors_match_the_erc20_ones() {
        let transfer = Signature::parse("transfer(address,uint256)").unwrap();
        assert_eq!(hex::encode(transfer.selector()), "a9059cbb");
        let balance = Signature::parse("balanceOf(address owner)(uint256)").unwrap();
        assert_eq!(hex::encode(balance.selector()), "70a08231");
        assert_eq!(balance.outputs, vec![AbiType::Uint(256)]);
        let with_returns = Signature::parse("totalSupply() returns (uint)").unwrap();
        assert_eq!(with_returns.canonical(), "totalSupply()");
        assert_eq!(with_returns.outputs, vec![AbiType::Uint(256)]);
    }

    #[test]
    fn types_parse_to_their_canonical_names() {
        for (text, canonical) in [
            ("uint", "uint256"),
            ("int8", "int8"),
            ("bytes32", "bytes32"),
            ("address[]", "address[]"),
            ("uint256[2][]", "uint256[2][]"),
            ("(uint256,string)[2]", "(uint256,string)[2]"),
            ("tuple(address,bool)", "(address,bool)"),
        ] {
            assert_eq!(
                AbiType::parse(text).unwrap().canonical(),
                canonical,
                "{text}"
            );
        }
        for bad in [
            "uint7", "uint264", "bytes0", "bytes33", "uint08", "float", "()", "uint[0]", "(uint",
        ] {
            assert!(AbiType::parse(bad).is_err(), "{bad} should be rejected");
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
        let types = [AbiType::String, AbiType::String, AbiType::Uint(256)];
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
    fn nested_arrays_and_tuples_round_trip() {
        let ty = AbiType::parse("(uint8,string[],int16)[]").unwrap();
        let value = ty
            .parse_value(r#"[(1, ["a", "b,c"], -2), (255, [], 300)]"#)
            .unwrap();
        let encoded = encode(std::slice::from_ref(&value));
        let decoded = decode(std::slice::from_ref(&ty), &encoded).unwrap();
        assert_eq!(decoded, vec![value.clone()]);
        assert_eq!(
            value.display(),
            r#"[(1, ["a", "b,c"], -2), (255, [], 300)]"#
        );
        assert_eq!(
            value.to_json(),
            serde_json::json!([["1", ["a", "b,c"], "-2"], ["255", [], "300"]])
        );
    }

    #[test]
    fn values_out_of_range_are_rejected_with_the_type() {
        let err = AbiType::Uint(8).parse_value("256").unwrap_err();
        assert_eq!(
            err.to_string(),
            "argument \"256\" is not a valid uint8: does not fit 8 bits"
        );
        assert!(AbiType::Int(8).parse_value("-128").is_ok());
        assert!(AbiType::Int(8).parse_value("-129").is_err());
        assert!(AbiType::Int(8).parse_value("128").is_err());
        assert!(AbiType::Address.parse_value("0x1234").is_err());
        assert!(AbiType::Bool.parse_value("yes").is_err());
        assert!(AbiType::FixedBytes(2).parse_value("0x01").is_err());
        assert!(AbiType::Uint(256).parse_value("12a").is_err());
        let count = parse_args("f(uint256)", &[AbiType::Uint(256)], &[]).unwrap_err();
        assert_eq!(
            count.to_string(),
            "f(uint256) takes 1 argument(s) (uint256), got 0"
        );
    }

    #[test]
    fn negative_ints_are_twos_complement() {
        let value = AbiType::Int(256).parse_value("-1").unwrap();
        assert_eq!(encode(std::slice::from_ref(&value)), vec![0xff; 32]);
        assert_eq!(value.display(), "-1");
        let minus_128 = [vec![0xff; 31], vec![0x80]].concat();
        assert_eq!(
            decode(&[AbiType::Int(8)], &minus_128).unwrap(),
            vec![AbiType::Int(8).parse_value("-128").unwrap()]
        );
        let not_extended = [vec![0u8; 31], vec![0x80]].concat();
        assert!(decode(&[AbiType::Int(8)], &not_extended).is_err());
        assert_eq!(
            decode(&[AbiType::Int(16)], &not_extended).unwrap()[0].display(),
            "128"
        );
    }

    #[test]
    fn hostile_return_data_is_an_error_not_a_panic() {
        let string = [AbiType::String];
        let mut huge_length = word(U256::from(32)).to_vec();
        huge_length.extend(word(U256::from(u32::MAX)));
        assert!(decode(&string, &huge_length).is_err());
        let huge_offset = word(U256::MAX).to_vec();
        assert!(decode(&string, &huge_offset).is_err());
        let array = [AbiType::parse("uint256[]").unwrap()];
        let mut many = word(U256::from(32)).to_vec();
        many.extend(word(U256::from(1_000_000_000u64)));
        assert!(decode(&array, &many).is_err());
        assert!(decode(&[AbiType::Uint(256)], &[0u8; 31]).is_err());
        assert!(decode(&[AbiType::Uint(8)], &word(U256::from(256))).is_err());
        assert!(decode(&[AbiType::Bool], &word(U256::from(2))).is_err());
        let mut dirty_address = vec![1u8];
        dirty_address.extend([0u8; 31]);
        assert!(decode(&[AbiType::Address], &dirty_address).is_err());
    }

    #[test]
    fn constructor_types_come_from_the_abi_json() {
        let abi = serde_json::json!([
            {"type": "function", "name": "x", "inputs": [], "outputs": []},
            {"type": "constructor", "inputs": [
                {"name": "name", "type": "string"},
                {"name": "pairs", "type": "tuple[2][]", "components": [
                    {"name": "a", "type": "address"}, {"name": "b", "type": "uint8"}
                ]}
            ]}
        ]);
        let types = constructor_inputs(&abi).unwrap();
        assert_eq!(canonical_list(&types), "string,(address,uint8)[2][]");
        assert!(
            constructor_inputs(&serde_json::json!([]))
                .unwrap()
                .is_empty()
        );
        assert!(constructor_inputs(&serde_json::json!({})).is_err());
    }

    #[test]
    fn revert_data_gives_the_reason() {
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        data.extend(encode(&[AbiValue::String(
            "ERC20: transfer amount exceeds balance".to_string(),
        )]));
        assert_eq!(
            revert_reason(&data).unwrap(),
            "ERC20: transfer amount exceeds balance"
        );
        let mut panic = vec![0x4e, 0x48, 0x7b, 0x71];
        panic.extend(word(U256::from(0x11)));
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
    use proptest::prelude::*;

    use super::*;

    fn leaf_type() -> impl Strategy<Value = AbiType> {
        prop_oneof![
            (1usize..=32).prop_map(|bytes| AbiType::Uint(bytes * 8)),
            Just(AbiType::Int(256)),
            Just(AbiType::Address),
            Just(AbiType::Bool),
            (1usize..=32).prop_map(AbiType::FixedBytes),
            Just(AbiType::Bytes),
            Just(AbiType::String),
        ]
    }

    fn any_type() -> impl Strategy<Value = AbiType> {
        leaf_type().prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|t| AbiType::Array(Box::new(t))),
                (inner.clone(), 1usize..3).prop_map(|(t, n)| AbiType::FixedArray(Box::new(t), n)),
                proptest::collection::vec(inner, 1..3).prop_map(AbiType::Tuple),
            ]
        })
    }

    fn word() -> impl Strategy<Value = U256> {
        proptest::array::uniform32(any::<u8>()).prop_map(|b| U256::from_big_endian(&b))
    }

    /// A value of type `ty`: integers within the type's width, byte strings of any length.
    fn value_of(ty: &AbiType) -> BoxedStrategy<AbiValue> {
        match ty {
            AbiType::Uint(bits) => {
                let bits = *bits;
                word()
                    .prop_map(move |w| {
                        let mask = if bits == 256 {
                            U256::MAX
                        } else {
                            (U256::one() << bits) - 1
                        };
                        AbiValue::Uint(w & mask)
                    })
                    .boxed()
            }
            AbiType::Int(_) => word().prop_map(AbiValue::Int).boxed(),
            AbiType::Address => proptest::array::uniform20(any::<u8>())
                .prop_map(|a| AbiValue::Address(H160(a)))
                .boxed(),
            AbiType::Bool => any::<bool>().prop_map(AbiValue::Bool).boxed(),
            AbiType::FixedBytes(n) => proptest::collection::vec(any::<u8>(), *n)
                .prop_map(AbiValue::FixedBytes)
                .boxed(),
            AbiType::Bytes => proptest::collection::vec(any::<u8>(), 0..70)
                .prop_map(AbiValue::Bytes)
                .boxed(),
            AbiType::String => ".{0,40}".prop_map(AbiValue::String).boxed(),
            AbiType::Array(inner) => proptest::collection::vec(value_of(inner), 0..3)
                .prop_map(AbiValue::Array)
                .boxed(),
            AbiType::FixedArray(inner, n) => proptest::collection::vec(value_of(inner), *n)
                .prop_map(AbiValue::FixedArray)
                .boxed(),
            AbiType::Tuple(items) => items
                .iter()
                .map(value_of)
                .collect::<Vec<_>>()
                .prop_map(AbiValue::Tuple)
                .boxed(),
        }
    }

    fn typed_values() -> impl Strategy<Value = (Vec<AbiType>, Vec<AbiValue>)> {
        proptest::collection::vec(any_type(), 0..4).prop_flat_map(|types| {
            let values: Vec<_> = types.iter().map(value_of).collect();
            (Just(types), values)
        })
    }

    proptest! {
        /// What the CLI encodes for a call, it decodes back from a result, for every type shape.
        #[test]
        fn encode_then_decode_is_the_identity((types, values) in typed_values()) {
            let encoded = encode(&values);
            prop_assert_eq!(encoded.len() % 32, 0);
            prop_assert_eq!(decode(&types, &encoded).unwrap(), values);
        }
    }
}

/// The contract SDK's typed ABI codec (`rewasm_sdk::abi`, what contracts run) against this one
/// (what the CLI sends and reads): two independent implementations of the same spec must
/// produce the same bytes and read each other's output back, for every type the SDK maps.
#[cfg(test)]
mod sdk_agreement {
    use proptest::prelude::*;
    use rewasm_sdk::abi::{self as sdk, Decode, Encode};
    use rewasm_sdk::{Address, H256};

    use super::*;

    /// The CLI's value for an SDK value.
    trait AsCli {
        fn as_cli(&self) -> AbiValue;
    }

    macro_rules! unsigned {
        ($($t:ty),*) => {$(
            impl AsCli for $t {
                fn as_cli(&self) -> AbiValue {
                    AbiValue::Uint(U256::from(*self))
                }
            }
        )*};
    }
    unsigned!(u8, u16, u32, u64, u128);

    macro_rules! signed {
        ($($t:ty),*) => {$(
            impl AsCli for $t {
                fn as_cli(&self) -> AbiValue {
                    let magnitude = U256::from(self.unsigned_abs());
                    AbiValue::Int(if *self < 0 { negate(magnitude) } else { magnitude })
                }
            }
        )*};
    }
    signed!(i8, i16, i32, i64, i128);

    impl AsCli for U256 {
        fn as_cli(&self) -> AbiValue {
            AbiValue::Uint(*self)
        }
    }

    impl AsCli for bool {
        fn as_cli(&self) -> AbiValue {
            AbiValue::Bool(*self)
        }
    }

    impl AsCli for Address {
        fn as_cli(&self) -> AbiValue {
            AbiValue::Address(*self)
        }
    }

    impl AsCli for H256 {
        fn as_cli(&self) -> AbiValue {
            AbiValue::FixedBytes(self.as_bytes().to_vec())
        }
    }

    impl<const N: usize> AsCli for [u8; N] {
        fn as_cli(&self) -> AbiValue {
            AbiValue::FixedBytes(self.to_vec())
        }
    }

    impl AsCli for String {
        fn as_cli(&self) -> AbiValue {
            AbiValue::String(self.clone())
        }
    }

    /// `Vec<u8>` is `bytes`; any other vector is `T[]`.
    trait ElementsAsCli {
        fn vec_as_cli(items: &[Self]) -> AbiValue
        where
            Self: Sized;
    }

    impl<T: ElementsAsCli> AsCli for Vec<T> {
        fn as_cli(&self) -> AbiValue {
            T::vec_as_cli(self)
        }
    }

    impl ElementsAsCli for u8 {
        fn vec_as_cli(items: &[Self]) -> AbiValue {
            AbiValue::Bytes(items.to_vec())
        }
    }

    macro_rules! array_elements {
        ($($t:ty),*) => {$(
            impl ElementsAsCli for $t {
                fn vec_as_cli(items: &[Self]) -> AbiValue {
                    AbiValue::Array(items.iter().map(AsCli::as_cli).collect())
                }
            }
        )*};
    }
    array_elements!(
        u64,
        U256,
        i32,
        bool,
        Address,
        String,
        Vec<u8>,
        Vec<U256>,
        (u32, Vec<u8>)
    );

    macro_rules! tuples {
        ($(($($t:ident $i:tt),+))*) => {$(
            impl<$($t: AsCli),+> AsCli for ($($t,)+) {
                fn as_cli(&self) -> AbiValue {
                    AbiValue::Tuple(vec![$(self.$i.as_cli()),+])
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

    /// The parameter types of the SDK tuple `T`, as the CLI parses its Solidity name.
    fn cli_params<T: sdk::AbiType>() -> Vec<AbiType> {
        match AbiType::parse(&sdk::type_name::<T>()) {
            Ok(AbiType::Tuple(types)) => types,
            other => panic!("{}: {other:?}", sdk::type_name::<T>()),
        }
    }

    /// Both codecs agree on `params` (a tuple, encoded as a parameter list).
    fn agree<T>(params: &T) -> Result<(), TestCaseError>
    where
        T: Encode + Decode + AsCli + Clone + PartialEq + std::fmt::Debug,
    {
        let AbiValue::Tuple(values) = params.as_cli() else {
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
                prop_assert_eq!(value.as_cli(), AbiValue::Tuple(values));
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

    fn address() -> impl Strategy<Value = Address> {
        proptest::array::uniform20(any::<u8>()).prop_map(Address::from)
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
