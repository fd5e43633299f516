//! The single pass over a module: each payload goes through our rules, then wasmparser's.
//!
//! Our rules run first on every section so that the specific rule wins over wasmparser's generic
//! message (an `f64` parameter is `float`, not `malformed`). They read only what they need and
//! never trust a declared count for an allocation: vectors grow as items are actually read, and
//! every count is checked against its limit before the items are read.

use std::mem;

use wasmparser::{
    CompositeInnerType, ConstExpr, DataKind, DataSectionReader, ElementItems, ElementKind,
    ElementSectionReader, Encoding, ExportSectionReader, ExternalKind, FromReader, FuncToValidate,
    FuncType, FuncValidatorAllocations, FunctionBody, FunctionSectionReader, GlobalSectionReader,
    ImportSectionReader, MemorySectionReader, MemoryType, Payload, SectionLimited, TableInit,
    TableSectionReader, TableType, TypeRef, TypeSectionReader, ValidPayload, Validator,
    ValidatorResources,
};

use super::error::{Location, Rule, Section, ValidationError, Violation, malformed};
use super::{FunctionFrame, ModuleSummary, Rules, code, contract, features, limits, operators};
use crate::instrument::{GLOBAL_EXPORT_PREFIX, RESERVED_EXPORTS};
use crate::limits::ChainLimits;
use rewasm_eei::HostModules;

/// The state of one validation pass.
pub(crate) struct Walk<'l> {
    limits: &'l ChainLimits,
    rules: Rules,
    /// The import modules beyond `ethereum` the chain offers.
    modules: HostModules,
    validator: Validator,
    allocations: FuncValidatorAllocations,
    /// The section of the payload being checked, for locating wasmparser's errors.
    section: Section,
    /// Function types by type index (only function types are ever accepted).
    types: Vec<FuncType>,
    /// Type index of every function, imported ones first.
    function_types: Vec<u32>,
    imported_functions: u32,
    imported_globals: u32,
    tables: u32,
    memories: u32,
    defined_memories: u32,
    /// The memory's initial and maximum pages, once its limits are checked.
    pages: Option<(u32, Option<u32>)>,
    exports: contract::Exports,
    frames: Vec<FunctionFrame>,
    passive_data: bool,
}

impl<'l> Walk<'l> {
    pub(crate) fn new(limits: &'l ChainLimits, rules: Rules, modules: HostModules) -> Self {
        Self {
            limits,
            rules,
            modules,
            validator: Validator::new_with_features(features::wasm_features()),
            allocations: FuncValidatorAllocations::default(),
            section: Section::Header,
            types: Vec::new(),
            function_types: Vec::new(),
            imported_functions: 0,
            imported_globals: 0,
            tables: 0,
            memories: 0,
            defined_memories: 0,
            pages: None,
            exports: contract::Exports::default(),
            frames: Vec::new(),
            passive_data: false,
        }
    }

    /// wasmparser's rejection at `offset`, in the current section.
    fn malformed(&self, error: &wasmparser::BinaryReaderError) -> ValidationError {
        malformed(error, |offset| self.at(offset))
    }

    fn at(&self, offset: usize) -> Location {
        match self.section {
            Section::Header => Location::Module { offset },
            section => Location::Section {
                section,
                item: None,
                offset,
            },
        }
    }

    /// One payload. Returns the summary once the module's end has been validated.
    pub(crate) fn payload(
        &mut self,
        payload: &Payload<'_>,
    ) -> Result<Option<ModuleSummary>, ValidationError> {
        self.section = section_of(payload);
        self.check(payload)?;
        match self.validator.payload(payload) {
            Ok(ValidPayload::Func(func, body)) => self.function(func, &body).map(|()| None),
            Ok(ValidPayload::End(_)) => self.finish(payload).map(Some),
            Ok(ValidPayload::Ok | ValidPayload::Parser(_)) => Ok(None),
            Err(error) => Err(self.malformed(&error)),
        }
    }

