//! The client commands — `deploy`, `send`, `call`, `balance`, `receipt`, `trace` — in the spirit of
//! foundry's `cast`: they talk to any Ethereum JSON-RPC node (a `rewasm node` by default), sign
//! locally, and print what a developer checks after a deployment or a call.
//!
//! Exit codes follow the rest of the CLI: 0 success; 1 the node said no (a JSON-RPC error
//! object, printed as `error: <message>`; a revert, printed as `execution reverted: <reason>`; a
//! mined transaction with status 0; no receipt in time); 2 a usage, file or transport problem.

mod abi;
mod rpc;
mod trace;
mod wallet;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use alloy_dyn_abi::DynSolType;
use clap::{Args, Subcommand};
use primitive_types::{H160, H256, U256};
use rewasm_primitives::text::Prefix;
use serde_json::{Value, json};

use abi::{AbiError, Signature, checksum_address, encode, parse_address, parse_args, parse_hex};
use rpc::{Rpc, RpcError, address_json};
use wallet::{Signer, TxOptions, TxRequest, WalletError};

/// The default JSON-RPC endpoint: a local `rewasm node`.
const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8545";

/// The client commands.
#[derive(Debug, Subcommand)]
pub(super) enum ClientCommand {
    /// Deploy a contract's init code (NAME.deploy.wasm) with ABI-encoded constructor arguments.
    Deploy(DeployArgs),
    /// Sign and send a transaction calling a function, wait for its receipt and print it.
    Send(SendArgs),
    /// Call a function without a transaction (eth_call) and print the decoded result.
    Call(CallArgs),
    /// Print an account's balance in wei.
    Balance(BalanceArgs),
    /// Print a transaction's receipt as JSON.
    Receipt(ReceiptArgs),
    /// Print a transaction's call tree (debug_traceTransaction's callTracer), with function
    /// names, arguments, results and events decoded from the contracts' embedded ABIs.
    Trace(trace::TraceArgs),
}

