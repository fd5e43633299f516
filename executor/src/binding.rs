//! Binds the 33 EEI functions of `rewasm-eei` (and module `rewasm`) to a wasmer store.
//!
//! Each import is a thin wrapper: it builds an [`Eei`] over the frame's [`FrameHost`], a view of
//! the instance's memory and a local copy of the gas counter, calls the function's semantics, and
//! writes the gas back. Keeping the counter local for the duration of one host call lets the
//! memory view (which borrows the store) and the gas live side by side; it is written back before
//! the wrapper returns, also when the call ends the frame.
//!
//! The functions that start a nested frame (`call*`, `create`) also tell the world where the
//! transaction's memory stands (the pages this frame and its callers hold, the high-water mark
//! this frame may have raised) and take the mark back afterwards, for
//! [`rewasm_vm::TransactionMemory`] prices.

use rewasm_eei::functions::Eei;
use rewasm_eei::{FrameInfo, Gas, HostExit, Memory};
use wasmer::{
    AsStoreMut, Exports, Function, FunctionEnv, FunctionEnvMut, Imports, MemoryView, RuntimeError,
    Store,
};

use crate::world::{FrameHost, World};
use rewasm_vm::limits::WASM_PAGE_SIZE;
use rewasm_vm::{GasMeter, MeteredInstance, TxPages, host_exit};

/// The world pointer a frame's host functions use; null while the instance is idle in the warm
/// pool.
///
/// SAFETY (of the `Send` impl and of every dereference): the pointer is set in
/// [`World::run_code`](super::world) ([`bind`] or [`enter`]) from the `&mut World` that function
/// holds for the whole time the frame's wasm runs, and cleared ([`leave`]) before the instance
/// goes back to the pool, so it is only dereferenced while that borrow lives. The store and its
/// host functions stay on the thread that runs the frame for that time. `run_code` does not
/// touch the world while the wasm runs, host functions run one at a time, and each turns the
/// pointer into a `&mut World` only for the duration of one host call; a nested frame gets a
/// pointer derived from that reborrow and is finished before the host call returns. So at any
/// time exactly one `&mut World` is in use.
struct WorldPtr(*mut World<'static>);

impl WorldPtr {
    fn new(world: &mut World<'_>) -> Self {
        Self((world as *mut World<'_>).cast::<World<'static>>())
    }
}

// SAFETY: see `WorldPtr`; the store (and so this pointer) stays on one thread.
unsafe impl Send for WorldPtr {}

/// A frame's host-function environment.
pub(crate) struct EeiEnv {
    world: WorldPtr,
    frame: FrameInfo,
    /// Pages held by the frame's live callers when it started.
    pages_base: u64,
    memory: Option<wasmer::Memory>,
    meter: Option<GasMeter>,
    return_data: Vec<u8>,
}

impl std::fmt::Debug for EeiEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EeiEnv")
            .field("frame", &self.frame)
            .finish()
    }
}

/// The contract's memory, through a view of the store.
struct ViewMemory<'v>(&'v MemoryView<'v>);

impl ViewMemory<'_> {
    /// Like wasm's bulk-memory instructions, an access ending past the memory traps even when it
    /// is empty.
    fn check(&self, offset: u32, len: u64) -> Result<(), HostExit> {
        if u64::from(offset) + len > self.0.data_size() {
            return Err(HostExit::OutOfBounds {
                offset: offset.into(),
                len,
            });
        }
        Ok(())
    }
}

impl Memory for ViewMemory<'_> {
    fn read(&self, offset: u32, len: u32) -> Result<Vec<u8>, HostExit> {
        self.check(offset, len.into())?;
        let mut buffer = vec![0; len as usize];
        self.0
            .read(u64::from(offset), &mut buffer)
            .map_err(|_| HostExit::OutOfBounds {
                offset: offset.into(),
                len: len.into(),
            })?;
        Ok(buffer)
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), HostExit> {
        self.check(offset, bytes.len() as u64)?;
        self.0
            .write(u64::from(offset), bytes)
            .map_err(|_| HostExit::OutOfBounds {
                offset: offset.into(),
                len: bytes.len() as u64,
            })
    }
}

/// The gas counter for one host call, in ink; the EEI charges and reads gas.
struct LocalGas {
    ink: u64,
    ink_per_gas: u64,
    /// Whether the host function read how much gas is left (`World::gas_observed`).
    observed: bool,
}

impl Gas for LocalGas {
    fn charge(&mut self, amount: u64) -> Result<(), HostExit> {
        match amount
            .checked_mul(self.ink_per_gas)
            .and_then(|ink| self.ink.checked_sub(ink))
        {
            Some(left) => {
                self.ink = left;
                Ok(())
            }
            None => {
                self.ink = 0;
                Err(HostExit::OutOfGas)
            }
        }
    }

    fn left(&mut self) -> u64 {
        self.observed = true;
        self.ink / self.ink_per_gas
    }

