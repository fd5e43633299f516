//! Strict parsing of JSON-RPC parameters, with geth's error texts.
//!
//! Parameters are positional. Each is parsed by a function that knows its Go type in geth, so
//! a bad value gets the message a geth node would give ("invalid argument 0: json: cannot
//! unmarshal hex string without 0x prefix into Go value of type common.Address") and clients
//! that show the message show the same thing for both. Parsing is strict where geth is: an
//! address is exactly 20 bytes, a hash 32, quantities have no leading zeros and fit their type,
//! data has an even number of digits.

use std::collections::BTreeMap;

use primitive_types::{H160, H256, U256};
use serde_json::{Map, Value};

use super::error::RpcError;
use super::filters::{
    EXCEED_MAX_ADDRESSES, EXCEED_MAX_TOPICS, MAX_ADDRESSES, MAX_SUB_TOPICS, MAX_TOPICS,
};
use crate::chain::CallRequest;
use crate::chain::overrides::{AccountOverride, BlockOverrides, StateOverrides, StorageOverride};

/// A parser of one value; `field` names the struct field for nested values (Go's wording).
pub type Parser<T> = fn(&Value, Option<&str>) -> Result<T, String>;

/// The positional parameters of one call.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Args {
    values: Vec<Value>,
}

impl Args {
    /// Reads the raw `params` member, allowing at most `max` parameters.
    pub fn parse(raw: Option<&str>, max: usize) -> Result<Self, RpcError> {
        let values = match raw {
            None => Vec::new(),
            Some(text) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(values)) => values,
                Ok(Value::Null) => Vec::new(),
                Ok(_) => return Err(RpcError::invalid_params("non-array args")),
                Err(error) => return Err(RpcError::invalid_params(error.to_string())),
            },
        };
        if values.len() > max {
            return Err(RpcError::invalid_params(format!(
                "too many arguments, want at most {max}"
            )));
        }
        Ok(Self { values })
    }

    /// The parameter at `index`, which must be present (and not null).
    pub fn required<T>(&self, index: usize, parse: Parser<T>) -> Result<T, RpcError> {
        self.optional(index, parse)?.ok_or_else(|| {
            RpcError::invalid_params(format!("missing value for required argument {index}"))
        })
    }

    /// The parameter at `index`; `None` when absent or null.
    pub fn optional<T>(&self, index: usize, parse: Parser<T>) -> Result<Option<T>, RpcError> {
        match self.values.get(index) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => parse(value, None)
                .map(Some)
                .map_err(|why| RpcError::invalid_argument(index, why)),
        }
    }
}

/// Go's `json.UnmarshalTypeError` text.
fn unmarshal_error(what: &str, go_type: &str, field: Option<&str>) -> String {
    match field {
        Some(field) => {
            format!("json: cannot unmarshal {what} into Go struct field {field} of type {go_type}")
        }
        None => format!("json: cannot unmarshal {what} into Go value of type {go_type}"),
    }
}

/// The JSON kind as Go's decoder names it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The hex digits of a `0x`-prefixed string, with hexutil's errors.
fn hex_text<'a>(value: &'a Value, go_type: &str, field: Option<&str>) -> Result<&'a str, String> {
    let Value::String(text) = value else {
        return Err(unmarshal_error("non-string", go_type, field));
    };
    text.strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or_else(|| unmarshal_error("hex string without 0x prefix", go_type, field))
}

fn decode_digits(digits: &str, go_type: &str, field: Option<&str>) -> Result<Vec<u8>, String> {
    if digits.len() % 2 == 1 {
        return Err(unmarshal_error("hex string of odd length", go_type, field));
    }
    hex::decode(digits).map_err(|_| unmarshal_error("invalid hex string", go_type, field))
}

fn fixed<const N: usize>(
    value: &Value,
    go_type: &str,
    field: Option<&str>,
) -> Result<[u8; N], String> {
    let digits = hex_text(value, go_type, field)?;
    if digits.len() != 2 * N {
        return Err(format!(
            "hex string has length {}, want {} for {go_type}",
            digits.len(),
            2 * N
        ));
    }
    let bytes = decode_digits(digits, go_type, field)?;
    <[u8; N]>::try_from(bytes.as_slice())
        .map_err(|_| unmarshal_error("invalid hex string", go_type, field))
}

/// A 20-byte address (`common.Address`).
pub fn address(value: &Value, field: Option<&str>) -> Result<H160, String> {
    fixed::<20>(value, "common.Address", field).map(H160)
}

