//! Message calls and creates with Ethereum semantics, over the journal, running contract code
//! through the engine.
//!
//! Each frame's state changes sit between a journal checkpoint taken when the frame starts and
//! the frame's end: success keeps them, revert and failure undo them (failure also consumes all
//! the frame's gas). Nested frames are run by the EEI's `call*`/`create` through [`FrameHost`],
//! which is the [`Host`] the contract's host functions see.

use std::sync::Arc;
use std::time::{Duration, Instant};

use primitive_types::{H160, H256, U256};
use rewasm_eei::gas::{Access, HostPrices};
use rewasm_eei::{
    BlockInfo, CallKind, CallMessage, CallOutcome, CallStatus, CodeAccess, CreateOutcome,
    FrameInfo, Host, HostExit, RefusedFrame, TxInfo,
};

use crate::binding::{self, EeiEnv};
use crate::code_loads::LoadedCodes;
use crate::debug::{DebugLine, DebugOutput};
use crate::journal::Journal;
use crate::precompiles::{self, PrecompileOutcome};
use crate::trace::{CallFrame, CallTracer, FrameEnd, FrameKind};
use rewasm_primitives::consensus::MAX_CODE_SIZE;
use rewasm_primitives::state::{Bytecode, StateError};
use rewasm_primitives::{LogEntry, keccak256};
use rewasm_vm::validate::Rules;
use rewasm_vm::{
    ArtifactPolicy, CallDepthScope, CompileError, CompiledModule, Engine, FrameStart,
    InstantiateError, MeteredInstance, Outcome, TxPages, WarmInstance,
};
use wasmer::FunctionEnv;

/// The wasm magic number: deposited code starting with it must be a valid contract.
const WASM_MAGIC: &[u8] = b"\0asm";
/// A custom section with this name ends the init code of a create; the bytes after it are the
/// constructor's call data. Deploy tools (ethers' `ContractFactory`, web3.py, `rewasm deploy`)
/// append ABI-encoded constructor arguments to the init code, as for Solidity; `rewasm build`
/// ends every init code with this (empty) section so that the result stays a valid module.
pub const CONSTRUCTOR_ARGS_SECTION: &str = "rewasm.args";

/// Splits a create's data into init code and constructor call data at the end of the
/// [`CONSTRUCTOR_ARGS_SECTION`]; data without that section is all init code.
pub fn split_init_code(data: &[u8]) -> (&[u8], &[u8]) {
    for payload in wasmparser::Parser::new(0).parse_all(data) {
        match payload {
            Ok(wasmparser::Payload::CustomSection(section))
                if section.name() == CONSTRUCTOR_ARGS_SECTION =>
            {
                let end = section.data_offset().saturating_add(section.data().len());
                return match (data.get(..end), data.get(end..)) {
                    (Some(code), Some(args)) => (code, args),
                    _ => (data, &[]),
                };
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (data, &[])
}

/// Where block hashes come from (the state-test tool uses keccak of the decimal number). A
/// failure to read one ([`StateRead::BlockHash`](rewasm_primitives::state::StateRead::BlockHash)) is the
/// node's, not the contract's: the transaction aborts.
pub type BlockHashes<'a> = dyn Fn(u64) -> Result<Option<H256>, StateError> + Sync + 'a;

/// A failure of the node while it runs a transaction. Never a contract-visible result: another
/// machine would not fail at the same point, so the transaction aborts with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HostFailure {
    /// A read of committed state (an account, a slot, a block hash) failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// Code that passed validation did not compile.
    #[error("compiling validated code failed: {0}")]
    Compile(String),
    /// The machine could not instantiate a module (memory or table allocation refused).
    #[error("instantiating failed: {0}")]
    Instantiate(String),
    /// The machine refused running wasm something it may have (a `memory.grow` within the
    /// maximum, recorded by [`rewasm_vm::host_failure`]).
    #[error("running wasm failed: {0}")]
    Machine(String),
    /// The executor thread could not start, or panicked.
    #[error("the executor thread failed: {0}")]
    Thread(String),
}

/// Why a transaction's execution stopped without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Abort {
    /// The host failed.
    HostFailure(HostFailure),
    /// The caller's time limit ran out (`eth_call`'s `--rpc.evmtimeout`).
    Timeout(Duration),
}

/// How to execute a transaction, beyond the transaction itself. Nothing here changes a result
/// that is recorded: a block runs with the defaults, and a time limit only ever aborts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExecutionOptions {
    /// Abort (with no result) at the first frame start or host call after this much time. A
    /// frame's wasm between host calls is bounded by its gas instead.
    pub timeout: Option<Duration>,
    /// Whether called code compiled on a cache miss may be written to the disk cache: blocks
    /// persist what they run, calls do not. Init code is never persisted.
    pub artifacts: ArtifactPolicy,
    /// Record the accounts and slots the code accesses ([`crate::Receipt::accessed`]), for
    /// `eth_createAccessList`.
    pub record_accesses: bool,
    /// Record every frame ([`crate::Receipt::trace`]), for `debug_traceTransaction` and
    /// `debug_traceCall`.
    pub trace_calls: bool,
}

