//! Genesis: the chain's first state and parameters, from a JSON file or the built-in dev chain.
//!
//! The dev chain prefunds the ten accounts of the standard test mnemonic ("test test test test
//! test test test test test test test junk", m/44'/60'/0'/0/i) — the accounts anvil and hardhat
//! users already have in their tools — with 10 000 ETH each, chain id 31337.

use std::collections::BTreeMap;
use std::path::Path;

use bip32::{DerivationPath, XPrv};
use k256::ecdsa::SigningKey;
use primitive_types::{H160, H256, U256};
use rewasm_executor::{Account, BasicAccount, Bytecode, InMemoryState};
use rewasm_primitives::keccak256;
use rewasm_primitives::text::{self, ParseError, Prefix};
use rewasm_vm::{CallDepthScope, ChainLimits, GasSchedule};
use serde::{Deserialize, Serialize};

/// The standard test mnemonic of anvil and hardhat.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// Chain id of the dev chain (anvil's and hardhat's).
pub const DEV_CHAIN_ID: u64 = 31_337;
/// Accounts the dev chain prefunds.
pub const DEV_ACCOUNTS: u32 = 10;
/// 10 000 ETH in wei.
pub const DEV_BALANCE_ETH: u64 = 10_000;
/// Block gas limit of the dev chain.
pub const DEV_GAS_LIMIT: u64 = 30_000_000;

/// Why a genesis could not be built.
#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Json {
        path: String,
        source: serde_json::Error,
    },
    #[error("unknown gas schedule {0:?} (use \"v2\", \"default\" or \"ewasm-conformance\")")]
    Schedule(String),
    #[error("alloc {address}: {detail}")]
    Alloc { address: String, detail: String },
    #[error("key derivation: {0}")]
    Derivation(String),
    #[error(
        "unknown limit {0:?} (the names are ChainLimits' fields in camelCase, e.g. \"maxCodeSize\")"
    )]
    UnknownLimit(String),
    #[error(
        "limit {name:?} is 0 (each frame has its own call-depth budget) or 1 (one budget for the transaction), not {value}"
    )]
    LimitValue { name: String, value: u32 },
    #[error("validator {index}: publicKey {key:?} is not 32 bytes of 0x-hex")]
    ValidatorKey { index: usize, key: String },
}

/// One prefunded account in a genesis file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct AllocAccount {
    /// Wei, decimal or 0x-hex.
    pub balance: String,
    /// Code, 0x-hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Nonce.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    /// Storage slots, 0x-hex → 0x-hex.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub storage: BTreeMap<String, String>,
}

/// A genesis file: `{"chainId": 1, "gasSchedule": "default", "gasLimit": 30000000,
/// "timestamp": 0, "alloc": {"0x…": {"balance": "…"}}}`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Genesis {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Gas schedule name.
    #[serde(default = "default_schedule")]
    pub gas_schedule: String,
    /// Block gas limit.
    #[serde(default = "default_gas_limit")]
    pub gas_limit: u64,
    /// Timestamp of block 0.
    #[serde(default)]
    pub timestamp: u64,
    /// Prefunded accounts.
    pub alloc: BTreeMap<String, AllocAccount>,
    /// Overrides of the validation and execution limits (`ChainLimits`), by camelCase field
    /// name, e.g. `{"maxCodeSize": 262144, "maxCallDepth": 512}`; the rest keep their defaults.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, u32>,
    /// The validators of a network (`rewasm node --validator-key`); none for a dev chain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validators: Vec<GenesisValidator>,
    /// A chain for development (the built-in dev chain sets it): transactions of impersonated
    /// senders are valid (`anvil_impersonateAccount`), and the node serves the chain-control
    /// methods. A network refuses it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dev_mode: bool,
}

/// A validator of a network: its ed25519 public key (32 bytes, 0x-hex) and voting power.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisValidator {
    pub public_key: String,
    pub power: u64,
}

