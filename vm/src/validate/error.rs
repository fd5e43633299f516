//! Typed rejections: which rule a module broke, and where.
//!
//! A deploy that fails validation costs the sender all gas, so the reason must be precise enough
//! to fix the contract (`rewasm validate` prints it). The rule names are stable kebab-case strings:
//! tools and tests match on them, so renaming one is a breaking change.

use std::fmt;

/// A rejected module: the rule it broke, what exactly, and where.
///
/// Displays as `<rule>: <detail> at <location>`, e.g.
/// `float: f64.add at function 3, offset 0x1a2`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {detail} at {location}")]
pub struct ValidationError {
    /// The rule that rejected the module.
    pub rule: Rule,
    /// What was found, in a few words (an instruction, a type, a count against its limit).
    pub detail: String,
    /// Where it was found.
    pub location: Location,
}

/// Every rule the validator enforces. [`Rule::name`] is the stable name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Not a wasm module, or invalid by the core specification (wasmparser's own checks).
    Malformed,
    /// A floating-point type or instruction: NaN bit patterns differ between machines.
    Float,
    /// SIMD (incl. relaxed SIMD): float lanes and platform-dependent results.
    Simd,
    /// Threads, atomics and shared memory: scheduling is not deterministic.
    Threads,
    /// Exception handling (tags, try, throw): not needed by contracts, not metered by the engine.
    Exceptions,
    /// Tail calls: they bypass the call-depth accounting of the deterministic stack.
    TailCall,
    /// GC and typed function references: a garbage collector is not deterministic in cost.
    Gc,
    /// 64-bit memories or tables.
    Memory64,
    /// More than one memory.
    MultiMemory,
    /// More than one table.
    MultiTable,
    /// Several results from a function, or a block typed by a type index (block parameters or
    /// several results). wasmer 5.0.6 singlepass cannot compile these, and an export with several
    /// results returns wrong values without an error, so no chain setting may allow them.
    MultiValue,
    /// Reference types beyond one `funcref` table used by `call_indirect`.
    ReferenceTypes,
    /// An instruction that changes a table, or a segment only such an instruction could use.
    TableMutation,
    /// Any other proposal outside the allowed set (component model, memory control, ...).
    Feature,
    /// A start function: code would run at instantiation, outside `main` and its gas accounting.
    StartFunction,
    /// An export named like one the instrumentation adds (`wasmer_metering_remaining_points`,
    /// …): wasmer would silently replace the module's own export with the engine's global.
    ReservedExport,
    /// A chain limit ([`crate::limits::ChainLimits`]) exceeded.
    Limit(Limit),
    /// The eWASM contract shape (only under [`super::Rules::Contract`]).
    Contract(ContractRule),
}

/// The chain limits the validator checks, one per field of [`crate::limits::ChainLimits`]
/// (except `max_call_depth`, which is enforced at run time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// `max_code_size`.
    CodeSize,
    /// `max_types`.
    Types,
    /// `max_functions`.
    Functions,
    /// `max_params`.
    Params,
    /// `max_results`.
    Results,
    /// `max_locals`.
    Locals,
    /// `max_operand_stack_height`.
    OperandStackHeight,
    /// `max_globals`.
    Globals,
    /// `max_imports`.
    Imports,
    /// `max_exports`.
    Exports,
    /// `max_table_size`.
    TableSize,
    /// `max_br_table_targets`.
    BrTableTargets,
    /// `max_block_nesting`.
    BlockNesting,
    /// `max_data_segments`.
    DataSegments,
    /// `max_element_segments`.
    ElementSegments,
    /// `max_initial_pages`.
    InitialPages,
    /// `max_memory_pages`.
    MemoryPages,
}

/// The eWASM contract-shape rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContractRule {
    /// Exports other than exactly `main` (a function) and `memory` (a memory).
    Exports,
    /// `main` is not of type `[] -> []`.
    MainSignature,
    /// Not exactly one memory defined by the module.
    Memory,
    /// An import from a module other than `ethereum`.
    ImportModule,
    /// An import from the `debug` namespace on a chain that does not offer it (only dev chains do).
    ImportDebug,
    /// An import of a table, memory, global or tag: a contract imports only functions.
    ImportKind,
    /// A function name that is not in the EEI.
    ImportUnknown,
    /// An EEI function imported with a signature other than the EEI's.
    ImportSignature,
}

