//! wasm-smith configured to stay inside rewasm's rules, and the arguments the targets call with.
//!
//! The generator should spend its time on modules the validator accepts, so everything
//! `vm/src/validate` rejects is switched off: floats, SIMD, multi-value (rejected because wasmer
//! 5.0.6 singlepass miscompiles it), threads, exceptions, tail calls, GC, memory64, reference
//! types beyond the MVP table, table instructions, more than one memory or table, a start
//! function, and imports (the execute and differential targets have no host). Limits are kept well
//! inside [`rewasm_vm::ChainLimits::default`]. A few rejections still get through (a passive
//! element segment when bulk memory is on, an operand stack deeper than the limit); those inputs
//! are skipped.

use arbitrary::Unstructured;
use rewasm_vm::wasmer::Value;
use wasm_smith::{Config, InstructionKind, InstructionKinds};

/// Bytes per wasm page.
pub const PAGE: u64 = 65_536;

/// A configuration for modules that run without imports. `u` decides a few switches (bulk
/// memory, trap-free code) so the corpus covers both sides.
pub fn config(u: &mut Unstructured<'_>) -> arbitrary::Result<Config> {
    let mut config = Config {
        allow_floats: false,
        simd_enabled: false,
        relaxed_simd_enabled: false,
        multi_value_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        exceptions_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        memory64_enabled: false,
        reference_types_enabled: false,
        saturating_float_to_int_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        custom_page_sizes_enabled: false,
        compact_imports_enabled: false,
        sign_extension_ops_enabled: true,
        bulk_memory_enabled: u.arbitrary()?,
        disallow_traps: u.ratio(1, 4)?,
        allowed_instructions: InstructionKinds::new(&[
            InstructionKind::NumericInt,
            InstructionKind::Parametric,
            InstructionKind::Variable,
            InstructionKind::MemoryInt,
            InstructionKind::Control,
        ]),
        allow_start_export: false,
        export_everything: true,
        max_imports: 0,
        max_tags: 0,
        min_funcs: 1,
        max_funcs: 12,
        max_types: 16,
        max_globals: 16,
        max_instructions: 200,
        max_memories: 1,
        // Four pages keep the per-call memory comparison cheap; `memory.grow` can still go
        // further, up to what the gas limit pays for.
        max_memory32_bytes: 4 * PAGE,
        max_tables: 1,
        max_table_elements: 64,
        max_element_segments: 4,
        max_elements: 32,
        max_data_segments: 4,
        max_nesting_depth: 8,
        ..Config::default()
    };
    config.max_exports = 32;
    Ok(config)
}

/// A generated module's bytes, or `None` when `u` ran out before a module was complete.
pub fn module(u: &mut Unstructured<'_>) -> Option<Vec<u8>> {
    let config = config(u).ok()?;
    let module = wasm_smith::Module::new(config, u).ok()?;
    let bytes = module.to_bytes();
    // For looking at a crash: `REWASM_FUZZ_DUMP=m.wasm <fuzz binary> <input>` writes the module.
    if let Some(path) = std::env::var_os("REWASM_FUZZ_DUMP") {
        let _ = std::fs::write(path, &bytes);
    }
    Some(bytes)
}

/// Interesting integers first (boundaries of pages, signs and widths), then anything.
pub fn i32_arg(u: &mut Unstructured<'_>) -> i32 {
    const SPECIAL: [i32; 10] = [0, 1, -1, 2, 31, 32, 65_535, 65_536, i32::MIN, i32::MAX];
    match u.int_in_range(0u8..=3) {
        Ok(0) => u.choose(&SPECIAL).copied().unwrap_or(0),
        Ok(1) => u.int_in_range(0..=100).unwrap_or(0),
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// As [`i32_arg`], for i64.
pub fn i64_arg(u: &mut Unstructured<'_>) -> i64 {
    const SPECIAL: [i64; 8] = [0, 1, -1, 32, 65_536, i64::MIN, i64::MAX, 1 << 32];
    match u.int_in_range(0u8..=3) {
        Ok(0) => u.choose(&SPECIAL).copied().unwrap_or(0),
        Ok(1) => u.int_in_range(0..=100).unwrap_or(0),
        _ => u.arbitrary().unwrap_or(0),
    }
}

/// An exported function of a module: its name and its parameter and result types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportedFunc {
    pub name: String,
    pub params: Vec<ValKind>,
    pub results: Vec<ValKind>,
}

/// The integer value types the allowed modules use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValKind {
    I32,
    I64,
    /// Anything else (not produced by the configuration above; such a function is skipped).
    Other,
}

/// Arguments for `params`, drawn from `u`.
pub fn args(u: &mut Unstructured<'_>, params: &[ValKind]) -> Option<Vec<Value>> {
    params
        .iter()
        .map(|kind| match kind {
            ValKind::I32 => Some(Value::I32(i32_arg(u))),
            ValKind::I64 => Some(Value::I64(i64_arg(u))),
            ValKind::Other => None,
        })
        .collect()
}

/// The exported functions, memories and globals of `code`, in export order, read with the
/// latest wasmparser (independently of the engine). `None` if the module does not parse.
pub fn exports(code: &[u8]) -> Option<Exports> {
    use wasmparser_latest::{ExternalKind, Parser, Payload, TypeRef, ValType};
    let kind = |ty: &ValType| match ty {
        ValType::I32 => ValKind::I32,
        ValType::I64 => ValKind::I64,
        _ => ValKind::Other,
    };
    let mut types: Vec<(Vec<ValKind>, Vec<ValKind>)> = Vec::new();
    // Function index → type index, imported functions first.
    let mut funcs: Vec<u32> = Vec::new();
    let mut out = Exports::default();
    for payload in Parser::new(0).parse_all(code) {
        match payload.ok()? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty.ok()?;
                    types.push((
                        ty.params().iter().map(kind).collect(),
                        ty.results().iter().map(kind).collect(),
                    ));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if let TypeRef::Func(index) = import.ok()?.ty {
                        funcs.push(index);
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for index in reader {
                    funcs.push(index.ok()?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    out.initial_pages = out.initial_pages.max(memory.ok()?.initial);
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.ok()?;
                    let name = export.name.to_string();
                    out.names.push(name.clone());
                    match export.kind {
                        ExternalKind::Func => {
                            let ty = funcs.get(usize::try_from(export.index).ok()?)?;
                            let (params, results) = types.get(usize::try_from(*ty).ok()?)?.clone();
                            out.funcs.push(ExportedFunc {
                                name,
                                params,
                                results,
                            });
                        }
                        ExternalKind::Memory => out.memories.push(name),
                        ExternalKind::Global => out.globals.push(name),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    Some(out)
}

/// What [`exports`] found.
#[derive(Clone, Debug, Default)]
pub struct Exports {
    pub funcs: Vec<ExportedFunc>,
    pub memories: Vec<String>,
    pub globals: Vec<String>,
    /// Every export's name, whatever its kind (tables included).
    pub names: Vec<String>,
    /// The largest initial size of a defined memory, in pages (0 without one).
    pub initial_pages: u64,
}