    /// Our rules for one payload, before wasmparser sees it.
    fn check(&mut self, payload: &Payload<'_>) -> Result<(), ValidationError> {
        match payload {
            Payload::Version {
                encoding: Encoding::Component,
                range,
                ..
            } => Err(features::component().at(self.at(range.start))),
            Payload::TypeSection(reader) => self.type_section(reader.clone()),
            Payload::ImportSection(reader) => self.import_section(reader.clone()),
            Payload::FunctionSection(reader) => self.function_section(reader.clone()),
            Payload::TableSection(reader) => self.table_section(reader.clone()),
            Payload::MemorySection(reader) => self.memory_section(reader.clone()),
            Payload::TagSection(reader) => Err(features::tag().at(self.at(reader.range().start))),
            Payload::GlobalSection(reader) => self.global_section(reader.clone()),
            Payload::ExportSection(reader) => self.export_section(reader.clone()),
            Payload::StartSection { func, range } => {
                Err(features::start_function(*func).at(self.at(range.start)))
            }
            Payload::ElementSection(reader) => self.element_section(reader.clone()),
            Payload::DataCountSection { count, range } => {
                limits::check_data_segments(*count, self.limits)
                    .map_err(|violation| violation.at(self.at(range.start)))
            }
            Payload::DataSection(reader) => self.data_section(reader.clone()),
            _ => Ok(()),
        }
    }

    /// A count checked before a section's items are read.
    fn count(
        &self,
        check: impl FnOnce(&ChainLimits) -> Result<(), Violation>,
        start: usize,
    ) -> Result<(), ValidationError> {
        check(self.limits).map_err(|violation| violation.at(self.at(start)))
    }

    fn type_section(&mut self, reader: TypeSectionReader<'_>) -> Result<(), ValidationError> {
        let count = reader.count();
        self.count(|l| limits::check_types(count, l), reader.range().start)?;
        for entry in items(Section::Type, reader) {
            let (location, group) = entry?;
            let explicit = group.is_explicit_rec_group();
            for ty in group.into_types() {
                let located = |violation: Violation| violation.at(location);
                features::check_sub_type(&ty, explicit).map_err(located)?;
                if let CompositeInnerType::Func(func) = ty.composite_type.inner {
                    limits::check_function_type(&func, self.limits).map_err(located)?;
                    self.types.push(func);
                }
            }
        }
        Ok(())
    }

    fn import_section(&mut self, reader: ImportSectionReader<'_>) -> Result<(), ValidationError> {
        let (count, start) = (reader.count(), reader.range().start);
        self.count(|l| limits::check_imports(count, l), start)?;
        for entry in items(Section::Import, reader) {
            let (location, import) = entry?;
            self.import(&import.ty)
                .map_err(|violation| violation.at(location))?;
            if self.rules == Rules::Contract {
                contract::check_import(&import, &self.types, self.modules)
                    .map_err(|v| v.at(location))?;
            }
        }
        // Imports alone may already exceed the totals (when there is no function/global section).
        let (functions, globals) = (self.imported_functions, self.imported_globals);
        self.count(|l| limits::check_functions(functions, 0, l), start)?;
        self.count(|l| limits::check_globals(globals, 0, l), start)
    }

    fn import(&mut self, ty: &TypeRef) -> Result<(), Violation> {
        match ty {
            TypeRef::Func(type_index) => {
                self.imported_functions = self.imported_functions.saturating_add(1);
                self.function_types.push(*type_index);
                Ok(())
            }
            TypeRef::Table(table) => self.table(table),
            TypeRef::Memory(memory) => self.memory(memory),
            TypeRef::Global(global) => {
                self.imported_globals = self.imported_globals.saturating_add(1);
                features::check_global_type(global)
            }
            TypeRef::Tag(_) => Err(features::tag()),
        }
    }

    fn function_section(
        &mut self,
        reader: FunctionSectionReader<'_>,
    ) -> Result<(), ValidationError> {
        let (count, imported) = (reader.count(), self.imported_functions);
        self.count(
            |l| limits::check_functions(imported, count, l),
            reader.range().start,
        )?;
        for entry in items(Section::Function, reader) {
            let (_, type_index) = entry?;
            self.function_types.push(type_index);
        }
        Ok(())
    }

