//! Post-processing the linker's output into runtime code, init code and ABI (see the parent
//! module for the formats), with wasmparser and wasm-encoder's `Reencode`.
//!
//! The module is validated by wasmparser first, then read once into [`Parsed`]; each output is
//! written section by section in the canonical order, keeping only the functions its entry point
//! reaches and renumbering function indices everywhere they occur (calls, `ref.func`, element
//! segments, exports, start) through [`Remap`]. Type, table, memory, global and data indices never
//! change: new types and the new data segment are appended.

use std::fmt;

use wasm_encoder::Encode;

use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{
    CodeSection, CustomSection, DataCountSection, DataSection, ElementSection, EntityType,
    ExportKind, ExportSection, Function, FunctionSection, GlobalSection, ImportSection,
    Instruction, MemorySection, Module, Section, StartSection, TableSection, TypeSection, ValType,
};
use wasmparser_latest as wp;

use super::wasm_opt::{WasmOpt, WasmOptError};
use super::{ABI_SECTION, ARGS_SECTION};

/// The post-processed contract.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifacts {
    /// The runtime code (`NAME.wasm`).
    pub runtime: Vec<u8>,
    /// The init code (`NAME.deploy.wasm`), ending with the empty [`ARGS_SECTION`].
    pub deploy: Vec<u8>,
    /// The payload of [`ABI_SECTION`] (`NAME.abi.json`).
    pub abi: Vec<u8>,
    /// Whether the module exports a `deploy` constructor.
    pub has_constructor: bool,
    /// Things worth telling the user that do not stop the build.
    pub warnings: Vec<String>,
}

/// Why a module cannot be post-processed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PostprocessError {
    /// wasmparser rejects the module.
    #[error("not a valid WebAssembly module: {0}")]
    Malformed(String),
    /// No exported function `main`.
    #[error(
        "the module exports no function `main`: define `#[unsafe(no_mangle)] pub extern \"C\" fn main()` \
         (the SDK's `#[contract]` does)"
    )]
    NoMain,
    /// `main` or `deploy` has parameters or results.
    #[error("the exported `{name}` must have type (func) ([] -> []), not {found}")]
    EntrySignature {
        /// `main` or `deploy`.
        name: &'static str,
        /// The type it has.
        found: String,
    },
    /// `ethereum.finish` imported with the wrong type.
    #[error("`ethereum.finish` is imported with type {0}, not (func (param i32 i32))")]
    FinishSignature(String),
    /// No memory to export.
    #[error("the module defines no memory")]
    NoMemory,
    /// Something these transformations do not handle (and the chain would reject anyway).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// wasm-encoder could not re-encode an item.
    #[error("re-encoding the module failed: {0}")]
    Reencode(String),
    /// `wasm-opt` failed.
    #[error(transparent)]
    WasmOpt(#[from] WasmOptError),
}

type Result<T, E = PostprocessError> = std::result::Result<T, E>;

fn malformed(error: wp::BinaryReaderError) -> PostprocessError {
    PostprocessError::Malformed(error.to_string())
}

fn reencode_error<E: fmt::Display>(error: reencode::Error<E>) -> PostprocessError {
    match error {
        reencode::Error::ParseError(error) => malformed(error),
        other => PostprocessError::Reencode(other.to_string()),
    }
}