/// Where the node is and how to print.
#[derive(Debug, Args)]
pub(super) struct NodeArgs {
    /// The node's JSON-RPC URL.
    #[arg(long, value_name = "URL", default_value = DEFAULT_RPC_URL)]
    rpc_url: String,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// How to sign and send.
#[derive(Debug, Args)]
pub(super) struct SignArgs {
    /// The sender's private key, hex [default: dev account 0 of the test mnemonic,
    /// 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266].
    #[arg(long, value_name = "HEX")]
    private_key: Option<String>,
    /// Send a legacy (EIP-155) transaction instead of EIP-1559.
    #[arg(long)]
    legacy: bool,
    /// The gas limit [default: eth_estimateGas].
    #[arg(long, value_name = "GAS")]
    gas_limit: Option<u64>,
    /// The nonce [default: the sender's pending nonce].
    #[arg(long, value_name = "N")]
    nonce: Option<u64>,
    /// Seconds to wait for the receipt.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    timeout: u64,
}

/// `rewasm deploy`.
#[derive(Debug, Args)]
pub(super) struct DeployArgs {
    /// The init code: NAME.deploy.wasm from `rewasm build` (or any binary init code).
    file: PathBuf,
    /// The ABI JSON [default: NAME.abi.json beside FILE]; only needed for constructor arguments.
    #[arg(long, value_name = "FILE")]
    abi: Option<PathBuf>,
    /// Constructor arguments, encoded by the constructor's types from the ABI (put last).
    #[arg(long, value_name = "ARG", num_args = 1.., allow_negative_numbers = true)]
    args: Vec<String>,
    /// Wei sent with the deployment (decimal, 0x-hex, or with a unit: 1ether, 2gwei).
    #[arg(long, value_name = "AMOUNT", default_value = "0", value_parser = parse_wei)]
    value: U256,
    #[command(flatten)]
    sign: SignArgs,
    #[command(flatten)]
    node: NodeArgs,
}

/// `rewasm send`.
#[derive(Debug, Args)]
pub(super) struct SendArgs {
    /// The contract or account to send to.
    #[arg(value_parser = parse_address_arg)]
    to: H160,
    /// The function, e.g. "transfer(address,uint256)"; or 0x-hex call data ("0x" for none).
    sig: String,
    /// The function's arguments.
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
    /// Wei to transfer (decimal, 0x-hex, or with a unit: 1ether, 2gwei).
    #[arg(long, value_name = "AMOUNT", default_value = "0", value_parser = parse_wei)]
    value: U256,
    #[command(flatten)]
    sign: SignArgs,
    #[command(flatten)]
    node: NodeArgs,
}

/// `rewasm call`.
#[derive(Debug, Args)]
pub(super) struct CallArgs {
    /// The contract to call.
    #[arg(value_parser = parse_address_arg)]
    to: H160,
    /// The function with its return types, e.g. "balanceOf(address)(uint256)"; or 0x-hex call
    /// data (the result is then printed as hex).
    sig: String,
    /// The function's arguments.
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
    /// The block: a number (decimal or 0x-hex), latest, pending, earliest, safe or finalized.
    #[arg(long, value_name = "BLOCK", default_value = "latest", value_parser = parse_block)]
    block: String,
    /// The caller the contract sees.
    #[arg(long, value_name = "ADDRESS", value_parser = parse_address_arg)]
    from: Option<H160>,
    /// Wei the call carries.
    #[arg(long, value_name = "AMOUNT", default_value = "0", value_parser = parse_wei)]
    value: U256,
    #[command(flatten)]
    node: NodeArgs,
}

/// `rewasm balance`.
#[derive(Debug, Args)]
pub(super) struct BalanceArgs {
    /// The account.
    #[arg(value_parser = parse_address_arg)]
    address: H160,
    /// The block: a number (decimal or 0x-hex), latest, pending, earliest, safe or finalized.
    #[arg(long, value_name = "BLOCK", default_value = "latest", value_parser = parse_block)]
    block: String,
    #[command(flatten)]
    node: NodeArgs,
}

/// `rewasm receipt`.
#[derive(Debug, Args)]
pub(super) struct ReceiptArgs {
    /// The transaction hash.
    #[arg(value_parser = parse_hash_arg)]
    hash: H256,
    #[command(flatten)]
    node: NodeArgs,
}

/// Why a client command failed.
#[derive(Debug, thiserror::Error)]
enum ClientError {
    #[error(transparent)]
    Rpc(#[from] RpcError),
    #[error(transparent)]
    Wallet(WalletError),
    #[error(transparent)]
    Abi(#[from] AbiError),
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {detail}")]
    AbiFile { path: PathBuf, detail: String },
    #[error("{0}")]
    Usage(String),
    #[error("starting the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl From<WalletError> for ClientError {
    fn from(error: WalletError) -> Self {
        match error {
            WalletError::Rpc(rpc) => Self::Rpc(rpc),
            other => Self::Wallet(other),
        }
    }
}

/// Runs a client command.
pub(super) fn run(cmd: &ClientCommand) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClientError::Runtime)?;
    match runtime.block_on(dispatch(cmd)) {
        Ok(code) => Ok(code),
        Err(ClientError::Rpc(error @ RpcError::Node { .. })) => {
            eprintln!("{}", node_error_line(&error));
            Ok(ExitCode::from(1))
        }
        Err(ClientError::Wallet(error @ WalletError::ReceiptTimeout { .. })) => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
        Err(other) => Err(other.into()),
    }
}

/// `execution reverted: <reason>` for a revert (the reason decoded from the revert data when
/// the node sends it), `error: <message>` for anything else the node refused.
fn node_error_line(error: &RpcError) -> String {
    let RpcError::Node { message, .. } = error else {
        return format!("error: {error}");
    };
    if !error.is_revert() {
        return format!("error: {message}");
    }
    match error.revert_data().as_deref().and_then(abi::revert_reason) {
        Some(reason) => format!("execution reverted: {reason}"),
        None if message.starts_with("execution reverted") => message.clone(),
        None => format!("execution reverted: {message}"),
    }
}

async fn dispatch(cmd: &ClientCommand) -> Result<ExitCode, ClientError> {
    match cmd {
        ClientCommand::Deploy(args) => deploy(args).await,
        ClientCommand::Send(args) => send(args).await,
        ClientCommand::Call(args) => call(args).await,
        ClientCommand::Balance(args) => balance(args).await,
        ClientCommand::Receipt(args) => receipt(args).await,
        ClientCommand::Trace(args) => trace::trace(args).await,
    }
}

fn tx_options(sign: &SignArgs) -> TxOptions {
    TxOptions {
        legacy: sign.legacy,
        gas_limit: sign.gas_limit,
        nonce: sign.nonce,
        timeout: Duration::from_secs(sign.timeout),
    }
}

async fn deploy(args: &DeployArgs) -> Result<ExitCode, ClientError> {
    let mut data = std::fs::read(&args.file).map_err(|source| ClientError::Read {
        path: args.file.clone(),
        source,
    })?;
    let abi_path = match &args.abi {
        Some(path) => Some(path.clone()),
        None => sibling_abi(&args.file).filter(|path| path.exists()),
    };
    let constructor = match &abi_path {
        Some(path) => read_constructor(path)?,
        None => Vec::new(),
    };
    if abi_path.is_none() && !args.args.is_empty() {
        return Err(ClientError::Usage(format!(
            "constructor arguments need the ABI: no {} beside {}; pass --abi FILE",
            sibling_abi(&args.file)
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "NAME.abi.json".to_string()),
            args.file.display()
        )));
    }
    let values = parse_args("the constructor", &constructor, &args.args)?;
    data.extend(encode(&values));

