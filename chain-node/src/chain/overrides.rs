//! State and block overrides: what `eth_call`, `eth_estimateGas` and `eth_simulateV1` let a
//! caller replace before a call runs, as geth does. Overrides change only the thrown-away view
//! the call executes on; nothing reaches the store.
//!
//! Overridden code is validated with the chain's rules first, as a deployment's is: a call
//! must not run code the chain would never accept (a float, an unmetered import), which is
//! what keeps a free call's work bounded.

use std::collections::BTreeMap;

use primitive_types::{H160, H256, U256};
use rewasm_executor::{AccountChange, Bytecode, HostFailure, State, StateChanges};

use super::ChainConfig;
use super::build::BlockEnv;
use super::call::CallError;

/// What replaces an account's storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageOverride {
    /// The whole storage: these slots, every other slot zero (geth's `state`).
    Replace(BTreeMap<H256, H256>),
    /// These slots; the others keep their values (geth's `stateDiff`).
    Patch(BTreeMap<H256, H256>),
}

/// One account's overrides; what is `None` keeps its value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountOverride {
    pub balance: Option<U256>,
    pub nonce: Option<u64>,
    /// The code (empty: none).
    pub code: Option<Vec<u8>>,
    pub storage: Option<StorageOverride>,
}

/// Accounts to override, by address.
pub type StateOverrides = BTreeMap<H160, AccountOverride>;

/// Block fields to override; what is `None` keeps the block's value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockOverrides {
    pub number: Option<u64>,
    pub time: Option<u64>,
    pub gas_limit: Option<u64>,
    pub coinbase: Option<H160>,
    pub base_fee: Option<U256>,
    /// What the EEI's `getBlockDifficulty` returns (post-merge, the RANDAO mix).
    pub prev_randao: Option<U256>,
}

/// The overrides of one call: `eth_call`'s third and fourth parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub state: StateOverrides,
    pub block: BlockOverrides,
}

impl BlockOverrides {
    /// `env` with these fields replaced.
    pub(super) fn apply(&self, env: &mut BlockEnv) {
        if let Some(number) = self.number {
            env.number = number;
        }
        if let Some(time) = self.time {
            env.timestamp = time;
        }
        if let Some(gas_limit) = self.gas_limit {
            env.gas_limit = gas_limit;
        }
        if let Some(coinbase) = self.coinbase {
            env.coinbase = coinbase;
        }
        if let Some(base_fee) = self.base_fee {
            env.base_fee = base_fee;
        }
        if let Some(randao) = self.prev_randao {
            env.difficulty = randao;
        }
    }
}

/// Commits `overrides` to `state`, each account in one change. Code is validated first
/// ([`CallError::Invalid`] names the account); a failed read is the node's failure.
pub(super) fn apply_state(
    config: &ChainConfig,
    state: &mut dyn State,
    overrides: &StateOverrides,
) -> Result<(), CallError> {
    for (address, wanted) in overrides {
        let existing = state.basic(address).map_err(HostFailure::State)?;
        let existed = existing.is_some();
        let mut account = existing.unwrap_or_default();
        if let Some(balance) = wanted.balance {
            account.balance = balance;
        }
        if let Some(nonce) = wanted.nonce {
            account.nonce = nonce;
        }
        if let Some(code) = &wanted.code {
            validate_code(config, address, code)?;
            account.code = Bytecode::new(code.clone());
        }
        let (storage_reset, storage) = match &wanted.storage {
            Some(StorageOverride::Replace(slots)) => (true, slots.clone()),
            Some(StorageOverride::Patch(slots)) => (false, slots.clone()),
            None => (false, BTreeMap::new()),
        };
        // As a state edit: an override that leaves an absent account empty creates nothing
        // (EIP-161), so the call sees no account there and a simulated root holds no leaf.
        if !existed && account.is_empty() && storage.values().all(H256::is_zero) {
            continue;
        }
        let change = AccountChange::Updated {
            account,
            storage_reset,
            storage,
        };
        state.commit(StateChanges::from([(*address, change)]));
    }
    Ok(())
}

fn validate_code(config: &ChainConfig, address: &H160, code: &[u8]) -> Result<(), CallError> {
    if code.is_empty() {
        return Ok(());
    }
    let vm = &config.vm;
    rewasm_vm::validate_for(
        code,
        &vm.limits,
        rewasm_vm::Rules::Contract,
        vm.schedule.modules,
    )
    .map(|_| ())
    .map_err(|error| CallError::Invalid(format!("invalid code override for {address:?}: {error}")))
}