    fn refund(&mut self, amount: u64) {
        self.ink = self
            .ink
            .saturating_add(amount.saturating_mul(self.ink_per_gas));
    }
}

/// The error that ends a frame whose execution was aborted.
const ABORTED: &str = "the transaction's execution was aborted";

type HostEei<'e, 'w, 'a, 'v> = Eei<'e, FrameHost<'w, 'a>, ViewMemory<'v>, LocalGas>;

/// Whether a host function may start a nested frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Nesting {
    Leaf,
    Nests,
}

/// Runs one EEI function for the frame of `ctx`.
fn with_eei<R>(
    mut ctx: FunctionEnvMut<EeiEnv>,
    nesting: Nesting,
    function: impl FnOnce(&mut HostEei<'_, '_, '_, '_>) -> Result<R, HostExit>,
) -> Result<R, RuntimeError> {
    let (env, mut store) = ctx.data_and_store_mut();
    let (Some(memory), Some(meter)) = (env.memory.clone(), env.meter.clone()) else {
        return Err(RuntimeError::new(
            "EEI called before the instance was attached",
        ));
    };
    if env.world.0.is_null() {
        return Err(RuntimeError::new("EEI called outside a frame"));
    }
    let mut gas = LocalGas {
        ink: meter.ink(&mut store),
        ink_per_gas: meter.ink_per_gas(),
        observed: false,
    };
    let depth = meter.depth(&mut store);
    let pages = match nesting {
        Nesting::Leaf => None,
        Nesting::Nests => {
            let held = memory.view(&store).data_size() / WASM_PAGE_SIZE;
            Some(TxPages {
                base: env.pages_base.saturating_add(held),
                high_water: meter.high_water(&mut store, 0),
            })
        }
    };
    let (result, stop, high_water) = {
        let view = memory.view(&store);
        let mut memory = ViewMemory(&view);
        // SAFETY: see `WorldPtr`: the only `&mut World` in use during this host call.
        let world = unsafe { &mut *env.world.0 };
        if world.should_stop() {
            return Err(RuntimeError::new(ABORTED));
        }
        world.wasm_depth = depth;
        if let Some(pages) = pages {
            world.pages = pages;
        }
        let mut host = FrameHost {
            world,
            frame: &env.frame,
        };
        let mut eei = Eei {
            host: &mut host,
            memory: &mut memory,
            gas: &mut gas,
            return_data: &mut env.return_data,
        };
        let result = function(&mut eei);
        host.world.gas_observed |= gas.observed;
        (
            result,
            host.world.should_stop(),
            host.world.pages.high_water,
        )
    };
    // An aborted execution (a host failure in this call or a nested frame, or the deadline)
    // ends every frame at once; the world knows why, and the frame's result is discarded.
    if stop {
        return Err(RuntimeError::new(ABORTED));
    }
    if pages.is_some() {
        meter.set_high_water(&mut store, high_water);
    }
    match result {
        Ok(value) => {
            meter.set_ink(&mut store, gas.ink);
            Ok(value)
        }
        Err(HostExit::OutOfGas) => {
            meter.exhaust(&mut store);
            Err(host_exit(HostExit::OutOfGas))
        }
        Err(exit) => {
            meter.set_ink(&mut store, gas.ink);
            Err(host_exit(exit))
        }
    }
}

macro_rules! ret {
    () => {
        ()
    };
    ($ty:ty) => {
        $ty
    };
}

macro_rules! nesting {
    () => {
        Nesting::Leaf
    };
    (nests) => {
        Nesting::Nests
    };
}

macro_rules! eei_exports {
    ($store:expr, $env:expr; $( $name:literal => $method:ident ( $($arg:ident : $ty:ty),* ) $(-> $ret:ty)? $(, $nests:ident)? ;)* ) => {{
        let mut exports = Exports::new();
        $(
            // `log` takes seven wasm arguments; the wrapper mirrors the import exactly.
            #[allow(clippy::too_many_arguments)]
            fn $method(ctx: FunctionEnvMut<EeiEnv>, $($arg: $ty),*) -> Result<ret!($($ret)?), RuntimeError> {
                with_eei(ctx, nesting!($($nests)?), |eei| eei.$method($($arg),*))
            }
            exports.insert($name, Function::new_typed_with_env($store, $env, $method));
        )*
        exports
    }};
}

