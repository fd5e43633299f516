//! `rewasm trace TXHASH [--abi FILE]…`: a transaction's call tree, from the node's `callTracer`
//! (`debug_traceTransaction`), with function names, arguments, results and events decoded
//! with the ABIs at hand: the `NAME.abi.json` files given (`rewasm build` writes them; the
//! deployed code is stripped of custom sections to keep deployments cheap), and a `rewasm.abi`
//! custom section in the called code where one was deployed. Decoding is alloy's
//! (`alloy-json-abi`, `alloy-dyn-abi`); what no ABI names is shown as raw hex.

use std::collections::HashMap;

use alloy_dyn_abi::{DynSolValue, EventExt, FunctionExt, JsonAbiExt};
use alloy_json_abi::JsonAbi;
use primitive_types::H256;
use serde_json::{Value, json};

use super::rpc::Rpc;
use super::{ClientError, NodeArgs, abi};

/// The custom section holding an SDK contract's ABI JSON.
const ABI_SECTION: &str = "rewasm.abi";

/// `rewasm trace`.
#[derive(Debug, clap::Args)]
pub(in crate::cli) struct TraceArgs {
    /// The transaction hash.
    #[arg(value_parser = super::parse_hash_arg)]
    hash: H256,
    /// An ABI JSON file (`NAME.abi.json` from `rewasm build`) to decode calls and events with;
    /// repeat for several contracts.
    #[arg(long = "abi", value_name = "FILE")]
    abis: Vec<std::path::PathBuf>,
    #[command(flatten)]
    node: NodeArgs,
}

pub(super) async fn trace(args: &TraceArgs) -> Result<std::process::ExitCode, ClientError> {
    let rpc = Rpc::new(&args.node.rpc_url)?;
    let config = json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}});
    let root = rpc
        .request(
            "debug_traceTransaction",
            vec![json!(format!("{:#x}", args.hash)), config],
        )
        .await?;
    if args.node.json {
        println!("{root}");
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let block = rpc
        .request(
            "eth_getTransactionByHash",
            vec![json!(format!("{:#x}", args.hash))],
        )
        .await?
        .get("blockNumber")
        .cloned()
        .unwrap_or(json!("latest"));
    let mut files = Vec::new();
    for path in &args.abis {
        let text = std::fs::read_to_string(path).map_err(|source| ClientError::Read {
            path: path.clone(),
            source,
        })?;
        let parsed = serde_json::from_str(&text).map_err(|error| ClientError::AbiFile {
            path: path.clone(),
            detail: error.to_string(),
        })?;
        files.push(parsed);
    }
    let mut abis = Abis {
        rpc: &rpc,
        block,
        embedded: HashMap::new(),
        files,
    };
    let mut lines = Vec::new();
    frame_lines(&root, 0, &mut abis, &mut lines).await;
    for line in lines {
        println!("{line}");
    }
    if let Some(printed) = root.get("debug").and_then(Value::as_array) {
        for text in printed.iter().filter_map(Value::as_str) {
            println!("debug: {text}");
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// The ABIs to decode with: the files given, and each called contract's embedded one (read
/// once per address).
struct Abis<'a> {
    rpc: &'a Rpc,
    block: Value,
    embedded: HashMap<String, Option<JsonAbi>>,
    files: Vec<JsonAbi>,
}

impl Abis<'_> {
    /// The ABIs that may describe `address`: its embedded one first, then the files.
    async fn for_address(&mut self, address: &str) -> Vec<&JsonAbi> {
        if !self.embedded.contains_key(address) {
            let code = self
                .rpc
                .request("eth_getCode", vec![json!(address), self.block.clone()])
                .await
                .ok()
                .and_then(|code| code.as_str().and_then(|hex| abi::parse_hex(hex).ok()));
            let parsed = code.as_deref().and_then(embedded_abi);
            self.embedded.insert(address.to_string(), parsed);
        }
        let embedded = self.embedded.get(address).and_then(Option::as_ref);
        embedded.into_iter().chain(&self.files).collect()
    }
}

/// The ABI JSON in `code`'s `rewasm.abi` custom section, if it has one that parses.
fn embedded_abi(code: &[u8]) -> Option<JsonAbi> {
    wasmparser::Parser::new(0)
        .parse_all(code)
        .find_map(|payload| match payload {
            Ok(wasmparser::Payload::CustomSection(section)) if section.name() == ABI_SECTION => {
                serde_json::from_slice(section.data()).ok()
            }
            _ => None,
        })
}

/// One frame's lines (and its calls' and logs', indented under it), in the order they ran.
fn frame_lines<'a>(
    frame: &'a Value,
    depth: usize,
    abis: &'a mut Abis<'_>,
    lines: &'a mut Vec<String>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>> {
    Box::pin(async move {
        let indent = "  ".repeat(depth);
        let text = |key: &str| frame.get(key).and_then(Value::as_str).unwrap_or_default();
        let to = text("to").to_string();
        let input = abi::parse_hex(text("input")).unwrap_or_default();
        let output = abi::parse_hex(text("output")).unwrap_or_default();
        let known: Vec<JsonAbi> = abis.for_address(&to).await.into_iter().cloned().collect();
        let call = match text("type") {
            "CREATE" => format!("create ({} bytes of init code)", input.len()),
            _ if frame.get("error").is_some() => describe_call(&known, &input, &[]),
            _ => describe_call(&known, &input, &output),
        };
        let gas = |key: &str| {
            frame
                .get(key)
                .and_then(Value::as_str)
                .and_then(|q| u64::from_str_radix(q.trim_start_matches("0x"), 16).ok())
                .unwrap_or_default()
        };
        lines.push(format!(
            "{indent}{} {} -> {} {call} [gas {} of {}]",
            text("type"),
            checksummed(text("from")),
            if to.is_empty() {
                "(no account)".to_string()
            } else {
                checksummed(&to)
            },
            gas("gasUsed"),
            gas("gas"),
        ));
        if let Some(error) = frame.get("error").and_then(Value::as_str) {
            let reason = frame
                .get("revertReason")
                .and_then(Value::as_str)
                .map(|reason| format!(": {reason}"))
                .unwrap_or_default();
            lines.push(format!("{indent}  ! {error}{reason}"));
        }
        let logs = frame
            .get("logs")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let calls = frame
            .get("calls")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let position = |log: &Value| {
            log.get("position")
                .and_then(Value::as_str)
                .and_then(|q| usize::from_str_radix(q.trim_start_matches("0x"), 16).ok())
                .unwrap_or(usize::MAX)
        };
        let mut logs = logs.iter().peekable();
        for (index, call) in calls.iter().enumerate() {
            while let Some(log) = logs.next_if(|log| position(log) <= index) {
                lines.push(format!("{indent}  {}", describe_log(&known, log)));
            }
            frame_lines(call, depth + 1, abis, lines).await;
        }
        for log in logs {
            lines.push(format!("{indent}  {}", describe_log(&known, log)));
        }
    })
}

