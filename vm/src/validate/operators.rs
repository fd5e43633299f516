//! Operator-level scan: every instruction of every function body and constant expression is
//! classified before wasmparser validates it.
//!
//! Why our own scan: wasmparser rejects a disabled proposal's instructions too, but only as a
//! generic message, and not at all in some unreachable-code cases (see [`super::floats`]). Running
//! this first makes the specific rule win (`float`, `simd`, ... rather than `malformed`) and closes
//! the dead-code gap.
//!
//! Why it cannot miss an operator: the class of each operator is computed from wasmparser's own
//! operator list (`for_each_operator!`), which tags every instruction with its proposal. The
//! generated `match` is exhaustive over `Operator` without a wildcard arm, so a new variant
//! cannot compile unclassified, and an unknown proposal falls into [`OpClass::Feature`] (rejected).
//! The classes are computed in `const` blocks, so the scan is one jump table per instruction.

use wasmparser::{BlockType, HeapType, Operator};

use super::error::{Rule, Violation};
use super::features::check_value_type;
use super::floats::is_float_operator;

/// What an operator is, as far as determinism goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpClass {
    /// MVP integer instructions, sign extension, bulk memory on the one memory, `call_indirect`.
    Allowed,
    /// Any scalar `f32`/`f64` instruction.
    Float,
    /// SIMD and relaxed SIMD, float lanes included.
    Simd,
    /// Atomics and shared-everything threads.
    Threads,
    /// Exception handling, legacy or current.
    Exceptions,
    /// `return_call`, `return_call_indirect`.
    TailCall,
    /// GC and typed function references.
    Gc,
    /// `ref.*`, `table.get`, `table.size`: references as values.
    ReferenceTypes,
    /// `table.set/grow/fill/copy/init`, `elem.drop`.
    TableMutation,
    /// Anything else outside the allowed set (memory control, future proposals).
    Feature,
}

impl OpClass {
    /// The rule an operator of this class breaks, if any.
    const fn rule(self) -> Option<Rule> {
        match self {
            OpClass::Allowed => None,
            OpClass::Float => Some(Rule::Float),
            OpClass::Simd => Some(Rule::Simd),
            OpClass::Threads => Some(Rule::Threads),
            OpClass::Exceptions => Some(Rule::Exceptions),
            OpClass::TailCall => Some(Rule::TailCall),
            OpClass::Gc => Some(Rule::Gc),
            OpClass::ReferenceTypes => Some(Rule::ReferenceTypes),
            OpClass::TableMutation => Some(Rule::TableMutation),
            OpClass::Feature => Some(Rule::Feature),
        }
    }
}

/// An operator's class and its wasmparser visitor name without `visit_` (e.g. `f64_add`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpInfo {
    pub(crate) class: OpClass,
    pub(crate) name: &'static str,
}

impl OpInfo {
    const fn of(proposal: &str, visit: &'static str) -> Self {
        let name = strip_visit(visit);
        Self {
            class: classify(proposal.as_bytes(), name),
            name,
        }
    }
}

/// The class of an operator from its proposal tag and name. SIMD is checked before floats so
/// that `f32x4.add` reports `simd`; floats before the rest so that `i32.trunc_sat_f32_s` reports
/// `float` whatever proposal introduced it.
const fn classify(proposal: &[u8], name: &str) -> OpClass {
    if eq(proposal, b"simd") || eq(proposal, b"relaxed_simd") {
        return OpClass::Simd;
    }
    if is_float_operator(name) {
        return OpClass::Float;
    }
    let name = name.as_bytes();
    match proposal {
        b"mvp" | b"sign_extension" => OpClass::Allowed,
        b"bulk_memory" => bulk_memory(name),
        b"reference_types" => reference_types(name),
        b"threads" | b"shared_everything_threads" => OpClass::Threads,
        b"exceptions" | b"legacy_exceptions" => OpClass::Exceptions,
        b"tail_call" => OpClass::TailCall,
        b"gc" | b"function_references" => OpClass::Gc,
        // memory_control, saturating_float_to_int without a float in its name (none exist), and
        // whatever a future wasmparser adds: closed by default.
        _ => OpClass::Feature,
    }
}

/// Bulk memory is allowed on memories (`memory.copy/fill/init`, `data.drop`); its table half
/// (`table.init/copy`, `elem.drop`) mutates the table.
const fn bulk_memory(name: &[u8]) -> OpClass {
    if starts_with(name, b"table_") || starts_with(name, b"elem_") {
        OpClass::TableMutation
    } else {
        OpClass::Allowed
    }
}