impl Default for ExecutionOptions {
    fn default() -> Self {
        Self {
            timeout: None,
            artifacts: ArtifactPolicy::Persist,
            record_accesses: false,
            trace_calls: false,
        }
    }
}

/// When a time-limited execution must stop.
#[derive(Clone, Copy, Debug)]
pub(super) struct Deadline {
    at: Instant,
    timeout: Duration,
}

impl Deadline {
    pub(super) fn after(timeout: Duration) -> Self {
        Self {
            at: Instant::now() + timeout,
            timeout,
        }
    }
}

/// Everything a transaction's frames share.
pub(crate) struct World<'a> {
    /// The journaled state.
    pub journal: Journal<'a>,
    /// Compiles and caches contract code.
    pub engine: &'a Engine,
    /// The block.
    pub block: BlockInfo,
    /// The transaction.
    pub tx: TxInfo,
    /// Hashes of recent blocks.
    pub block_hashes: &'a BlockHashes<'a>,
    /// Why the transaction's own frame failed, if it did.
    pub failure: Option<String>,
    /// Set when the execution must stop without a result; every frame then ends at once.
    pub(super) abort: Option<Abort>,
    /// When a time-limited execution stops.
    pub(super) deadline: Option<Deadline>,
    /// Whether called code may be written to the disk cache.
    pub(super) artifacts: ArtifactPolicy,
    /// The wasm call depth of the frame whose host call is running (set at every host call):
    /// where a nested frame starts under [`CallDepthScope::Transaction`].
    pub(super) wasm_depth: u32,
    /// Where the transaction's memory stands for the next frame to start (set by the host call
    /// that starts it): the pages its live callers hold, and the high-water mark.
    pub(super) pages: TxPages,
    /// The codes the transaction has run, and their modules.
    pub(super) loaded: LoadedCodes,
    /// What the code printed through module `debug`.
    pub(super) debug: DebugOutput,
    /// The frames so far, when the execution is traced.
    pub(super) tracer: Option<CallTracer>,
    /// Why the frame that just ended failed, for its trace (only kept when tracing).
    pub(super) frame_failure: Option<String>,
    /// Whether a host function read how much gas its frame had left (`Receipt::gas_observed`).
    pub(super) gas_observed: bool,
}

impl std::fmt::Debug for World<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("block", &self.block)
            .field("tx", &self.tx)
            .finish()
    }
}

/// A frame to run.
#[derive(Clone, Debug)]
pub(crate) struct Message {
    /// The frame's facts (address, caller, value, input, static mode, depth); `code` is filled
    /// from `code_address`.
    pub frame: FrameInfo,
    /// Whose code runs.
    pub code_address: H160,
    /// How the frame was entered (for its trace).
    pub kind: CallKind,
    /// Whether `frame.value` moves from `frame.caller` to `frame.address`.
    pub transfer: bool,
    /// Gas for the frame.
    pub gas: u64,
}

/// How a frame's code ended.
#[derive(Debug)]
enum End {
    Success(Vec<u8>),
    Revert(Vec<u8>),
    Failure(String),
    /// The execution was aborted ([`World::abort`]); the frame is undone like a failure, and
    /// the transaction has no result.
    Aborted,
}

/// The failure reason recorded when a frame ran out of gas.
pub const OUT_OF_GAS: &str = "out of gas";