/// A 32-byte hash (`common.Hash`).
pub fn hash(value: &Value, field: Option<&str>) -> Result<H256, String> {
    fixed::<32>(value, "common.Hash", field).map(H256)
}

/// Data (`hexutil.Bytes`).
pub fn bytes(value: &Value, field: Option<&str>) -> Result<Vec<u8>, String> {
    let digits = hex_text(value, "hexutil.Bytes", field)?;
    decode_digits(digits, "hexutil.Bytes", field)
}

/// The digits of a quantity, checked the way hexutil checks them.
fn quantity_digits<'a>(
    value: &'a Value,
    go_type: &str,
    max_digits: usize,
    range_error: &str,
    field: Option<&str>,
) -> Result<&'a str, String> {
    let digits = hex_text(value, go_type, field)?;
    if digits.is_empty() {
        return Err(unmarshal_error("hex string \"0x\"", go_type, field));
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(unmarshal_error(
            "hex number with leading zero digits",
            go_type,
            field,
        ));
    }
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unmarshal_error("invalid hex string", go_type, field));
    }
    if digits.len() > max_digits {
        return Err(unmarshal_error(range_error, go_type, field));
    }
    Ok(digits)
}

/// A 64-bit quantity (`hexutil.Uint64`).
pub fn quantity_u64(value: &Value, field: Option<&str>) -> Result<u64, String> {
    let digits = quantity_digits(value, "hexutil.Uint64", 16, "hex number > 64 bits", field)?;
    u64::from_str_radix(digits, 16)
        .map_err(|_| unmarshal_error("invalid hex string", "hexutil.Uint64", field))
}

/// A 256-bit quantity (`hexutil.Big`).
pub fn quantity_u256(value: &Value, field: Option<&str>) -> Result<U256, String> {
    let digits = quantity_digits(value, "*hexutil.Big", 64, "hex number > 256 bits", field)?;
    U256::from_str_radix(digits, 16)
        .map_err(|_| unmarshal_error("invalid hex string", "*hexutil.Big", field))
}

/// A boolean.
pub fn boolean(value: &Value, field: Option<&str>) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| unmarshal_error(kind(value), "bool", field))
}

/// A block number or tag (`rpc.BlockNumber`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockTag {
    Earliest,
    Latest,
    Pending,
    Safe,
    Finalized,
    Number(u64),
}

/// A block number or tag.
pub fn block_tag(value: &Value, field: Option<&str>) -> Result<BlockTag, String> {
    let Value::String(text) = value else {
        return Err(unmarshal_error(kind(value), "rpc.BlockNumber", field));
    };
    block_tag_text(text)
}

fn block_tag_text(text: &str) -> Result<BlockTag, String> {
    Ok(match text {
        "earliest" => BlockTag::Earliest,
        "latest" => BlockTag::Latest,
        "pending" => BlockTag::Pending,
        "safe" => BlockTag::Safe,
        "finalized" => BlockTag::Finalized,
        _ => {
            let number = block_number_text(text)?;
            BlockTag::Number(number)
        }
    })
}

/// hexutil.DecodeUint64 with rpc.BlockNumber's int64 bound, unwrapped as geth returns them.
fn block_number_text(text: &str) -> Result<u64, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or("hex string without 0x prefix")?;
    if digits.is_empty() {
        return Err("hex string \"0x\"".into());
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err("hex number with leading zero digits".into());
    }
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("invalid hex string".into());
    }
    if digits.len() > 16 {
        return Err("hex number > 64 bits".into());
    }
    let number = u64::from_str_radix(digits, 16).map_err(|_| "invalid hex string".to_string())?;
    if number > i64::MAX as u64 {
        return Err("block number larger than int64".into());
    }
    Ok(number)
}

/// A block by number, tag or hash (EIP-1898 `rpc.BlockNumberOrHash`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockId {
    Tag(BlockTag),
    Hash(H256),
}