/// Post-processes the linker's output `raw` into runtime code, init code and ABI, each output
/// optimised by `wasm_opt` when given (the init code before its [`ARGS_SECTION`] is appended, so
/// that the section stays last).
pub fn postprocess(raw: &[u8], wasm_opt: Option<&WasmOpt>) -> Result<Artifacts> {
    wp::Validator::new().validate_all(raw).map_err(malformed)?;
    let parsed = Parsed::read(raw)?;
    let mut warnings = Vec::new();

    let main = parsed
        .exported_function("main")
        .ok_or(PostprocessError::NoMain)?;
    parsed.check_entry("main", main)?;
    let deploy = parsed.exported_function("deploy");
    if let Some(deploy) = deploy {
        parsed.check_entry("deploy", deploy)?;
    } else {
        warnings.push(
            "the module exports no `deploy` constructor: the init code only deploys the code"
                .to_string(),
        );
    }
    for export in &parsed.exports {
        let entry = matches!(export.name, "main" | "deploy" | "memory");
        if !entry && matches!(export.kind, wp::ExternalKind::Func) {
            warnings.push(format!(
                "export `{}` dropped: a contract exports only `main` and `memory`",
                export.name
            ));
        }
    }

    let abi = parsed
        .customs
        .iter()
        .filter(|section| section.name() == ABI_SECTION)
        .flat_map(|section| section.data().iter().copied())
        .collect::<Vec<u8>>();
    let abi = if parsed.customs.iter().any(|s| s.name() == ABI_SECTION) {
        if serde_json::from_slice::<serde_json::Value>(&abi).is_err() {
            warnings.push(format!("the `{ABI_SECTION}` section is not valid JSON"));
        }
        abi
    } else {
        warnings.push(format!(
            "no `{ABI_SECTION}` custom section (written by the SDK's #[contract]): the ABI is `[]`"
        ));
        b"[]".to_vec()
    };

    if !abi.is_empty() && parsed.data_contains(&abi)? {
        warnings.push(format!(
            "the ABI ({} bytes) is also in a data segment, so it costs code size: a `#[used]` \
             static; on wasm32 `#[link_section]` alone keeps the custom section",
            abi.len()
        ));
    }

    let mut runtime = parsed.encode(Entry::Runtime { main })?;
    if let Some(wasm_opt) = wasm_opt {
        runtime = wasm_opt.optimize(&runtime, "the runtime code")?;
    }
    let mut deploy_code = parsed.encode(Entry::Init {
        deploy,
        runtime: &runtime,
    })?;
    if let Some(wasm_opt) = wasm_opt {
        deploy_code = wasm_opt.optimize(&deploy_code, "the init code")?;
    }
    append_args_section(&mut deploy_code);
    Ok(Artifacts {
        runtime,
        deploy: deploy_code,
        abi,
        has_constructor: deploy.is_some(),
        warnings,
    })
}

/// What the encoded module's `main` is.
#[derive(Clone, Copy, Debug)]
enum Entry<'r> {
    /// The original `main` (old function index).
    Runtime { main: u32 },
    /// A new function: call `deploy` (old index), then `finish` with `runtime`.
    Init {
        deploy: Option<u32>,
        runtime: &'r [u8],
    },
}

/// The module, read once.
#[derive(Default)]
struct Parsed<'a> {
    types: Vec<wp::RecGroup>,
    /// The function type of each type index (`None` for non-function types).
    type_list: Vec<Option<wp::FuncType>>,
    imports: Vec<wp::Import<'a>>,
    /// Type index of each imported function, in order.
    imported_functions: Vec<u32>,
    /// Type index of each defined function, in order.
    functions: Vec<u32>,
    tables: Option<wp::TableSectionReader<'a>>,
    memories: Option<wp::MemorySectionReader<'a>>,
    globals: Option<wp::GlobalSectionReader<'a>>,
    exports: Vec<wp::Export<'a>>,
    start: Option<u32>,
    elements: Option<wp::ElementSectionReader<'a>>,
    data_count: Option<u32>,
    bodies: Vec<wp::FunctionBody<'a>>,
    data: Option<wp::DataSectionReader<'a>>,
    customs: Vec<wp::CustomSectionReader<'a>>,
}