impl<'a> World<'a> {
    /// True when the execution must stop: it was aborted, or its deadline has passed (which
    /// aborts it now).
    pub(super) fn should_stop(&mut self) -> bool {
        if self.abort.is_none()
            && let Some(deadline) = self.deadline
            && Instant::now() >= deadline.at
        {
            self.abort = Some(Abort::Timeout(deadline.timeout));
        }
        self.abort.is_some()
    }

    /// Aborts the execution because the host failed; the first failure is kept.
    pub(super) fn fail_host(&mut self, failure: HostFailure) {
        tracing::warn!(%failure, "the host failed while executing a transaction");
        self.abort.get_or_insert(Abort::HostFailure(failure));
    }

    /// The value of a state read, or `None` after aborting the execution because the read
    /// failed: every frame then ends at once and the transaction has no result, so no frame
    /// ever sees a made-up value.
    pub(super) fn read<T>(&mut self, read: Result<T, StateError>) -> Option<T> {
        match read {
            Ok(value) => Some(value),
            Err(error) => {
                self.fail_host(HostFailure::State(error));
                None
            }
        }
    }

    /// The code at `address` if running it loads a module: not a precompile's address, not an
    /// account without code. `None` too when the state cannot be read (the transaction is then
    /// aborting).
    pub(crate) fn loadable_code(&mut self, address: &H160) -> Option<Bytecode> {
        if precompiles::precompile_at(address).is_some() {
            return None;
        }
        let code = self.journal.code(address);
        self.read(code).filter(|code| !code.is_empty())
    }

    /// Runs a message call, recording its frame when the execution is traced.
    pub(crate) fn call(&mut self, message: Message) -> CallOutcome {
        let Some(tracer) = self.tracer.as_mut() else {
            return self.run_message(message);
        };
        let frame = &message.frame;
        let kind = FrameKind::of_call(message.kind);
        let from = match message.kind {
            CallKind::Delegate => frame.address,
            _ => frame.caller,
        };
        let value =
            matches!(message.kind, CallKind::Call | CallKind::CallCode).then_some(frame.value);
        let gas = message.gas;
        tracer.enter(CallFrame::entered(
            kind,
            from,
            Some(message.code_address),
            value,
            gas,
            &frame.input,
        ));
        let outcome = self.run_message(message);
        self.trace_exit(FrameEnd {
            status: outcome.status,
            gas_used: gas.saturating_sub(outcome.gas_left),
            output: outcome.output.clone(),
            failure: None,
            created: None,
        });
        outcome
    }

    /// Ends the traced frame that is running (with the failure the frame recorded).
    fn trace_exit(&mut self, mut end: FrameEnd) {
        end.failure = self.frame_failure.take();
        if let Some(tracer) = self.tracer.as_mut() {
            tracer.exit(end);
        }
    }

    /// Keeps why the running frame failed, for its trace.
    fn note_frame_failure(&mut self, reason: impl FnOnce() -> String) {
        if self.tracer.is_some() {
            self.frame_failure = Some(reason());
        }
    }

    /// Runs a message call.
    fn run_message(&mut self, mut message: Message) -> CallOutcome {
        let aborted = || outcome(CallStatus::Failure, 0, Vec::new());
        if self.should_stop() {
            return aborted();
        }
        let checkpoint = self.journal.checkpoint();
        let frame = &message.frame;
        if message.transfer {
            let transfer = self
                .journal
                .transfer(&frame.caller, &frame.address, frame.value);
            let Some(transferred) = self.read(transfer) else {
                self.journal.revert_to(checkpoint);
                return aborted();
            };
            if !transferred {
                self.journal.revert_to(checkpoint);
                self.note_frame_failure(|| "insufficient balance for transfer".to_string());
                return outcome(CallStatus::Failure, message.gas, Vec::new());
            }
        }
        self.journal.touch(&message.frame.address);
        if let Some(result) =
            precompiles::run(&message.code_address, &message.frame.input, message.gas)
        {
            return match result {
                PrecompileOutcome::Success { output, gas_used } => outcome(
                    CallStatus::Success,
                    message.gas.saturating_sub(gas_used),
                    output,
                ),
                PrecompileOutcome::OutOfGas => {
                    self.journal.revert_to(checkpoint);
                    self.note_frame_failure(|| OUT_OF_GAS.to_string());
                    outcome(CallStatus::Failure, 0, Vec::new())
                }
            };
        }
        let code = self.journal.code(&message.code_address);
        let Some(code) = self.read(code) else {
            self.journal.revert_to(checkpoint);
            return aborted();
        };
        if code.is_empty() {
            return outcome(CallStatus::Success, message.gas, Vec::new());
        }
        message.frame.code = code.bytes().clone();
        let (end, gas_left) = self.run_code(
            message.frame,
            Some(code.hash()),
            message.gas,
            self.artifacts,
        );
        match end {
            End::Success(output) => outcome(CallStatus::Success, gas_left, output),
            End::Revert(output) => {
                self.journal.revert_to(checkpoint);
                outcome(CallStatus::Revert, gas_left, output)
            }
            End::Failure(_) | End::Aborted => {
                self.journal.revert_to(checkpoint);
                outcome(CallStatus::Failure, 0, Vec::new())
            }
        }
    }