    fn table_section(&mut self, reader: TableSectionReader<'_>) -> Result<(), ValidationError> {
        for entry in items(Section::Table, reader) {
            let (location, table) = entry?;
            self.table(&table.ty)
                .map_err(|violation| violation.at(location))?;
            if let TableInit::Expr(_) = table.init {
                let violation =
                    Violation::new(Rule::ReferenceTypes, "table initialiser expression");
                return Err(violation.at(location));
            }
        }
        Ok(())
    }

    /// A table, imported or defined: at most one, of funcref, within the size limit.
    fn table(&mut self, ty: &TableType) -> Result<(), Violation> {
        self.tables = self.tables.saturating_add(1);
        features::check_table_count(self.tables)?;
        features::check_table_type(ty)?;
        limits::check_table_size(ty, self.limits)
    }

    fn memory_section(&mut self, reader: MemorySectionReader<'_>) -> Result<(), ValidationError> {
        for entry in items(Section::Memory, reader) {
            let (location, memory) = entry?;
            self.memory(&memory)
                .map_err(|violation| violation.at(location))?;
            self.defined_memories = self.defined_memories.saturating_add(1);
        }
        Ok(())
    }

    /// A memory, imported or defined: at most one, 32-bit, unshared, within the page limits.
    fn memory(&mut self, ty: &MemoryType) -> Result<(), Violation> {
        self.memories = self.memories.saturating_add(1);
        features::check_memory_count(self.memories)?;
        features::check_memory_type(ty)?;
        self.pages = Some(limits::check_memory_pages(ty, self.limits)?);
        Ok(())
    }

    fn global_section(&mut self, reader: GlobalSectionReader<'_>) -> Result<(), ValidationError> {
        let (count, imported) = (reader.count(), self.imported_globals);
        self.count(
            |l| limits::check_globals(imported, count, l),
            reader.range().start,
        )?;
        for entry in items(Section::Global, reader) {
            let (location, global) = entry?;
            features::check_global_type(&global.ty).map_err(|violation| violation.at(location))?;
            const_expr(&global.init_expr, location)?;
        }
        Ok(())
    }

    fn export_section(&mut self, reader: ExportSectionReader<'_>) -> Result<(), ValidationError> {
        let count = reader.count();
        self.count(|l| limits::check_exports(count, l), reader.range().start)?;
        for entry in items(Section::Export, reader) {
            let (location, export) = entry?;
            if self.rules == Rules::Contract {
                let function_type = match export.kind {
                    ExternalKind::Func => self.function_type(export.index).cloned(),
                    _ => None,
                };
                let checked = self.exports.check(&export, function_type.as_ref());
                checked.map_err(|violation| violation.at(location))?;
            }
            if RESERVED_EXPORTS.contains(&export.name)
                || export.name.starts_with(GLOBAL_EXPORT_PREFIX)
            {
                let detail = format!("export \"{}\" is the engine's own", export.name);
                return Err(Violation::new(Rule::ReservedExport, detail).at(location));
            }
        }
        Ok(())
    }

    /// The type of function `index` (imports first), if both indices are in range.
    fn function_type(&self, index: u32) -> Option<&FuncType> {
        let type_index = self.function_types.get(usize::try_from(index).ok()?)?;
        self.types.get(usize::try_from(*type_index).ok()?)
    }

    fn element_section(&mut self, reader: ElementSectionReader<'_>) -> Result<(), ValidationError> {
        let count = reader.count();
        self.count(
            |l| limits::check_element_segments(count, l),
            reader.range().start,
        )?;
        for entry in items(Section::Element, reader) {
            let (location, element) = entry?;
            let located = |violation: Violation| violation.at(location);
            features::check_element_kind(&element.kind).map_err(located)?;
            if let ElementKind::Active { offset_expr, .. } = &element.kind {
                const_expr(offset_expr, location)?;
            }
            if let ElementItems::Expressions(ty, exprs) = element.items {
                features::check_element_type(ty, "element segment").map_err(located)?;
                for expr in exprs {
                    let expr = expr
                        .map_err(|error| malformed(&error, |offset| relocate(location, offset)))?;
                    const_expr(&expr, location)?;
                }
            }
        }
        Ok(())
    }

