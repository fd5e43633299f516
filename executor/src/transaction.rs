//! A transaction from start to end (Byzantium): checks, intrinsic gas, the top-level call or
//! create, refunds capped at half the gas used (a fifth under a schedule with warm and cold
//! state access, as since London), fees to the coinbase, and the state changes.

use primitive_types::{H160, H256, U256};
use rewasm_eei::{BlockInfo, CallKind, CallStatus, FrameInfo, TxInfo};

use crate::code_loads::LoadedCodes;
use crate::debug::DebugOutput;
use crate::journal::{Accessed, Journal};
use crate::threads::on_executor_stack;
use crate::trace::{CallFrame, CallTracer, FrameKind};
use crate::world::{
    Abort, BlockHashes, Deadline, ExecutionOptions, HostFailure, Message, World, create_address,
};
use rewasm_primitives::LogEntry;
use rewasm_primitives::consensus::{self, CalldataPrices, refund::capped_refund};
use rewasm_primitives::state::{State, StateError};
use rewasm_vm::{Engine, TxPages};

/// A transaction whose sender is known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transaction {
    /// The recovered sender.
    pub sender: H160,
    /// The callee; `None` creates a contract from `data`.
    pub to: Option<H160>,
    /// Must equal the sender's nonce.
    pub nonce: u64,
    /// Gas the sender buys.
    pub gas_limit: u64,
    /// Wei per gas the sender pays (for an EIP-1559 transaction the effective price,
    /// min(max fee, base fee + tip), worked out by the caller). At least the block's base fee.
    pub gas_price: U256,
    /// Wei transferred.
    pub value: U256,
    /// Call data, or init code for a create.
    pub data: Vec<u8>,
    /// The EIP-2930 access list (type-1 and type-2 transactions): its intrinsic gas is paid
    /// under every schedule, and under one with warm and cold state access
    /// ([`rewasm_eei::gas::StateAccess`]) its accounts and slots start warm.
    pub access_list: Vec<(H160, Vec<H256>)>,
}

impl Transaction {
    /// The number of addresses in the access list.
    pub fn access_list_addresses(&self) -> u64 {
        self.access_list.len() as u64
    }

    /// The number of storage keys in the access list, over all its addresses.
    pub fn access_list_storage_keys(&self) -> u64 {
        self.access_list
            .iter()
            .map(|(_, keys)| keys.len() as u64)
            .sum()
    }
}

/// Why a transaction is invalid (it changes nothing and pays nothing).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    #[error("nonce mismatch: account has {expected}, transaction has {got}")]
    Nonce { expected: u64, got: u64 },
    #[error("intrinsic gas too low: need {needed}, gas limit {limit}")]
    IntrinsicGas { needed: u64, limit: u64 },
    #[error("gas limit {limit} exceeds the block gas limit {block}")]
    BlockGasLimit { limit: u64, block: u64 },
    #[error("insufficient funds for gas * price + value: have {have}, need {need}")]
    InsufficientFunds { have: U256, need: U256 },
    #[error("gas * price + value overflows 256 bits")]
    Overflow,
    #[error("gas price {price} below the block's base fee {base_fee}")]
    GasPriceBelowBaseFee { price: U256, base_fee: U256 },
    /// The node failed while executing (not a property of the transaction): nothing is
    /// committed and no receipt exists.
    #[error("host failure (not a property of the transaction): {0}")]
    Host(#[from] HostFailure),
    /// The execution ran past [`ExecutionOptions::timeout`] (geth's text).
    #[error("execution aborted (timeout = {0:?})")]
    Timeout(std::time::Duration),
}

/// The result of an included transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Success, failure or revert of the top-level frame.
    pub status: CallStatus,
    /// Gas used after refunds.
    pub gas_used: u64,
    /// Logs, when the frame succeeded.
    pub logs: Vec<LogEntry>,
    /// The top-level frame's output (revert data included).
    pub output: Vec<u8>,
    /// The created contract, for a successful create.
    pub contract_address: Option<H160>,
    /// Why the top-level frame failed (a trap, out of gas, invalid code), when it did.
    pub failure: Option<String>,
    /// What the code accessed, when [`crate::ExecutionOptions::record_accesses`] asked, less
    /// what every transaction has warm anyway (the sender, the target or created account and
    /// the precompiles, with their slots), as geth's access lists leave them out.
    pub accessed: Option<Accessed>,
    /// What the code printed through module `debug` (dev chains only), in reverted frames too.
    pub debug: DebugOutput,
    /// Every frame, when [`crate::ExecutionOptions::trace_calls`] asked: the transaction's own
    /// frame with the transaction's gas limit and gas used.
    pub trace: Option<CallFrame>,
    /// Whether a host function read how much gas its frame had left: `getGasLeft`,
    /// `storageStore`'s stipend check, and every call or create (which forward a share of what
    /// is left). Besides running out, that is the only way an execution can depend on its gas
    /// limit: charges otherwise only succeed or fail. `eth_call` relies on it to run a call with
    /// less gas first (`Chain::call_briefly` in the node).
    pub gas_observed: bool,
}

