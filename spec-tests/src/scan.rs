//! An independent scan for floats and SIMD, with wasmparser 0.263 (not the validator's 0.216).
//!
//! Why a second opinion: the conformance claim is that rewasm's validator rejects every module
//! that uses a float or SIMD *anywhere* (types, locals, globals, block types, constant
//! expressions, instructions). If the runner trusted the validator's own verdict it could never
//! catch a float the validator missed. So every module the suite expects to be valid is scanned
//! here too, with a different parser version and code written without looking at the validator's.
//!
//! The scan also works out which functions the float-stub rewrite ([`crate::float_stub`]) must
//! replace: a function is *float-using* when its type, its locals or its body mention a float,
//! or when it calls (transitively) a float-using function. `call_indirect` is treated
//! conservatively: it counts as a call to a float-using function when any function the module
//! puts into a table (element segments, `ref.func`) is float-using, or when the module's table
//! is imported (its contents come from elsewhere).

use std::collections::{BTreeMap, BTreeSet};

use wasmparser_latest as wp;
use wp::{
    BlockType, CompositeInnerType, ElementItems, ElementKind, Operator, Payload, TypeRef, ValType,
};

/// What an export is, as far as the runner cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A function export.
    Function,
    /// A global export.
    Global,
}

/// What the scan found in one module.
#[derive(Clone, Debug, Default)]
pub struct ModuleScan {
    /// The first float use found (e.g. `F32Add in function 3`), if any.
    pub float_use: Option<String>,
    /// The first SIMD use found, if any.
    pub simd_use: Option<String>,
    /// Number of imported functions (defined functions are numbered after them).
    pub imported_functions: u32,
    /// Absolute indexes of the float-using functions, transitive callers included.
    pub float_functions: BTreeSet<u32>,
    /// Exports that are float-using functions or float-typed globals.
    pub float_exports: BTreeMap<String, ExportKind>,
    /// Module names this module imports from.
    pub import_modules: BTreeSet<String>,
    /// Module names this module imports a table from.
    pub table_imports: BTreeSet<String>,
    /// Module names this module imports a memory, table or global from (state it shares).
    pub state_imports: BTreeSet<String>,
    /// Module names whose shared state instantiating this module writes: imported memories
    /// with active data segments, imported tables with active element segments, and every
    /// imported memory, table or global when there is a start function.
    pub writes_on_instantiation: BTreeSet<String>,
    /// Whether the module has active element segments.
    pub active_elements: bool,
    /// What each function export may read and write, directly or through calls. Skipping a
    /// call that writes leaves the module in another state than the script assumes, for
    /// every later call that reads what it writes.
    pub export_effects: BTreeMap<String, Effects>,
    /// Global exports, by name, with their index in the module's global index space.
    pub global_exports: BTreeMap<String, u32>,
    /// The memory's maximum in pages: `None` without a memory, `Some(None)` when unbounded.
    pub memory_maximum: Option<Option<u64>>,
}

impl ModuleScan {
    /// Whether the module uses a float anywhere.
    pub fn uses_float(&self) -> bool {
        self.float_use.is_some()
    }

    /// Whether the module uses SIMD anywhere.
    pub fn uses_simd(&self) -> bool {
        self.simd_use.is_some()
    }
}

/// The module is not valid WebAssembly (by wasmparser 0.263 with its default features).
#[derive(Debug, thiserror::Error)]
#[error("not a valid module for wasmparser 0.263: {0}")]
pub struct ScanError(String);

impl From<wp::BinaryReaderError> for ScanError {
    fn from(err: wp::BinaryReaderError) -> Self {
        ScanError(format!("{} (at offset {:#x})", err.message(), err.offset()))
    }
}

/// Whether a value type is a float, a SIMD vector, or neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Mentions {
    float: bool,
    simd: bool,
}

impl Mentions {
    fn of(ty: ValType) -> Self {
        match ty {
            ValType::F32 | ValType::F64 => Self {
                float: true,
                simd: false,
            },
            ValType::V128 => Self {
                float: false,
                simd: true,
            },
            ValType::I32 | ValType::I64 | ValType::Ref(_) => Self::default(),
        }
    }

