//! rewasm in-process: transactions through `execute_transaction` on an in-memory state (the
//! full path a node runs, minus the store), and plain modules on a live `MeteredInstance`.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{anyhow, bail};
use primitive_types::{H160, H256, U256};
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{
    Account, BasicAccount, Bytecode, InMemoryState, Receipt, State, StateChanges, StateError,
    Transaction, execute_transaction,
};
use rewasm_vm::wasmer::{Imports, Store, Value};
use rewasm_vm::{Engine, GasSchedule, MeteredInstance, Outcome, Rules, VmConfig};

/// Gas limit of benchmark transactions and blocks: compute kernels need more than a mainnet
/// block.
pub const TX_GAS: u64 = 4_000_000_000;

/// An engine, an in-memory state and a block: transactions run as a node runs them.
#[derive(Debug)]
pub struct RewasmChain {
    /// The engine (compile cache warm after the first call of a code).
    pub engine: Engine,
    /// The world state.
    pub state: InMemoryState,
    block: BlockInfo,
    nonces: HashMap<H160, u64>,
}

impl RewasmChain {
    /// A chain under `schedule` with `funded` accounts holding plenty of ether.
    pub fn new(schedule: GasSchedule, funded: &[H160]) -> anyhow::Result<Self> {
        Self::with_config(
            VmConfig {
                schedule,
                ..VmConfig::default()
            },
            funded,
        )
    }

    /// A chain whose engine has `config` (an artifact folder, say), with `funded` accounts.
    pub fn with_config(config: VmConfig, funded: &[H160]) -> anyhow::Result<Self> {
        let engine = Engine::new(config)?;
        let mut state = InMemoryState::default();
        for address in funded {
            state.accounts.insert(
                *address,
                Account {
                    basic: BasicAccount {
                        nonce: 0,
                        balance: U256::from(10u64).pow(U256::from(30)),
                        code: Bytecode::default(),
                    },
                    storage: Default::default(),
                },
            );
        }
        Ok(Self {
            engine,
            state,
            block: BlockInfo {
                coinbase: H160::repeat_byte(0xc0),
                number: 1,
                timestamp: 1_700_000_000,
                gas_limit: TX_GAS,
                difficulty: U256::zero(),
                base_fee: U256::zero(),
            },
            nonces: HashMap::new(),
        })
    }

    /// Runs one transaction from `sender` (nonce tracked here), gas price zero.
    pub fn transact(
        &mut self,
        sender: H160,
        to: Option<H160>,
        data: Vec<u8>,
    ) -> anyhow::Result<Receipt> {
        let tx = self.transaction(sender, to, data);
        *self.nonces.entry(sender).or_insert(0) += 1;
        let hashes = |_: u64| Ok(None);
        let receipt = execute_transaction(&self.engine, &mut self.state, &self.block, &hashes, &tx)
            .map_err(|e| anyhow!("rewasm transaction rejected: {e}"))?;
        Ok(receipt)
    }

    /// An `eth_call`: runs a call from `sender` on the current state and discards its changes
    /// (the state is read through [`Discarding`], whose commit drops them).
    pub fn view(&mut self, sender: H160, to: H160, data: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        success_output(self.view_receipt(sender, to, data)?)
    }

    /// As [`RewasmChain::view`], returning the whole receipt (its gas used included).
    pub fn view_receipt(
        &mut self,
        sender: H160,
        to: H160,
        data: Vec<u8>,
    ) -> anyhow::Result<Receipt> {
        let tx = self.transaction(sender, Some(to), data);
        let hashes = |_: u64| Ok(None);
        let mut state = Discarding(&self.state);
        execute_transaction(&self.engine, &mut state, &self.block, &hashes, &tx)
            .map_err(|e| anyhow!("rewasm call rejected: {e}"))
    }

    /// A transaction from `sender` at its next nonce, gas price zero.
    fn transaction(&self, sender: H160, to: Option<H160>, data: Vec<u8>) -> Transaction {
        Transaction {
            sender,
            to,
            nonce: self.nonces.get(&sender).copied().unwrap_or(0),
            gas_limit: TX_GAS,
            gas_price: U256::zero(),
            value: U256::zero(),
            data,
            ..Transaction::default()
        }
    }

    /// A successful call's output.
    pub fn call(&mut self, sender: H160, to: H160, data: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        let receipt = self.transact(sender, Some(to), data)?;
        success_output(receipt)
    }

