//! The eWASM contract shape (only under [`super::Rules::Contract`]).
//!
//! Why: the executor instantiates a contract by binding the EEI and calling `main`; anything else
//! in the module's interface is either unusable or dangerous.
//! - Imports only from `ethereum` (and from the modules beyond it the chain's schedule offers,
//!   `rewasm`), only functions, only their names, each with exactly the table's signature: a mismatched signature would fail at instantiation (after deploy gas was paid) or,
//!   worse, be coerced differently by different engines. The `debug` namespace (printing, for
//!   development) is offered by dev chains only and is named in its own rule elsewhere, because it
//!   is the one a developer is most likely to leave in.
//! - Exports exactly `main: [] -> []` and `memory`: the host reads and writes contract memory
//!   through the exported `memory`, and calls nothing but `main`. The SDK's build tool trims the
//!   rest, so an extra export means the contract was not built with it.
//! - Exactly one memory, defined by the module: an imported memory would be shared state between
//!   contracts. (More than one is already a determinism error, `multi-memory`.)
//!
//! The start function is forbidden by the determinism rules already, so it is not repeated here.

use rewasm_eei::{DEBUG_MODULE, HostFunction, HostModules, REWASM_MODULE, WasmType};
use wasmparser::{Export, ExternalKind, FuncType, Import, TypeRef, ValType};

use super::error::{ContractRule, Rule, Violation};

fn violation(rule: ContractRule, detail: String) -> Violation {
    Violation::new(Rule::Contract(rule), detail)
}

/// One import. `types` is the type section so far; an unknown type index is left to wasmparser.
/// `modules` are the modules beyond `ethereum` the chain offers.
pub(crate) fn check_import(
    import: &Import<'_>,
    types: &[FuncType],
    modules: HostModules,
) -> Result<(), Violation> {
    let (module, name) = (import.module, import.name);
    if module == DEBUG_MODULE && !modules.debug {
        let detail = format!(
            "import `{module}.{name}`: the debug namespace is for development; only dev chains \
             (genesis devMode) offer it"
        );
        return Err(violation(ContractRule::ImportDebug, detail));
    }
    if module == REWASM_MODULE && !modules.offers(module) {
        let detail = format!(
            "import `{module}.{name}`: this chain's gas schedule does not offer module `{module}`"
        );
        return Err(violation(ContractRule::ImportModule, detail));
    }
    if !modules.offers(module) {
        let detail = format!("import `{module}.{name}`: contracts import only from `ethereum`");
        return Err(violation(ContractRule::ImportModule, detail));
    }
    let TypeRef::Func(type_index) = import.ty else {
        let kind = type_ref_kind(&import.ty);
        let detail = format!("{kind} import `{module}.{name}`: contracts import only functions");
        return Err(violation(ContractRule::ImportKind, detail));
    };
    let Some(host) = modules.lookup(module, name) else {
        let detail = format!("`{module}.{name}` is not a function of module `{module}`");
        return Err(violation(ContractRule::ImportUnknown, detail));
    };
    match usize::try_from(type_index)
        .ok()
        .and_then(|index| types.get(index))
    {
        Some(ty) if !signature_matches(host, ty) => {
            let (found, expected) = (describe_wasm(ty), describe_eei(host));
            let detail = format!("`{module}.{name}` imported as {found}, the host has {expected}");
            Err(violation(ContractRule::ImportSignature, detail))
        }
        _ => Ok(()),
    }
}

fn type_ref_kind(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Func(_) => "function",
        TypeRef::Table(_) => "table",
        TypeRef::Memory(_) => "memory",
        TypeRef::Global(_) => "global",
        TypeRef::Tag(_) => "tag",
    }
}

fn external_kind(kind: ExternalKind) -> &'static str {
    match kind {
        ExternalKind::Func => "function",
        ExternalKind::Table => "table",
        ExternalKind::Memory => "memory",
        ExternalKind::Global => "global",
        ExternalKind::Tag => "tag",
    }
}

fn to_val_type(ty: WasmType) -> ValType {
    match ty {
        WasmType::I32 => ValType::I32,
        WasmType::I64 => ValType::I64,
    }
}