    fn of_all(types: impl IntoIterator<Item = ValType>) -> Self {
        types
            .into_iter()
            .fold(Self::default(), |acc, ty| acc.or(Self::of(ty)))
    }

    fn or(self, other: Self) -> Self {
        Self {
            float: self.float || other.float,
            simd: self.simd || other.simd,
        }
    }
}

macro_rules! define_operator_info {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// The proposal an operator belongs to and its name, from wasmparser's own operator list.
        fn operator_info(op: &Operator<'_>) -> (&'static str, &'static str) {
            match op {
                $( Operator::$op { .. } => (stringify!($proposal), stringify!($op)), )*
                #[allow(unreachable_patterns)]
                _ => ("unknown", "unknown"),
            }
        }
    };
}
wp::for_each_operator!(define_operator_info);

/// Whether an operator is a float instruction or a SIMD instruction by itself (not counting
/// the types its immediates refer to).
fn operator_mentions(op: &Operator<'_>) -> (Mentions, &'static str) {
    let (proposal, name) = operator_info(op);
    let simd = matches!(proposal, "simd" | "relaxed_simd");
    let float = !simd && (name.contains("F32") || name.contains("F64"));
    (Mentions { float, simd }, name)
}

/// A piece of instance state a function can read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    /// The memory (its bytes and size) and its data segments.
    Memory,
    /// The table and its element segments.
    Table,
    /// One global, by index.
    Global(u32),
    /// Anything, including other modules' state (calls to imports, unknown code).
    All,
}

/// What a function may read and write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// State the function's result or traps may depend on.
    pub reads: BTreeSet<Resource>,
    /// State the function may change.
    pub writes: BTreeSet<Resource>,
}

impl Effects {
    /// Everything: what a call to unknown code may do.
    pub fn all() -> Self {
        Self {
            reads: BTreeSet::from([Resource::All]),
            writes: BTreeSet::from([Resource::All]),
        }
    }

    fn absorb(&mut self, other: &Effects) -> bool {
        let before = (self.reads.len(), self.writes.len());
        self.reads.extend(other.reads.iter().copied());
        self.writes.extend(other.writes.iter().copied());
        before != (self.reads.len(), self.writes.len())
    }
}

/// Whether two sets of resources overlap (`All` overlaps anything).
pub fn overlaps(a: &BTreeSet<Resource>, b: &BTreeSet<Resource>) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a.contains(&Resource::All) || b.contains(&Resource::All) || a.iter().any(|r| b.contains(r))
}

/// What one operator reads and writes by itself.
fn operator_effects(op: &Operator<'_>, name: &str, effects: &mut Effects) {
    match op {
        Operator::GlobalGet { global_index } => {
            effects.reads.insert(Resource::Global(*global_index));
        }
        Operator::GlobalSet { global_index } => {
            effects.writes.insert(Resource::Global(*global_index));
        }
        Operator::CallIndirect { .. } | Operator::ReturnCallIndirect { .. } => {
            effects.reads.insert(Resource::Table);
        }
        _ => {}
    }
    let memory = name.contains("Load")
        || name.contains("Store")
        || name.contains("Atomic")
        || name.starts_with("Memory")
        || name == "DataDrop";
    if memory {
        effects.reads.insert(Resource::Memory);
        let writes = name.contains("Store")
            || name.contains("Atomic")
            || matches!(
                name,
                "MemoryGrow"
                    | "MemoryFill"
                    | "MemoryCopy"
                    | "MemoryInit"
                    | "MemoryDiscard"
                    | "DataDrop"
            );
        if writes {
            effects.writes.insert(Resource::Memory);
        }
    }
    if name.starts_with("Table") || name == "ElemDrop" {
        effects.reads.insert(Resource::Table);
        if !matches!(name, "TableGet" | "TableSize") {
            effects.writes.insert(Resource::Table);
        }
    }
}

/// What one function body does, before the transitive closure.
#[derive(Debug, Default)]
struct Body {
    mentions: Mentions,
    /// Reads and writes by itself (not counting calls).
    effects: Effects,
    calls: BTreeSet<u32>,
    call_indirect: bool,
}