/// A block number, tag, 32-byte hash, or an EIP-1898 object `{blockNumber}` /
/// `{blockHash, requireCanonical}`. Every block of this chain is canonical, so
/// `requireCanonical` changes nothing.
pub fn block_id(value: &Value, field: Option<&str>) -> Result<BlockId, String> {
    match value {
        Value::Object(object) => {
            let number = object.get("blockNumber").filter(|v| !v.is_null());
            let hash_value = object.get("blockHash").filter(|v| !v.is_null());
            if let Some(canonical) = object.get("requireCanonical").filter(|v| !v.is_null()) {
                boolean(canonical, Some("BlockNumberOrHash.requireCanonical"))?;
            }
            match (number, hash_value) {
                (Some(_), Some(_)) => Err(
                    "cannot specify both BlockHash and BlockNumber, choose one or the other".into(),
                ),
                (Some(number), None) => {
                    block_tag(number, Some("BlockNumberOrHash.blockNumber")).map(BlockId::Tag)
                }
                (None, Some(hash_value)) => {
                    hash(hash_value, Some("BlockNumberOrHash.blockHash")).map(BlockId::Hash)
                }
                (None, None) => Err("invalid arguments; neither block nor hash specified".into()),
            }
        }
        Value::String(text) if text.len() == 66 => hash(value, field).map(BlockId::Hash),
        Value::String(text) => block_tag_text(text).map(BlockId::Tag),
        other => Err(unmarshal_error(kind(other), "string", field)),
    }
}

/// A storage slot as `eth_getStorageAt` takes it: up to 32 bytes of hex, `0x` optional, odd
/// lengths padded (geth's `decodeHash`). Errors are geth's method errors, not parameter errors.
pub fn storage_slot(text: &str) -> Result<H256, RpcError> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    let padded = if digits.len() % 2 == 1 {
        format!("0{digits}")
    } else {
        digits.to_string()
    };
    let bytes = hex::decode(padded)
        .map_err(|_| RpcError::server("unable to decode storage key: hex string invalid"))?;
    if bytes.len() > 32 {
        return Err(RpcError::server(
            "unable to decode storage key: hex string too long, want at most 32 bytes",
        ));
    }
    let mut slot = [0u8; 32];
    let start = 32 - bytes.len();
    if let Some(tail) = slot.get_mut(start..) {
        tail.copy_from_slice(&bytes);
    }
    Ok(H256(slot))
}

/// A plain string.
pub fn string(value: &Value, field: Option<&str>) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| unmarshal_error(kind(value), "string", field))
}

/// A count that may be a JSON number or a decimal or hex string (`math.HexOrDecimal64`).
pub fn hex_or_decimal_u64(value: &Value, field: Option<&str>) -> Result<u64, String> {
    let parsed = match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(digits) => u64::from_str_radix(digits, 16).ok(),
            None => text.parse::<u64>().ok(),
        },
        _ => None,
    };
    parsed.ok_or_else(|| match value {
        Value::String(text) => format!("invalid hex or decimal integer {text:?}"),
        other => unmarshal_error(kind(other), "math.HexOrDecimal64", field),
    })
}

/// A list of floats (fee history percentiles).
pub fn floats(value: &Value, field: Option<&str>) -> Result<Vec<f64>, String> {
    let Value::Array(items) = value else {
        return Err(unmarshal_error(kind(value), "[]float64", field));
    };
    items
        .iter()
        .map(|item| {
            item.as_f64()
                .ok_or_else(|| unmarshal_error(kind(item), "float64", field))
        })
        .collect()
}

pub(super) fn object<'a>(
    value: &'a Value,
    go_type: &str,
    field: Option<&str>,
) -> Result<&'a Map<String, Value>, String> {
    value
        .as_object()
        .ok_or_else(|| unmarshal_error(kind(value), go_type, field))
}

/// A field of an object, `None` when absent or null.
pub(super) fn member<T>(
    map: &Map<String, Value>,
    name: &str,
    go_struct: &str,
    parse: Parser<T>,
) -> Result<Option<T>, String> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => parse(value, Some(&format!("{go_struct}.{name}"))).map(Some),
    }
}