    let rpc = Rpc::new(&args.node.rpc_url)?;
    let signer = Signer::new(args.sign.private_key.as_deref())?;
    let request = TxRequest {
        to: None,
        data,
        value: args.value,
    };
    let (hash, receipt) =
        wallet::send_and_wait(&rpc, &signer, &request, &tx_options(&args.sign)).await?;
    let summary = ReceiptSummary::of(&receipt)?;
    let address = receipt
        .get("contractAddress")
        .and_then(Value::as_str)
        .and_then(|text| parse_address(text).ok());
    if args.node.json {
        println!(
            "{}",
            json!({
                "contractAddress": address.as_ref().map(checksum_address),
                "transactionHash": format!("{hash:#x}"),
                "status": summary.status,
                "gasUsed": summary.gas_used,
                "blockNumber": summary.block,
            })
        );
    } else {
        match &address {
            Some(address) if summary.succeeded() => {
                println!("contract address  {}", checksum_address(address));
            }
            _ => println!("status            0 (failed)"),
        }
        println!("transaction hash  {hash:#x}");
        println!("gas used          {}", summary.gas_used);
        println!("block             {}", summary.block);
    }
    Ok(summary.exit_code())
}

/// `NAME.abi.json` for `NAME.deploy.wasm` (or `NAME.wasm`).
fn sibling_abi(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_str()?;
    let stem = name
        .strip_suffix(".deploy.wasm")
        .or_else(|| name.strip_suffix(".wasm"))?;
    Some(file.with_file_name(format!("{stem}.abi.json")))
}

fn read_constructor(path: &Path) -> Result<Vec<DynSolType>, ClientError> {
    let text = std::fs::read_to_string(path).map_err(|source| ClientError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|e| ClientError::AbiFile {
        path: path.to_path_buf(),
        detail: format!("not JSON: {e}"),
    })?;
    abi::constructor_inputs(&json).map_err(|e| ClientError::AbiFile {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })
}

/// Call data from a signature and its arguments, or raw `0x` hex; the return types if a
/// signature gave them.
fn call_data(
    sig: &str,
    args: &[String],
) -> Result<(Vec<u8>, Option<Vec<DynSolType>>), ClientError> {
    if sig.starts_with("0x") || sig.starts_with("0X") {
        if !args.is_empty() {
            return Err(ClientError::Usage(
                "raw 0x call data takes no further arguments".to_string(),
            ));
        }
        let data = parse_hex(sig)
            .map_err(|detail| ClientError::Usage(format!("call data {sig:?}: {detail}")))?;
        return Ok((data, None));
    }
    let signature = Signature::parse(sig)?;
    Ok((signature.encode_call(args)?, Some(signature.outputs)))
}

async fn send(args: &SendArgs) -> Result<ExitCode, ClientError> {
    let (data, _) = call_data(&args.sig, &args.args)?;
    let rpc = Rpc::new(&args.node.rpc_url)?;
    let signer = Signer::new(args.sign.private_key.as_deref())?;
    let request = TxRequest {
        to: Some(args.to),
        data,
        value: args.value,
    };
    let (hash, receipt) =
        wallet::send_and_wait(&rpc, &signer, &request, &tx_options(&args.sign)).await?;
    let summary = ReceiptSummary::of(&receipt)?;
    let logs = receipt
        .get("logs")
        .cloned()
        .unwrap_or(Value::Array(Vec::new()));
    if args.node.json {
        println!(
            "{}",
            json!({
                "status": summary.status,
                "transactionHash": format!("{hash:#x}"),
                "gasUsed": summary.gas_used,
                "blockNumber": summary.block,
                "logs": logs,
            })
        );
    } else {
        let verdict = if summary.succeeded() {
            "success"
        } else {
            "failed"
        };
        println!("status            {} ({verdict})", summary.status);
        println!("transaction hash  {hash:#x}");
        println!("gas used          {}", summary.gas_used);
        println!("block             {}", summary.block);
        let logs = logs.as_array().map(Vec::as_slice).unwrap_or_default();
        println!("logs              {}", logs.len());
        for (i, log) in logs.iter().enumerate() {
            let field = |name: &str| log.get(name).cloned().unwrap_or(Value::Null);
            let text = |value: Value| {
                value
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| value.to_string())
            };
            println!("  [{i}] address   {}", text(field("address")));
            for topic in field("topics")
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                println!("      topic     {}", text(topic.clone()));
            }
            println!("      data      {}", text(field("data")));
        }
    }
    Ok(summary.exit_code())
}

