//! Executing a block's transactions and sealing its header: the code both mining and replay run,
//! so a replayed block is built exactly as it was mined.

use primitive_types::{H160, H256, U256};
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{HostFailure, State, Transaction, TxError, execute_transaction};
use rewasm_primitives::consensus::eip1559::{self, FeeError};

use super::block::{Block, transactions_root};
use super::header::{Bloom, EMPTY_OMMERS_HASH, Header};
use super::receipt::{BlockLog, ReceiptRecord, encode_block_logs, receipts_root};
use super::{Chain, ChainConfig, ChainError, EXTRA_DATA};
use crate::tx::SignedTransaction;
use rewasm_store::{BlockWrite, StoreState, TxWrite};

/// The context a block executes in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlockEnv {
    pub number: u64,
    pub parent_hash: H256,
    pub timestamp: u64,
    pub coinbase: H160,
    pub gas_limit: u64,
    pub base_fee: U256,
    pub extra_data: Vec<u8>,
    /// What the EEI's `getBlockDifficulty` returns: zero in every block this chain builds;
    /// a simulation may override it (`prevRandao`).
    pub difficulty: U256,
}

impl BlockEnv {
    /// The next block on `parent`, sealed by this node.
    pub(super) fn child_of(parent: &Header, config: &ChainConfig, timestamp: u64) -> Self {
        Self {
            number: parent.number.saturating_add(1),
            parent_hash: parent.hash(),
            timestamp,
            coinbase: config.coinbase,
            gas_limit: config.gas_limit,
            base_fee: parent.next_base_fee(),
            extra_data: EXTRA_DATA.to_vec(),
            difficulty: U256::zero(),
        }
    }

    /// The context a stored block was built in (for replay).
    pub(super) fn of(header: &Header) -> Self {
        Self {
            number: header.number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
            coinbase: header.beneficiary,
            gas_limit: header.gas_limit,
            base_fee: header.base_fee_per_gas,
            extra_data: header.extra_data.clone(),
            difficulty: U256::zero(),
        }
    }

    /// What the EEI sees of the block.
    pub(super) fn block_info(&self) -> BlockInfo {
        BlockInfo {
            coinbase: self.coinbase,
            number: self.number,
            timestamp: self.timestamp,
            gas_limit: self.gas_limit,
            difficulty: self.difficulty,
            base_fee: self.base_fee,
        }
    }
}

/// Whether an invalid candidate is a fault (replaying a stored block) or just left out (mining).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Mine,
    Replay,
}

/// A candidate the block left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The transaction hash.
    pub hash: H256,
    /// Why, in geth's words where it has them.
    pub reason: String,
    /// True when the transaction can never become valid (the pool should drop it); false when it
    /// may later (a nonce gap, a base fee above its cap, a full block).
    pub permanent: bool,
}

/// A built, sealed, not yet committed block.
pub(crate) struct Built {
    pub block: Block,
    pub receipts: Vec<ReceiptRecord>,
    pub rejected: Vec<Rejection>,
    pub write: BlockWrite,
}

/// `tx` as the executor runs it in a block with `base_fee` (at its EIP-1559 effective price).
pub(crate) fn executable(
    tx: &SignedTransaction,
    base_fee: U256,
    chain_id: u64,
) -> Result<Transaction, Rejection> {
    effective_gas_price(tx, base_fee, chain_id).map(|price| with_price(tx, price))
}

/// `tx` as the executor runs it, paying `price` per gas.
fn with_price(tx: &SignedTransaction, price: U256) -> Transaction {
    Transaction {
        sender: tx.sender,
        to: tx.to,
        nonce: tx.nonce,
        gas_limit: tx.gas_limit,
        gas_price: price,
        value: tx.value,
        data: tx.data.clone(),
        access_list: tx.access_list.clone(),
    }
}

/// The price per gas `tx` pays in a block with `base_fee` (EIP-1559: min(max fee, base fee +
/// tip); legacy and EIP-2930 transactions have max fee = tip = gas price), or why it cannot be
/// included now.
pub(crate) fn effective_gas_price(
    tx: &SignedTransaction,
    base_fee: U256,
    chain_id: u64,
) -> Result<U256, Rejection> {
    let reject = |reason: String, permanent: bool| Rejection {
        hash: tx.hash,
        reason,
        permanent,
    };
    if tx.chain_id.is_some_and(|id| id != chain_id) {
        return Err(reject(
            format!(
                "invalid chain id for signer: have {} want {chain_id}",
                tx.chain_id.unwrap_or_default()
            ),
            true,
        ));
    }
    eip1559::effective_gas_price(tx.max_fee, tx.max_priority_fee, base_fee).map_err(|error| {
        // A tip above the fee cap never becomes valid; a fee cap below the base fee may, in a
        // cheaper block.
        let permanent = error == FeeError::TipAboveFeeCap;
        reject(error.to_string(), permanent)
    })
}