    /// Deploys `init` (init code with constructor arguments appended).
    pub fn deploy(&mut self, sender: H160, init: Vec<u8>) -> anyhow::Result<H160> {
        let receipt = self.transact(sender, None, init)?;
        match (receipt.status, receipt.contract_address) {
            (CallStatus::Success, Some(address)) => Ok(address),
            (status, _) => bail!("rewasm deploy failed: {status:?} {:?}", receipt.failure),
        }
    }

    /// Puts `code` at `address` directly (no constructor).
    pub fn install(&mut self, address: H160, code: &[u8]) {
        self.state.accounts.insert(
            address,
            Account {
                basic: BasicAccount {
                    nonce: 1,
                    balance: U256::zero(),
                    code: Bytecode::new(code),
                },
                storage: Default::default(),
            },
        );
    }

    /// The code at `address`.
    pub fn code(&self, address: &H160) -> Option<Arc<[u8]>> {
        self.state
            .accounts
            .get(address)
            .map(|account| account.basic.code.bytes().clone())
    }
}

/// A plain module (no imports) instantiated once; calls reuse the live instance.
#[derive(Debug)]
pub struct LiveModule {
    store: Store,
    instance: MeteredInstance,
}

/// `v2` with every instruction price zero (wasmer's metering middleware then inserts no code):
/// what "metering off" means in the benchmarks. Host functions, memory and module `rewasm` are
/// `v2`'s, so the same contracts run.
pub fn unmetered_schedule() -> GasSchedule {
    let mut schedule = GasSchedule::v2();
    schedule.name = "metering-off";
    let c = &mut schedule.instructions;
    for price in [
        &mut c.trivial,
        &mut c.control,
        &mut c.branch,
        &mut c.br_table,
        &mut c.alu,
        &mut c.mul,
        &mut c.div,
        &mut c.load,
        &mut c.store,
        &mut c.call,
        &mut c.host_call,
        &mut c.call_indirect,
        &mut c.call_param,
        &mut c.ret,
        &mut c.memory_size,
        &mut c.memory_grow,
        &mut c.bulk_memory,
        &mut c.other,
    ] {
        *price = 0;
    }
    schedule.bulk_memory_per_word = 0;
    schedule
}

/// An engine for plain modules under `schedule`.
pub fn engine(schedule: GasSchedule) -> anyhow::Result<Engine> {
    Ok(Engine::new(VmConfig {
        schedule,
        ..VmConfig::default()
    })?)
}

impl LiveModule {
    /// Compiles (or finds in the cache) and instantiates `code`.
    pub fn new(engine: &Engine, code: &[u8]) -> anyhow::Result<Self> {
        let module = engine.compile(code, Rules::Determinism)?;
        let mut store = module.new_store();
        let instance = MeteredInstance::new(&mut store, &module, &Imports::new())?;
        Ok(Self { store, instance })
    }

    /// Calls `export(arg)`, expecting one i64 result.
    pub fn call_u64(&mut self, export: &str, arg: u32) -> anyhow::Result<u64> {
        let result = self.instance.call(
            &mut self.store,
            export,
            &[Value::I32(arg as i32)],
            u64::MAX / 2,
        );
        match result.outcome {
            Outcome::Returned(values) => match values.first() {
                Some(Value::I64(v)) => Ok(*v as u64),
                other => bail!("{export}: unexpected result {other:?}"),
            },
            other => bail!("{export}: {other:?}"),
        }
    }

    /// Calls a `[] -> []` export.
    pub fn call_empty(&mut self, export: &str) -> anyhow::Result<()> {
        let result = self
            .instance
            .call(&mut self.store, export, &[], u64::MAX / 2);
        match result.outcome {
            Outcome::Returned(_) => Ok(()),
            other => bail!("{export}: {other:?}"),
        }
    }
}

/// The smallest contract: `main` returns at once.
pub const EMPTY_CONTRACT_WAT: &str =
    r#"(module (memory (export "memory") 1) (func (export "main")))"#;

/// The output of a successful call; an error naming the status and failure otherwise.
fn success_output(receipt: Receipt) -> anyhow::Result<Vec<u8>> {
    if receipt.status != CallStatus::Success {
        bail!(
            "rewasm call failed: {:?} {:?}",
            receipt.status,
            receipt.failure
        );
    }
    Ok(receipt.output)
}

/// A read-only view of a state whose commits are dropped: what `eth_call` runs on.
struct Discarding<'a>(&'a InMemoryState);

impl State for Discarding<'_> {
    fn basic(&self, address: &H160) -> Result<Option<BasicAccount>, StateError> {
        self.0.basic(address)
    }

    fn storage(&self, address: &H160, key: &H256) -> Result<H256, StateError> {
        self.0.storage(address, key)
    }

    fn commit(&mut self, _: StateChanges) {}
}