    /// Runs a create from `caller` at `depth`; the new address is derived from the caller's
    /// nonce, which is incremented whatever happens next.
    pub(crate) fn create(
        &mut self,
        caller: H160,
        value: U256,
        init_code: Vec<u8>,
        gas: u64,
        depth: u32,
    ) -> CreateOutcome {
        let caller_account = self.journal.basic(&caller);
        let Some(caller_account) = self.read(caller_account) else {
            return failed_create();
        };
        let nonce = caller_account
            .map(|account| account.nonce)
            .unwrap_or_default();
        let address = create_address(&caller, nonce);
        let bumped = self.journal.set_nonce(&caller, nonce.saturating_add(1));
        if self.read(bumped).is_none() {
            return failed_create();
        }
        self.create_at(caller, address, value, init_code, gas, depth)
    }

    /// Runs a create at a given address (a transaction's create derives it from the tx nonce),
    /// recording its frame when the execution is traced.
    pub(crate) fn create_at(
        &mut self,
        caller: H160,
        address: H160,
        value: U256,
        init_code: Vec<u8>,
        gas: u64,
        depth: u32,
    ) -> CreateOutcome {
        let Some(tracer) = self.tracer.as_mut() else {
            return self.run_create(caller, address, value, init_code, gas, depth);
        };
        tracer.enter(CallFrame::entered(
            FrameKind::Create,
            caller,
            None,
            Some(value),
            gas,
            &init_code,
        ));
        let outcome = self.run_create(caller, address, value, init_code, gas, depth);
        // geth's callTracer gives a successful create's output as the code it deployed.
        let output = match outcome.address {
            Some(created) if outcome.status == CallStatus::Success => {
                let code = self.journal.code(&created);
                self.read(code)
                    .map(|code| code.bytes().to_vec())
                    .unwrap_or_default()
            }
            _ => outcome.output.clone(),
        };
        self.trace_exit(FrameEnd {
            status: outcome.status,
            gas_used: gas.saturating_sub(outcome.gas_left),
            output,
            failure: None,
            created: outcome.address,
        });
        outcome
    }

    /// Runs a create at a given address.
    fn run_create(
        &mut self,
        caller: H160,
        address: H160,
        value: U256,
        init_code: Vec<u8>,
        gas: u64,
        depth: u32,
    ) -> CreateOutcome {
        if self.should_stop() {
            return failed_create();
        }
        // EIP-2929: warm from here on, even if the create fails (not if its caller reverts).
        self.journal.warm_created(&address);
        let existing = self.journal.basic(&address);
        let Some(existing) = self.read(existing) else {
            return failed_create();
        };
        if existing.is_some_and(|a| a.nonce != 0 || !a.code.is_empty()) {
            return failed_create();
        }
        let checkpoint = self.journal.checkpoint();
        let created = self
            .journal
            .create_account(&address)
            .and_then(|()| self.journal.transfer(&caller, &address, value));
        let Some(transferred) = self.read(created) else {
            self.journal.revert_to(checkpoint);
            return failed_create();
        };
        if !transferred {
            self.journal.revert_to(checkpoint);
            return CreateOutcome {
                status: CallStatus::Failure,
                address: None,
                gas_left: gas,
                output: Vec::new(),
            };
        }
        // Empty init code runs nothing and deposits nothing, as an empty account's code does
        // on a call: the account is created and all the gas comes back.
        if init_code.is_empty() {
            return CreateOutcome {
                status: CallStatus::Success,
                address: Some(address),
                gas_left: gas,
                output: Vec::new(),
            };
        }
        let (code, args) = split_init_code(&init_code);
        let code_gas = self.engine.config().schedule.init_code_gas(code);
        let Some(gas) = gas.checked_sub(code_gas) else {
            self.journal.revert_to(checkpoint);
            return failed_create();
        };
        let frame = FrameInfo {
            address,
            caller,
            value,
            input: Arc::from(args),
            code: Arc::from(code),
            is_static: false,
            depth,
        };
        let (end, gas_left) = self.run_code(frame, None, gas, ArtifactPolicy::MemoryOnly);
        match end {
            End::Success(code) => match self.deposit(&address, code, gas_left, depth == 0) {
                Some(gas_left) => CreateOutcome {
                    status: CallStatus::Success,
                    address: Some(address),
                    gas_left,
                    output: Vec::new(),
                },
                None => {
                    self.journal.revert_to(checkpoint);
                    failed_create()
                }
            },
            End::Revert(output) => {
                self.journal.revert_to(checkpoint);
                CreateOutcome {
                    status: CallStatus::Revert,
                    address: None,
                    gas_left,
                    output,
                }
            }
            End::Failure(_) | End::Aborted => {
                self.journal.revert_to(checkpoint);
                failed_create()
            }
        }
    }