/// geth's `buyGas` check: the sender must afford `gas × max fee + value`, even though it pays
/// only the effective price.
fn check_fee_cap_funds(balance: U256, tx: &SignedTransaction) -> Result<(), Rejection> {
    let cost = U256::from(tx.gas_limit)
        .checked_mul(tx.max_fee)
        .and_then(|fee| fee.checked_add(tx.value));
    match cost {
        Some(cost) if cost <= balance => Ok(()),
        Some(cost) => Err(Rejection {
            hash: tx.hash,
            reason: format!(
                "insufficient funds for gas * price + value: address {:?} have {balance} want {cost}",
                tx.sender
            ),
            permanent: true,
        }),
        None => Err(Rejection {
            hash: tx.hash,
            reason: "insufficient funds for gas * price + value: cost overflows 256 bits"
                .to_string(),
            permanent: true,
        }),
    }
}

fn executor_rejection(tx: &SignedTransaction, error: TxError) -> Result<Rejection, ChainError> {
    let (reason, permanent) = match error {
        TxError::Nonce { expected, got } if got < expected => (
            format!("nonce too low: next nonce {expected}, tx nonce {got}"),
            true,
        ),
        TxError::Nonce { expected, got } => (
            format!("nonce too high: next nonce {expected}, tx nonce {got}"),
            false,
        ),
        TxError::IntrinsicGas { .. } => ("intrinsic gas too low".to_string(), true),
        TxError::BlockGasLimit { .. } => ("exceeds block gas limit".to_string(), true),
        TxError::InsufficientFunds { have, need } => (
            format!("insufficient funds for gas * price + value: have {have} want {need}"),
            true,
        ),
        TxError::Overflow => ("gas * price + value overflows 256 bits".to_string(), true),
        TxError::GasPriceBelowBaseFee { price, base_fee } => (
            format!(
                "max fee per gas less than block base fee: maxFeePerGas: {price}, baseFee: {base_fee}"
            ),
            false,
        ),
        // Not a property of the transaction: the node cannot execute it right now.
        TxError::Host(failure) => {
            return Err(ChainError::HostFailure {
                tx: tx.hash,
                failure: Box::new(failure),
            });
        }
        // Blocks run without a time limit; should one ever stop a block, that is the node's
        // failure too.
        TxError::Timeout(timeout) => {
            return Err(ChainError::TransactionTimeout {
                tx: tx.hash,
                timeout,
            });
        }
    };
    Ok(Rejection {
        hash: tx.hash,
        reason,
        permanent,
    })
}

/// The sender's balance, before `tx` runs; a failed read is the node's failure.
fn sender_balance(state: &StoreState<'_>, tx: &SignedTransaction) -> Result<U256, ChainError> {
    match state.basic(&tx.sender) {
        Ok(account) => Ok(account.map(|account| account.balance).unwrap_or_default()),
        Err(error) => Err(ChainError::HostFailure {
            tx: tx.hash,
            failure: Box::new(HostFailure::State(error)),
        }),
    }
}