/// Reference types: `select` with a type annotation is allowed (its type is checked separately:
/// numeric only); the table writers mutate the table; everything else makes references values.
const fn reference_types(name: &[u8]) -> OpClass {
    match name {
        b"typed_select" => OpClass::Allowed,
        b"table_set" | b"table_grow" | b"table_fill" => OpClass::TableMutation,
        _ => OpClass::ReferenceTypes,
    }
}

const fn strip_visit(visit: &'static str) -> &'static str {
    let bytes = visit.as_bytes();
    if bytes.len() < 6 {
        return visit;
    }
    let (_, rest) = bytes.split_at(6);
    match core::str::from_utf8(rest) {
        Ok(name) => name,
        Err(_) => visit,
    }
}

const fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && starts_with(a, b)
}

#[allow(clippy::indexing_slicing)] // `i < prefix.len() <= s.len()`
const fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    if prefix.len() > s.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if s[i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

macro_rules! define_operator_info {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident)*) => {
        /// The class and name of `op`.
        pub(crate) fn info(op: &Operator<'_>) -> OpInfo {
            match op {
                $( Operator::$op { .. } => const {
                    OpInfo::of(stringify!($proposal), stringify!($visit))
                }, )*
            }
        }

        /// Every operator wasmparser knows, for tests that pin the classification.
        #[cfg(test)]
        pub(crate) fn all_operators() -> impl Iterator<Item = OpInfo> {
            [$( OpInfo::of(stringify!($proposal), stringify!($visit)), )*].into_iter()
        }
    };
}

wasmparser::for_each_operator!(define_operator_info);

/// Checks one instruction of a function body.
pub(crate) fn check_body_operator(op: &Operator<'_>) -> Result<(), Violation> {
    let info = info(op);
    if let Some(rule) = info.class.rule() {
        return Err(Violation::new(rule, text_name(info.name)));
    }
    // Allowed instructions that carry a type: the type must be allowed too.
    match op {
        Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
            check_block_type(*blockty)
        }
        Operator::TypedSelect { ty } => check_value_type(*ty, "select"),
        _ => Ok(()),
    }
}

/// Checks one instruction of a constant expression (global initialiser, segment offset, element
/// item). `ref.func` and `ref.null func` are allowed here: they are how the bulk-memory encoding
/// of an element segment lists the functions of the one table, which is nothing more than the
/// MVP's list of function indices.
pub(crate) fn check_const_operator(op: &Operator<'_>) -> Result<(), Violation> {
    match op {
        Operator::RefFunc { .. } => Ok(()),
        Operator::RefNull { hty } if *hty == HeapType::FUNC => Ok(()),
        _ => check_body_operator(op),
    }
}

/// A block's type: empty or one result. A type index (parameters or several results) is
/// multi-value, which the engine cannot compile.
fn check_block_type(blockty: BlockType) -> Result<(), Violation> {
    match blockty {
        BlockType::Empty => Ok(()),
        BlockType::Type(ty) => check_value_type(ty, "block result"),
        BlockType::FuncType(index) => Err(Violation::new(
            Rule::MultiValue,
            format!("block typed by type {index}"),
        )),
    }
}

/// Prefixes that the text format separates with a dot (`f64_add` → `f64.add`).
const NAMESPACES: [&str; 23] = [
    "i32", "i64", "f32", "f64", "v128", "i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2",
    "memory", "table", "local", "global", "ref", "elem", "data", "struct", "array", "any",
    "extern", "i31",
];