    fn data_section(&mut self, reader: DataSectionReader<'_>) -> Result<(), ValidationError> {
        let count = reader.count();
        self.count(
            |l| limits::check_data_segments(count, l),
            reader.range().start,
        )?;
        for entry in items(Section::Data, reader) {
            let (location, data) = entry?;
            match &data.kind {
                DataKind::Active { offset_expr, .. } => const_expr(offset_expr, location)?,
                DataKind::Passive => self.passive_data = true,
            }
        }
        Ok(())
    }

    /// One function body, with the validator wasmparser prepared for it.
    fn function(
        &mut self,
        func: FuncToValidate<ValidatorResources>,
        body: &FunctionBody<'_>,
    ) -> Result<(), ValidationError> {
        let mut validator = func.into_validator(mem::take(&mut self.allocations));
        let frame = code::check_function(&mut validator, body, self.limits);
        self.allocations = validator.into_allocations();
        self.frames.push(frame?);
        Ok(())
    }

    /// After wasmparser accepted the end of the module: the whole-module contract checks.
    fn finish(&mut self, payload: &Payload<'_>) -> Result<ModuleSummary, ValidationError> {
        let offset = match payload {
            Payload::End(offset) => *offset,
            _ => 0,
        };
        if self.rules == Rules::Contract {
            let checked = self.exports.finish(self.defined_memories);
            checked.map_err(|violation| violation.at(Location::Module { offset }))?;
        }
        let (initial_pages, max_pages) = self.pages.unwrap_or((0, None));
        let frames = mem::take(&mut self.frames);
        Ok(ModuleSummary {
            imported_functions: self.imported_functions,
            functions: u32::try_from(frames.len()).unwrap_or(u32::MAX),
            initial_pages,
            max_pages,
            function_frames: frames,
            passive_data: self.passive_data,
        })
    }
}

/// The section a payload belongs to.
fn section_of(payload: &Payload<'_>) -> Section {
    match payload {
        Payload::Version { .. } | Payload::End(_) => Section::Header,
        Payload::TypeSection(_) => Section::Type,
        Payload::ImportSection(_) => Section::Import,
        Payload::FunctionSection(_) => Section::Function,
        Payload::TableSection(_) => Section::Table,
        Payload::MemorySection(_) => Section::Memory,
        Payload::TagSection(_) => Section::Tag,
        Payload::GlobalSection(_) => Section::Global,
        Payload::ExportSection(_) => Section::Export,
        Payload::StartSection { .. } => Section::Start,
        Payload::ElementSection(_) => Section::Element,
        Payload::DataCountSection { .. } => Section::DataCount,
        Payload::DataSection(_) => Section::Data,
        Payload::CodeSectionStart { .. } | Payload::CodeSectionEntry(_) => Section::Code,
        Payload::CustomSection(_) => Section::Custom,
        _ => Section::Unknown,
    }
}

/// The items of a section with their locations (section, item index, offset).
fn items<'a, T: FromReader<'a> + 'a>(
    section: Section,
    reader: SectionLimited<'a, T>,
) -> impl Iterator<Item = Result<(Location, T), ValidationError>> + 'a {
    reader
        .into_iter_with_offsets()
        .enumerate()
        .map(move |(index, entry)| {
            let item = Some(u32::try_from(index).unwrap_or(u32::MAX));
            let locate = |offset| Location::Section {
                section,
                item,
                offset,
            };
            match entry {
                Ok((offset, value)) => Ok((locate(offset), value)),
                Err(error) => Err(malformed(&error, locate)),
            }
        })
}

/// The same section item, at another offset.
fn relocate(location: Location, offset: usize) -> Location {
    match location {
        Location::Section { section, item, .. } => Location::Section {
            section,
            item,
            offset,
        },
        Location::Function { index, .. } => Location::Function { index, offset },
        Location::Module { .. } => Location::Module { offset },
    }
}

/// Every instruction of a constant expression, located at its own offset within `location`.
fn const_expr(expr: &ConstExpr<'_>, location: Location) -> Result<(), ValidationError> {
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let (op, offset) = reader
            .read_with_offset()
            .map_err(|error| malformed(&error, |offset| relocate(location, offset)))?;
        operators::check_const_operator(&op).map_err(|v| v.at(relocate(location, offset)))?;
    }
    Ok(())
}