    /// Stores the init code's output as the new code; the gas left after the deposit, or `None`
    /// when the code is too large, not a valid contract, or the deposit cannot be paid.
    ///
    /// Wasm code is compiled here, not at its first call: the deposit's gas pays for that work
    /// (200 per compressed byte buys far more time than compiling takes), in the block that
    /// deploys it, and the module is then in the engine's caches (on disk too when the
    /// execution persists artifacts). A compile that fails after validation is the host's
    /// failure and aborts, as on a call.
    ///
    /// The transaction's own create (`top_level`) records why it failed, as a trap does.
    fn deposit(
        &mut self,
        address: &H160,
        code: Vec<u8>,
        gas_left: u64,
        top_level: bool,
    ) -> Option<u64> {
        let mut refuse = |reason: String| {
            if self.tracer.is_some() {
                self.frame_failure = Some(reason.clone());
            }
            if top_level {
                self.failure = Some(reason);
            }
            None
        };
        if code.len() > MAX_CODE_SIZE {
            return refuse(format!(
                "the deployed code is {} bytes, over the {MAX_CODE_SIZE}-byte limit (EIP-170)",
                code.len()
            ));
        }
        // Priced before compiling, so a create that cannot pay gets no compile.
        let Some(left) = (self.engine.config().schedule.deposit.price(&code))
            .and_then(|cost| gas_left.checked_sub(cost))
        else {
            return refuse(OUT_OF_GAS.to_string());
        };
        let code = Bytecode::new(code);
        if code.bytes().starts_with(WASM_MAGIC) {
            let compiled = self.engine.compile_hashed(
                code.bytes(),
                code.hash().0,
                Rules::Contract,
                self.artifacts,
            );
            match compiled {
                Ok(_) => {}
                Err(CompileError::Invalid(error)) => {
                    let reason = format!("invalid deployed code: {error}");
                    self.note_frame_failure(|| reason.clone());
                    if top_level {
                        self.failure = Some(reason);
                    }
                    return None;
                }
                Err(CompileError::Compile(reason)) => {
                    self.fail_host(HostFailure::Compile(reason));
                    return None;
                }
            }
        }
        let deposited = self.journal.set_code(address, code);
        self.read(deposited)?;
        Some(left)
    }

    /// Compiles and runs `frame.code`'s `main` with `gas`; `code_hash` is the code's hash when
    /// the caller knows it (an account's code), so a cache hit hashes nothing. A failure of the
    /// transaction's own frame (depth 0) leaves its reason in [`World::failure`] for tools like
    /// `rewasm run`.
    fn run_code(
        &mut self,
        frame: FrameInfo,
        code_hash: Option<H256>,
        gas: u64,
        artifacts: ArtifactPolicy,
    ) -> (End, u64) {
        let top_level = frame.depth == 0;
        let (end, gas_left) = match self.module_of(&frame.code, code_hash, artifacts) {
            Ok(module) => self.run_main(&module, frame, gas),
            Err(end) => (end, 0),
        };
        if let End::Failure(reason) = &end {
            if top_level {
                self.failure = Some(reason.clone());
            }
            self.note_frame_failure(|| reason.clone());
        }
        (end, gas_left)
    }