/// geth's `StateOverride`: `{address: {balance, nonce, code, state | stateDiff}}`.
/// `movePrecompileToAddress` is refused: rewasm's precompiles are host functions at fixed
/// addresses, not code that can move.
pub fn state_overrides(value: &Value, field: Option<&str>) -> Result<StateOverrides, String> {
    const ACCOUNT: &str = "OverrideAccount";
    let map = object(value, "override.StateOverride", field)?;
    let mut overrides = StateOverrides::new();
    for (key, wanted) in map {
        let at = address(&Value::String(key.clone()), field)?;
        let fields = object(wanted, "override.OverrideAccount", field)?;
        if fields
            .get("movePrecompileToAddress")
            .is_some_and(|v| !v.is_null())
        {
            return Err(format!(
                "account {key}: movePrecompileToAddress is not supported (rewasm's precompiles \
                 are host functions at fixed addresses)"
            ));
        }
        let state = member(fields, "state", ACCOUNT, storage_slots)?;
        let state_diff = member(fields, "stateDiff", ACCOUNT, storage_slots)?;
        let storage = match (state, state_diff) {
            (Some(_), Some(_)) => {
                return Err(format!("account {key} has both 'state' and 'stateDiff'"));
            }
            (Some(slots), None) => Some(StorageOverride::Replace(slots)),
            (None, Some(slots)) => Some(StorageOverride::Patch(slots)),
            (None, None) => None,
        };
        let account = AccountOverride {
            balance: member(fields, "balance", ACCOUNT, quantity_u256)?,
            nonce: member(fields, "nonce", ACCOUNT, quantity_u64)?,
            code: member(fields, "code", ACCOUNT, bytes)?,
            storage,
        };
        overrides.insert(at, account);
    }
    Ok(overrides)
}

/// Storage slots and their values: `{slot: value}`, both 32-byte hashes.
fn storage_slots(value: &Value, field: Option<&str>) -> Result<BTreeMap<H256, H256>, String> {
    let map = object(value, "map[common.Hash]common.Hash", field)?;
    map.iter()
        .map(|(slot, value)| {
            Ok((
                hash(&Value::String(slot.clone()), field)?,
                hash(value, field)?,
            ))
        })
        .collect()
}

/// geth's `BlockOverrides`. `blobBaseFee` and `beaconRoot` are accepted and change nothing (no
/// blobs, no beacon root in rewasm); withdrawals are refused (rewasm has none).
pub fn block_overrides(value: &Value, field: Option<&str>) -> Result<BlockOverrides, String> {
    const BLOCK: &str = "BlockOverrides";
    let map = object(value, "override.BlockOverrides", field)?;
    if map
        .get("withdrawals")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty())
    {
        return Err("withdrawals are not supported: rewasm has no beacon chain".to_string());
    }
    Ok(BlockOverrides {
        number: member(map, "number", BLOCK, quantity_u64)?,
        time: member(map, "time", BLOCK, quantity_u64)?,
        gas_limit: member(map, "gasLimit", BLOCK, quantity_u64)?,
        coinbase: member(map, "feeRecipient", BLOCK, address)?,
        base_fee: member(map, "baseFeePerGas", BLOCK, quantity_u256)?,
        prev_randao: member(map, "prevRandao", BLOCK, hash)?
            .map(|randao| U256::from_big_endian(randao.as_bytes())),
    })
}

/// A call as `eth_call` and `eth_estimateGas` take it (geth's `TransactionArgs`; the nonce,
/// chain id and type are accepted and not used; the access list is paid for and, under a
/// schedule with warm and cold state access, starts its entries warm, as in a transaction).
pub fn call_request(value: &Value, field: Option<&str>) -> Result<CallArgs, String> {
    const ARGS: &str = "TransactionArgs";
    let map = object(value, "ethapi.TransactionArgs", field)?;
    let data = member(map, "data", ARGS, bytes)?;
    let input = member(map, "input", ARGS, bytes)?;
    Ok(CallArgs {
        nonce: member(map, "nonce", ARGS, quantity_u64)?,
        chain_id: member(map, "chainId", ARGS, quantity_u256)?,
        tx_type: member(map, "type", ARGS, quantity_u64)?,
        from: member(map, "from", ARGS, address)?,
        to: member(map, "to", ARGS, address)?,
        gas: member(map, "gas", ARGS, quantity_u64)?,
        gas_price: member(map, "gasPrice", ARGS, quantity_u256)?,
        max_fee_per_gas: member(map, "maxFeePerGas", ARGS, quantity_u256)?,
        max_priority_fee_per_gas: member(map, "maxPriorityFeePerGas", ARGS, quantity_u256)?,
        value: member(map, "value", ARGS, quantity_u256)?,
        data,
        input,
        access_list: member(map, "accessList", ARGS, access_list)?.unwrap_or_default(),
    })
}

