//! Validator key files and the genesis validator set.
//!
//! A key file is JSON: `{"address": "0x…", "publicKey": "0x…", "privateKey": "0x…"}`, the
//! private key being the 32-byte ed25519 seed. The address and public key are there for the
//! operator to read (and to copy into a genesis); loading checks they match the private key.

use std::path::Path;

use rewasm_node::genesis::{Genesis, GenesisValidator};
use serde::{Deserialize, Serialize};

use crate::context::{Address, Validator, ValidatorSet, ValidatorSetError};
use crate::signing::{PrivateKey, PublicKey};

/// A key file's contents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeyFile {
    pub address: String,
    pub public_key: String,
    pub private_key: String,
}

/// Why a key file or the genesis validators could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("reading {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a validator key file: {reason}")]
    Invalid { path: String, reason: String },
    #[error("genesis validator {index}: {reason}")]
    GenesisValidator { index: usize, reason: String },
    #[error("genesis validators: {0}")]
    Set(#[from] ValidatorSetError),
    #[error("the genesis has no validators: a network needs a \"validators\" list")]
    NoValidators,
}

fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    hex::decode(text.strip_prefix("0x").unwrap_or(text)).ok()
}

impl KeyFile {
    /// The file of `key`.
    pub fn of(key: &PrivateKey) -> Self {
        let public = key.public_key();
        Self {
            address: Address::of(&public).to_string(),
            public_key: format!("0x{}", hex::encode(public.as_bytes())),
            private_key: format!("0x{}", hex::encode(key.seed())),
        }
    }

    /// Writes it to `path` (readable by its owner only, on Unix).
    pub fn write(&self, path: &Path) -> Result<(), KeyError> {
        let failed = |source| KeyError::Write {
            path: path.display().to_string(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|error| failed(std::io::Error::other(error)))?;
        text.push('\n');
        std::fs::write(path, text).map_err(failed)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Reads the key in `path`.
    pub fn load(path: &Path) -> Result<PrivateKey, KeyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: shown.clone(),
            source,
        })?;
        let invalid = |reason: String| KeyError::Invalid {
            path: shown.clone(),
            reason,
        };
        let file: KeyFile =
            serde_json::from_str(&text).map_err(|error| invalid(error.to_string()))?;
        let seed: [u8; 32] = hex_bytes(&file.private_key)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| invalid("privateKey must be 32 bytes of hex".to_string()))?;
        let key = PrivateKey::from_seed(seed);
        if KeyFile::of(&key) != file {
            return Err(invalid(
                "its address or publicKey does not belong to its privateKey".to_string(),
            ));
        }
        Ok(key)
    }
}

/// The genesis entry of a validator with `key` and `power`.
pub fn genesis_validator(key: &PublicKey, power: u64) -> GenesisValidator {
    GenesisValidator {
        public_key: format!("0x{}", hex::encode(key.as_bytes())),
        power,
    }
}

/// The validator set the genesis names.
pub fn validator_set(genesis: &Genesis) -> Result<ValidatorSet, KeyError> {
    if genesis.validators.is_empty() {
        return Err(KeyError::NoValidators);
    }
    let validators = genesis
        .validators
        .iter()
        .enumerate()
        .map(|(index, validator)| {
            let key = hex_bytes(&validator.public_key)
                .ok_or_else(|| "publicKey is not hex".to_string())
                .and_then(|bytes| PublicKey::from_bytes(&bytes).map_err(|e| e.to_string()))
                .map_err(|reason| KeyError::GenesisValidator { index, reason })?;
            Ok(Validator::new(key, validator.power))
        })
        .collect::<Result<Vec<_>, KeyError>>()?;
    Ok(ValidatorSet::new(validators)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_round_trips_and_a_tampered_one_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        let key = PrivateKey::from_seed([3; 32]);
        KeyFile::of(&key).write(&path).unwrap();
        assert_eq!(KeyFile::load(&path).unwrap().seed(), key.seed());
        let mut file = KeyFile::of(&key);
        file.address = Address([1; 20]).to_string();
        file.write(&path).unwrap();
        let error = KeyFile::load(&path).unwrap_err().to_string();
        assert!(error.contains("does not belong"), "{error}");
    }

    #[test]
    fn the_genesis_set_is_checked() {
        let mut genesis = Genesis::dev().unwrap();
        assert!(matches!(
            validator_set(&genesis),
            Err(KeyError::NoValidators)
        ));
        let key = PrivateKey::from_seed([5; 32]).public_key();
        genesis.validators = vec![genesis_validator(&key, 1), genesis_validator(&key, 2)];
        assert!(matches!(
            validator_set(&genesis),
            Err(KeyError::Set(ValidatorSetError::Duplicate(_)))
        ));
        genesis.validators = vec![genesis_validator(&key, 0)];
        assert!(matches!(
            validator_set(&genesis),
            Err(KeyError::Set(ValidatorSetError::NoPower(_)))
        ));
        genesis.validators[0].public_key = "0x1234".to_string();
        assert!(matches!(
            validator_set(&genesis),
            Err(KeyError::GenesisValidator { index: 0, .. })
        ));
        genesis.validators = vec![genesis_validator(&key, 7)];
        let set = validator_set(&genesis).unwrap();
        assert_eq!(set.validators()[0].address, Address::of(&key));
    }
}