/// Intrinsic gas of `tx` with the schedule's `calldata` prices
/// ([`rewasm_primitives::consensus::intrinsic`]).
pub fn intrinsic_gas(tx: &Transaction, calldata: CalldataPrices) -> u64 {
    consensus::intrinsic_gas(
        tx.to.is_none(),
        &tx.data,
        tx.access_list_addresses(),
        tx.access_list_storage_keys(),
        calldata,
    )
}

/// Executes `tx` on `state` in `block` and commits its changes.
pub fn execute_transaction(
    engine: &Engine,
    state: &mut dyn State,
    block: &BlockInfo,
    block_hashes: &BlockHashes<'_>,
    tx: &Transaction,
) -> Result<Receipt, TxError> {
    execute_transaction_with(
        engine,
        state,
        block,
        block_hashes,
        tx,
        ExecutionOptions::default(),
    )
}

/// As [`execute_transaction`], with `options`. An aborted execution (a failure of the host,
/// or the time limit) commits nothing and is an error, never a receipt.
pub fn execute_transaction_with(
    engine: &Engine,
    state: &mut dyn State,
    block: &BlockInfo,
    block_hashes: &BlockHashes<'_>,
    tx: &Transaction,
    options: ExecutionOptions,
) -> Result<Receipt, TxError> {
    on_executor_stack(|| execute_on_this_thread(engine, state, block, block_hashes, tx, options))?
}

fn execute_on_this_thread(
    engine: &Engine,
    state: &mut dyn State,
    block: &BlockInfo,
    block_hashes: &BlockHashes<'_>,
    tx: &Transaction,
    options: ExecutionOptions,
) -> Result<Receipt, TxError> {
    // A failure recorded by an earlier execution on this thread that never reached a frame's
    // end (a panic) is not this transaction's.
    rewasm_vm::host_failure::take();
    let (receipt, changes) = {
        let journal = Journal::new(&*state);
        let mut world = World {
            journal,
            engine,
            block: block.clone(),
            tx: TxInfo {
                origin: tx.sender,
                gas_price: tx.gas_price,
            },
            block_hashes,
            failure: None,
            abort: None,
            deadline: options.timeout.map(Deadline::after),
            artifacts: options.artifacts,
            wasm_depth: 0,
            pages: TxPages::default(),
            loaded: LoadedCodes::new(engine.config().schedule.host.code_loads),
            debug: DebugOutput::default(),
            tracer: options.trace_calls.then(CallTracer::default),
            frame_failure: None,
            gas_observed: false,
        };
        let receipt = run(&mut world, tx, options.record_accesses);
        match world.abort.take() {
            Some(Abort::HostFailure(failure)) => return Err(TxError::Host(failure)),
            Some(Abort::Timeout(timeout)) => return Err(TxError::Timeout(timeout)),
            None => {}
        }
        let receipt = receipt?;
        let (changes, _) = world.journal.finish()?;
        (receipt, changes)
    };
    state.commit(changes);
    Ok(receipt)
}

impl From<StateError> for TxError {
    fn from(error: StateError) -> Self {
        Self::Host(HostFailure::State(error))
    }
}

/// The trace's root: the transaction's own frame, with the transaction's gas limit and gas used
/// (after refunds), as geth reports them. A transaction that ran out of gas loading its
/// target's code entered no frame; its root is made here.
fn root_frame(
    tracer: CallTracer,
    tx: &Transaction,
    status: CallStatus,
    gas_used: u64,
    failure: Option<&str>,
) -> CallFrame {
    let mut root = tracer.finish().unwrap_or_else(|| {
        let kind = match tx.to {
            Some(_) => FrameKind::Call,
            None => FrameKind::Create,
        };
        let mut frame = CallFrame::entered(kind, tx.sender, tx.to, Some(tx.value), 0, &tx.data);
        frame.status = status;
        frame.failure = failure.map(str::to_string);
        frame
    });
    root.gas = tx.gas_limit;
    root.gas_used = gas_used;
    root
}

/// What loading the transaction's target `to` costs beyond its base gas
/// ([`rewasm_eei::gas::CodeLoads::target_price`]), counting the target's code as loaded; 0 under a
/// schedule without code loads, or when `to` has no code to load.
fn target_load(world: &mut World<'_>, to: &H160) -> u64 {
    let Some(loads) = world.engine.config().schedule.host.code_loads else {
        return 0;
    };
    let Some(code) = world.loadable_code(to) else {
        return 0;
    };
    world.loaded.count(code.hash());
    loads.target_price(code.bytes().len() as u64)
}

/// What a transaction's state access starts with (EIP-2929, EIP-2930, EIP-3651): the sender,
/// the target or created account, the precompiles, the coinbase and the access list. Only a
/// schedule with [`rewasm_eei::gas::StateAccess`] asks.
fn warm_up(world: &mut World<'_>, tx: &Transaction, target: &H160) {
    if world.engine.config().schedule.host.state_access.is_none() {
        return;
    }
    let journal = &mut world.journal;
    journal.access_account(&tx.sender);
    journal.access_account(target);
    for precompile in crate::precompiles::Precompile::ALL {
        journal.access_account(&precompile.address());
    }
    journal.access_account(&world.block.coinbase);
    for (address, keys) in &tx.access_list {
        journal.access_account(address);
        for key in keys {
            journal.access_slot(address, key);
        }
    }
}