/// An address as the rest of the CLI prints it (EIP-55), or the text as it came.
fn checksummed(text: &str) -> String {
    abi::parse_address(text).map_or_else(
        |_| text.to_string(),
        |address| abi::checksum_address(&address),
    )
}

/// `name(arg: value, …) -> (results)` when an ABI has the selector, else the raw data.
fn describe_call(known: &[JsonAbi], input: &[u8], output: &[u8]) -> String {
    let raw = || format!("0x{}", hex::encode(input));
    let Some(selector) = input.get(..4) else {
        return if input.is_empty() {
            "(no call data)".to_string()
        } else {
            raw()
        };
    };
    let Some(function) = known
        .iter()
        .flat_map(JsonAbi::functions)
        .find(|f| f.selector().as_slice() == selector)
    else {
        return raw();
    };
    let arguments = match function.abi_decode_input(input.get(4..).unwrap_or_default()) {
        Ok(values) => named(function.inputs.iter().map(|p| p.name.as_str()), &values),
        Err(_) => format!("<undecodable: {}>", raw()),
    };
    let results = match function.abi_decode_output(output) {
        Ok(values) if !values.is_empty() => format!(
            " -> ({})",
            values.iter().map(show).collect::<Vec<_>>().join(", ")
        ),
        _ => String::new(),
    };
    format!("{}({arguments}){results}", function.name)
}

/// `emit Name(arg: value, …)` when an ABI declares the event, else the raw topics and data.
fn describe_log(known: &[JsonAbi], log: &Value) -> String {
    let topics: Vec<alloy_dyn_abi::Word> = log
        .get("topics")
        .and_then(Value::as_array)
        .map(|topics| {
            topics
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|topic| topic.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    let data = abi::parse_hex(log.get("data").and_then(Value::as_str).unwrap_or_default())
        .unwrap_or_default();
    let decoded = (|| {
        let event = known
            .iter()
            .flat_map(JsonAbi::events)
            .find(|event| !event.anonymous && topics.first() == Some(&event.selector()))?;
        let parts = event.decode_log_parts(topics.iter().copied(), &data).ok()?;
        let (mut indexed, mut body) = (parts.indexed.into_iter(), parts.body.into_iter());
        let values: Vec<DynSolValue> = event
            .inputs
            .iter()
            .filter_map(|input| {
                if input.indexed {
                    indexed.next()
                } else {
                    body.next()
                }
            })
            .collect();
        Some(format!(
            "emit {}({})",
            event.name,
            named(
                event.inputs.iter().map(|input| input.name.as_str()),
                &values
            )
        ))
    })();
    decoded.unwrap_or_else(|| {
        let topics: Vec<String> = topics.iter().map(|topic| format!("{topic:#x}")).collect();
        format!("log [{}] 0x{}", topics.join(", "), hex::encode(&data))
    })
}

/// `name: value, …` (just the values where a name is empty).
fn named<'n>(names: impl Iterator<Item = &'n str>, values: &[DynSolValue]) -> String {
    names
        .zip(values)
        .map(|(name, value)| match name {
            "" => show(value),
            name => format!("{name}: {}", show(value)),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as a developer reads it: numbers in decimal, addresses checksummed, bytes in hex.
fn show(value: &DynSolValue) -> String {
    let list = |values: &[DynSolValue]| values.iter().map(show).collect::<Vec<_>>().join(", ");
    match value {
        DynSolValue::Bool(flag) => flag.to_string(),
        DynSolValue::Int(number, _) => number.to_string(),
        DynSolValue::Uint(number, _) => number.to_string(),
        DynSolValue::FixedBytes(word, size) => {
            format!("0x{}", hex::encode(word.get(..*size).unwrap_or_default()))
        }
        DynSolValue::Address(address) => address.to_checksum(None),
        DynSolValue::Function(function) => format!("0x{}", hex::encode(function.as_slice())),
        DynSolValue::Bytes(bytes) => format!("0x{}", hex::encode(bytes)),
        DynSolValue::String(text) => format!("{text:?}"),
        DynSolValue::Array(values) | DynSolValue::FixedArray(values) => {
            format!("[{}]", list(values))
        }
        DynSolValue::Tuple(values) => format!("({})", list(values)),
        DynSolValue::CustomStruct { tuple, .. } => format!("({})", list(tuple)),
    }
}