async fn call(args: &CallArgs) -> Result<ExitCode, ClientError> {
    let (data, outputs) = call_data(&args.sig, &args.args)?;
    let rpc = Rpc::new(&args.node.rpc_url)?;
    let mut request = json!({
        "to": address_json(args.to),
        "data": format!("0x{}", hex::encode(&data)),
    });
    if let Some(object) = request.as_object_mut() {
        if let Some(from) = args.from {
            object.insert("from".to_string(), address_json(from));
        }
        if !args.value.is_zero() {
            object.insert("value".to_string(), rpc::quantity_json(args.value));
        }
    }
    let result = rpc.call(&request, &args.block).await?;
    match outputs {
        Some(types) if !types.is_empty() => {
            let values = abi::decode(&types, &result)?;
            if args.node.json {
                let items: Vec<Value> = values.iter().map(abi::to_json).collect();
                println!("{}", Value::Array(items));
            } else {
                for value in &values {
                    println!("{}", abi::display(value));
                }
            }
        }
        _ => {
            let hex = format!("0x{}", hex::encode(&result));
            if args.node.json {
                println!("{}", Value::String(hex));
            } else {
                println!("{hex}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn balance(args: &BalanceArgs) -> Result<ExitCode, ClientError> {
    let rpc = Rpc::new(&args.node.rpc_url)?;
    let wei = rpc.balance(args.address, &args.block).await?;
    if args.node.json {
        println!(
            "{}",
            json!({"address": checksum_address(&args.address), "wei": wei.to_string()})
        );
    } else {
        println!("{wei}");
    }
    Ok(ExitCode::SUCCESS)
}

async fn receipt(args: &ReceiptArgs) -> Result<ExitCode, ClientError> {
    let rpc = Rpc::new(&args.node.rpc_url)?;
    let Some(receipt) = rpc.receipt(args.hash).await? else {
        eprintln!(
            "error: no receipt for transaction {:#x} (unknown or not mined yet)",
            args.hash
        );
        return Ok(ExitCode::from(1));
    };
    let text = if args.node.json {
        receipt.to_string()
    } else {
        serde_json::to_string_pretty(&receipt).unwrap_or_else(|_| receipt.to_string())
    };
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The receipt fields the commands print.
#[derive(Debug)]
struct ReceiptSummary {
    status: u64,
    gas_used: u64,
    block: u64,
}

impl ReceiptSummary {
    fn of(receipt: &Value) -> Result<Self, ClientError> {
        let method = "eth_getTransactionReceipt";
        let field = |name: &str| -> Result<u64, ClientError> {
            let value = receipt.get(name).ok_or_else(|| {
                ClientError::Rpc(RpcError::Response {
                    method,
                    result: receipt.to_string(),
                    detail: format!("the receipt has no {name:?}"),
                })
            })?;
            Ok(rpc::quantity_u64(method, value)?)
        };
        Ok(Self {
            status: field("status")?,
            gas_used: field("gasUsed")?,
            block: field("blockNumber")?,
        })
    }

    fn succeeded(&self) -> bool {
        self.status == 1
    }

    fn exit_code(&self) -> ExitCode {
        if self.succeeded() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }
}

fn parse_address_arg(text: &str) -> Result<H160, String> {
    parse_address(text)
}

fn parse_hash_arg(text: &str) -> Result<H256, String> {
    rewasm_primitives::text::hash(text, Prefix::Required)
        .map_err(|e| format!("a transaction hash: {e}"))
}

/// A block tag, or a number as a JSON-RPC quantity.
fn parse_block(text: &str) -> Result<String, String> {
    match text {
        "latest" | "pending" | "earliest" | "safe" | "finalized" => Ok(text.to_string()),
        _ => abi::parse_u256(text)
            .ok()
            .filter(|n| n.bits() <= 64)
            .map(|n| format!("{n:#x}"))
            .ok_or_else(|| {
                "expected a block number or latest, pending, earliest, safe, finalized".to_string()
            }),
    }
}

/// Wei from `123`, `0x7b`, or a decimal with a unit: `1ether`, `1.5gwei`, `10wei`.
fn parse_wei(text: &str) -> Result<U256, String> {
    let units = [("ether", 18u32), ("gwei", 9), ("wei", 0)];
    let Some((number, decimals)) = units
        .iter()
        .find_map(|(unit, decimals)| text.strip_suffix(unit).map(|n| (n.trim(), *decimals)))
    else {
        return abi::parse_u256(text);
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(format!("{text:?} is not a decimal amount"));
    }
    let fraction_len = u32::try_from(fraction.len()).unwrap_or(u32::MAX);
    if fraction_len > decimals {
        return Err(format!("{text:?} has more decimals than the unit allows"));
    }
    let digits = format!("{whole}{fraction}");
    let scaled = U256::from_dec_str(&digits).map_err(|e| e.to_string())?;
    scaled
        .checked_mul(U256::exp10((decimals - fraction_len) as usize))
        .ok_or_else(|| format!("{text:?} does not fit 256 bits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_take_units() {
        assert_eq!(parse_wei("123").unwrap(), U256::from(123));
        assert_eq!(parse_wei("0x10").unwrap(), U256::from(16));
        assert_eq!(parse_wei("2gwei").unwrap(), U256::from(2_000_000_000u64));
        assert_eq!(
            parse_wei("1.5ether").unwrap(),
            U256::from(15u64) * U256::exp10(17)
        );
        assert_eq!(parse_wei("7wei").unwrap(), U256::from(7));
        assert!(parse_wei("1.5wei").is_err());
        assert!(parse_wei("ether").is_err());
        assert!(parse_wei("-1").is_err());
    }

    #[test]
    fn blocks_are_tags_or_quantities() {
        assert_eq!(parse_block("latest").unwrap(), "latest");
        assert_eq!(parse_block("16").unwrap(), "0x10");
        assert_eq!(parse_block("0x10").unwrap(), "0x10");
        assert!(parse_block("newest").is_err());
    }

    #[test]
    fn the_abi_is_found_beside_the_init_code() {
        assert_eq!(
            sibling_abi(Path::new("out/erc20.deploy.wasm")).unwrap(),
            Path::new("out/erc20.abi.json")
        );
        assert_eq!(
            sibling_abi(Path::new("erc20.wasm")).unwrap(),
            Path::new("erc20.abi.json")
        );
        assert_eq!(sibling_abi(Path::new("code.bin")), None);
    }

    #[test]
    fn raw_call_data_or_a_signature() {
        let (data, outputs) = call_data("0x1234", &[]).unwrap();
        assert_eq!((data, outputs), (vec![0x12, 0x34], None));
        assert!(call_data("0x1234", &["1".to_string()]).is_err());
        let (data, outputs) = call_data("decimals()(uint8)", &[]).unwrap();
        assert_eq!(hex::encode(data), "313ce567");
        assert_eq!(outputs.unwrap(), vec![DynSolType::Uint(8)]);
    }

    #[test]
    fn reverts_print_their_reason_and_other_errors_their_message() {
        let mut data = vec![0x08, 0xc3, 0x79, 0xa0];
        data.extend(encode(&[alloy_dyn_abi::DynSolValue::String(
            "ERC20: transfer amount exceeds balance".to_string(),
        )]));
        let revert = RpcError::Node {
            method: "eth_call",
            code: 3,
            message: "execution reverted".to_string(),
            data: Some(format!("0x{}", hex::encode(&data)).into()),
        };
        assert_eq!(
            node_error_line(&revert),
            "execution reverted: ERC20: transfer amount exceeds balance"
        );
        let bare = RpcError::Node {
            method: "eth_estimateGas",
            code: 3,
            message: "execution reverted: no data".to_string(),
            data: None,
        };
        assert_eq!(node_error_line(&bare), "execution reverted: no data");
        let nonce = RpcError::Node {
            method: "eth_sendRawTransaction",
            code: -32000,
            message: "nonce too low: next nonce 5, tx nonce 0".to_string(),
            data: None,
        };
        assert_eq!(
            node_error_line(&nonce),
            "error: nonce too low: next nonce 5, tx nonce 0"
        );
    }
}