/// The schedule of a genesis file that names none: the first one, so that files written before
/// `v2` existed describe the same chain.
fn default_schedule() -> String {
    "default".to_string()
}

/// The built-in dev chain's schedule.
pub const DEV_SCHEDULE: &str = "v2";

fn default_gas_limit() -> u64 {
    DEV_GAS_LIMIT
}

/// A dev account: its address and key.
#[derive(Clone, Debug)]
pub struct DevAccount {
    /// The address.
    pub address: H160,
    /// The private key.
    pub key: SigningKey,
}

/// The address of a key: keccak(uncompressed public key)[12..].
pub fn address_of(key: &SigningKey) -> H160 {
    let point = key.verifying_key().to_encoded_point(false);
    let hash = keccak256(point.as_bytes().get(1..).unwrap_or_default());
    H160::from_slice(hash.as_bytes().get(12..).unwrap_or(&[0; 20]))
}

/// The BIP-39 seed of an (ASCII, already normalised) English phrase with no passphrase.
fn bip39_seed(phrase: &str) -> [u8; 64] {
    let mut seed = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<sha2::Sha512>(phrase.as_bytes(), b"mnemonic", 2048, &mut seed);
    seed
}

/// The first `count` accounts of `phrase` at m/44'/60'/0'/0/i.
pub fn derive_accounts(phrase: &str, count: u32) -> Result<Vec<DevAccount>, GenesisError> {
    let seed = bip39_seed(phrase);
    (0..count)
        .map(|i| {
            let path: DerivationPath = format!("m/44'/60'/0'/0/{i}")
                .parse()
                .map_err(|e: bip32::Error| GenesisError::Derivation(e.to_string()))?;
            let xprv = XPrv::derive_from_path(seed, &path)
                .map_err(|e| GenesisError::Derivation(e.to_string()))?;
            let key = xprv.private_key().clone();
            Ok(DevAccount {
                address: address_of(&key),
                key,
            })
        })
        .collect()
}

impl Genesis {
    /// The built-in dev chain.
    pub fn dev() -> Result<Self, GenesisError> {
        let wei = U256::from(DEV_BALANCE_ETH) * U256::exp10(18);
        let alloc = derive_accounts(DEV_MNEMONIC, DEV_ACCOUNTS)?
            .into_iter()
            .map(|account| {
                (
                    format!("{:?}", account.address),
                    AllocAccount {
                        balance: wei.to_string(),
                        ..AllocAccount::default()
                    },
                )
            })
            .collect();
        Ok(Self {
            chain_id: DEV_CHAIN_ID,
            gas_schedule: DEV_SCHEDULE.to_string(),
            gas_limit: DEV_GAS_LIMIT,
            timestamp: 0,
            alloc,
            limits: BTreeMap::new(),
            validators: Vec::new(),
            dev_mode: true,
        })
    }

