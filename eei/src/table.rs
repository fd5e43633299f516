//! The EEI table: the 33 functions of module `ethereum`, with their wasm signatures and gas.
//!
//! Order and signatures follow the eWASM spec (Revision 4) and Hera's `eei_signatures`, which the
//! eWASM state tests were filled against. A contract must import these with exactly these
//! signatures; anything else is rejected by the validator before it runs.

use crate::gas;

/// The import module every contract import must come from.
pub const ETHEREUM_MODULE: &str = "ethereum";

/// The import module of rewasm's own host functions, beside `ethereum`: work the EVM does in
/// one opcode that a contract would otherwise do in wasm or through a precompile call. Only a
/// chain whose gas schedule offers it ([`HostModules::rewasm`]) accepts imports from it.
pub const REWASM_MODULE: &str = "rewasm";

/// The eWASM `debug` namespace: printing, for development. Only a dev chain (genesis
/// `devMode`, [`HostModules::debug`]) and local tools offer it; every other chain's validator
/// rejects its imports (rule `contract:import-debug`), since printing is not part of a chain.
pub const DEBUG_MODULE: &str = "debug";

/// A wasm value type as it can appear in an EEI signature. The EEI uses only integers: pointers
/// and lengths are `i32`, gas and block numbers `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WasmType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
}

/// One function of the EEI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HostFunction {
    /// The import name within [`ETHEREUM_MODULE`].
    pub name: &'static str,
    /// Parameter types, in order.
    pub params: &'static [WasmType],
    /// Result types (at most one).
    pub results: &'static [WasmType],
    /// The fixed gas charged on every call, before anything else happens: Hera's price. Under a
    /// schedule with warm and cold state access ([`crate::gas::StateAccess`]) the state
    /// functions (`storageLoad`, `storageStore`, `getExternalBalance`, `getExternalCodeSize`,
    /// `externalCodeCopy`, the four calls) charge their warm or cold price instead, after
    /// reading the key or address.
    pub base_gas: u64,
    /// The variable part of the cost, if any, in words; the host function charges it.
    pub variable_gas: Option<&'static str>,
}

use WasmType::{I32, I64};

const fn f(
    name: &'static str,
    params: &'static [WasmType],
    results: &'static [WasmType],
    base_gas: u64,
) -> HostFunction {
    HostFunction {
        name,
        params,
        results,
        base_gas,
        variable_gas: None,
    }
}

const fn var(
    name: &'static str,
    params: &'static [WasmType],
    results: &'static [WasmType],
    base_gas: u64,
    variable_gas: &'static str,
) -> HostFunction {
    HostFunction {
        name,
        params,
        results,
        base_gas,
        variable_gas: Some(variable_gas),
    }
}

const COPY_RULE: &str = "+ 3 per 32-byte word of `length` (rounded up)";
const CALL_RULE: &str = "+ 9000 if value != 0, + 25000 if value != 0 and the target does not exist, \
                         + the gas forwarded (at most all but 1/64 of what is left)";