    /// The compiled module of `code`. Invalid code is the contract's failure; a compile failure
    /// after validation is the host's and aborts.
    fn module_of(
        &mut self,
        code: &[u8],
        code_hash: Option<H256>,
        artifacts: ArtifactPolicy,
    ) -> Result<Arc<CompiledModule>, End> {
        if let Some(module) = code_hash.and_then(|hash| self.loaded.module(&hash)) {
            return Ok(module);
        }
        let compiled = match code_hash {
            Some(hash) => self
                .engine
                .compile_hashed(code, hash.0, Rules::Contract, artifacts),
            None => self.engine.compile_with(code, Rules::Contract, artifacts),
        };
        match compiled {
            Ok((module, _)) => {
                if let Some(hash) = code_hash {
                    self.loaded.hold(&hash, &module);
                }
                Ok(module)
            }
            Err(CompileError::Invalid(error)) => Err(End::Failure(error.to_string())),
            Err(CompileError::Compile(reason)) => {
                self.fail_host(HostFailure::Compile(reason));
                Err(End::Aborted)
            }
        }
    }

    /// Runs `module`'s `main` as `frame` with `gas`, on a warm instance when the pool has one.
    /// Only validation results and wasm traps are results; every failure of the host aborts.
    fn run_main(&mut self, module: &Arc<CompiledModule>, frame: FrameInfo, gas: u64) -> (End, u64) {
        let mut warm = match self.instance_of(module, frame) {
            Ok(warm) => warm,
            Err(end) => return (end, 0),
        };
        let depth = match self.engine.config().limits.call_depth_scope {
            CallDepthScope::Frame => 0,
            CallDepthScope::Transaction => self.wasm_depth,
        };
        let start = FrameStart {
            gas,
            depth,
            pages: self.pages,
        };
        let result = match warm.main.clone() {
            Some(main) => warm
                .instance
                .call_function(&mut warm.store, &main, &[], start),
            None => warm
                .instance
                .call_export(&mut warm.store, "main", &[], start),
        };
        self.pages.high_water = result.high_water;
        if let Some(env) = warm.host.downcast_ref::<FunctionEnv<EeiEnv>>() {
            binding::leave(&mut warm.store, env);
        }
        // After a host failure or an abort the instance may have stopped anywhere: it is
        // dropped rather than reset.
        if !matches!(result.outcome, Outcome::HostFailure(_)) && self.abort.is_none() {
            self.engine.release_warm(warm);
        }
        if let Outcome::HostFailure(failure) = result.outcome {
            self.fail_host(HostFailure::Machine(failure));
            return (End::Aborted, 0);
        }
        if self.abort.is_some() {
            return (End::Aborted, 0);
        }
        let end = match result.outcome {
            Outcome::Returned(_) => End::Success(Vec::new()),
            Outcome::Host(error) => match error.downcast::<HostExit>() {
                Ok(exit) => match *exit {
                    HostExit::Finish(data) => End::Success(data),
                    HostExit::Revert(data) => End::Revert(data),
                    HostExit::SelfDestruct => End::Success(Vec::new()),
                    other => End::Failure(other.to_string()),
                },
                Err(other) => End::Failure(other.to_string()),
            },
            Outcome::OutOfGas => End::Failure(OUT_OF_GAS.to_string()),
            Outcome::StackExhausted => End::Failure("wasm call stack exhausted".to_string()),
            Outcome::Trap(kind) => End::Failure(format!("trap: {kind:?}")),
            Outcome::BadExport(detail) => End::Failure(detail),
            Outcome::HostFailure(_) => End::Aborted,
        };
        (end, result.gas_left)
    }

    /// An instance of `module` bound to this world and `frame`: a warm one from the engine's
    /// pool, or a fresh one. Only an instantiation trap is the contract's; any other failure to
    /// instantiate aborts the execution.
    fn instance_of(
        &mut self,
        module: &Arc<CompiledModule>,
        frame: FrameInfo,
    ) -> Result<WarmInstance, End> {
        if let Some(mut warm) = self.engine.take_warm(module)
            && let Some(env) = warm.host.downcast_ref::<FunctionEnv<EeiEnv>>().cloned()
        {
            binding::enter(&mut warm.store, &env, self, frame);
            return Ok(warm);
        }
        let mut store = module.new_store();
        let (env, imports) = binding::bind(&mut store, self, frame);
        let instance = match MeteredInstance::new(&mut store, module, &imports) {
            Ok(instance) => instance,
            Err(InstantiateError::Trap(trap)) => {
                return Err(End::Failure(format!("instantiation trapped: {trap}")));
            }
            Err(error) => {
                self.fail_host(HostFailure::Instantiate(error.to_string()));
                return Err(End::Aborted);
            }
        };
        binding::attach(&mut store, &env, &instance);
        Ok(WarmInstance::new(
            store,
            instance,
            Box::new(env),
            module.clone(),
        ))
    }