/// An EIP-2930 access list: `[{"address": ..., "storageKeys": [...]}, ...]` (geth's
/// `types.AccessList`).
pub fn access_list(value: &Value, field: Option<&str>) -> Result<Vec<(H160, Vec<H256>)>, String> {
    const TUPLE: &str = "AccessTuple";
    let items = value
        .as_array()
        .ok_or_else(|| unmarshal_error(kind(value), "types.AccessList", field))?;
    items
        .iter()
        .map(|item| {
            let map = object(item, "types.AccessTuple", field)?;
            let address = member(map, "address", TUPLE, address)?
                .ok_or_else(|| "missing required field 'address' for AccessTuple".to_string())?;
            let keys = match map.get("storageKeys") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(keys)) => keys
                    .iter()
                    .map(|key| hash(key, Some("AccessTuple.storageKeys")))
                    .collect::<Result<_, _>>()?,
                Some(other) => {
                    return Err(unmarshal_error(
                        kind(other),
                        "[]common.Hash",
                        Some("AccessTuple.storageKeys"),
                    ));
                }
            };
            Ok((address, keys))
        })
        .collect()
}

/// EIP-712 typed data (`eth_signTypedData_v4`): the JSON object, or a string holding it.
pub fn typed_data(
    value: &Value,
    field: Option<&str>,
) -> Result<alloy_dyn_abi::eip712::TypedData, String> {
    let parsed = match value {
        Value::String(text) => serde_json::from_str(text),
        other => serde_json::from_value(other.clone()),
    };
    parsed.map_err(|error| match field {
        Some(field) => format!("invalid typed data in {field}: {error}"),
        None => format!("invalid typed data: {error}"),
    })
}

/// `eth_call` arguments before the checks that geth makes as method errors. `nonce`,
/// `chainId` and `type` matter only to `eth_sendTransaction` and `eth_signTransaction`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallArgs {
    pub nonce: Option<u64>,
    pub chain_id: Option<U256>,
    pub tx_type: Option<u64>,
    pub from: Option<H160>,
    pub to: Option<H160>,
    pub gas: Option<u64>,
    pub gas_price: Option<U256>,
    pub max_fee_per_gas: Option<U256>,
    pub max_priority_fee_per_gas: Option<U256>,
    pub value: Option<U256>,
    pub data: Option<Vec<u8>>,
    pub input: Option<Vec<u8>>,
    pub access_list: Vec<(H160, Vec<H256>)>,
}

impl CallArgs {
    /// The request, after geth's consistency checks (its texts, code -32000).
    pub fn into_request(self) -> Result<CallRequest, RpcError> {
        let data = match (self.input, self.data) {
            (Some(input), Some(data)) if input != data => {
                return Err(RpcError::server(
                    "both \"data\" and \"input\" are set and not equal. Please use \"input\" to pass transaction call data",
                ));
            }
            (Some(input), _) => input,
            (None, Some(data)) => data,
            (None, None) => Vec::new(),
        };
        if self.gas_price.is_some()
            && (self.max_fee_per_gas.is_some() || self.max_priority_fee_per_gas.is_some())
        {
            return Err(RpcError::server(
                "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified",
            ));
        }
        if let (Some(max_fee), Some(tip)) = (self.max_fee_per_gas, self.max_priority_fee_per_gas)
            && tip > max_fee
        {
            return Err(RpcError::server(format!(
                "maxFeePerGas ({max_fee}) < maxPriorityFeePerGas ({tip})"
            )));
        }
        Ok(CallRequest {
            from: self.from,
            to: self.to,
            gas: self.gas,
            gas_price: self.gas_price,
            max_fee_per_gas: self.max_fee_per_gas,
            max_priority_fee_per_gas: self.max_priority_fee_per_gas,
            value: self.value,
            data,
            access_list: self.access_list,
            overrides: Default::default(),
        })
    }
}

/// Which logs a query or subscription wants: addresses (any of; empty = all) and topics by
/// position (`None` = any topic there; a list = any of those). The address and alternative
/// lists are sorted without duplicates ([`LogCriteria::new`]), so matching a log looks them up
/// by binary search: a filter may list 1000 of each, and it is matched against every log read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogCriteria {
    pub addresses: Vec<H160>,
    pub topics: Vec<Option<Vec<H256>>>,
}

impl LogCriteria {
    /// Criteria with sorted, deduplicated lists (what a filter means does not depend on the
    /// order or repetition of its alternatives).
    pub fn new(mut addresses: Vec<H160>, mut topics: Vec<Option<Vec<H256>>>) -> Self {
        addresses.sort_unstable();
        addresses.dedup();
        for alternatives in topics.iter_mut().flatten() {
            alternatives.sort_unstable();
            alternatives.dedup();
        }
        Self { addresses, topics }
    }
}

