//! `validate`: arbitrary bytes into the validator.
//!
//! - Validation never panics, under either rule set.
//! - A module accepted as a contract is also accepted under the determinism rules alone (the
//!   contract shape only adds rules).
//! - An accepted module is valid for an independent validator: the latest wasmparser with only
//!   the features rewasm allows and floats switched off. (rewasm rejects more — limits, table
//!   mutation, a start function — but must never accept what the reference rejects.)
//! - An accepted module compiles (singlepass plus the instrumentation), and instantiates with
//!   imports of exactly the declared types; the only instantiation failure allowed is the one
//!   the WebAssembly specification defines at that point: an active segment out of bounds.

use rewasm_vm::wasmer::{
    ExternType, Function, Global, Imports, Memory, RuntimeError, Store, Table, Type, Value,
};
use rewasm_vm::{ChainLimits, CompileError, Engine, MeteredInstance, Rules, validate};

/// The features rewasm allows, for the reference validator, floats off.
fn reference_features() -> wasmparser_latest::WasmFeatures {
    use wasmparser_latest::WasmFeatures as F;
    F::MUTABLE_GLOBAL | F::SIGN_EXTENSION | F::BULK_MEMORY | F::REFERENCE_TYPES | F::GC_TYPES
}

/// Runs one fuzz input: the bytes themselves when the first byte is even (every wasm binary
/// starts with `0x00`, so a real module replays as itself), otherwise a module wasm-smith
/// builds from the rest under an arbitrary configuration — floats, SIMD, threads and all — so
/// that every rejection rule meets well-formed modules too.
pub fn check(data: &[u8]) {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => {
            let mut u = arbitrary::Unstructured::new(rest);
            let Ok(config) = u.arbitrary::<wasm_smith::Config>() else {
                return;
            };
            if let Ok(module) = wasm_smith::Module::new(config, &mut u) {
                check_bytes(&module.to_bytes());
            }
        }
        _ => check_bytes(data),
    }
}

/// The properties above, for one binary.
pub fn check_bytes(data: &[u8]) {
    let limits = ChainLimits::default();
    let contract = validate(data, &limits, Rules::Contract);
    let determinism = validate(data, &limits, Rules::Determinism);
    if contract.is_ok() {
        assert!(
            determinism.is_ok(),
            "accepted as a contract but rejected by the determinism rules: {determinism:?}"
        );
    }
    if determinism.is_err() {
        return;
    }
    let mut reference = wasmparser_latest::Validator::new_with_features(reference_features());
    if let Err(err) = reference.validate_all(data) {
        panic!("rewasm accepts a module the reference validator rejects: {err}");
    }
    crate::engine::with_engine(|engine| compile_and_instantiate(engine, data));
}

fn compile_and_instantiate(engine: &Engine, data: &[u8]) {
    let module = match engine.compile(data, Rules::Determinism) {
        Ok(module) => module,
        Err(CompileError::Invalid(err)) => panic!("validate accepted, compile rejects: {err}"),
        Err(CompileError::Compile(err)) => {
            panic!("a module the validator accepted failed to compile: {err}")
        }
    };
    let mut store = module.new_store();
    let Some(imports) = dummy_imports(&mut store, &module.module) else {
        return;
    };
    if let Err(err) = MeteredInstance::new(&mut store, &module, &imports) {
        let message = err.to_string();
        // Active data and element segments are bounds-checked at instantiation by the
        // specification; the validator cannot know imported offsets and does not check
        // constant ones.
        assert!(
            message.contains("out of bounds"),
            "an accepted module failed to instantiate: {message}"
        );
    }
}

/// Imports of exactly the declared types: functions that trap, zero globals, fresh memories
/// and tables. `None` when one cannot be made (e.g. an imported memory above the engine's
/// ceiling), which is then not a property of the module.
fn dummy_imports(store: &mut Store, module: &rewasm_vm::wasmer::Module) -> Option<Imports> {
    let mut imports = Imports::new();
    let mut names = std::collections::HashSet::new();
    for import in module.imports() {
        // Two imports may share a module and a name with different types; one `Imports` map
        // cannot hold both, and no real host would provide them.
        if !names.insert((import.module().to_string(), import.name().to_string())) {
            return None;
        }
        let external: rewasm_vm::wasmer::Extern = match import.ty() {
            ExternType::Function(ty) => {
                Function::new(store, ty, |_| Err(RuntimeError::new("dummy import called"))).into()
            }
            ExternType::Global(ty) => {
                let value = zero(ty.ty)?;
                match ty.mutability {
                    rewasm_vm::wasmer::Mutability::Var => Global::new_mut(store, value),
                    rewasm_vm::wasmer::Mutability::Const => Global::new(store, value),
                }
                .into()
            }
            ExternType::Memory(ty) => Memory::new(store, *ty).ok()?.into(),
            ExternType::Table(ty) => Table::new(store, *ty, zero(ty.ty)?).ok()?.into(),
        };
        imports.define(import.module(), import.name(), external);
    }
    Some(imports)
}

fn zero(ty: Type) -> Option<Value> {
    Some(match ty {
        Type::I32 => Value::I32(0),
        Type::I64 => Value::I64(0),
        Type::FuncRef => Value::FuncRef(None),
        Type::ExternRef => Value::ExternRef(None),
        _ => return None,
    })
}