fn check(world: &mut World<'_>, tx: &Transaction) -> Result<u64, TxError> {
    let expected = world
        .journal
        .basic(&tx.sender)?
        .map(|a| a.nonce)
        .unwrap_or_default();
    if expected != tx.nonce {
        return Err(TxError::Nonce {
            expected,
            got: tx.nonce,
        });
    }
    let needed = intrinsic_gas(tx, world.engine.config().schedule.calldata);
    if tx.gas_limit < needed {
        return Err(TxError::IntrinsicGas {
            needed,
            limit: tx.gas_limit,
        });
    }
    if tx.gas_price < world.block.base_fee {
        return Err(TxError::GasPriceBelowBaseFee {
            price: tx.gas_price,
            base_fee: world.block.base_fee,
        });
    }
    if tx.gas_limit > world.block.gas_limit {
        return Err(TxError::BlockGasLimit {
            limit: tx.gas_limit,
            block: world.block.gas_limit,
        });
    }
    let fee = U256::from(tx.gas_limit)
        .checked_mul(tx.gas_price)
        .ok_or(TxError::Overflow)?;
    let need = fee.checked_add(tx.value).ok_or(TxError::Overflow)?;
    let have = world.journal.balance(&tx.sender)?;
    if have < need {
        return Err(TxError::InsufficientFunds { have, need });
    }
    Ok(needed)
}

fn run(world: &mut World<'_>, tx: &Transaction, record_accesses: bool) -> Result<Receipt, TxError> {
    let intrinsic = check(world, tx)?;
    let fee = U256::from(tx.gas_limit) * tx.gas_price;
    let balance = world.journal.balance(&tx.sender)?;
    world.journal.set_balance(&tx.sender, balance - fee)?;
    world
        .journal
        .set_nonce(&tx.sender, tx.nonce.saturating_add(1))?;
    let gas = tx.gas_limit - intrinsic;
    // The callee, or the account a create makes.
    let target = tx
        .to
        .unwrap_or_else(|| create_address(&tx.sender, tx.nonce));
    warm_up(world, tx, &target);
    if record_accesses {
        world.journal.record_accesses();
    }

    let load = tx.to.map_or(0, |to| target_load(world, &to));
    let (status, gas_left, output, contract_address) = match tx.to {
        Some(_) if load > gas => {
            world.failure = Some("out of gas loading the contract's code".to_string());
            (CallStatus::Failure, 0, Vec::new(), None)
        }
        Some(to) => {
            let gas = gas - load;
            let frame = FrameInfo {
                address: to,
                caller: tx.sender,
                value: tx.value,
                input: tx.data.clone().into(),
                code: Vec::new().into(),
                is_static: false,
                depth: 0,
            };
            let outcome = world.call(Message {
                frame,
                code_address: to,
                kind: CallKind::Call,
                transfer: true,
                gas,
            });
            (outcome.status, outcome.gas_left, outcome.output, None)
        }
        None => {
            let outcome = world.create_at(tx.sender, target, tx.value, tx.data.clone(), gas, 0);
            (
                outcome.status,
                outcome.gas_left,
                outcome.output,
                outcome.address,
            )
        }
    };

    let used = tx.gas_limit - gas_left;
    let refund = match world.engine.config().schedule.host.state_access {
        Some(access) => world
            .journal
            .refund()
            .min(used / access.max_refund_quotient.max(1)),
        None => capped_refund(world.journal.refund(), used),
    };
    let gas_used = used - refund;
    let returned = U256::from(tx.gas_limit - gas_used) * tx.gas_price;
    world.journal.credit(&tx.sender, returned)?;
    // EIP-1559: the base fee part of the price is burned; the coinbase gets the rest (the tip).
    // `check` guarantees gas_price >= base_fee.
    let coinbase = world.block.coinbase;
    let tip = tx.gas_price.saturating_sub(world.block.base_fee);
    world
        .journal
        .credit(&coinbase, U256::from(gas_used) * tip)?;
    world.journal.touch(&coinbase);
    let logs = if status == CallStatus::Success {
        world.journal.logs().to_vec()
    } else {
        Vec::new()
    };
    let failure = world.failure.take();
    let trace = world
        .tracer
        .take()
        .map(|tracer| root_frame(tracer, tx, status, gas_used, failure.as_deref()));
    Ok(Receipt {
        status,
        gas_used,
        logs,
        output,
        contract_address,
        failure,
        accessed: world
            .journal
            .take_accessed()
            .map(|accessed| accessed.without_implicit(tx.sender, target)),
        debug: std::mem::take(&mut world.debug),
        trace,
        gas_observed: world.gas_observed,
    })
}