    /// A genesis file.
    pub fn load(path: &Path) -> Result<Self, GenesisError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| GenesisError::Io {
            path: shown.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| GenesisError::Json {
            path: shown,
            source,
        })
    }

    /// The gas schedule it names.
    pub fn schedule(&self) -> Result<GasSchedule, GenesisError> {
        GasSchedule::by_name(&self.gas_schedule)
            .ok_or_else(|| GenesisError::Schedule(self.gas_schedule.clone()))
    }

    /// What a store records of the validator set, so that a node refuses to run a chain's
    /// blocks under another set: keccak over each validator's public key (32 bytes) ++ power
    /// (8, big-endian), in the file's order (the order that picks proposers). An empty set (a
    /// dev chain) hashes the empty string.
    pub fn validators_hash(&self) -> Result<H256, GenesisError> {
        let mut encoded = Vec::with_capacity(self.validators.len() * 40);
        for (index, validator) in self.validators.iter().enumerate() {
            let key = text::hex_bytes(&validator.public_key, Prefix::Optional)
                .ok()
                .filter(|key| key.len() == 32)
                .ok_or_else(|| GenesisError::ValidatorKey {
                    index,
                    key: validator.public_key.clone(),
                })?;
            encoded.extend_from_slice(&key);
            encoded.extend_from_slice(&validator.power.to_be_bytes());
        }
        Ok(keccak256(&encoded))
    }

    /// The chain limits: the defaults with the file's overrides.
    pub fn limits(&self) -> Result<ChainLimits, GenesisError> {
        let mut limits = ChainLimits::default();
        for (name, value) in &self.limits {
            if name == "callDepthPerTransaction" {
                limits.call_depth_scope = match value {
                    0 => CallDepthScope::Frame,
                    1 => CallDepthScope::Transaction,
                    _ => {
                        return Err(GenesisError::LimitValue {
                            name: name.clone(),
                            value: *value,
                        });
                    }
                };
                continue;
            }
            let field = match name.as_str() {
                "maxCodeSize" => &mut limits.max_code_size,
                "maxTypes" => &mut limits.max_types,
                "maxFunctions" => &mut limits.max_functions,
                "maxParams" => &mut limits.max_params,
                "maxResults" => &mut limits.max_results,
                "maxLocals" => &mut limits.max_locals,
                "maxOperandStackHeight" => &mut limits.max_operand_stack_height,
                "maxGlobals" => &mut limits.max_globals,
                "maxImports" => &mut limits.max_imports,
                "maxExports" => &mut limits.max_exports,
                "maxTableSize" => &mut limits.max_table_size,
                "maxBrTableTargets" => &mut limits.max_br_table_targets,
                "maxBlockNesting" => &mut limits.max_block_nesting,
                "maxDataSegments" => &mut limits.max_data_segments,
                "maxElementSegments" => &mut limits.max_element_segments,
                "maxInitialPages" => &mut limits.max_initial_pages,
                "maxMemoryPages" => &mut limits.max_memory_pages,
                "maxCallDepth" => &mut limits.max_call_depth,
                _ => return Err(GenesisError::UnknownLimit(name.clone())),
            };
            *field = *value;
        }
        Ok(limits)
    }

    /// The state of block 0.
    pub fn state(&self) -> Result<InMemoryState, GenesisError> {
        let mut state = InMemoryState::default();
        for (address, alloc) in &self.alloc {
            let fail = |detail: String| GenesisError::Alloc {
                address: address.clone(),
                detail,
            };
            let account = parse_alloc(alloc).map_err(fail)?;
            state.accounts.insert(
                text::address(address, Prefix::Optional)
                    .map_err(|error| fail(error.to_string()))?,
                account,
            );
        }
        Ok(state)
    }
}

fn field_error(name: &'static str) -> impl Fn(ParseError) -> String {
    move |error| format!("{name}: {error}")
}