/// Every function of the EEI, in the spec's order.
pub const EEI_FUNCTIONS: [HostFunction; 33] = [
    var(
        "useGas",
        &[I64],
        &[],
        gas::ZERO,
        "the `amount` argument; negative traps",
    ),
    f("getGasLeft", &[], &[I64], gas::BASE),
    f("getAddress", &[I32], &[], gas::BASE),
    f("getExternalBalance", &[I32, I32], &[], gas::BALANCE),
    f("getBlockHash", &[I64, I32], &[I32], gas::BLOCK_HASH),
    var(
        "call",
        &[I64, I32, I32, I32, I32],
        &[I32],
        gas::CALL,
        CALL_RULE,
    ),
    var("callDataCopy", &[I32, I32, I32], &[], gas::COPY, COPY_RULE),
    f("getCallDataSize", &[], &[I32], gas::BASE),
    var(
        "callCode",
        &[I64, I32, I32, I32, I32],
        &[I32],
        gas::CALL,
        "+ 9000 if value != 0, + the gas forwarded",
    ),
    var(
        "callDelegate",
        &[I64, I32, I32, I32],
        &[I32],
        gas::CALL,
        "+ the gas forwarded",
    ),
    var(
        "callStatic",
        &[I64, I32, I32, I32],
        &[I32],
        gas::CALL,
        "+ the gas forwarded",
    ),
    var(
        "storageStore",
        &[I32, I32],
        &[],
        gas::STORAGE_STORE_RESET,
        "20000 instead when the slot is zero and the new value is not",
    ),
    f("storageLoad", &[I32, I32], &[], gas::STORAGE_LOAD),
    f("getCaller", &[I32], &[], gas::BASE),
    f("getCallValue", &[I32], &[], gas::BASE),
    var("codeCopy", &[I32, I32, I32], &[], gas::COPY, COPY_RULE),
    f("getCodeSize", &[], &[I32], gas::BASE),
    f("getBlockCoinbase", &[I32], &[], gas::BASE),
    var(
        "create",
        &[I32, I32, I32, I32],
        &[I32],
        gas::CREATE,
        "+ all but 1/64 of the remaining gas, forwarded",
    ),
    f("getBlockDifficulty", &[I32], &[], gas::BASE),
    var(
        "externalCodeCopy",
        &[I32, I32, I32, I32],
        &[],
        gas::EXT_CODE,
        COPY_RULE,
    ),
    f("getExternalCodeSize", &[I32], &[I32], gas::EXT_CODE),
    f("getBlockGasLimit", &[], &[I64], gas::BASE),
    f("getTxGasPrice", &[I32], &[], gas::BASE),
    var(
        "log",
        &[I32, I32, I32, I32, I32, I32, I32],
        &[],
        gas::LOG,
        "+ 375 per topic + 8 per data byte",
    ),
    f("getBlockNumber", &[], &[I64], gas::BASE),
    f("getTxOrigin", &[I32], &[], gas::BASE),
    f("finish", &[I32, I32], &[], gas::ZERO),
    f("revert", &[I32, I32], &[], gas::ZERO),
    f("getReturnDataSize", &[], &[I32], gas::BASE),
    var(
        "returnDataCopy",
        &[I32, I32, I32],
        &[],
        gas::COPY,
        COPY_RULE,
    ),
    var(
        "selfDestruct",
        &[I32],
        &[],
        gas::SELF_DESTRUCT,
        "+ 25000 if the beneficiary does not exist",
    ),
    f("getBlockTimestamp", &[], &[I64], gas::BASE),
];

/// The functions of [`REWASM_MODULE`] (see `docs/REWASM-HOST.md`).
pub const REWASM_FUNCTIONS: [HostFunction; 1] = [var(
    "keccak256",
    &[I32, I32, I32],
    &[],
    gas::KECCAK256,
    "+ 6 per 32-byte word of `length` (rounded up)",
)];

/// The functions of [`DEBUG_MODULE`], with the names and signatures of the eWASM reference
/// VM's debug namespace (`crate::functions` prices them).
pub const DEBUG_FUNCTIONS: [HostFunction; 6] = [
    f("print32", &[I32], &[], gas::BASE),
    f("print64", &[I64], &[], gas::BASE),
    var("printMem", &[I32, I32], &[], gas::BASE, COPY_RULE),
    var("printMemHex", &[I32, I32], &[], gas::BASE, COPY_RULE),
    f("printStorage", &[I32], &[], gas::STORAGE_LOAD),
    f("printStorageHex", &[I32], &[], gas::STORAGE_LOAD),
];

/// The import modules beyond `ethereum` a chain offers: chain configuration, because the
/// validator rejects imports from a module the chain does not offer. `rewasm` is part of the gas
/// schedule; `debug` follows the genesis `devMode` (its own consensus setting), so it is left
/// out of the schedule's hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HostModules {
    /// [`REWASM_MODULE`] ([`REWASM_FUNCTIONS`]).
    pub rewasm: bool,
    /// [`DEBUG_MODULE`] ([`DEBUG_FUNCTIONS`]): dev chains and local tools.
    pub debug: bool,
}

impl HostModules {
    /// Only the EEI: the `default` and `ewasm-conformance` schedules.
    pub const EEI_ONLY: Self = Self {
        rewasm: false,
        debug: false,
    };
    /// Every module a contract may import on any chain that offers them: what tools that check
    /// a contract for deployment without a chain accept.
    pub const ALL: Self = Self {
        rewasm: true,
        debug: false,
    };

    /// These modules and [`DEBUG_MODULE`].
    pub const fn with_debug(self) -> Self {
        Self {
            debug: true,
            ..self
        }
    }

    /// The host function `module.name`, if the chain offers it.
    pub fn lookup(self, module: &str, name: &str) -> Option<&'static HostFunction> {
        let functions: &[HostFunction] = match module {
            ETHEREUM_MODULE => &EEI_FUNCTIONS,
            REWASM_MODULE if self.rewasm => &REWASM_FUNCTIONS,
            DEBUG_MODULE if self.debug => &DEBUG_FUNCTIONS,
            _ => return None,
        };
        functions.iter().find(|function| function.name == name)
    }

    /// Whether the chain offers `module`.
    pub fn offers(self, module: &str) -> bool {
        match module {
            ETHEREUM_MODULE => true,
            REWASM_MODULE => self.rewasm,
            DEBUG_MODULE => self.debug,
            _ => false,
        }
    }
}