/// Creates the frame's environment and the imports bound to it: `ethereum`, `rewasm`, and
/// `debug` where the chain offers it.
pub(super) fn bind(
    store: &mut Store,
    world: &mut World<'_>,
    frame: FrameInfo,
) -> (FunctionEnv<EeiEnv>, Imports) {
    let env = FunctionEnv::new(
        store,
        EeiEnv {
            world: WorldPtr::new(world),
            frame,
            pages_base: world.pages.base,
            memory: None,
            meter: None,
            return_data: Vec::new(),
        },
    );
    let exports = eei_exports! { store, &env;
        "useGas" => use_gas(amount: i64);
        "getGasLeft" => get_gas_left() -> i64;
        "getAddress" => get_address(result: i32);
        "getExternalBalance" => get_external_balance(address: i32, result: i32);
        "getBlockHash" => get_block_hash(number: i64, result: i32) -> i32;
        "call" => call(gas: i64, address: i32, value: i32, data: i32, length: i32) -> i32, nests;
        "callDataCopy" => call_data_copy(result: i32, data: i32, length: i32);
        "getCallDataSize" => get_call_data_size() -> i32;
        "callCode" => call_code(gas: i64, address: i32, value: i32, data: i32, length: i32) -> i32, nests;
        "callDelegate" => call_delegate(gas: i64, address: i32, data: i32, length: i32) -> i32, nests;
        "callStatic" => call_static(gas: i64, address: i32, data: i32, length: i32) -> i32, nests;
        "storageStore" => storage_store(path: i32, value: i32);
        "storageLoad" => storage_load(path: i32, result: i32);
        "getCaller" => get_caller(result: i32);
        "getCallValue" => get_call_value(result: i32);
        "codeCopy" => code_copy(result: i32, code: i32, length: i32);
        "getCodeSize" => get_code_size() -> i32;
        "getBlockCoinbase" => get_block_coinbase(result: i32);
        "create" => create(value: i32, data: i32, length: i32, result: i32) -> i32, nests;
        "getBlockDifficulty" => get_block_difficulty(result: i32);
        "externalCodeCopy" => external_code_copy(address: i32, result: i32, code: i32, length: i32);
        "getExternalCodeSize" => get_external_code_size(address: i32) -> i32;
        "getBlockGasLimit" => get_block_gas_limit() -> i64;
        "getTxGasPrice" => get_tx_gas_price(value: i32);
        "log" => log(data: i32, length: i32, topics: i32, topic1: i32, topic2: i32, topic3: i32, topic4: i32);
        "getBlockNumber" => get_block_number() -> i64;
        "getTxOrigin" => get_tx_origin(result: i32);
        "finish" => finish(data: i32, length: i32);
        "revert" => revert(data: i32, length: i32);
        "getReturnDataSize" => get_return_data_size() -> i32;
        "returnDataCopy" => return_data_copy(result: i32, data: i32, length: i32);
        "selfDestruct" => self_destruct(address: i32);
        "getBlockTimestamp" => get_block_timestamp() -> i64;
    };
    let rewasm = eei_exports! { store, &env;
        "keccak256" => keccak256(data: i32, length: i32, result: i32);
    };
    let mut imports = Imports::new();
    imports.register_namespace(rewasm_eei::ETHEREUM_MODULE, exports);
    imports.register_namespace(rewasm_eei::REWASM_MODULE, rewasm);
    // Dev chains only: elsewhere no validated module imports it, and binding it would cost
    // every fresh instance six more functions.
    if world.engine.config().schedule.modules.debug {
        let debug = eei_exports! { store, &env;
            "print32" => print32(value: i32);
            "print64" => print64(value: i64);
            "printMem" => print_mem(offset: i32, length: i32);
            "printMemHex" => print_mem_hex(offset: i32, length: i32);
            "printStorage" => print_storage(path: i32);
            "printStorageHex" => print_storage_hex(path: i32);
        };
        imports.register_namespace(rewasm_eei::DEBUG_MODULE, debug);
    }
    (env, imports)
}

/// Points a warm instance's environment at a new frame: the world running it, the frame's facts
/// and no return data, as [`bind`] makes them for a fresh instance.
pub(super) fn enter(
    store: &mut impl AsStoreMut,
    env: &FunctionEnv<EeiEnv>,
    world: &mut World<'_>,
    frame: FrameInfo,
) {
    let pages_base = world.pages.base;
    let data = env.as_mut(store);
    data.world = WorldPtr::new(world);
    data.frame = frame;
    data.pages_base = pages_base;
    data.return_data.clear();
}

/// Detaches the environment from the frame that ended: no world pointer outlives its borrow,
/// and the frame's code and input are not kept alive by an idle instance.
pub(super) fn leave(store: &mut impl AsStoreMut, env: &FunctionEnv<EeiEnv>) {
    let data = env.as_mut(store);
    data.world = WorldPtr(std::ptr::null_mut());
    data.frame = FrameInfo::default();
    data.return_data = Vec::new();
}

/// Gives the environment the instance's memory and gas meter, once it exists.
pub(super) fn attach(
    store: &mut impl AsStoreMut,
    env: &FunctionEnv<EeiEnv>,
    instance: &MeteredInstance,
) {
    let memory = instance
        .instance()
        .exports
        .get_memory("memory")
        .ok()
        .cloned();
    let data = env.as_mut(store);
    data.memory = memory;
    data.meter = Some(instance.meter().clone());
}