    /// The hash of block `number`, if it is one of the 256 before the current one. A failure
    /// to read it aborts the execution (and answers `None` to a frame that is ending anyway).
    fn block_hash(&mut self, number: u64) -> Option<H256> {
        let current = self.block.number;
        if !(number < current && current - number <= 256) {
            return None;
        }
        let hash = (self.block_hashes)(number);
        self.read(hash).flatten()
    }
}

/// A create that failed (or that the execution's abort ended): no address, no gas back.
fn failed_create() -> CreateOutcome {
    CreateOutcome {
        status: CallStatus::Failure,
        address: None,
        gas_left: 0,
        output: Vec::new(),
    }
}

fn outcome(status: CallStatus, gas_left: u64, output: Vec<u8>) -> CallOutcome {
    CallOutcome {
        status,
        gas_left,
        output,
    }
}

/// [`Access`] from "it was cold".
fn access(cold: bool) -> Access {
    if cold { Access::Cold } else { Access::Warm }
}

/// keccak(rlp([sender, nonce]))[12..].
pub fn create_address(sender: &H160, nonce: u64) -> H160 {
    let mut payload = Vec::with_capacity(32);
    alloy_rlp::Encodable::encode(&sender.as_bytes(), &mut payload);
    alloy_rlp::Encodable::encode(&nonce, &mut payload);
    let mut list = Vec::with_capacity(payload.len() + 2);
    alloy_rlp::Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut list);
    list.extend_from_slice(&payload);
    H160::from_slice(keccak256(&list).as_bytes().get(12..).unwrap_or(&[0; 20]))
}

/// The [`Host`] one frame's host functions see.
pub(crate) struct FrameHost<'w, 'a> {
    /// The shared world.
    pub world: &'w mut World<'a>,
    /// The frame.
    pub frame: &'w FrameInfo,
}

impl Host for FrameHost<'_, '_> {
    fn frame(&self) -> &FrameInfo {
        self.frame
    }

    fn debug_print(&mut self, text: String) {
        self.world.debug.push(DebugLine {
            address: self.frame.address,
            depth: self.frame.depth,
            text,
        });
    }

    fn tx(&self) -> &TxInfo {
        &self.world.tx
    }

    fn block(&self) -> &BlockInfo {
        &self.world.block
    }

    // A failed read aborts the execution (`World::read`); the host function's wrapper then
    // ends the frame before the contract sees the placeholder these return.
    fn storage_load(&mut self, key: &H256) -> H256 {
        let value = self.world.journal.storage(&self.frame.address, key);
        self.world.read(value).unwrap_or_default()
    }

    fn storage_store(&mut self, key: &H256, value: &H256) -> H256 {
        let journal = &mut self.world.journal;
        let address = self.frame.address;
        let stored = journal.storage(&address, key).and_then(|previous| {
            journal.set_storage(&address, *key, *value)?;
            Ok(previous)
        });
        self.world.read(stored).unwrap_or_default()
    }

    fn original_storage(&mut self, key: &H256) -> H256 {
        let value = self
            .world
            .journal
            .original_storage(&self.frame.address, key);
        self.world.read(value).unwrap_or_default()
    }

    fn add_refund(&mut self, amount: u64) {
        self.world.journal.add_refund(amount);
    }

    fn sub_refund(&mut self, amount: u64) {
        self.world.journal.sub_refund(amount);
    }

    fn access_account(&mut self, address: &H160) -> Access {
        access(self.world.journal.access_account(address))
    }

    fn access_slot(&mut self, key: &H256) -> Access {
        access(self.world.journal.access_slot(&self.frame.address, key))
    }

    fn balance(&mut self, address: &H160) -> U256 {
        let balance = self.world.journal.balance(address);
        self.world.read(balance).unwrap_or_default()
    }

