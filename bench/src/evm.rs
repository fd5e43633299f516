//! revm: the Solidity peers on the fastest Rust EVM, in memory (`CacheDB<EmptyDB>`), committing
//! every transaction as rewasm's executor does.

use anyhow::{anyhow, bail, ensure};
use primitive_types::H160;
use revm::context::result::{ExecutionResult, Output};
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::handler::{MainBuilder, MainContext, MainnetEvm};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::state::AccountInfo;
use revm::{ExecuteCommitEvm, ExecuteEvm};

type Db = CacheDB<EmptyDB>;
type Evm = MainnetEvm<revm::handler::MainnetContext<Db>>;

/// Gas limit of benchmark transactions and of the block.
pub const TX_GAS: u64 = 1_000_000_000;

/// An in-memory revm with funded accounts; nonces tracked here.
pub struct Revm {
    evm: Evm,
    nonces: std::collections::HashMap<Address, u64>,
}

impl std::fmt::Debug for Revm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Revm").finish_non_exhaustive()
    }
}

/// A rewasm address as a revm one.
pub fn address(a: &H160) -> Address {
    Address::from_slice(a.as_bytes())
}

impl Revm {
    /// Cancun rules, `funded` accounts holding plenty of ether.
    pub fn new(funded: &[H160]) -> Self {
        let mut db = Db::default();
        for a in funded {
            db.insert_account_info(
                address(a),
                AccountInfo {
                    balance: U256::from(10u64).pow(U256::from(30)),
                    ..Default::default()
                },
            );
        }
        let mut ctx = Context::mainnet().with_db(db);
        ctx.cfg.spec = SpecId::CANCUN;
        ctx.block.gas_limit = TX_GAS;
        let evm = ctx.build_mainnet();
        Self {
            evm,
            nonces: Default::default(),
        }
    }

    /// Runs and commits one transaction.
    pub fn transact(
        &mut self,
        sender: &H160,
        kind: TxKind,
        data: Vec<u8>,
    ) -> anyhow::Result<ExecutionResult> {
        let caller = address(sender);
        let nonce = self.nonces.entry(caller).or_insert(0);
        let tx = TxEnv {
            caller,
            kind,
            data: Bytes::from(data),
            nonce: *nonce,
            gas_limit: TX_GAS,
            gas_price: 0,
            chain_id: Some(1),
            ..Default::default()
        };
        *nonce += 1;
        self.evm
            .transact_commit(tx)
            .map_err(|e| anyhow!("revm rejected the transaction: {e:?}"))
    }

    /// Runs a call from `sender` on the current state without committing it.
    fn run_uncommitted(
        &mut self,
        sender: &H160,
        to: &H160,
        data: Vec<u8>,
    ) -> anyhow::Result<ExecutionResult> {
        let caller = address(sender);
        let tx = TxEnv {
            caller,
            kind: TxKind::Call(address(to)),
            data: Bytes::from(data),
            nonce: self.nonces.get(&caller).copied().unwrap_or(0),
            gas_limit: TX_GAS,
            gas_price: 0,
            chain_id: Some(1),
            ..Default::default()
        };
        Ok(self
            .evm
            .transact(tx)
            .map_err(|e| anyhow!("revm rejected the call: {e:?}"))?
            .result)
    }

    /// An `eth_call`: runs a call from `sender` on the current state and discards its changes.
    pub fn view(&mut self, sender: &H160, to: &H160, data: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        match self.run_uncommitted(sender, to, data)? {
            ExecutionResult::Success {
                output: Output::Call(bytes),
                ..
            } => Ok(bytes.to_vec()),
            other => bail!("revm call failed: {other:?}"),
        }
    }

    /// A successful call's output.
    pub fn call(&mut self, sender: &H160, to: &H160, data: Vec<u8>) -> anyhow::Result<Vec<u8>> {
        match self.transact(sender, TxKind::Call(address(to)), data)? {
            ExecutionResult::Success {
                output: Output::Call(bytes),
                ..
            } => Ok(bytes.to_vec()),
            other => bail!("revm call failed: {other:?}"),
        }
    }

    /// Deploys creation code (constructor arguments appended).
    pub fn deploy(&mut self, sender: &H160, init: Vec<u8>) -> anyhow::Result<H160> {
        match self.transact(sender, TxKind::Create, init)? {
            ExecutionResult::Success {
                output: Output::Create(_, Some(created)),
                ..
            } => Ok(H160::from_slice(created.as_slice())),
            other => bail!("revm deploy failed: {other:?}"),
        }
    }

    /// Puts raw EVM `code` at `to` (no constructor).
    pub fn install(&mut self, to: &H160, code: Vec<u8>) {
        use revm::context::ContextTr;
        let bytecode = revm::bytecode::Bytecode::new_raw(Bytes::from(code));
        let info = AccountInfo {
            nonce: 1,
            code_hash: bytecode.hash_slow(),
            code: Some(bytecode),
            ..Default::default()
        };
        self.evm.ctx.db_mut().insert_account_info(address(to), info);
    }

    /// Runs a call without committing it: its gas used (the call must succeed).
    pub fn view_gas(&mut self, sender: &H160, to: &H160, data: Vec<u8>) -> anyhow::Result<u64> {
        let result = self.run_uncommitted(sender, to, data)?;
        ensure!(result.is_success(), "revm call failed: {result:?}");
        Ok(result.tx_gas_used())
    }

    /// Gas used by the last successful call of `data` (runs and commits it).
    pub fn gas_of(&mut self, sender: &H160, to: &H160, data: Vec<u8>) -> anyhow::Result<u64> {
        let result = self.transact(sender, TxKind::Call(address(to)), data)?;
        ensure!(result.is_success(), "revm call failed: {result:?}");
        Ok(result.tx_gas_used())
    }
}