/// A log filter (geth's `FilterCriteria`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterArgs {
    pub block_hash: Option<H256>,
    pub from_block: Option<BlockTag>,
    pub to_block: Option<BlockTag>,
    pub criteria: LogCriteria,
}

/// geth's `decodeAddress` / `decodeTopic`: hex bytes of exactly the right length.
fn filter_hex(text: &str, length: usize, what: &str) -> Result<Vec<u8>, String> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .ok_or("hex string without 0x prefix")?;
    if digits.len() % 2 == 1 {
        return Err("hex string of odd length".into());
    }
    let decoded = hex::decode(digits).map_err(|_| "invalid hex string".to_string())?;
    if decoded.len() != length {
        return Err(format!(
            "hex has invalid length {} after decoding; expected {length} for {what}",
            decoded.len()
        ));
    }
    Ok(decoded)
}

fn filter_address(text: &str) -> Result<H160, String> {
    filter_hex(text, 20, "address")
        .map(|bytes| H160::from_slice(&bytes))
        .map_err(|why| format!("invalid address: {why}"))
}

fn filter_topic(text: &str) -> Result<H256, String> {
    filter_hex(text, 32, "topic").map(|bytes| H256::from_slice(&bytes))
}

/// A filter object (`eth_getLogs`, `eth_newFilter`, a `logs` subscription).
pub fn filter(value: &Value, field: Option<&str>) -> Result<FilterArgs, String> {
    const CRITERIA: &str = "FilterCriteria";
    let map = object(value, "filters.FilterCriteria", field)?;
    let block_hash = member(map, "blockHash", CRITERIA, hash)?;
    let from_block = member(map, "fromBlock", CRITERIA, block_tag)?;
    let to_block = member(map, "toBlock", CRITERIA, block_tag)?;
    if block_hash.is_some() && (from_block.is_some() || to_block.is_some()) {
        return Err(
            "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other".into(),
        );
    }
    let addresses = match map.get("address") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => vec![filter_address(text)?],
        Some(Value::Array(items)) if items.len() > MAX_ADDRESSES => {
            return Err(EXCEED_MAX_ADDRESSES.into());
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| match item {
                Value::String(text) => filter_address(text),
                _ => Err(format!("non-string address at index {index}")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("invalid addresses in query".into()),
    };
    let topics = match map.get("topics") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(positions)) if positions.len() > MAX_TOPICS => {
            return Err(EXCEED_MAX_TOPICS.into());
        }
        Some(Value::Array(positions)) => positions
            .iter()
            .map(topic_position)
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("invalid topic(s)".into()),
    };
    Ok(FilterArgs {
        block_hash,
        from_block,
        to_block,
        criteria: LogCriteria::new(addresses, topics),
    })
}