/// Executes `candidates` in order on the head state and seals the block.
///
/// A host failure while executing a candidate (the executor's, or a failed state read) aborts
/// the build with [`ChainError::HostFailure`] naming it, in either mode: the block never holds a
/// result the node made up, and replay never skips a stored transaction. Whether to retry, or
/// to build without the transaction, is the miner's call.
pub(crate) fn build_block(
    chain: &Chain,
    env: &BlockEnv,
    candidates: Vec<(SignedTransaction, Vec<u8>)>,
    mode: Mode,
) -> Result<Built, ChainError> {
    let mut state = chain.store().state();
    // The view must hold the parent's state: a block committed since the caller read the head
    // (a proposal executed beside a commit) makes this block stale, not wrongly executed.
    let parent = env.number.checked_sub(1);
    if state.head() != parent {
        return Err(ChainError::StaleBlock {
            number: env.number,
            head: state.head().unwrap_or_default(),
        });
    }
    let block_info = env.block_info();
    let block_hashes = |number: u64| chain.block_hash_of(number);
    let mut included = Vec::new();
    let mut raws = Vec::new();
    let mut receipts: Vec<ReceiptRecord> = Vec::new();
    let mut logs = Vec::new();
    let mut rejected = Vec::new();
    let mut cumulative_gas: u64 = 0;

    // One executor thread for the whole block.
    let executed = chain.block_thread.run(|| -> Result<(), ChainError> {
        for (tx, raw) in candidates {
            let outcome = if cumulative_gas.saturating_add(tx.gas_limit) > env.gas_limit {
                Err(Rejection {
                    hash: tx.hash,
                    reason: "gas limit reached".to_string(),
                    permanent: false,
                })
            } else {
                let balance = sender_balance(&state, &tx)?;
                effective_gas_price(&tx, env.base_fee, chain.chain_id())
                    .and_then(|price| check_fee_cap_funds(balance, &tx).map(|()| price))
            };
            let price = match outcome {
                Ok(price) => price,
                Err(rejection) => {
                    reject(mode, &mut rejected, rejection)?;
                    continue;
                }
            };
            let executable = with_price(&tx, price);
            let executed = execute_transaction(
                chain.engine(),
                &mut state,
                &block_info,
                &block_hashes,
                &executable,
            );
            let receipt = match executed {
                Ok(receipt) => receipt,
                Err(error) => {
                    let rejection = executor_rejection(&tx, error)?;
                    reject(mode, &mut rejected, rejection)?;
                    continue;
                }
            };
            super::printed::log_transaction(&tx.hash, &receipt.debug);
            cumulative_gas = cumulative_gas.saturating_add(receipt.gas_used);
            let tx_index = included.len() as u64;
            let first_log_index = logs.len() as u64;
            logs.extend(receipt.logs.iter().map(|log| BlockLog {
                tx_index,
                tx_hash: tx.hash,
                log: log.clone(),
            }));
            receipts.push(ReceiptRecord {
                tx_type: tx.kind.type_byte(),
                success: receipt.status == CallStatus::Success,
                cumulative_gas_used: cumulative_gas,
                gas_used: receipt.gas_used,
                effective_gas_price: price,
                contract_address: receipt.contract_address,
                logs: receipt.logs,
                first_log_index,
                output: receipt.output,
                failure: receipt.failure,
            });
            included.push(tx);
            raws.push(raw);
        }
        Ok(())
    });
    executed.map_err(|failure| ChainError::ExecutorThread(Box::new(failure)))??;

    let changes = state.into_block_changes();
    let state_root = chain.store().state_root_after(&changes)?;
    let header = seal_header(env, state_root, &raws, &receipts, H256::zero());
    let hash = header.hash();
    let block = Block {
        header,
        hash,
        transactions: included,
        raw_transactions: raws,
    };
    let write = BlockWrite {
        number: env.number,
        hash,
        header: block.encode(),
        changes,
        transactions: block
            .transactions
            .iter()
            .zip(&receipts)
            .map(|(tx, receipt)| TxWrite {
                hash: tx.hash,
                receipt: receipt.encode(),
            })
            .collect(),
        logs: encode_block_logs(&logs),
        certificate: None,
    };
    Ok(Built {
        block,
        receipts,
        rejected,
        write,
    })
}

/// The header of a block built in `env` holding `raws` with `receipts`: its roots, bloom and
/// gas used. (Simulated blocks set `mix_hash`; built ones leave it zero.)
pub(crate) fn seal_header(
    env: &BlockEnv,
    state_root: H256,
    raws: &[Vec<u8>],
    receipts: &[ReceiptRecord],
    mix_hash: H256,
) -> Header {
    let mut logs_bloom = Bloom::default();
    for receipt in receipts {
        logs_bloom.union(&receipt.bloom());
    }
    Header {
        parent_hash: env.parent_hash,
        ommers_hash: EMPTY_OMMERS_HASH,
        beneficiary: env.coinbase,
        state_root,
        transactions_root: transactions_root(raws),
        receipts_root: receipts_root(receipts),
        logs_bloom,
        difficulty: U256::zero(),
        number: env.number,
        gas_limit: env.gas_limit,
        gas_used: receipts.last().map_or(0, |last| last.cumulative_gas_used),
        timestamp: env.timestamp,
        extra_data: env.extra_data.clone(),
        mix_hash,
        nonce: [0; 8],
        base_fee_per_gas: env.base_fee,
    }
}