    fn is_alive(&mut self, address: &H160) -> bool {
        let alive = self.world.journal.is_alive(address);
        self.world.read(alive).unwrap_or_default()
    }

    fn code(&mut self, address: &H160) -> Arc<[u8]> {
        let code = self.world.journal.code(address);
        self.world
            .read(code)
            .map(|code| code.bytes().clone())
            .unwrap_or_else(|| Arc::from([]))
    }

    fn block_hash(&mut self, number: u64) -> Option<H256> {
        self.world.block_hash(number)
    }

    fn prices(&self) -> HostPrices {
        self.world.engine.config().schedule.host
    }

    fn code_access(&mut self, address: &H160) -> CodeAccess {
        match self.world.loadable_code(address) {
            Some(code) => self
                .world
                .loaded
                .access(&code.hash(), code.bytes().len() as u64),
            None => CodeAccess::Warm,
        }
    }

    fn count_code(&mut self, address: &H160) {
        if let Some(code) = self.world.loadable_code(address) {
            self.world.loaded.count(code.hash());
        }
    }

    fn call(&mut self, message: CallMessage) -> CallOutcome {
        let frame = self.frame;
        let depth = frame.depth.saturating_add(1);
        let (caller, address, value, transfer, is_static) = match message.kind {
            CallKind::Call => (
                frame.address,
                message.to,
                message.value,
                true,
                frame.is_static,
            ),
            CallKind::CallCode => (
                frame.address,
                frame.address,
                message.value,
                true,
                frame.is_static,
            ),
            CallKind::Delegate => (
                frame.caller,
                frame.address,
                frame.value,
                false,
                frame.is_static,
            ),
            CallKind::Static => (frame.address, message.to, U256::zero(), true, true),
        };
        let callee = FrameInfo {
            address,
            caller,
            value,
            input: Arc::from(message.input),
            code: Arc::from([]),
            is_static,
            depth,
        };
        self.world.call(Message {
            frame: callee,
            code_address: message.to,
            kind: message.kind,
            transfer,
            gas: message.gas,
        })
    }

    fn create(&mut self, value: U256, init_code: Vec<u8>, gas: u64) -> CreateOutcome {
        let depth = self.frame.depth.saturating_add(1);
        self.world
            .create(self.frame.address, value, init_code, gas, depth)
    }

    fn refused(&mut self, refused: RefusedFrame) {
        let Some(tracer) = self.world.tracer.as_mut() else {
            return;
        };
        // As a frame that ran: a create or `call`/`callCode` shows its value.
        let (kind, value) = match refused.kind {
            None => (FrameKind::Create, Some(refused.value)),
            Some(kind @ (CallKind::Call | CallKind::CallCode)) => {
                (FrameKind::of_call(kind), Some(refused.value))
            }
            Some(kind) => (FrameKind::of_call(kind), None),
        };
        tracer.enter(CallFrame::entered(
            kind,
            self.frame.address,
            refused.to,
            value,
            refused.gas,
            &refused.input,
        ));
        tracer.exit(FrameEnd {
            status: CallStatus::Failure,
            gas_used: 0,
            output: Vec::new(),
            failure: Some(refused.refusal.reason().to_string()),
            created: None,
        });
    }

    fn log(&mut self, topics: Vec<H256>, data: Vec<u8>) {
        let entry = LogEntry {
            address: self.frame.address,
            topics,
            data,
        };
        if let Some(tracer) = self.world.tracer.as_mut() {
            tracer.log(&entry);
        }
        self.world.journal.log(entry);
    }

    fn self_destruct(&mut self, beneficiary: &H160) {
        let refunds_self_destructs = self.prices().state_access.is_none();
        let journal = &mut self.world.journal;
        let address = self.frame.address;
        let destructed = (|| {
            let balance = journal.balance(&address)?;
            if address != *beneficiary {
                journal.credit(beneficiary, balance)?;
            }
            journal.touch(beneficiary);
            journal.set_balance(&address, U256::zero())?;
            // EIP-3529 removed the refund with warm and cold access.
            if journal.mark_destructed(&address) && refunds_self_destructs {
                journal.add_refund(rewasm_eei::gas::SELF_DESTRUCT_REFUND);
            }
            Ok(())
        })();
        self.world.read(destructed);
    }
}
