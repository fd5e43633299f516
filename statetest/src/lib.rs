//! eWASM GeneralStateTests (`evm statetest`-style): each test's pre-state, environment and
//! transaction matrix run through the executor with the `ewasm-conformance` schedule; the state
//! root and logs hash of every Byzantium post entry must match the reference VM's (Hera's).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use k256::elliptic_curve::sec1::ToEncodedPoint;
use primitive_types::{H160, H256, U256};
use rewasm_eei::BlockInfo;
use rewasm_executor::{
    Account, BasicAccount, Bytecode, InMemoryState, StateError, Transaction, execute_transaction,
};
use rewasm_primitives::text::{self, Prefix};
use rewasm_primitives::{keccak256, logs_hash};
use rewasm_vm::{CallDepthScope, ChainLimits, Engine, GasSchedule, VmConfig};
use serde::Deserialize;

/// Errors reading a test file.
#[derive(Debug, thiserror::Error)]
pub enum StateTestError {
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a state test: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{test}: {detail}")]
    Field { test: String, detail: String },
}

#[derive(Debug, Deserialize)]
struct TestFile(BTreeMap<String, StateTest>);

#[derive(Debug, Deserialize)]
struct StateTest {
    env: Env,
    pre: BTreeMap<String, PreAccount>,
    transaction: TxMatrix,
    post: BTreeMap<String, Vec<PostEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Env {
    current_coinbase: String,
    current_difficulty: String,
    current_gas_limit: String,
    current_number: String,
    current_timestamp: String,
}

#[derive(Debug, Deserialize)]
struct PreAccount {
    balance: String,
    code: String,
    nonce: String,
    storage: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TxMatrix {
    data: Vec<String>,
    gas_limit: Vec<String>,
    gas_price: String,
    nonce: String,
    secret_key: String,
    to: String,
    value: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct PostEntry {
    hash: String,
    logs: String,
    indexes: Indexes,
}

#[derive(Debug, Deserialize)]
struct Indexes {
    data: usize,
    gas: usize,
    value: usize,
}

/// The result of one post entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `test` or `test[d,g,v]` when the matrix has several entries.
    pub name: String,
    /// Expected and actual state root.
    pub root: (H256, H256),
    /// Expected and actual logs hash.
    pub logs: (H256, H256),
    /// Accounts that differ from the pre-state, for the failure report.
    pub changed: Vec<String>,
    /// Why the test could not run, if it could not.
    pub error: Option<String>,
}

impl Verdict {
    /// Root and logs hash both match.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.root.0 == self.root.1 && self.logs.0 == self.logs.1
    }
}

/// The fixtures write hex with or without `0x`, and `0x` (or nothing) for zero.
fn bytes(text: &str) -> Result<Vec<u8>, String> {
    text::hex_bytes(text, Prefix::Optional).map_err(|e| format!("{text:?}: {e}"))
}

fn u256(text: &str) -> Result<U256, String> {
    text::hex_number(text).map_err(|e| format!("{text:?}: {e}"))
}

fn u64_of(text: &str) -> Result<u64, String> {
    let value = u256(text)?;
    if value > U256::from(u64::MAX) {
        Err(format!("{text} does not fit 64 bits"))
    } else {
        Ok(value.as_u64())
    }
}

fn h160(text: &str) -> Result<H160, String> {
    text::address(text, Prefix::Optional).map_err(|e| format!("address {text:?}: {e}"))
}

fn h256(text: &str) -> Result<H256, String> {
    text::hash(text, Prefix::Optional).map_err(|e| format!("hash {text:?}: {e}"))
}

fn word(text: &str) -> Result<H256, String> {
    Ok(H256(u256(text)?.to_big_endian()))
}

/// The address of a secret key: keccak(uncompressed public key)[12..].
fn sender_of(secret: &str) -> Result<H160, String> {
    let key =
        k256::SecretKey::from_slice(&bytes(secret)?).map_err(|e| format!("bad secret key: {e}"))?;
    let point = key.public_key().to_encoded_point(false);
    let hash = keccak256(point.as_bytes().get(1..).unwrap_or_default());
    Ok(H160::from_slice(
        hash.as_bytes().get(12..).unwrap_or(&[0; 20]),
    ))
}

fn pre_state(pre: &BTreeMap<String, PreAccount>) -> Result<InMemoryState, String> {
    let mut state = InMemoryState::default();
    for (address, account) in pre {
        let storage = account
            .storage
            .iter()
            .map(|(k, v)| Ok((word(k)?, word(v)?)))
            .collect::<Result<BTreeMap<_, _>, String>>()?
            .into_iter()
            .filter(|(_, v)| !v.is_zero())
            .collect();
        let basic = BasicAccount {
            nonce: u64_of(&account.nonce)?,
            balance: u256(&account.balance)?,
            code: Bytecode::new(bytes(&account.code)?),
        };
        state
            .accounts
            .insert(h160(address)?, Account { basic, storage });
    }
    Ok(state)
}

/// The state-test tool's block hashes: keccak256 of the decimal block number.
fn test_block_hash(number: u64) -> Result<Option<H256>, StateError> {
    Ok(Some(keccak256(number.to_string().as_bytes())))
}

fn describe_changes(pre: &InMemoryState, post: &InMemoryState) -> Vec<String> {
    let mut lines = Vec::new();
    let addresses: std::collections::BTreeSet<_> =
        pre.accounts.keys().chain(post.accounts.keys()).collect();
    for address in addresses {
        match (pre.accounts.get(address), post.accounts.get(address)) {
            (Some(a), Some(b)) if a == b => {}
            (None, Some(b)) => lines.push(format!("  {address:?}: created {}", describe(b))),
            (Some(_), None) => lines.push(format!("  {address:?}: deleted")),
            (Some(a), Some(b)) => {
                lines.push(format!("  {address:?}: {} -> {}", describe(a), describe(b)))
            }
            (None, None) => {}
        }
    }
    lines
}

fn describe(account: &Account) -> String {
    let storage: Vec<String> = account
        .storage
        .iter()
        .map(|(k, v)| format!("{k:?}={v:?}"))
        .collect();
    format!(
        "nonce {} balance {} code {} bytes storage {{{}}}",
        account.basic.nonce,
        account.basic.balance,
        account.basic.code.len(),
        storage.join(", ")
    )
}

/// A state file in the format of a state test's `pre` section: `{ "0xaddress": { "balance",
/// "code", "nonce", "storage": { slot: value } } }`, all hex. Used by `rewasm run --state`.
pub fn load_state(path: &Path) -> Result<InMemoryState, StateTestError> {
    let text = std::fs::read_to_string(path).map_err(|source| StateTestError::Io {
        path: path.into(),
        source,
    })?;
    let accounts: BTreeMap<String, PreAccount> =
        serde_json::from_str(&text).map_err(|source| StateTestError::Json {
            path: path.into(),
            source,
        })?;
    pre_state(&accounts).map_err(|detail| StateTestError::Field {
        test: path.display().to_string(),
        detail,
    })
}

/// Runs every Byzantium post entry of one test.
fn run_test(engine: &Engine, name: &str, test: &StateTest) -> Result<Vec<Verdict>, String> {
    let pre = pre_state(&test.pre)?;
    let block = BlockInfo {
        coinbase: h160(&test.env.current_coinbase)?,
        number: u64_of(&test.env.current_number)?,
        timestamp: u64_of(&test.env.current_timestamp)?,
        gas_limit: u64_of(&test.env.current_gas_limit)?,
        difficulty: u256(&test.env.current_difficulty)?,
        base_fee: Default::default(),
    };
    let tx = &test.transaction;
    let sender = sender_of(&tx.secret_key)?;
    let to = if tx.to.is_empty() {
        None
    } else {
        Some(h160(&tx.to)?)
    };
    let entries = test
        .post
        .get("Byzantium")
        .map(Vec::as_slice)
        .unwrap_or_default();
    let several = entries.len() > 1;
    let mut verdicts = Vec::new();
    for entry in entries {
        let pick = |list: &[String], index: usize| {
            list.get(index)
                .cloned()
                .ok_or_else(|| format!("index {index} out of range"))
        };
        let i = &entry.indexes;
        let transaction = Transaction {
            sender,
            to,
            nonce: u64_of(&tx.nonce)?,
            gas_limit: u64_of(&pick(&tx.gas_limit, i.gas)?)?,
            gas_price: u256(&tx.gas_price)?,
            value: u256(&pick(&tx.value, i.value)?)?,
            data: bytes(&pick(&tx.data, i.data)?)?,
            ..Transaction::default()
        };
        let mut state = pre.clone();
        let logs =
            match execute_transaction(engine, &mut state, &block, &test_block_hash, &transaction) {
                Ok(receipt) => logs_hash(&receipt.logs),
                Err(_) => logs_hash(&[]),
            };
        let label = if several {
            format!("{name}[{},{},{}]", i.data, i.gas, i.value)
        } else {
            name.to_string()
        };
        verdicts.push(Verdict {
            name: label,
            root: (h256(&entry.hash)?, state.state_root()),
            logs: (h256(&entry.logs)?, logs),
            changed: describe_changes(&pre, &state),
            error: None,
        });
    }
    Ok(verdicts)
}

/// Every test of one file.
pub fn run_file(engine: &Engine, path: &Path) -> Result<Vec<Verdict>, StateTestError> {
    let text = std::fs::read_to_string(path).map_err(|source| StateTestError::Io {
        path: path.into(),
        source,
    })?;
    let file: TestFile = serde_json::from_str(&text).map_err(|source| StateTestError::Json {
        path: path.into(),
        source,
    })?;
    let mut verdicts = Vec::new();
    for (name, test) in &file.0 {
        match run_test(engine, name, test) {
            Ok(mut v) => verdicts.append(&mut v),
            Err(detail) => verdicts.push(Verdict {
                name: name.clone(),
                root: (H256::zero(), H256::zero()),
                logs: (H256::zero(), H256::zero()),
                changed: Vec::new(),
                error: Some(detail),
            }),
        }
    }
    Ok(verdicts)
}

/// The engine state tests run on: instruction metering off, as the tests were filled.
pub fn conformance_engine() -> Result<Engine, rewasm_vm::EngineError> {
    // The tests were filled by Hera: no host charges and a call-depth budget per frame (they
    // nest 1024 contract frames).
    Engine::new(VmConfig {
        schedule: GasSchedule::ewasm_conformance(),
        limits: ChainLimits {
            call_depth_scope: CallDepthScope::Frame,
            ..ChainLimits::default()
        },
        ..VmConfig::default()
    })
}

/// `.json` files under `paths` (files or folders), sorted.
pub fn collect_tests(paths: &[PathBuf]) -> Result<Vec<PathBuf>, StateTestError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|source| StateTestError::Io {
                path: path.clone(),
                source,
            })?;
            for entry in entries.flatten() {
                let file = entry.path();
                if file.extension().is_some_and(|e| e == "json") {
                    files.push(file);
                }
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    Ok(files)
}

/// Prints `PASS name` / `FAIL name: expected != actual` (with the changed accounts) for every
/// verdict and returns (passed, failed).
pub fn report(verdicts: &[Verdict], out: &mut impl Write) -> std::io::Result<(usize, usize)> {
    let mut counts = (0, 0);
    for verdict in verdicts {
        if verdict.passed() {
            counts.0 += 1;
            writeln!(out, "PASS {}", verdict.name)?;
            continue;
        }
        counts.1 += 1;
        match &verdict.error {
            Some(error) => writeln!(out, "FAIL {}: {error}", verdict.name)?,
            None if verdict.root.0 != verdict.root.1 => writeln!(
                out,
                "FAIL {}: {:?} != {:?}",
                verdict.name, verdict.root.0, verdict.root.1
            )?,
            None => writeln!(
                out,
                "FAIL {}: logs {:?} != {:?}",
                verdict.name, verdict.logs.0, verdict.logs.1
            )?,
        }
        for line in &verdict.changed {
            writeln!(out, "{line}")?;
        }
    }
    Ok(counts)
}