fn reject(
    mode: Mode,
    rejected: &mut Vec<Rejection>,
    rejection: Rejection,
) -> Result<(), ChainError> {
    match mode {
        Mode::Mine => {
            rejected.push(rejection);
            Ok(())
        }
        Mode::Replay => Err(ChainError::InvalidOnReplay {
            tx: rejection.hash,
            reason: rejection.reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesis::{DEV_CHAIN_ID, DEV_MNEMONIC, Genesis, derive_accounts};
    use crate::tx::{self, TxKind, UnsignedTransaction};
    use rewasm_executor::StateRead;
    use rewasm_store::StoreError;

    fn transfer(sender: usize, to: H160) -> (SignedTransaction, Vec<u8>) {
        let key = &derive_accounts(DEV_MNEMONIC, 2).unwrap()[sender].key;
        let raw = tx::sign(
            &UnsignedTransaction {
                kind: TxKind::DynamicFee,
                chain_id: Some(DEV_CHAIN_ID),
                nonce: 0,
                gas_limit: 21_000,
                gas_price: U256::zero(),
                max_fee: U256::from(10_000_000_000u64),
                max_priority_fee: U256::from(1_000_000_000u64),
                to: Some(to),
                value: U256::one(),
                data: Vec::new(),
                access_list: Vec::new(),
            },
            key,
        )
        .unwrap();
        (tx::decode(&raw).unwrap(), raw)
    }

    /// A dev chain whose store cannot decode `unreadable`'s account record.
    fn chain_with_unreadable_account(dir: &std::path::Path, unreadable: H160) -> Chain {
        let genesis = Genesis::dev().unwrap();
        let config = ChainConfig::from_genesis(&genesis).unwrap();
        drop(Chain::open(dir, &genesis, config.clone()).unwrap());
        {
            let path = dir.join("chaindata");
            let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
            let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, names).unwrap();
            let accounts = db.cf_handle(rewasm_store::cf::ACCOUNTS).unwrap();
            db.put_cf(accounts, unreadable.as_bytes(), b"corrupt")
                .unwrap();
        }
        Chain::open(dir, &genesis, config).unwrap()
    }

    #[test]
    fn a_failed_state_read_aborts_the_block_naming_its_transaction_in_both_modes() {
        let dir = tempfile::tempdir().unwrap();
        let unreadable = H160::repeat_byte(0x66);
        let chain = chain_with_unreadable_account(dir.path(), unreadable);
        let healthy = transfer(0, H160::repeat_byte(0x42));
        let poisoned = transfer(1, unreadable);
        let head = chain.head();
        for mode in [Mode::Mine, Mode::Replay] {
            let env = BlockEnv::child_of(
                &head.header,
                chain.config(),
                head.header.timestamp.saturating_add(1),
            );
            let candidates = vec![healthy.clone(), poisoned.clone()];
            match build_block(&chain, &env, candidates, mode) {
                Err(ChainError::HostFailure { tx, failure }) => {
                    assert_eq!(tx, poisoned.0.hash, "{mode:?}");
                    let HostFailure::State(error) = *failure else {
                        panic!("{mode:?}: expected a failed state read, got {failure}");
                    };
                    assert_eq!(error.read, StateRead::Account(unreadable), "{mode:?}");
                    assert!(
                        matches!(
                            error.source_as::<StoreError>(),
                            Some(StoreError::Corrupt {
                                column: "accounts",
                                ..
                            })
                        ),
                        "{error}"
                    );
                }
                Err(other) => panic!("{mode:?}: expected a host failure, got {other}"),
                Ok(_) => panic!("{mode:?}: built a block over an unreadable account"),
            }
        }
        assert!(matches!(
            chain.mine(vec![healthy.clone(), poisoned], None),
            Err(ChainError::HostFailure { .. })
        ));
        assert_eq!(chain.head().hash, head.hash, "nothing committed");
        let mined = chain.mine(vec![healthy], None).unwrap();
        assert_eq!(mined.block.transactions.len(), 1);
    }

    #[test]
    fn an_executor_failure_is_the_nodes_not_the_transactions() {
        let (tx, _) = transfer(0, H160::repeat_byte(0x42));
        let mmap = HostFailure::Machine("mmap failed".to_string());
        match executor_rejection(&tx, TxError::Host(mmap.clone())) {
            Err(ChainError::HostFailure { tx: hash, failure }) => {
                assert_eq!(hash, tx.hash);
                assert_eq!(*failure, mmap);
            }
            other => panic!("expected a host failure, got {other:?}"),
        }
    }
}