/// Exactly the EEI's parameters and results, in order.
fn signature_matches(host: &HostFunction, ty: &FuncType) -> bool {
    let same = |eei: &[WasmType], wasm: &[ValType]| {
        eei.len() == wasm.len() && eei.iter().zip(wasm).all(|(e, w)| to_val_type(*e) == *w)
    };
    same(host.params, ty.params()) && same(host.results, ty.results())
}

fn describe(
    params: impl Iterator<Item = ValType>,
    results: impl Iterator<Item = ValType>,
) -> String {
    let list = |types: Vec<String>| types.join(", ");
    let params = list(params.map(|ty| ty.to_string()).collect());
    let results = list(results.map(|ty| ty.to_string()).collect());
    format!("[{params}] -> [{results}]")
}

fn describe_wasm(ty: &FuncType) -> String {
    describe(ty.params().iter().copied(), ty.results().iter().copied())
}

fn describe_eei(host: &HostFunction) -> String {
    let params = host.params.iter().map(|ty| to_val_type(*ty));
    describe(params, host.results.iter().map(|ty| to_val_type(*ty)))
}

/// The exports seen so far; [`Exports::finish`] checks that both required ones were there.
#[derive(Debug, Default)]
pub(crate) struct Exports {
    main: bool,
    memory: bool,
}

impl Exports {
    /// One export. `function_type` is the type of the exported function when it is one.
    pub(crate) fn check(
        &mut self,
        export: &Export<'_>,
        function_type: Option<&FuncType>,
    ) -> Result<(), Violation> {
        let kind = external_kind(export.kind);
        match (export.name, export.kind) {
            ("main", ExternalKind::Func) => {
                self.main = true;
                check_main(function_type)
            }
            ("memory", ExternalKind::Memory) => {
                self.memory = true;
                Ok(())
            }
            ("main" | "memory", _) => {
                let detail = format!("`{}` is a {kind} export", export.name);
                Err(violation(ContractRule::Exports, detail))
            }
            (name, _) => {
                let detail = format!("extra {kind} export `{name}`: only `main` and `memory`");
                Err(violation(ContractRule::Exports, detail))
            }
        }
    }

    /// At the end of the module: one defined memory, and both exports present.
    pub(crate) fn finish(&self, defined_memories: u32) -> Result<(), Violation> {
        if defined_memories == 0 {
            let detail = "the module defines no memory".to_owned();
            return Err(violation(ContractRule::Memory, detail));
        }
        for (present, name) in [(self.main, "main"), (self.memory, "memory")] {
            if !present {
                let detail = format!("missing export `{name}`");
                return Err(violation(ContractRule::Exports, detail));
            }
        }
        Ok(())
    }
}