impl Rule {
    /// Every rule, for documentation and tools (`rewasm validate --rules`).
    pub const ALL: [Rule; 41] = [
        Rule::Malformed,
        Rule::Float,
        Rule::Simd,
        Rule::Threads,
        Rule::Exceptions,
        Rule::TailCall,
        Rule::Gc,
        Rule::Memory64,
        Rule::MultiMemory,
        Rule::MultiTable,
        Rule::MultiValue,
        Rule::ReferenceTypes,
        Rule::TableMutation,
        Rule::Feature,
        Rule::StartFunction,
        Rule::ReservedExport,
        Rule::Limit(Limit::CodeSize),
        Rule::Limit(Limit::Types),
        Rule::Limit(Limit::Functions),
        Rule::Limit(Limit::Params),
        Rule::Limit(Limit::Results),
        Rule::Limit(Limit::Locals),
        Rule::Limit(Limit::OperandStackHeight),
        Rule::Limit(Limit::Globals),
        Rule::Limit(Limit::Imports),
        Rule::Limit(Limit::Exports),
        Rule::Limit(Limit::TableSize),
        Rule::Limit(Limit::BrTableTargets),
        Rule::Limit(Limit::BlockNesting),
        Rule::Limit(Limit::DataSegments),
        Rule::Limit(Limit::ElementSegments),
        Rule::Limit(Limit::InitialPages),
        Rule::Limit(Limit::MemoryPages),
        Rule::Contract(ContractRule::Exports),
        Rule::Contract(ContractRule::MainSignature),
        Rule::Contract(ContractRule::Memory),
        Rule::Contract(ContractRule::ImportModule),
        Rule::Contract(ContractRule::ImportDebug),
        Rule::Contract(ContractRule::ImportKind),
        Rule::Contract(ContractRule::ImportUnknown),
        Rule::Contract(ContractRule::ImportSignature),
    ];

    /// The stable kebab-case name, e.g. `float`, `limit:max-locals`, `contract:exports`.
    pub const fn name(self) -> &'static str {
        match self {
            Rule::Malformed => "malformed",
            Rule::Float => "float",
            Rule::Simd => "simd",
            Rule::Threads => "threads",
            Rule::Exceptions => "exceptions",
            Rule::TailCall => "tail-call",
            Rule::Gc => "gc",
            Rule::Memory64 => "memory64",
            Rule::MultiMemory => "multi-memory",
            Rule::MultiTable => "multi-table",
            Rule::MultiValue => "multi-value",
            Rule::ReferenceTypes => "reference-types",
            Rule::TableMutation => "table-mutation",
            Rule::Feature => "feature",
            Rule::StartFunction => "start-function",
            Rule::ReservedExport => "reserved-export",
            Rule::Limit(limit) => limit.name(),
            Rule::Contract(rule) => rule.name(),
        }
    }
}

impl Limit {
    /// The stable name, `limit:` and the `ChainLimits` field in kebab case.
    pub const fn name(self) -> &'static str {
        match self {
            Limit::CodeSize => "limit:max-code-size",
            Limit::Types => "limit:max-types",
            Limit::Functions => "limit:max-functions",
            Limit::Params => "limit:max-params",
            Limit::Results => "limit:max-results",
            Limit::Locals => "limit:max-locals",
            Limit::OperandStackHeight => "limit:max-operand-stack-height",
            Limit::Globals => "limit:max-globals",
            Limit::Imports => "limit:max-imports",
            Limit::Exports => "limit:max-exports",
            Limit::TableSize => "limit:max-table-size",
            Limit::BrTableTargets => "limit:max-br-table-targets",
            Limit::BlockNesting => "limit:max-block-nesting",
            Limit::DataSegments => "limit:max-data-segments",
            Limit::ElementSegments => "limit:max-element-segments",
            Limit::InitialPages => "limit:max-initial-pages",
            Limit::MemoryPages => "limit:max-memory-pages",
        }
    }
}

