//! The `spectest` host module the core suite imports from.
//!
//! Integer members are the standard ones: `print*` functions that do nothing, `global_i32` and
//! `global_i64` = 666, a `table` of 10..20 funcrefs and a `memory` of 1..2 pages.
//!
//! Float members cannot be provided with float types without floats reaching the VM: a module
//! that imports them is float-using, so the validator rejects it and it only ever runs as its
//! float-stub rewrite ([`crate::float_stub`]), which maps `f32` to `i32` and `f64` to `i64`.
//! So the float members are provided *with the rewritten types*: `print_f32: [i32] -> []`,
//! `print_f64: [i64] -> []`, `print_i32_f32: [i32 i32] -> []`, `print_f64_f64: [i64 i64] -> []`,
//! `global_f32: i32` and `global_f64: i64` holding the bits of 666.6.

use rewasm_vm::wasmer::{
    Extern, Function, Global, Memory, MemoryType, Store, Table, TableType, Type, Value,
};

/// Why the host module could not be built.
#[derive(Debug, thiserror::Error)]
#[error("building the spectest module: {0}")]
pub struct SpectestError(String);

/// Creates the `spectest` exports in `store`.
pub fn exports(store: &mut Store) -> Result<Vec<(String, Extern)>, SpectestError> {
    let mut items: Vec<(&str, Extern)> = vec![
        ("print", Function::new_typed(store, || {}).into()),
        ("print_i32", Function::new_typed(store, |_: i32| {}).into()),
        ("print_i64", Function::new_typed(store, |_: i64| {}).into()),
        ("print_f32", Function::new_typed(store, |_: i32| {}).into()),
        ("print_f64", Function::new_typed(store, |_: i64| {}).into()),
        (
            "print_i32_f32",
            Function::new_typed(store, |_: i32, _: i32| {}).into(),
        ),
        (
            "print_f64_f64",
            Function::new_typed(store, |_: i64, _: i64| {}).into(),
        ),
        ("global_i32", Global::new(store, Value::I32(666)).into()),
        ("global_i64", Global::new(store, Value::I64(666)).into()),
        (
            "global_f32",
            Global::new(store, Value::I32(666.6f32.to_bits() as i32)).into(),
        ),
        (
            "global_f64",
            Global::new(store, Value::I64(666.6f64.to_bits() as i64)).into(),
        ),
    ];
    let table = Table::new(
        store,
        TableType::new(Type::FuncRef, 10, Some(20)),
        Value::FuncRef(None),
    )
    .map_err(|err| SpectestError(format!("table: {err}")))?;
    items.push(("table", table.into()));
    let memory = Memory::new(store, MemoryType::new(1, Some(2), false))
        .map_err(|err| SpectestError(format!("memory: {err}")))?;
    items.push(("memory", memory.into()));
    Ok(items
        .into_iter()
        .map(|(name, item)| (name.to_string(), item))
        .collect())
}