/// The EEI function called `name`, if there is one. Names are case-sensitive, as wasm import
/// names are.
pub fn lookup(name: &str) -> Option<&'static HostFunction> {
    EEI_FUNCTIONS.iter().find(|function| function.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn has_33_unique_names() {
        let names: HashSet<_> = EEI_FUNCTIONS.iter().map(|function| function.name).collect();
        assert_eq!(EEI_FUNCTIONS.len(), 33);
        assert_eq!(names.len(), 33);
    }

    #[test]
    fn every_entry_is_found_by_lookup() {
        for function in &EEI_FUNCTIONS {
            assert_eq!(lookup(function.name), Some(function));
        }
        assert_eq!(lookup("print32"), None);
        assert_eq!(lookup("CALL"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn at_most_one_result() {
        assert!(
            EEI_FUNCTIONS
                .iter()
                .all(|function| function.results.len() <= 1)
        );
    }

    fn signature(name: &str) -> (&'static [WasmType], &'static [WasmType]) {
        let function = lookup(name).unwrap_or_else(|| panic!("{name} is in the table"));
        (function.params, function.results)
    }

    #[test]
    fn pinned_signatures() {
        assert_eq!(
            signature("call"),
            (&[I64, I32, I32, I32, I32][..], &[I32][..])
        );
        assert_eq!(signature("log"), (&[I32; 7][..], &[][..]));
        assert_eq!(signature("getBlockHash"), (&[I64, I32][..], &[I32][..]));
        assert_eq!(signature("create"), (&[I32, I32, I32, I32][..], &[I32][..]));
        assert_eq!(signature("storageStore"), (&[I32, I32][..], &[][..]));
        assert_eq!(signature("useGas"), (&[I64][..], &[][..]));
        assert_eq!(signature("getGasLeft"), (&[][..], &[I64][..]));
    }

    #[test]
    fn pinned_gas() {
        let base = |name| lookup(name).map(|function| function.base_gas);
        assert_eq!(base("call"), Some(700));
        assert_eq!(base("create"), Some(32_000));
        assert_eq!(base("storageStore"), Some(5_000));
        assert_eq!(base("storageLoad"), Some(200));
        assert_eq!(base("getBlockHash"), Some(800));
        assert_eq!(base("getExternalBalance"), Some(400));
        assert_eq!(base("log"), Some(375));
        assert_eq!(base("finish"), Some(0));
        assert_eq!(base("getCaller"), Some(2));
    }

    #[test]
    fn the_rewasm_module_is_offered_only_when_the_chain_does() {
        let keccak = HostModules::ALL.lookup(REWASM_MODULE, "keccak256");
        assert_eq!(
            keccak.map(|f| (f.params, f.results)),
            Some((&[I32; 3][..], &[][..]))
        );
        assert_eq!(keccak.map(|f| f.base_gas), Some(30));
        assert_eq!(
            HostModules::EEI_ONLY.lookup(REWASM_MODULE, "keccak256"),
            None
        );
        assert!(!HostModules::EEI_ONLY.offers(REWASM_MODULE));
        assert!(HostModules::EEI_ONLY.offers(ETHEREUM_MODULE));
        assert_eq!(HostModules::ALL.lookup(REWASM_MODULE, "finish"), None);
        assert_eq!(
            HostModules::EEI_ONLY.lookup(ETHEREUM_MODULE, "finish"),
            lookup("finish")
        );
    }

    #[test]
    fn the_debug_module_is_offered_only_with_it() {
        assert_ne!(DEBUG_MODULE, ETHEREUM_MODULE);
        assert!(DEBUG_FUNCTIONS.iter().all(|f| lookup(f.name).is_none()));
        assert!(!HostModules::ALL.offers(DEBUG_MODULE));
        assert_eq!(HostModules::ALL.lookup(DEBUG_MODULE, "print32"), None);
        let dev = HostModules::ALL.with_debug();
        assert!(dev.offers(DEBUG_MODULE) && dev.offers(REWASM_MODULE));
        let print = dev.lookup(DEBUG_MODULE, "printMem");
        assert_eq!(
            print.map(|f| (f.params, f.base_gas)),
            Some((&[I32, I32][..], gas::BASE))
        );
        assert_eq!(dev.lookup(DEBUG_MODULE, "finish"), None);
    }
}