impl<'a> Parsed<'a> {
    fn read(raw: &'a [u8]) -> Result<Self> {
        let mut parsed = Parsed::default();
        for payload in wp::Parser::new(0).parse_all(raw) {
            match payload.map_err(malformed)? {
                wp::Payload::Version {
                    encoding: wp::Encoding::Module,
                    ..
                } => {}
                wp::Payload::TypeSection(reader) => {
                    for group in reader {
                        let group = group.map_err(malformed)?;
                        for sub in group.types() {
                            parsed.type_list.push(match &sub.composite_type.inner {
                                wp::CompositeInnerType::Func(ty) => Some(ty.clone()),
                                _ => None,
                            });
                        }
                        parsed.types.push(group);
                    }
                }
                wp::Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import.map_err(malformed)?;
                        match import.ty {
                            wp::TypeRef::Func(ty) | wp::TypeRef::FuncExact(ty) => {
                                parsed.imported_functions.push(ty);
                            }
                            _ => {}
                        }
                        parsed.imports.push(import);
                    }
                }
                wp::Payload::FunctionSection(reader) => {
                    for ty in reader {
                        parsed.functions.push(ty.map_err(malformed)?);
                    }
                }
                wp::Payload::TableSection(reader) => parsed.tables = Some(reader),
                wp::Payload::MemorySection(reader) => parsed.memories = Some(reader),
                wp::Payload::GlobalSection(reader) => parsed.globals = Some(reader),
                wp::Payload::ExportSection(reader) => {
                    for export in reader {
                        parsed.exports.push(export.map_err(malformed)?);
                    }
                }
                wp::Payload::StartSection { func, .. } => parsed.start = Some(func),
                wp::Payload::ElementSection(reader) => parsed.elements = Some(reader),
                wp::Payload::DataCountSection { count, .. } => parsed.data_count = Some(count),
                wp::Payload::CodeSectionStart { .. } => {}
                wp::Payload::CodeSectionEntry(body) => parsed.bodies.push(body),
                wp::Payload::DataSection(reader) => parsed.data = Some(reader),
                wp::Payload::CustomSection(reader) => parsed.customs.push(reader),
                wp::Payload::End(_) => break,
                other => {
                    let what = match other.as_section() {
                        Some((id, _)) => format!("section id {id}"),
                        None => "a component".to_string(),
                    };
                    return Err(PostprocessError::Unsupported(what));
                }
            }
        }
        Ok(parsed)
    }

    fn function_count(&self) -> usize {
        self.imported_functions.len() + self.functions.len()
    }

    /// The type index of function `index` (imports first).
    fn function_type_index(&self, index: u32) -> Option<u32> {
        let index = usize::try_from(index).ok()?;
        match index.checked_sub(self.imported_functions.len()) {
            None => self.imported_functions.get(index).copied(),
            Some(defined) => self.functions.get(defined).copied(),
        }
    }

    fn func_type(&self, type_index: u32) -> Option<&wp::FuncType> {
        self.type_list
            .get(usize::try_from(type_index).ok()?)
            .and_then(Option::as_ref)
    }

    fn exported_function(&self, name: &str) -> Option<u32> {
        self.exports
            .iter()
            .find(|e| e.name == name && matches!(e.kind, wp::ExternalKind::Func))
            .map(|e| e.index)
    }

    fn check_entry(&self, name: &'static str, function: u32) -> Result<()> {
        let ty = self
            .function_type_index(function)
            .and_then(|t| self.func_type(t));
        match ty {
            Some(ty) if ty.params().is_empty() && ty.results().is_empty() => Ok(()),
            Some(ty) => Err(PostprocessError::EntrySignature {
                name,
                found: ty.to_string(),
            }),
            None => Err(PostprocessError::EntrySignature {
                name,
                found: "no function type".to_string(),
            }),
        }
    }

    /// The imported function `ethereum.finish`, as an index into the function index space.
    fn finish_import(&self) -> Option<u32> {
        let mut index = 0u32;
        for import in &self.imports {
            if let wp::TypeRef::Func(_) | wp::TypeRef::FuncExact(_) = import.ty {
                if import.module == "ethereum" && import.name == "finish" {
                    return Some(index);
                }
                index += 1;
            }
        }
        None
    }

    /// Type index of an existing plain function type `params -> results`.
    fn find_type(&self, params: &[wp::ValType], results: &[wp::ValType]) -> Option<u32> {
        // Only modules without explicit recursion groups: there, type i is the i-th group.
        if self.types.iter().any(wp::RecGroup::is_explicit_rec_group) {
            return None;
        }
        self.type_list
            .iter()
            .position(|ty| {
                ty.as_ref()
                    .is_some_and(|ty| ty.params() == params && ty.results() == results)
            })
            .and_then(|i| u32::try_from(i).ok())
    }

    /// Whether a data segment contains `bytes` (not empty).
    fn data_contains(&self, bytes: &[u8]) -> Result<bool> {
        if bytes.is_empty() {
            return Ok(false);
        }
        for segment in self.data.clone().into_iter().flatten() {
            let data = segment.map_err(malformed)?.data;
            if data.windows(bytes.len()).any(|window| window == bytes) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The functions `roots` reach, and whether any of them can reach a table's elements.
    ///
    /// Element segments are roots only when a live function reads a table or names a function
    /// by reference (`call_indirect`, `table.get`, `ref.func`, ...). Otherwise nothing can call
    /// what they list, and they are dropped: rustc's panic machinery puts `core::fmt`'s
    /// `Display` implementations there, a kilobyte of code that no contract without formatting
    /// ever runs.
    fn reachable(&self, roots: &[u32]) -> Result<Reach> {
        let mut stack = roots.to_vec();
        stack.extend(self.start);
        let mut uses_tables = false;
        if let Some(globals) = &self.globals {
            for global in globals.clone() {
                let global = global.map_err(malformed)?;
                uses_tables |=
                    referenced_functions(global.init_expr.get_operators_reader(), &mut stack)?;
            }
        }
        let mut live = vec![false; self.function_count()];
        let imported = self.imported_functions.len();
        let mut elements_pushed = false;
        loop {
            while let Some(function) = stack.pop() {
                let index = usize::try_from(function).unwrap_or(usize::MAX);
                match live.get_mut(index) {
                    Some(seen) if !*seen => *seen = true,
                    Some(_) => continue,
                    None => {
                        return Err(PostprocessError::Malformed(format!(
                            "function index {function} out of range"
                        )));
                    }
                }
                if let Some(body) = index.checked_sub(imported).and_then(|i| self.bodies.get(i)) {
                    let ops = body.get_operators_reader().map_err(malformed)?;
                    uses_tables |= referenced_functions(ops, &mut stack)?;
                }
            }
            if !uses_tables || elements_pushed {
                break;
            }
            elements_pushed = true;
            self.element_functions(&mut stack)?;
        }
        Ok(Reach {
            live,
            keep_elements: uses_tables,
        })
    }

    /// Pushes every function the element segments list.
    fn element_functions(&self, stack: &mut Vec<u32>) -> Result<()> {
        let Some(elements) = &self.elements else {
            return Ok(());
        };
        for element in elements.clone() {
            match element.map_err(malformed)?.items {
                wp::ElementItems::Functions(functions) => {
                    for function in functions {
                        stack.push(function.map_err(malformed)?);
                    }
                }
                wp::ElementItems::Expressions(_, exprs) => {
                    for expr in exprs {
                        referenced_functions(
                            expr.map_err(malformed)?.get_operators_reader(),
                            stack,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Encodes the module with `entry` as its exported `main`.
    fn encode(&self, entry: Entry<'_>) -> Result<Vec<u8>> {
        let (mut roots, init) = match entry {
            Entry::Runtime { main } => (vec![main], None),
            Entry::Init { deploy, runtime } => (deploy.into_iter().collect(), Some(runtime)),
        };
        let finish = self.finish_import();
        if let (Some(_), Some(finish)) = (init, finish) {
            roots.push(finish);
            let ty = self
                .function_type_index(finish)
                .and_then(|t| self.func_type(t));
            if !ty.is_some_and(|ty| {
                ty.params() == [wp::ValType::I32, wp::ValType::I32] && ty.results().is_empty()
            }) {
                let found = ty.map_or_else(|| "unknown".to_string(), ToString::to_string);
                return Err(PostprocessError::FinishSignature(found));
            }
        }
        let Reach {
            live,
            keep_elements,
        } = self.reachable(&roots)?;

        // Old function index -> new: kept imports first, then `ethereum.finish` if it is added,
        // then kept defined functions, then the new `main`.
        let mut map = vec![None; live.len()];
        let mut next = 0u32;
        let imported = self.imported_functions.len();
        for (slot, _) in map
            .iter_mut()
            .zip(&live)
            .take(imported)
            .filter(|(_, l)| **l)
        {
            *slot = Some(next);
            next += 1;
        }
        let added_finish = (init.is_some() && finish.is_none()).then(|| {
            next += 1;
            next - 1
        });
        for (slot, _) in map
            .iter_mut()
            .zip(&live)
            .skip(imported)
            .filter(|(_, l)| **l)
        {
            *slot = Some(next);
            next += 1;
        }
        let new_main = next;
        let mut remap = Remap { map };

        let mut module = Module::new();

        // Types: all of them, plus `[] -> []` and `[i32 i32] -> []` if the init code needs them.
        let mut types = TypeSection::new();
        for group in &self.types {
            remap
                .parse_recursive_type_group(types.ty(), group.clone())
                .map_err(reencode_error)?;
        }
        let mut type_count = u32::try_from(self.type_list.len()).unwrap_or(u32::MAX);
        let mut function_type = |params: &[wp::ValType], results: &[wp::ValType]| {
            self.find_type(params, results).unwrap_or_else(|| {
                let encode = |tys: &[wp::ValType]| {
                    tys.iter()
                        .map(|ty| match ty {
                            wp::ValType::I64 => ValType::I64,
                            _ => ValType::I32,
                        })
                        .collect::<Vec<_>>()
                };
                types.ty().function(encode(params), encode(results));
                type_count += 1;
                type_count - 1
            })
        };
        let (main_type, finish_type) = match init {
            Some(_) => (
                Some(function_type(&[], &[])),
                Some(function_type(&[wp::ValType::I32, wp::ValType::I32], &[])),
            ),
            None => (None, None),
        };
        module.section(&types);

        // Imports: the used functions, every non-function import, `ethereum.finish` if added.
        let mut imports = ImportSection::new();
        let mut function = 0usize;
        for import in &self.imports {
            if let wp::TypeRef::Func(_) | wp::TypeRef::FuncExact(_) = import.ty {
                function += 1;
                if !live.get(function - 1).copied().unwrap_or(false) {
                    continue;
                }
            }
            let ty = remap.entity_type(import.ty).map_err(reencode_error)?;
            imports.import(import.module, import.name, ty);
        }
        if let (Some(_), Some(ty)) = (added_finish, finish_type) {
            imports.import("ethereum", "finish", EntityType::Function(ty));
        }
        if !imports.is_empty() {
            module.section(&imports);
        }

        let mut functions = FunctionSection::new();
        for (i, ty) in self.functions.iter().enumerate() {
            if live
                .get(self.imported_functions.len() + i)
                .copied()
                .unwrap_or(false)
            {
                functions.function(*ty);
            }
        }
        if let Some(ty) = main_type {
            functions.function(ty);
        }
        module.section(&functions);

        if let Some(tables) = &self.tables {
            let mut section = TableSection::new();
            remap
                .parse_table_section(&mut section, tables.clone())
                .map_err(reencode_error)?;
            module.section(&section);
        }
        let Some(memories) = &self.memories else {
            return Err(PostprocessError::NoMemory);
        };
        if memories.count() == 0 {
            return Err(PostprocessError::NoMemory);
        }
        let mut section = MemorySection::new();
        remap
            .parse_memory_section(&mut section, memories.clone())
            .map_err(reencode_error)?;
        module.section(&section);
        if let Some(globals) = &self.globals {
            let mut section = GlobalSection::new();
            remap
                .parse_global_section(&mut section, globals.clone())
                .map_err(reencode_error)?;
            module.section(&section);
        }

        let main_index = match entry {
            Entry::Runtime { main } => remap.function(main)?,
            Entry::Init { .. } => new_main,
        };
        let memory = self
            .exports
            .iter()
            .find(|e| e.name == "memory" && matches!(e.kind, wp::ExternalKind::Memory))
            .map_or(0, |e| e.index);
        let mut exports = ExportSection::new();
        exports.export("main", ExportKind::Func, main_index);
        exports.export("memory", ExportKind::Memory, memory);
        module.section(&exports);

        if let Some(start) = self.start {
            module.section(&StartSection {
                function_index: remap.function(start)?,
            });
        }
        if let Some(elements) = self.elements.as_ref().filter(|_| keep_elements) {
            let mut section = ElementSection::new();
            remap
                .parse_element_section(&mut section, elements.clone())
                .map_err(reencode_error)?;
            module.section(&section);
        }

        let data_segments = self.data.as_ref().map_or(0, wp::DataSectionReader::count);
        let runtime_segment = data_segments;
        match init {
            Some(_) => {
                module.section(&DataCountSection {
                    count: data_segments + 1,
                });
            }
            None => {
                if self.data_count.is_some() {
                    module.section(&DataCountSection {
                        count: data_segments,
                    });
                }
            }
        }

        let mut code = CodeSection::new();
        for (i, body) in self.bodies.iter().enumerate() {
            if live
                .get(self.imported_functions.len() + i)
                .copied()
                .unwrap_or(false)
            {
                remap
                    .parse_function_body(&mut code, body.clone())
                    .map_err(reencode_error)?;
            }
        }
        if let Some(runtime) = init {
            let deploy = match entry {
                Entry::Init {
                    deploy: Some(deploy),
                    ..
                } => Some(remap.function(deploy)?),
                _ => None,
            };
            let finish = match (finish, added_finish) {
                (Some(finish), _) => remap.function(finish)?,
                (None, Some(added)) => added,
                (None, None) => return Err(PostprocessError::Reencode("no finish".to_string())),
            };
            code.function(&init_main(deploy, runtime, runtime_segment, finish)?);
        }
        module.section(&code);

        if self.data.is_some() || init.is_some() {
            let mut section = DataSection::new();
            if let Some(data) = &self.data {
                remap
                    .parse_data_section(&mut section, data.clone())
                    .map_err(reencode_error)?;
            }
            if let Some(runtime) = init {
                section.passive(runtime.iter().copied());
            }
            module.section(&section);
        }

        Ok(module.finish())
    }
}

/// Ends `init` with the empty [`ARGS_SECTION`] after which constructor arguments go.
fn append_args_section(init: &mut Vec<u8>) {
    let section = CustomSection {
        name: ARGS_SECTION.into(),
        data: (&[][..]).into(),
    };
    init.push(section.id());
    section.encode(init);
}

/// The init code's `main`: `deploy()`, copy the runtime to address 0 (growing memory only if it is
/// smaller than the runtime), `finish` with it. Once `deploy` has returned nothing reads memory
/// again, so overwriting it is safe; growing would cost a page's gas (30,500 by default) for
/// nothing.
fn init_main(deploy: Option<u32>, runtime: &[u8], segment: u32, finish: u32) -> Result<Function> {
    let too_large = || PostprocessError::Unsupported("runtime code over 2 GiB".to_string());
    let len = i32::try_from(runtime.len()).map_err(|_| too_large())?;
    let pages = i32::try_from(runtime.len().div_ceil(64 * 1024)).map_err(|_| too_large())?;
    let mut f = Function::new([]);
    if let Some(deploy) = deploy {
        f.instruction(&Instruction::Call(deploy));
    }
    // if memory.size < pages { if memory.grow(pages - memory.size) == -1 { unreachable } }
    f.instruction(&Instruction::MemorySize(0))
        .instruction(&Instruction::I32Const(pages))
        .instruction(&Instruction::I32LtU)
        .instruction(&Instruction::If(wasm_encoder::BlockType::Empty))
        .instruction(&Instruction::I32Const(pages))
        .instruction(&Instruction::MemorySize(0))
        .instruction(&Instruction::I32Sub)
        .instruction(&Instruction::MemoryGrow(0))
        .instruction(&Instruction::I32Const(-1))
        .instruction(&Instruction::I32Eq)
        .instruction(&Instruction::If(wasm_encoder::BlockType::Empty))
        .instruction(&Instruction::Unreachable)
        .instruction(&Instruction::End)
        .instruction(&Instruction::End);
    // memory.init(0, 0, len); data.drop; finish(0, len)
    f.instruction(&Instruction::I32Const(0))
        .instruction(&Instruction::I32Const(0))
        .instruction(&Instruction::I32Const(len))
        .instruction(&Instruction::MemoryInit {
            mem: 0,
            data_index: segment,
        })
        .instruction(&Instruction::DataDrop(segment))
        .instruction(&Instruction::I32Const(0))
        .instruction(&Instruction::I32Const(len))
        .instruction(&Instruction::Call(finish))
        .instruction(&Instruction::End);
    Ok(f)
}

/// What [`Parsed::reachable`] found.
struct Reach {
    /// Per function index: whether it is kept.
    live: Vec<bool>,
    /// Whether a kept function can reach a table's elements, so the element segments stay.
    keep_elements: bool,
}

/// Pushes every function a constant expression or body refers to (`call`, `return_call`,
/// `ref.func`), and says whether it reads a table or takes a function reference.
fn referenced_functions(mut ops: wp::OperatorsReader<'_>, out: &mut Vec<u32>) -> Result<bool> {
    let mut uses_tables = false;
    while !ops.eof() {
        match ops.read().map_err(malformed)? {
            wp::Operator::Call { function_index } | wp::Operator::ReturnCall { function_index } => {
                out.push(function_index);
            }
            wp::Operator::RefFunc { function_index } => {
                out.push(function_index);
                uses_tables = true;
            }
            // `elem.drop` names a segment, so the segments must stay; `table.set/grow/fill/size`
            // can only store or count references something else made.
            wp::Operator::CallIndirect { .. }
            | wp::Operator::ReturnCallIndirect { .. }
            | wp::Operator::TableGet { .. }
            | wp::Operator::TableInit { .. }
            | wp::Operator::TableCopy { .. }
            | wp::Operator::ElemDrop { .. } => uses_tables = true,
            _ => {}
        }
    }
    Ok(uses_tables)
}

/// A function removed although something refers to it (a bug in [`Parsed::reachable`]).
#[derive(Debug)]
struct Unmapped(u32);

impl fmt::Display for Unmapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "function {} was removed but is still referenced", self.0)
    }
}

/// Renumbers function indices; everything else is re-encoded unchanged.
struct Remap {
    map: Vec<Option<u32>>,
}

impl Remap {
    fn function(&mut self, old: u32) -> Result<u32> {
        self.function_index(old).map_err(reencode_error)
    }
}

impl Reencode for Remap {
    type Error = Unmapped;

    fn function_index(&mut self, func: u32) -> Result<u32, reencode::Error<Unmapped>> {
        usize::try_from(func)
            .ok()
            .and_then(|i| self.map.get(i).copied().flatten())
            .ok_or(reencode::Error::UserError(Unmapped(func)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    /// A linker-like module: an unused import, a constructor, a helper only the constructor
    /// uses, a table entry, a global export, the ABI and a name section.
    const CONTRACT: &str = r#"(module
      (import "ethereum" "getCallDataSize" (func $size (result i32)))
      (import "ethereum" "storageStore" (func $store (param i32 i32)))
      (import "ethereum" "revert" (func $revert (param i32 i32)))
      (memory (export "memory") 1)
      (global $sp (mut i32) (i32.const 1024))
      (global (export "__data_end") i32 (i32.const 2048))
      (table 2 2 funcref)
      (elem (i32.const 1) $indirect)
      (data (i32.const 1024) "hello")
      (func $indirect)
      (func $helper (i32.store (i32.const 32) (call $size)))
      (func (export "deploy") (call $helper) (call $store (i32.const 0) (i32.const 32)))
      (func (export "main") (call_indirect (i32.const 1)) (call $revert (i32.const 1024) (i32.const 5)))
      (@custom "rewasm.abi" "[{\"type\":\"constructor\"}]")
    )"#;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).unwrap()
    }

    fn exports(code: &[u8]) -> Vec<String> {
        let parsed = Parsed::read(code).unwrap();
        parsed.exports.iter().map(|e| e.name.to_string()).collect()
    }

    fn imports(code: &[u8]) -> Vec<String> {
        let parsed = Parsed::read(code).unwrap();
        parsed.imports.iter().map(|i| i.name.to_string()).collect()
    }

    #[test]
    fn runtime_keeps_main_and_what_it_reaches() {
        let out = postprocess(&wat(CONTRACT), None).unwrap();
        wp::Validator::new().validate_all(&out.runtime).unwrap();
        assert_eq!(exports(&out.runtime), ["main", "memory"]);
        assert_eq!(imports(&out.runtime), ["revert"]);
        let parsed = Parsed::read(&out.runtime).unwrap();
        assert!(parsed.customs.is_empty());
        // main and the table's function (main has a `call_indirect`); deploy and helper are gone.
        assert_eq!(parsed.bodies.len(), 2);
        assert!(parsed.elements.is_some());
        assert_eq!(out.abi, br#"[{"type":"constructor"}]"#);
        assert!(out.has_constructor);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }

    #[test]
    fn init_code_calls_deploy_then_finishes_with_the_runtime() {
        let out = postprocess(&wat(CONTRACT), None).unwrap();
        wp::Validator::new().validate_all(&out.deploy).unwrap();
        assert_eq!(exports(&out.deploy), ["main", "memory"]);
        // `finish` added after the kept imports.
        assert_eq!(
            imports(&out.deploy),
            ["getCallDataSize", "storageStore", "finish"]
        );
        let parsed = Parsed::read(&out.deploy).unwrap();
        // Nothing `deploy` reaches reads the table: the element segment and `$indirect` go.
        assert!(parsed.elements.is_none());
        assert_eq!(parsed.bodies.len(), 3);
        assert_eq!(parsed.data_count, Some(2));
        let data: Vec<_> = parsed.data.clone().unwrap().into_iter().collect();
        assert_eq!(data.len(), 2);
        let runtime = data[1].as_ref().unwrap();
        assert!(matches!(runtime.kind, wp::DataKind::Passive));
        assert_eq!(runtime.data, &out.runtime[..]);
        // Ends with the empty args section.
        let mut tail = vec![0u8, 12, 11];
        tail.extend_from_slice(b"rewasm.args");
        assert!(out.deploy.ends_with(&tail));
        assert_eq!(
            rewasm_executor::split_init_code(&out.deploy),
            (&out.deploy[..], &[][..])
        );
    }

    #[test]
    fn an_existing_finish_import_is_reused_and_no_deploy_is_fine() {
        let text = r#"(module
          (import "ethereum" "finish" (func $finish (param i32 i32)))
          (memory (export "memory") 1)
          (func (export "main") (call $finish (i32.const 0) (i32.const 0))))"#;
        let out = postprocess(&wat(text), None).unwrap();
        assert!(!out.has_constructor);
        assert_eq!(out.abi, b"[]");
        assert_eq!(out.warnings.len(), 2, "{:?}", out.warnings);
        wp::Validator::new().validate_all(&out.deploy).unwrap();
        assert_eq!(imports(&out.deploy), ["finish"]);
        // The init code does not need the original main.
        assert_eq!(Parsed::read(&out.deploy).unwrap().bodies.len(), 1);
    }

    /// Runs `init` as a create; the deployed code.
    fn deploy(init: &[u8]) -> Vec<u8> {
        use rewasm_executor::{InMemoryState, Transaction, execute_transaction};
        let engine = rewasm_vm::Engine::new(rewasm_vm::VmConfig::default()).unwrap();
        let mut state = InMemoryState::default();
        let block = rewasm_eei::BlockInfo {
            gas_limit: 10_000_000,
            ..Default::default()
        };
        let tx = Transaction {
            gas_limit: 10_000_000,
            data: init.to_vec(),
            ..Transaction::default()
        };
        let receipt = execute_transaction(&engine, &mut state, &block, &|_| Ok(None), &tx).unwrap();
        assert_eq!(
            receipt.status,
            rewasm_eei::CallStatus::Success,
            "{:?}",
            receipt.failure
        );
        let address = receipt.contract_address.unwrap();
        state.accounts[&address].basic.code.to_vec()
    }

    /// Needs binaryen's `wasm-opt` (scripts/setup.sh installs it), as `rewasm build` does.
    #[test]
    fn wasm_opt_shrinks_both_outputs_and_the_args_section_stays_last() {
        let wasm_opt = WasmOpt::find().unwrap();
        let plain = postprocess(&wat(CONTRACT), None).unwrap();
        let out = postprocess(&wat(CONTRACT), Some(&wasm_opt)).unwrap();
        wp::Validator::new().validate_all(&out.runtime).unwrap();
        wp::Validator::new().validate_all(&out.deploy).unwrap();
        assert!(out.runtime.len() < plain.runtime.len());
        assert!(out.deploy.len() < plain.deploy.len());
        assert_eq!(exports(&out.runtime), ["main", "memory"]);
        assert_eq!(exports(&out.deploy), ["main", "memory"]);
        assert_eq!(
            rewasm_executor::split_init_code(&out.deploy),
            (&out.deploy[..], &[][..])
        );
        assert_eq!(deploy(&out.deploy), out.runtime);
    }

    #[test]
    fn init_code_returns_the_runtime_growing_memory_only_when_needed() {
        for pages in [0, 1, 3] {
            let text = format!(
                r#"(module
                  (import "ethereum" "getCallDataSize" (func $size (result i32)))
                  (memory (export "memory") {pages})
                  (func (export "deploy") (drop (call $size)))
                  (func (export "main")))"#
            );
            let out = postprocess(&wat(&text), None).unwrap();
            assert_eq!(deploy(&out.deploy), out.runtime, "{pages} pages");
        }
    }

    #[test]
    fn bad_modules_are_typed_errors() {
        assert!(matches!(
            postprocess(b"not wasm", None),
            Err(PostprocessError::Malformed(_))
        ));
        assert_eq!(
            postprocess(&wat("(module (memory 1))"), None),
            Err(PostprocessError::NoMain)
        );
        assert!(matches!(
            postprocess(
                &wat("(module (memory 1) (func (export \"main\") (param i32)))"),
                None
            ),
            Err(PostprocessError::EntrySignature { name: "main", .. })
        ));
        assert_eq!(
            postprocess(&wat("(module (func (export \"main\")))"), None),
            Err(PostprocessError::NoMemory)
        );
        assert!(matches!(
            postprocess(
                &wat(r#"(module (import "ethereum" "finish" (func (param i32)))
                   (memory 1) (func (export "main")))"#),
                None
            ),
            Err(PostprocessError::FinishSignature(_))
        ));
    }
}