/// An allocation's fields; the error names the field.
fn parse_alloc(alloc: &AllocAccount) -> Result<Account, String> {
    let code = match &alloc.code {
        Some(code) => text::hex_bytes(code, Prefix::Optional).map_err(field_error("code"))?,
        None => Vec::new(),
    };
    let mut storage = BTreeMap::new();
    for (key, value) in &alloc.storage {
        let value = H256(
            text::number(value)
                .map_err(field_error("storage value"))?
                .to_big_endian(),
        );
        if !value.is_zero() {
            let key = text::number(key).map_err(field_error("storage key"))?;
            storage.insert(H256(key.to_big_endian()), value);
        }
    }
    let basic = BasicAccount {
        nonce: alloc.nonce.unwrap_or(0),
        balance: text::number(&alloc.balance).map_err(field_error("balance"))?,
        code: Bytecode::new(code),
    };
    Ok(Account { basic, storage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_accounts_are_anvils() {
        let accounts = derive_accounts(DEV_MNEMONIC, 2).unwrap();
        assert_eq!(
            format!("{:?}", accounts[0].address),
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert_eq!(
            hex::encode(accounts[0].key.to_bytes()),
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        );
        assert_eq!(
            format!("{:?}", accounts[1].address),
            "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
        );
    }

    #[test]
    fn dev_genesis_prefunds_ten_accounts() {
        let genesis = Genesis::dev().unwrap();
        let state = genesis.state().unwrap();
        assert_eq!(state.accounts.len(), 10);
        let wei = U256::from(10_000u64) * U256::exp10(18);
        assert!(state.accounts.values().all(|a| a.basic.balance == wei));
        assert_eq!(genesis.chain_id, 31_337);
    }

    #[test]
    fn genesis_files_are_checked() {
        let bad: Result<Genesis, _> =
            serde_json::from_str(r#"{"chainId": 1, "alloc": {}, "surprise": 1}"#);
        assert!(bad.is_err(), "unknown fields are refused");
        let genesis: Genesis =
            serde_json::from_str(r#"{"chainId": 7, "alloc": {"0x00000000000000000000000000000000000000aa": {"balance": "0x10", "storage": {"0x1": "0x2"}}}}"#)
                .unwrap();
        let state = genesis.state().unwrap();
        let account = &state.accounts[&H160::from_low_u64_be(0xaa)];
        assert_eq!(account.basic.balance, U256::from(16));
        assert_eq!(
            account.storage[&H256::from_low_u64_be(1)],
            H256::from_low_u64_be(2)
        );
        let short: Genesis =
            serde_json::from_str(r#"{"chainId": 7, "alloc": {"0xaa": {"balance": "1"}}}"#).unwrap();
        assert!(short.state().is_err());
    }

    /// Consensus-critical: a store records this hash and refuses another set.
    #[test]
    fn the_validator_set_hash_is_pinned() {
        let mut genesis = Genesis::dev().unwrap();
        assert_eq!(
            format!("{:?}", genesis.validators_hash().unwrap()),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
        );
        genesis.validators = vec![
            GenesisValidator {
                public_key: format!("0x{}", "11".repeat(32)),
                power: 1,
            },
            GenesisValidator {
                public_key: "22".repeat(32),
                power: 7,
            },
        ];
        assert_eq!(
            format!("{:?}", genesis.validators_hash().unwrap()),
            "0xaed72b95d2964f0632e09875e6d9e642dd5f79a1b68aa8312d51bb503f612ae8"
        );
        genesis.validators[1].public_key = "0x22".into();
        assert!(matches!(
            genesis.validators_hash(),
            Err(GenesisError::ValidatorKey { index: 1, .. })
        ));
    }

    #[test]
    fn genesis_limits_override_the_defaults_by_name() {
        let genesis: Genesis = serde_json::from_str(
            r#"{"chainId": 7, "alloc": {}, "limits": {"maxCodeSize": 1000, "maxCallDepth": 64}}"#,
        )
        .unwrap();
        let limits = genesis.limits().unwrap();
        assert_eq!(limits.max_code_size, 1000);
        assert_eq!(limits.max_call_depth, 64);
        assert_eq!(limits.max_locals, ChainLimits::default().max_locals);
        let typo: Genesis =
            serde_json::from_str(r#"{"chainId": 7, "alloc": {}, "limits": {"maxCodeSise": 1}}"#)
                .unwrap();
        assert!(
            matches!(typo.limits(), Err(GenesisError::UnknownLimit(name)) if name == "maxCodeSise")
        );
        assert_eq!(limits.call_depth_scope, CallDepthScope::Transaction);
        let scope = |value: u32| {
            let text = format!(
                r#"{{"chainId": 7, "alloc": {{}}, "limits": {{"callDepthPerTransaction": {value}}}}}"#
            );
            serde_json::from_str::<Genesis>(&text)
                .unwrap()
                .limits()
                .map(|limits| limits.call_depth_scope)
        };
        assert_eq!(scope(0).unwrap(), CallDepthScope::Frame);
        assert_eq!(scope(1).unwrap(), CallDepthScope::Transaction);
        assert!(matches!(
            scope(2),
            Err(GenesisError::LimitValue { value: 2, .. })
        ));
    }
}