/// The text-format name of an operator, for error details: `f64_add` → `f64.add`,
/// `i32_atomic_load` → `i32.atomic.load`, `br_table` stays.
pub(crate) fn text_name(name: &str) -> String {
    match name.split_once('_') {
        Some((prefix, rest)) if NAMESPACES.contains(&prefix) => {
            match rest.strip_prefix("atomic_") {
                Some(atomic) => format!("{prefix}.atomic.{atomic}"),
                None => format!("{prefix}.{rest}"),
            }
        }
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{MemArg, ValType};

    fn class(op: &Operator<'_>) -> OpClass {
        info(op).class
    }

    #[test]
    fn allowed_operators() {
        assert_eq!(class(&Operator::I32Add), OpClass::Allowed);
        assert_eq!(class(&Operator::I64Extend32S), OpClass::Allowed);
        assert_eq!(
            class(&Operator::MemoryCopy {
                dst_mem: 0,
                src_mem: 0
            }),
            OpClass::Allowed
        );
        assert_eq!(class(&Operator::MemoryFill { mem: 0 }), OpClass::Allowed);
        assert_eq!(
            class(&Operator::MemoryInit {
                data_index: 0,
                mem: 0
            }),
            OpClass::Allowed
        );
        assert_eq!(
            class(&Operator::DataDrop { data_index: 0 }),
            OpClass::Allowed
        );
        let call_indirect = Operator::CallIndirect {
            type_index: 0,
            table_index: 0,
        };
        assert_eq!(class(&call_indirect), OpClass::Allowed);
    }

    #[test]
    fn rejected_operators() {
        let memarg = MemArg {
            align: 0,
            max_align: 0,
            offset: 0,
            memory: 0,
        };
        assert_eq!(class(&Operator::F32Load { memarg }), OpClass::Float);
        assert_eq!(class(&Operator::I32TruncSatF64U), OpClass::Float);
        assert_eq!(class(&Operator::F32x4Add), OpClass::Simd);
        assert_eq!(class(&Operator::I32AtomicLoad { memarg }), OpClass::Threads);
        assert_eq!(
            class(&Operator::ReturnCall { function_index: 0 }),
            OpClass::TailCall
        );
        assert_eq!(
            class(&Operator::Throw { tag_index: 0 }),
            OpClass::Exceptions
        );
        assert_eq!(class(&Operator::RefI31), OpClass::Gc);
        assert_eq!(class(&Operator::CallRef { type_index: 0 }), OpClass::Gc);
        assert_eq!(
            class(&Operator::RefFunc { function_index: 0 }),
            OpClass::ReferenceTypes
        );
        assert_eq!(
            class(&Operator::TableGet { table: 0 }),
            OpClass::ReferenceTypes
        );
        assert_eq!(
            class(&Operator::TableSize { table: 0 }),
            OpClass::ReferenceTypes
        );
        assert_eq!(class(&Operator::MemoryDiscard { mem: 0 }), OpClass::Feature);
        for op in [
            Operator::TableGrow { table: 0 },
            Operator::TableSet { table: 0 },
            Operator::TableFill { table: 0 },
            Operator::TableCopy {
                dst_table: 0,
                src_table: 0,
            },
            Operator::TableInit {
                elem_index: 0,
                table: 0,
            },
            Operator::ElemDrop { elem_index: 0 },
        ] {
            assert_eq!(class(&op), OpClass::TableMutation, "{op:?}");
        }
    }

    /// Pins how many operators each class has, so a wasmparser upgrade that moves one shows up.
    #[test]
    fn class_sizes_are_pinned() {
        let count = |wanted| all_operators().filter(|op| op.class == wanted).count();
        assert_eq!(count(OpClass::Float), 76);
        assert_eq!(count(OpClass::TableMutation), 6);
        assert_eq!(count(OpClass::ReferenceTypes), 5);
        assert_eq!(count(OpClass::Allowed), 114);
    }

    #[test]
    fn typed_operators_check_their_type() {
        let float_block = Operator::Block {
            blockty: BlockType::Type(ValType::F64),
        };
        assert_eq!(
            check_body_operator(&float_block).map_err(|v| v.rule),
            Err(Rule::Float)
        );
        let select = Operator::TypedSelect { ty: ValType::I64 };
        assert_eq!(check_body_operator(&select), Ok(()));
        let select = Operator::TypedSelect {
            ty: ValType::FUNCREF,
        };
        assert_eq!(
            check_body_operator(&select).map_err(|v| v.rule),
            Err(Rule::ReferenceTypes)
        );
    }

    #[test]
    fn const_expressions_may_name_functions() {
        let ref_func = Operator::RefFunc { function_index: 1 };
        assert_eq!(check_const_operator(&ref_func), Ok(()));
        assert!(check_body_operator(&ref_func).is_err());
        let null_extern = Operator::RefNull {
            hty: HeapType::EXTERN,
        };
        assert!(check_const_operator(&null_extern).is_err());
    }

    #[test]
    fn text_names() {
        assert_eq!(text_name("f64_add"), "f64.add");
        assert_eq!(text_name("i32_trunc_sat_f32_s"), "i32.trunc_sat_f32_s");
        assert_eq!(text_name("i32_atomic_rmw_add"), "i32.atomic.rmw_add");
        assert_eq!(text_name("br_table"), "br_table");
        assert_eq!(text_name("v128_const"), "v128.const");
    }
}