impl ContractRule {
    /// The stable name, `contract:` and the rule.
    pub const fn name(self) -> &'static str {
        match self {
            ContractRule::Exports => "contract:exports",
            ContractRule::MainSignature => "contract:main-signature",
            ContractRule::Memory => "contract:memory",
            ContractRule::ImportModule => "contract:import-module",
            ContractRule::ImportDebug => "contract:import-debug",
            ContractRule::ImportKind => "contract:import-kind",
            ContractRule::ImportUnknown => "contract:import-unknown",
            ContractRule::ImportSignature => "contract:import-signature",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where in the module a rule was broken. Offsets are byte offsets into the module binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Location {
    /// The module as a whole: its size, its header, or a property checked at its end.
    Module {
        /// Byte offset.
        offset: usize,
    },
    /// A section outside the code, and the item within it when there is one.
    Section {
        /// Which section.
        section: Section,
        /// Index of the item within the section (not the index space: imports are not counted).
        item: Option<u32>,
        /// Byte offset.
        offset: usize,
    },
    /// Inside a function body.
    Function {
        /// Absolute function index: imported functions come first.
        index: u32,
        /// Byte offset of the instruction (or local declaration).
        offset: usize,
    },
}

impl Location {
    /// The byte offset, whatever the kind of location.
    pub const fn offset(&self) -> usize {
        match *self {
            Location::Module { offset }
            | Location::Section { offset, .. }
            | Location::Function { offset, .. } => offset,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Location::Module { offset } => write!(f, "module, offset {offset:#x}"),
            Location::Section {
                section,
                item: Some(item),
                offset,
            } => write!(f, "{section} section, item {item}, offset {offset:#x}"),
            Location::Section {
                section,
                item: None,
                offset,
            } => write!(f, "{section} section, offset {offset:#x}"),
            Location::Function { index, offset } => {
                write!(f, "function {index}, offset {offset:#x}")
            }
        }
    }
}

/// A module section, as named in the core specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// The module header (magic and version).
    Header,
    /// Custom sections (names, producers, ...).
    Custom,
    /// Function types.
    Type,
    /// Imports.
    Import,
    /// Type indices of the defined functions.
    Function,
    /// Tables.
    Table,
    /// Memories.
    Memory,
    /// Exception tags.
    Tag,
    /// Globals.
    Global,
    /// Exports.
    Export,
    /// The start function.
    Start,
    /// Element segments.
    Element,
    /// The data-segment count.
    DataCount,
    /// Function bodies (the section itself; errors inside a body use [`Location::Function`]).
    Code,
    /// Data segments.
    Data,
    /// A section id the specification does not define.
    Unknown,
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Section::Header => "header",
            Section::Custom => "custom",
            Section::Type => "type",
            Section::Import => "import",
            Section::Function => "function",
            Section::Table => "table",
            Section::Memory => "memory",
            Section::Tag => "tag",
            Section::Global => "global",
            Section::Export => "export",
            Section::Start => "start",
            Section::Element => "element",
            Section::DataCount => "data count",
            Section::Code => "code",
            Section::Data => "data",
            Section::Unknown => "unknown",
        })
    }
}

/// A broken rule before its location is attached. Rule checks return this so they stay pure
/// (and testable on their own); the module walk knows where it is and calls [`Violation::at`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    pub(crate) rule: Rule,
    pub(crate) detail: String,
}

impl Violation {
    pub(crate) fn new(rule: Rule, detail: impl Into<String>) -> Self {
        Self {
            rule,
            detail: detail.into(),
        }
    }

    pub(crate) fn at(self, location: Location) -> ValidationError {
        ValidationError {
            rule: self.rule,
            detail: self.detail,
            location,
        }
    }
}

/// wasmparser's own rejection, as a [`Rule::Malformed`] error. wasmparser knows the offset; the
/// caller supplies the kind of location (section or function) that offset is in.
pub(crate) fn malformed(
    error: &wasmparser::BinaryReaderError,
    locate: impl FnOnce(usize) -> Location,
) -> ValidationError {
    ValidationError {
        rule: Rule::Malformed,
        detail: error.message().to_owned(),
        location: locate(error.offset()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_kebab_case() {
        let names: HashSet<_> = Rule::ALL.iter().map(|rule| rule.name()).collect();
        assert_eq!(names.len(), Rule::ALL.len());
        for name in names {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ':'),
                "{name}"
            );
        }
    }

    #[test]
    fn display_is_rule_detail_location() {
        let error = Violation::new(Rule::Float, "f64.add").at(Location::Function {
            index: 3,
            offset: 0x1a2,
        });
        assert_eq!(
            error.to_string(),
            "float: f64.add at function 3, offset 0x1a2"
        );
        let error = Violation::new(Rule::Contract(ContractRule::Exports), "extra export `foo`").at(
            Location::Section {
                section: Section::Export,
                item: Some(2),
                offset: 0x40,
            },
        );
        assert_eq!(
            error.to_string(),
            "contract:exports: extra export `foo` at export section, item 2, offset 0x40"
        );
    }
}