/// `main` takes nothing and returns nothing: input comes through `callDataCopy`, output through
/// `finish`/`revert`.
fn check_main(function_type: Option<&FuncType>) -> Result<(), Violation> {
    match function_type {
        Some(ty) if !ty.params().is_empty() || !ty.results().is_empty() => {
            let detail = format!("`main` has type {}, must be [] -> []", describe_wasm(ty));
            Err(violation(ContractRule::MainSignature, detail))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule<T>(result: Result<T, Violation>) -> Option<Rule> {
        result.err().map(|violation| violation.rule)
    }

    fn import<'a>(module: &'a str, name: &'a str, ty: TypeRef) -> Import<'a> {
        Import { module, name, ty }
    }

    #[test]
    fn imports() {
        let types = [
            FuncType::new([ValType::I32, ValType::I32], []),
            FuncType::new([ValType::I32], [ValType::I32]),
        ];
        let check = |module, name, ty| {
            rule(check_import(
                &import(module, name, ty),
                &types,
                HostModules::EEI_ONLY,
            ))
        };
        assert_eq!(check("ethereum", "finish", TypeRef::Func(0)), None);
        assert_eq!(check("ethereum", "storageStore", TypeRef::Func(0)), None);
        let signature = Some(Rule::Contract(ContractRule::ImportSignature));
        assert_eq!(check("ethereum", "finish", TypeRef::Func(1)), signature);
        let unknown = Some(Rule::Contract(ContractRule::ImportUnknown));
        assert_eq!(check("ethereum", "print32", TypeRef::Func(0)), unknown);
        let debug = Some(Rule::Contract(ContractRule::ImportDebug));
        assert_eq!(check("debug", "print32", TypeRef::Func(0)), debug);
        let module = Some(Rule::Contract(ContractRule::ImportModule));
        assert_eq!(check("env", "finish", TypeRef::Func(0)), module);
        assert_eq!(check("rewasm", "keccak256", TypeRef::Func(2)), module);
    }

    #[test]
    fn the_rewasm_module_where_the_chain_offers_it() {
        let types = [
            FuncType::new([ValType::I32; 3], []),
            FuncType::new([ValType::I32, ValType::I32], []),
        ];
        let check = |name, ty| {
            rule(check_import(
                &import("rewasm", name, ty),
                &types,
                HostModules::ALL,
            ))
        };
        assert_eq!(check("keccak256", TypeRef::Func(0)), None);
        let signature = Some(Rule::Contract(ContractRule::ImportSignature));
        assert_eq!(check("keccak256", TypeRef::Func(1)), signature);
        let unknown = Some(Rule::Contract(ContractRule::ImportUnknown));
        assert_eq!(check("sha256", TypeRef::Func(0)), unknown);
        assert_eq!(check("finish", TypeRef::Func(1)), unknown);
    }

    #[test]
    fn the_debug_module_on_dev_chains_only() {
        let types = [
            FuncType::new([ValType::I32, ValType::I32], []),
            FuncType::new([ValType::I64], []),
        ];
        let check =
            |modules, name, ty| rule(check_import(&import("debug", name, ty), &types, modules));
        let dev = HostModules::ALL.with_debug();
        assert_eq!(check(dev, "printMem", TypeRef::Func(0)), None);
        assert_eq!(check(dev, "print64", TypeRef::Func(1)), None);
        let signature = Some(Rule::Contract(ContractRule::ImportSignature));
        assert_eq!(check(dev, "print64", TypeRef::Func(0)), signature);
        let unknown = Some(Rule::Contract(ContractRule::ImportUnknown));
        assert_eq!(check(dev, "printf", TypeRef::Func(0)), unknown);
        let debug = Some(Rule::Contract(ContractRule::ImportDebug));
        assert_eq!(check(HostModules::ALL, "printMem", TypeRef::Func(0)), debug);
    }

    #[test]
    fn signature_detail_names_both_types() {
        let types = [FuncType::new([ValType::I32], [ValType::I32])];
        let error = check_import(
            &import("ethereum", "getBlockHash", TypeRef::Func(0)),
            &types,
            HostModules::EEI_ONLY,
        );
        let detail = error.err().map(|violation| violation.detail);
        let expected =
            "`ethereum.getBlockHash` imported as [i32] -> [i32], the host has [i64, i32] -> [i32]";
        assert_eq!(detail.as_deref(), Some(expected));
    }

    #[test]
    fn exports() {
        let unit = FuncType::new([], []);
        let mut exports = Exports::default();
        let export = |name, kind| Export {
            name,
            kind,
            index: 0,
        };
        assert_eq!(
            rule(exports.finish(1)),
            Some(Rule::Contract(ContractRule::Exports))
        );
        assert_eq!(
            rule(exports.check(&export("main", ExternalKind::Func), Some(&unit))),
            None
        );
        assert_eq!(
            rule(exports.check(&export("memory", ExternalKind::Memory), None)),
            None
        );
        assert_eq!(rule(exports.finish(1)), None);
        assert_eq!(
            rule(exports.finish(0)),
            Some(Rule::Contract(ContractRule::Memory))
        );
        let extra = exports.check(&export("foo", ExternalKind::Func), Some(&unit));
        assert_eq!(rule(extra), Some(Rule::Contract(ContractRule::Exports)));
        let wrong_kind = exports.check(&export("memory", ExternalKind::Global), None);
        assert_eq!(
            rule(wrong_kind),
            Some(Rule::Contract(ContractRule::Exports))
        );
        let main = FuncType::new([ValType::I32], []);
        let wrong_main = exports.check(&export("main", ExternalKind::Func), Some(&main));
        assert_eq!(
            rule(wrong_main),
            Some(Rule::Contract(ContractRule::MainSignature))
        );
    }
}