#[derive(Debug, Default)]
struct Scanner {
    types: Vec<Mentions>,
    /// Type index of every function, imports first.
    function_types: Vec<u32>,
    /// Whether every global (imports first) is float- or SIMD-typed.
    globals: Vec<Mentions>,
    table_imported: bool,
    memory_imports: BTreeSet<String>,
    active_data: bool,
    start: bool,
    /// Imported functions from a module other than `spectest` (whose functions do nothing).
    foreign_functions: BTreeSet<u32>,
    /// Functions that can end up in a table (element segments, `ref.func`).
    referenced: BTreeSet<u32>,
    bodies: Vec<Body>,
    exports: Vec<(String, wp::ExternalKind, u32)>,
    result: ModuleScan,
}

/// Scans `bytes`; fails if the module is not valid WebAssembly.
pub fn scan(bytes: &[u8]) -> Result<ModuleScan, ScanError> {
    wp::Validator::new_with_features(wp::WasmFeatures::default()).validate_all(bytes)?;
    let mut scanner = Scanner::default();
    for payload in wp::Parser::new(0).parse_all(bytes) {
        scanner.payload(payload?)?;
    }
    Ok(scanner.finish())
}

impl Scanner {
    fn note(&mut self, mentions: Mentions, what: impl Fn() -> String) {
        if mentions.float && self.result.float_use.is_none() {
            self.result.float_use = Some(what());
        }
        if mentions.simd && self.result.simd_use.is_none() {
            self.result.simd_use = Some(what());
        }
    }

    fn type_mentions(&self, index: u32) -> Mentions {
        self.types.get(index as usize).copied().unwrap_or_default()
    }

    fn function_mentions(&self, function: u32) -> Mentions {
        match self.function_types.get(function as usize) {
            Some(&ty) => self.type_mentions(ty),
            None => Mentions::default(),
        }
    }

    fn block_mentions(&self, ty: BlockType) -> Mentions {
        match ty {
            BlockType::Empty => Mentions::default(),
            BlockType::Type(ty) => Mentions::of(ty),
            BlockType::FuncType(index) => self.type_mentions(index),
        }
    }

