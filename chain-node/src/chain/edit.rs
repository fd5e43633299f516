//! State edits of a dev chain: the balance, nonce, code or a storage slot of an account set by a
//! test (`anvil_setBalance`, `anvil_setNonce`, `anvil_setCode`, `anvil_setStorageAt`), as anvil
//! and hardhat do, without a block.
//!
//! An edit changes the head state at once (reads at `latest` and the next block see it) and is
//! recorded in the store after the head block ([`Store::commit_state_edit`]); the head's header
//! keeps its state root, the state before its edits. The next block is built on the edited
//! state, so its state root covers them. A replay ([`super::verify`]) applies each block's
//! recorded edits, in order, before the block after it, which makes a chain with edits as
//! reproducible as one without: the record is the operation (set the balance of A to X), and it
//! has one outcome on the state it follows.
//!
//! Code is validated with the chain's rules before it is set, as a deployment's is: invalid
//! code would otherwise fail every call into it.

use primitive_types::{H160, H256, U256};
use rewasm_executor::{AccountChange, BasicAccount, Bytecode, StateChanges};
use rewasm_primitives::rlp::{ListWriter, RlpError, single_item};
use rewasm_store::Store;

/// One edit of one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateEdit {
    /// Sets the balance (wei).
    Balance { address: H160, balance: U256 },
    /// Sets the nonce.
    Nonce { address: H160, nonce: u64 },
    /// Sets the code (empty: none); the storage stays.
    Code { address: H160, code: Vec<u8> },
    /// Sets one storage slot (zero: cleared).
    Storage {
        address: H160,
        slot: H256,
        value: H256,
    },
}

/// The kinds, as their records name them.
const BALANCE: u64 = 0;
const NONCE: u64 = 1;
const CODE: u64 = 2;
const STORAGE: u64 = 3;

impl StateEdit {
    /// The account edited.
    pub fn address(&self) -> H160 {
        match self {
            Self::Balance { address, .. }
            | Self::Nonce { address, .. }
            | Self::Code { address, .. }
            | Self::Storage { address, .. } => *address,
        }
    }

    /// The record: RLP `[kind, address, value…]`.
    pub fn encode(&self) -> Vec<u8> {
        let mut list = ListWriter::new();
        match self {
            Self::Balance { address, balance } => {
                list.u64(BALANCE).bytes(address.as_bytes()).u256(*balance)
            }
            Self::Nonce { address, nonce } => list.u64(NONCE).bytes(address.as_bytes()).u64(*nonce),
            Self::Code { address, code } => list.u64(CODE).bytes(address.as_bytes()).bytes(code),
            Self::Storage {
                address,
                slot,
                value,
            } => list
                .u64(STORAGE)
                .bytes(address.as_bytes())
                .bytes(slot.as_bytes())
                .bytes(value.as_bytes()),
        };
        list.finish()
    }

    /// Reads [`StateEdit::encode`]'s record back (strict RLP).
    pub fn decode(bytes: &[u8]) -> Result<Self, RlpError> {
        let mut list = single_item(bytes)?.list()?;
        let kind = list.element()?.u64()?;
        let address = H160(list.element()?.fixed()?);
        let edit = match kind {
            BALANCE => Self::Balance {
                address,
                balance: list.element()?.u256()?,
            },
            NONCE => Self::Nonce {
                address,
                nonce: list.element()?.u64()?,
            },
            CODE => Self::Code {
                address,
                code: list.element()?.bytes()?.to_vec(),
            },
            STORAGE => Self::Storage {
                address,
                slot: H256(list.element()?.fixed()?),
                value: H256(list.element()?.fixed()?),
            },
            _ => return Err(RlpError::NonCanonicalValue),
        };
        list.finish()?;
        Ok(edit)
    }

    /// The change the edit makes to the head state in `store`. An edit that would create an
    /// account and leave it empty (a zero balance, nonce or code for an address that has no
    /// account) changes nothing, so that no empty account enters the state (EIP-161).
    pub fn changes(&self, store: &Store) -> Result<StateChanges, rewasm_store::StoreError> {
        Ok(self.changes_given(store.account(&self.address())?))
    }

    /// [`StateEdit::changes`] to an account that is `existing` (for a replay on an overlay).
    pub fn changes_given(&self, existing: Option<BasicAccount>) -> StateChanges {
        let address = self.address();
        let existed = existing.is_some();
        let mut account = existing.unwrap_or_default();
        let mut storage = std::collections::BTreeMap::new();
        match self {
            Self::Balance { balance, .. } => account.balance = *balance,
            Self::Nonce { nonce, .. } => account.nonce = *nonce,
            Self::Code { code, .. } => account.code = Bytecode::new(code.clone()),
            Self::Storage { slot, value, .. } => {
                storage.insert(*slot, *value);
            }
        }
        let mut changes = StateChanges::new();
        let unchanged_absence =
            !existed && account.is_empty() && storage.values().all(H256::is_zero);
        if !unchanged_absence {
            changes.insert(
                address,
                AccountChange::Updated {
                    account,
                    storage_reset: false,
                    storage,
                },
            );
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_edit_reads_back_from_its_record() {
        let address = H160::repeat_byte(0xab);
        let edits = [
            StateEdit::Balance {
                address,
                balance: U256::MAX,
            },
            StateEdit::Nonce {
                address,
                nonce: u64::MAX,
            },
            StateEdit::Code {
                address,
                code: vec![0, 0x61, 0x73, 0x6d],
            },
            StateEdit::Code {
                address,
                code: Vec::new(),
            },
            StateEdit::Storage {
                address,
                slot: H256::repeat_byte(1),
                value: H256::zero(),
            },
        ];
        for edit in edits {
            assert_eq!(StateEdit::decode(&edit.encode()).unwrap(), edit);
        }
        let mut unknown = ListWriter::new();
        unknown.u64(9).bytes(address.as_bytes());
        assert!(StateEdit::decode(&unknown.finish()).is_err());
    }
}