/// One topic position: null (any), a topic, or a list of alternatives (a null in the list makes
/// the position match anything, as in geth).
fn topic_position(value: &Value) -> Result<Option<Vec<H256>>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(vec![filter_topic(text)?])),
        Value::Array(alternatives) if alternatives.len() > MAX_SUB_TOPICS => {
            Err(EXCEED_MAX_TOPICS.into())
        }
        Value::Array(alternatives) => {
            let mut topics = Vec::with_capacity(alternatives.len());
            for alternative in alternatives {
                match alternative {
                    Value::Null => return Ok(None),
                    Value::String(text) => topics.push(filter_topic(text)?),
                    _ => return Err("invalid topic(s)".into()),
                }
            }
            Ok(Some(topics))
        }
        _ => Err("invalid topic(s)".into()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn arguments_are_counted_and_required_ones_checked() {
        let args = Args::parse(Some(r#"["0x1"]"#), 2).unwrap();
        assert_eq!(args.required(0, quantity_u64).unwrap(), 1);
        assert_eq!(
            args.required(1, quantity_u64).unwrap_err().message,
            "missing value for required argument 1"
        );
        assert_eq!(args.optional(1, quantity_u64).unwrap(), None);
        let error = Args::parse(Some("[1, 2, 3]"), 2).unwrap_err();
        assert_eq!(
            (error.code, error.message.as_str()),
            (-32602, "too many arguments, want at most 2")
        );
        assert_eq!(
            Args::parse(Some("{}"), 2).unwrap_err().message,
            "non-array args"
        );
        assert_eq!(Args::parse(None, 0).unwrap(), Args::default());
    }

    #[test]
    fn hex_values_are_strict_with_geths_messages() {
        let bad = |parser: Parser<()>, value: Value| parser(&value, None).unwrap_err();
        let address_only = |v: &Value, f: Option<&str>| address(v, f).map(|_| ());
        assert_eq!(
            bad(
                address_only,
                json!("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
            ),
            "json: cannot unmarshal hex string without 0x prefix into Go value of type common.Address"
        );
        assert_eq!(
            bad(
                address_only,
                json!("0xf39fd6e51aad88f6f4ce6ab8827279cfffb922")
            ),
            "hex string has length 38, want 40 for common.Address"
        );
        assert_eq!(
            bad(address_only, json!(12)),
            "json: cannot unmarshal non-string into Go value of type common.Address"
        );
        assert_eq!(
            bad(
                address_only,
                json!("0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266")
            ),
            "json: cannot unmarshal invalid hex string into Go value of type common.Address"
        );
        assert_eq!(quantity_u64(&json!("0x10"), None).unwrap(), 16);
        assert_eq!(
            quantity_u64(&json!("0x010"), None).unwrap_err(),
            "json: cannot unmarshal hex number with leading zero digits into Go value of type hexutil.Uint64"
        );
        assert_eq!(
            quantity_u64(&json!("0x"), None).unwrap_err(),
            "json: cannot unmarshal hex string \"0x\" into Go value of type hexutil.Uint64"
        );
        assert_eq!(
            quantity_u64(&json!("0x10000000000000000"), None).unwrap_err(),
            "json: cannot unmarshal hex number > 64 bits into Go value of type hexutil.Uint64"
        );
        assert_eq!(quantity_u256(&json!("0x0"), None).unwrap(), U256::zero());
        assert_eq!(
            bytes(&json!("0x123"), None).unwrap_err(),
            "json: cannot unmarshal hex string of odd length into Go value of type hexutil.Bytes"
        );
        assert_eq!(bytes(&json!("0x"), None).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn block_ids_take_tags_numbers_hashes_and_eip_1898_objects() {
        assert_eq!(
            block_id(&json!("latest"), None).unwrap(),
            BlockId::Tag(BlockTag::Latest)
        );
        assert_eq!(
            block_id(&json!("0x2a"), None).unwrap(),
            BlockId::Tag(BlockTag::Number(42))
        );
        let h = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            block_id(&json!(h), None).unwrap(),
            BlockId::Hash(H256::repeat_byte(0xab))
        );
        assert_eq!(
            block_id(&json!({"blockHash": h, "requireCanonical": true}), None).unwrap(),
            BlockId::Hash(H256::repeat_byte(0xab))
        );
        assert_eq!(
            block_id(&json!({"blockNumber": "0x1"}), None).unwrap(),
            BlockId::Tag(BlockTag::Number(1))
        );
        assert_eq!(
            block_id(&json!({"blockNumber": "0x1", "blockHash": h}), None).unwrap_err(),
            "cannot specify both BlockHash and BlockNumber, choose one or the other"
        );
        assert_eq!(
            block_id(&json!("newest"), None).unwrap_err(),
            "hex string without 0x prefix"
        );
        assert_eq!(
            block_tag(&json!("0x8000000000000000"), None).unwrap_err(),
            "block number larger than int64"
        );
    }

    #[test]
    fn storage_slots_are_padded_like_geths_decode_hash() {
        assert_eq!(storage_slot("0x0").unwrap(), H256::zero());
        assert_eq!(storage_slot("1").unwrap(), H256::from_low_u64_be(1));
        assert_eq!(
            storage_slot(&format!("0x{}", "00".repeat(33)))
                .unwrap_err()
                .message,
            "unable to decode storage key: hex string too long, want at most 32 bytes"
        );
        assert_eq!(
            storage_slot("0xzz").unwrap_err().message,
            "unable to decode storage key: hex string invalid"
        );
    }

    #[test]
    fn call_arguments_are_checked_like_geths() {
        let args = call_request(&json!({"to": format!("0x{}", "11".repeat(20)), "input": "0x01", "data": "0x01", "unknown": 5}), None).unwrap();
        assert_eq!(args.clone().into_request().unwrap().data, vec![1]);
        let conflicting = call_request(&json!({"input": "0x01", "data": "0x02"}), None).unwrap();
        assert!(
            conflicting
                .into_request()
                .unwrap_err()
                .message
                .starts_with("both \"data\" and \"input\"")
        );
        let fees = call_request(&json!({"gasPrice": "0x1", "maxFeePerGas": "0x2"}), None).unwrap();
        assert_eq!(
            fees.into_request().unwrap_err().message,
            "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified"
        );
        assert_eq!(
            call_request(&json!({"gas": 5}), None).unwrap_err(),
            "json: cannot unmarshal non-string into Go struct field TransactionArgs.gas of type hexutil.Uint64"
        );
        assert_eq!(
            call_request(&json!("0x"), None).unwrap_err(),
            "json: cannot unmarshal string into Go value of type ethapi.TransactionArgs"
        );
    }

    #[test]
    fn calls_carry_their_access_list() {
        let a = format!("0x{}", "11".repeat(20));
        let key = format!("0x{}", "22".repeat(32));
        let args = call_request(
            &json!({"accessList": [{"address": a, "storageKeys": [key]}, {"address": a}]}),
            None,
        )
        .unwrap();
        assert_eq!(
            args.into_request().unwrap().access_list,
            vec![
                (H160::repeat_byte(0x11), vec![H256::repeat_byte(0x22)]),
                (H160::repeat_byte(0x11), Vec::new())
            ]
        );
        assert_eq!(
            call_request(&json!({"accessList": {}}), None).unwrap_err(),
            "json: cannot unmarshal object into Go struct field TransactionArgs.accessList of type types.AccessList"
        );
        assert_eq!(
            call_request(&json!({"accessList": [{"storageKeys": []}]}), None).unwrap_err(),
            "missing required field 'address' for AccessTuple"
        );
        assert!(
            call_request(
                &json!({"accessList": [{"address": a, "storageKeys": ["0x01"]}]}),
                None
            )
            .is_err()
        );
    }

    #[test]
    fn filters_take_one_or_many_addresses_and_topic_alternatives() {
        let a = format!("0x{}", "11".repeat(20));
        let t = format!("0x{}", "22".repeat(32));
        let parsed = filter(
            &json!({"address": [a], "topics": [null, t, [t, null]], "fromBlock": "0x1"}),
            None,
        )
        .unwrap();
        assert_eq!(parsed.criteria.addresses, vec![H160::repeat_byte(0x11)]);
        assert_eq!(
            parsed.criteria.topics,
            vec![None, Some(vec![H256::repeat_byte(0x22)]), None]
        );
        assert_eq!(parsed.from_block, Some(BlockTag::Number(1)));
        assert_eq!(
            filter(&json!({"address": "0x11"}), None).unwrap_err(),
            "invalid address: hex has invalid length 1 after decoding; expected 20 for address"
        );
        assert_eq!(
            filter(&json!({"topics": [5]}), None).unwrap_err(),
            "invalid topic(s)"
        );
        assert_eq!(
            filter(&json!({"blockHash": t, "fromBlock": "0x1"}), None).unwrap_err(),
            "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other"
        );
        assert_eq!(
            filter(&json!({"address": 5}), None).unwrap_err(),
            "invalid addresses in query"
        );
    }

    #[test]
    fn filters_over_geths_limits_are_refused_before_decoding() {
        let a = format!("0x{}", "11".repeat(20));
        let t = format!("0x{}", "22".repeat(32));
        let addresses = vec![a.clone(); MAX_ADDRESSES];
        assert!(filter(&json!({ "address": addresses }), None).is_ok());
        // One more, and the extra is not even an address: the count is checked first.
        let mut too_many = vec![json!(a); MAX_ADDRESSES];
        too_many.push(json!(5));
        assert_eq!(
            filter(&json!({ "address": too_many }), None).unwrap_err(),
            "exceed max addresses"
        );
        let alternatives = vec![t.clone(); MAX_SUB_TOPICS];
        assert!(filter(&json!({ "topics": [alternatives] }), None).is_ok());
        let alternatives = vec![t.clone(); MAX_SUB_TOPICS + 1];
        assert_eq!(
            filter(&json!({ "topics": [null, alternatives] }), None).unwrap_err(),
            "exceed max topics"
        );
        assert_eq!(
            filter(&json!({"topics": [null, null, null, null, t]}), None).unwrap_err(),
            "exceed max topics"
        );
    }
}