    fn payload(&mut self, payload: Payload<'_>) -> Result<(), ScanError> {
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.into_types() {
                        let mentions = match &sub.composite_type.inner {
                            CompositeInnerType::Func(ty) => {
                                Mentions::of_all(ty.params().iter().chain(ty.results()).copied())
                            }
                            CompositeInnerType::Array(array) => {
                                storage_mentions(array.0.element_type)
                            }
                            CompositeInnerType::Struct(fields) => {
                                fields.fields.iter().fold(Mentions::default(), |acc, f| {
                                    acc.or(storage_mentions(f.element_type))
                                })
                            }
                            CompositeInnerType::Cont(_) => Mentions::default(),
                        };
                        let index = self.types.len();
                        self.note(mentions, || format!("type {index}"));
                        self.types.push(mentions);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    self.result.import_modules.insert(import.module.to_string());
                    match import.ty {
                        TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                            if import.module != "spectest" {
                                self.foreign_functions
                                    .insert(self.result.imported_functions);
                            }
                            self.function_types.push(ty);
                            self.result.imported_functions += 1;
                        }
                        TypeRef::Global(ty) => {
                            let mentions = Mentions::of(ty.content_type);
                            self.note(mentions, || {
                                format!("imported global {}.{}", import.module, import.name)
                            });
                            self.globals.push(mentions);
                        }
                        TypeRef::Table(_) => {
                            self.table_imported = true;
                            self.result.table_imports.insert(import.module.to_string());
                        }
                        TypeRef::Memory(memory) => {
                            self.memory_imports.insert(import.module.to_string());
                            self.result.memory_maximum.get_or_insert(memory.maximum);
                        }
                        TypeRef::Tag(_) => {}
                    }
                    if matches!(
                        import.ty,
                        TypeRef::Table(_) | TypeRef::Memory(_) | TypeRef::Global(_)
                    ) {
                        self.result.state_imports.insert(import.module.to_string());
                    }
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    self.function_types.push(ty?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory?;
                    self.result.memory_maximum.get_or_insert(memory.maximum);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    if let wp::TableInit::Expr(expr) = table?.init {
                        self.const_expr(&expr, "table initializer")?;
                    }
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    let index = self.globals.len();
                    let mentions = Mentions::of(global.ty.content_type);
                    self.note(mentions, || format!("global {index}"));
                    self.globals.push(mentions);
                    self.const_expr(&global.init_expr, "global initializer")?;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    self.exports
                        .push((export.name.to_string(), export.kind, export.index));
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    let element = element?;
                    if let ElementKind::Active { offset_expr, .. } = &element.kind {
                        self.result.active_elements = true;
                        self.const_expr(offset_expr, "element offset")?;
                    }
                    match element.items {
                        ElementItems::Functions(functions) => {
                            for function in functions {
                                self.referenced.insert(function?);
                            }
                        }
                        ElementItems::Expressions(_, exprs) => {
                            for expr in exprs {
                                self.const_expr(&expr?, "element item")?;
                            }
                        }
                    }
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    if let wp::DataKind::Active { offset_expr, .. } = data?.kind {
                        self.active_data = true;
                        self.const_expr(&offset_expr, "data offset")?;
                    }
                }
            }
            Payload::StartSection { .. } => self.start = true,
            Payload::CodeSectionEntry(body) => self.body(&body)?,
            _ => {}
        }
        Ok(())
    }

    /// Scans a constant expression (initializers and offsets); `ref.func` marks its target as
    /// possibly reachable through a table.
    fn const_expr(&mut self, expr: &wp::ConstExpr<'_>, what: &str) -> Result<(), ScanError> {
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = reader.read()?;
            let (mut mentions, name) = operator_mentions(&op);
            match op {
                Operator::GlobalGet { global_index } => {
                    mentions = mentions.or(self
                        .globals
                        .get(global_index as usize)
                        .copied()
                        .unwrap_or_default());
                }
                Operator::RefFunc { function_index } => {
                    self.referenced.insert(function_index);
                }
                _ => {}
            }
            self.note(mentions, || format!("{name} in {what}"));
        }
        Ok(())
    }

    fn body(&mut self, body: &wp::FunctionBody<'_>) -> Result<(), ScanError> {
        let index = self.result.imported_functions as usize + self.bodies.len();
        let function = u32::try_from(index).unwrap_or(u32::MAX);
        let mut info = Body::default();
        let signature = self.function_mentions(function);
        info.mentions = signature;
        for local in body.get_locals_reader()? {
            let (_, ty) = local?;
            let mentions = Mentions::of(ty);
            self.note(mentions, || format!("local of function {function}"));
            info.mentions = info.mentions.or(mentions);
        }
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            let (mut mentions, name) = operator_mentions(&op);
            match &op {
                Operator::Block { blockty }
                | Operator::Loop { blockty }
                | Operator::If { blockty } => {
                    mentions = mentions.or(self.block_mentions(*blockty));
                }
                Operator::TryTable { try_table } => {
                    mentions = mentions.or(self.block_mentions(try_table.ty));
                }
                Operator::TypedSelect { ty } => mentions = mentions.or(Mentions::of(*ty)),
                Operator::TypedSelectMulti { tys } => {
                    mentions = mentions.or(Mentions::of_all(tys.iter().copied()));
                }
                Operator::Call { function_index } | Operator::ReturnCall { function_index } => {
                    mentions = mentions.or(self.function_mentions(*function_index));
                    info.calls.insert(*function_index);
                }
                Operator::CallIndirect { type_index, .. }
                | Operator::ReturnCallIndirect { type_index, .. } => {
                    mentions = mentions.or(self.type_mentions(*type_index));
                    info.call_indirect = true;
                }
                Operator::GlobalGet { global_index } | Operator::GlobalSet { global_index } => {
                    mentions = mentions.or(self
                        .globals
                        .get(*global_index as usize)
                        .copied()
                        .unwrap_or_default());
                }
                Operator::RefFunc { function_index } => {
                    self.referenced.insert(*function_index);
                }
                _ => {}
            }
            self.note(mentions, || format!("{name} in function {function}"));
            info.mentions = info.mentions.or(mentions);
            operator_effects(&op, name, &mut info.effects);
        }
        self.bodies.push(info);
        Ok(())
    }

    fn finish(mut self) -> ModuleScan {
        let imported = self.result.imported_functions;
        let mut float: BTreeSet<u32> = BTreeSet::new();
        for function in 0..imported {
            if self.function_mentions(function).float {
                float.insert(function);
            }
        }
        for (offset, body) in (imported..).zip(&self.bodies) {
            if body.mentions.float {
                float.insert(offset);
            }
        }
        // Transitive closure over direct calls and (conservatively) indirect calls.
        loop {
            let indirect_unsafe =
                self.table_imported || self.referenced.iter().any(|f| float.contains(f));
            let mut changed = false;
            for (function, body) in (imported..).zip(&self.bodies) {
                if float.contains(&function) {
                    continue;
                }
                let calls_float = body.calls.iter().any(|callee| float.contains(callee));
                if calls_float || (body.call_indirect && indirect_unsafe) {
                    float.insert(function);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let effects = self.function_effects();
        for (name, kind, index) in &self.exports {
            match kind {
                wp::ExternalKind::Func | wp::ExternalKind::FuncExact => {
                    let effects = effects
                        .get(*index as usize)
                        .cloned()
                        .unwrap_or_else(Effects::all);
                    self.result.export_effects.insert(name.clone(), effects);
                }
                wp::ExternalKind::Global => {
                    self.result.global_exports.insert(name.clone(), *index);
                }
                _ => {}
            }
        }
        for (name, kind, index) in &self.exports {
            let kind = match kind {
                wp::ExternalKind::Func | wp::ExternalKind::FuncExact if float.contains(index) => {
                    ExportKind::Function
                }
                wp::ExternalKind::Global
                    if self
                        .globals
                        .get(*index as usize)
                        .is_some_and(|g| g.float || g.simd) =>
                {
                    ExportKind::Global
                }
                _ => continue,
            };
            self.result.float_exports.insert(name.clone(), kind);
        }
        self.result.float_functions = float;
        let writes = &mut self.result.writes_on_instantiation;
        if self.start {
            writes.extend(self.result.state_imports.iter().cloned());
        }
        if self.active_data {
            writes.extend(self.memory_imports.iter().cloned());
        }
        if self.result.active_elements {
            writes.extend(self.result.table_imports.iter().cloned());
        }
        self.result
    }
}

impl Scanner {
    /// Effects of every function (imports first), closed over calls. An imported function
    /// does nothing if it comes from `spectest` and anything otherwise; `call_indirect` may
    /// do what any function in the table may do (anything if the table is imported).
    fn function_effects(&self) -> Vec<Effects> {
        let imported = self.result.imported_functions;
        let mut effects: Vec<Effects> = (0..imported)
            .map(|f| {
                if self.foreign_functions.contains(&f) {
                    Effects::all()
                } else {
                    Effects::default()
                }
            })
            .chain(self.bodies.iter().map(|body| body.effects.clone()))
            .collect();
        loop {
            let mut indirect = Effects::default();
            if self.table_imported {
                indirect = Effects::all();
            } else {
                for f in &self.referenced {
                    if let Some(e) = effects.get(*f as usize) {
                        indirect.absorb(e);
                    }
                }
            }
            let mut changed = false;
            for (function, body) in (imported as usize..).zip(&self.bodies) {
                let mut gathered = Effects::default();
                for callee in &body.calls {
                    if let Some(e) = effects.get(*callee as usize) {
                        gathered.absorb(e);
                    }
                }
                if body.call_indirect {
                    gathered.absorb(&indirect);
                }
                if let Some(mine) = effects.get_mut(function) {
                    changed |= mine.absorb(&gathered);
                }
            }
            if !changed {
                return effects;
            }
        }
    }
}

fn storage_mentions(ty: wp::StorageType) -> Mentions {
    match ty {
        wp::StorageType::Val(ty) => Mentions::of(ty),
        wp::StorageType::I8 | wp::StorageType::I16 => Mentions::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wat;

    #[test]
    fn integer_module_uses_neither() {
        let scan = scan(&wat(
            r#"(module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#,
        ))
        .unwrap();
        assert!(!scan.uses_float() && !scan.uses_simd());
        assert!(scan.float_functions.is_empty() && scan.float_exports.is_empty());
    }

    #[test]
    fn float_anywhere_is_found() {
        let cases = [
            "(module (type (func (param f32))))",
            "(module (global f64 (f64.const 1)))",
            r#"(module (import "m" "g" (global f32)))"#,
            "(module (func (local f64)))",
            "(module (func (block (result f32) (unreachable)) drop))",
            "(module (memory 1) (func (drop (i32.reinterpret_f32 (f32.load (i32.const 0))))))",
            "(module (func (result i32) (i32.const 0) (i32.const 0) (i32.const 1) (select (result i32))) (func (drop (f64.const 0))))",
        ];
        for case in cases {
            let scan = scan(&wat(case)).unwrap();
            assert!(scan.uses_float(), "{case}");
            assert!(!scan.uses_simd(), "{case}");
        }
    }

    #[test]
    fn simd_is_found() {
        let scan = scan(&wat(
            "(module (func (result i32) (i32x4.extract_lane 0 (v128.const i64x2 0 0))))",
        ))
        .unwrap();
        assert!(scan.uses_simd());
        assert!(!scan.uses_float());
    }

    #[test]
    fn callers_and_indirect_callers_are_float_using() {
        let scan = scan(&wat(
            r#"(module
                (type $t (func (result i32)))
                (table 1 funcref)
                (elem (i32.const 0) $hidden)
                (func $hidden (result i32) (drop (f32.const 1)) (i32.const 1))
                (func $int (export "int") (result i32) (i32.const 2))
                (func $direct (export "direct") (result i32) (call $hidden))
                (func $indirect (export "indirect") (result i32) (call_indirect (type $t) (i32.const 0)))
                (func $outer (export "outer") (result i32) (call $direct)))"#,
        ))
        .unwrap();
        assert_eq!(scan.float_functions, BTreeSet::from([0, 2, 3, 4]));
        assert!(!scan.float_exports.contains_key("int"));
        for name in ["direct", "indirect", "outer"] {
            assert_eq!(
                scan.float_exports.get(name),
                Some(&ExportKind::Function),
                "{name}"
            );
        }
    }

    #[test]
    fn effects_of_exports() {
        let scan = scan(&wat(
            r#"(module
                (import "spectest" "print_i32" (func $print (param i32)))
                (import "other" "f" (func $other))
                (memory 1)
                (global $g (mut i32) (i32.const 0))
                (func $store (i32.store (i32.const 0) (i32.const 1)))
                (func (export "pure") (result i32) (call $print (i32.const 1)) (i32.load (i32.const 0)))
                (func (export "store") (call $store))
                (func (export "set") (global.set $g (i32.const 1)))
                (func (export "grow") (result i32) (memory.grow (i32.const 1)))
                (func (export "foreign") (call $other)))"#,
        ))
        .unwrap();
        let writers: BTreeSet<&str> = scan
            .export_effects
            .iter()
            .filter(|(_, e)| !e.writes.is_empty())
            .map(|(name, _)| name.as_str())
            .collect();
        assert_eq!(writers, BTreeSet::from(["store", "set", "grow", "foreign"]));
        let pure = &scan.export_effects["pure"];
        assert_eq!(pure.reads, BTreeSet::from([Resource::Memory]));
        assert!(pure.writes.is_empty());
        assert_eq!(
            scan.export_effects["set"].writes,
            BTreeSet::from([Resource::Global(0)])
        );
        assert!(overlaps(&scan.export_effects["store"].writes, &pure.reads));
        assert!(!overlaps(&scan.export_effects["set"].writes, &pure.reads));
        assert!(overlaps(
            &scan.export_effects["foreign"].writes,
            &pure.reads
        ));
        assert_eq!(scan.memory_maximum, Some(None));
    }

    #[test]
    fn invalid_module_is_an_error() {
        assert!(scan(&wat("(module (func (result i32) (i64.const 0)))")).is_err());
        assert!(scan(b"\0asm").is_err());
    }
}
