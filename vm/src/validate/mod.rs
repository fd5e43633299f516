//! Validation: the first thing that happens to untrusted wasm bytes, at deploy time and again
//! whenever code is loaded from state.
//!
//! A consensus VM must reject, before anything runs, every module whose behaviour or cost could
//! differ between two honest nodes. One pass over the module (wasmparser's `Parser`, with its
//! `Validator` for the core specification) applies four groups of rules, one module each, each
//! with its reasons in its module docs:
//!
//! 1. `limits.rs` — the chain's [`ChainLimits`]: a small upload must not become a huge compiled
//!    artifact or an unbounded native frame;
//! 2. `features.rs` — the allowed WebAssembly features (MVP, mutable globals, sign extension,
//!    multi-value, bulk memory, one `funcref` table for `call_indirect`), nothing else;
//! 3. `floats.rs` and `operators.rs` — every instruction of every body, reachable or not,
//!    classified before wasmparser validates it;
//! 4. `contract.rs` — under [`Rules::Contract`], the eWASM shape: exports exactly `main` and
//!    `memory`, imports exactly EEI functions.
//!
//! `module.rs` walks the sections and `code.rs` the function bodies; `error.rs` has the typed
//! errors.
//!
//! Our checks see each item before wasmparser does, so a module gets the specific rule (`float`,
//! `simd`, `limit:max-locals`) rather than wasmparser's generic message (`malformed`). Every
//! rejection is a [`ValidationError`] naming the rule and where it was broken.
//!
//! Validation never panics, whatever the bytes: no indexing or unwrapping of input, counts
//! compared as `u64`, and nothing allocated from a declared count before it is checked.

mod code;
mod contract;
mod error;
mod features;
mod floats;
mod limits;
mod module;
mod operators;
mod priority;

use wasmparser::Parser;

use crate::limits::ChainLimits;
pub use error::{ContractRule, Limit, Location, Rule, Section, ValidationError};
use rewasm_eei::HostModules;

/// Which layer of rules to apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rules {
    /// Determinism rules only: features, floats, limits. Any module (e.g. the core suite).
    Determinism,
    /// Determinism rules plus the eWASM contract shape.
    Contract,
}

/// Facts about a valid module that later stages use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleSummary {
    /// Number of imported functions.
    pub imported_functions: u32,
    /// Number of functions the module defines (code bodies); imports are not counted.
    pub functions: u32,
    /// Initial memory pages of the module's memory (0 when it has none).
    pub initial_pages: u32,
    /// Declared maximum pages of the module's memory, if it declares one. `None` means the chain's
    /// `max_memory_pages` caps it at run time.
    pub max_pages: Option<u32>,
    /// The frame shape of each defined function, in order: what the deterministic stack budget
    /// charges per call.
    pub function_frames: Vec<FunctionFrame>,
    /// Whether the module has a passive data segment: `data.drop` could then change the
    /// instance in a way wasmer cannot undo, so it is never reused (see [`crate::warm`]).
    pub passive_data: bool,
}

/// The size of one defined function's frame, as validation measured it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FunctionFrame {
    /// Locals, parameters included (at most `max_locals`).
    pub locals: u32,
    /// The largest operand-stack height anywhere in the body (at most `max_operand_stack_height`).
    pub max_operand_height: u32,
}

/// Validates `code` under `limits` and `rules`, accepting imports from every module rewasm has
/// ([`HostModules::ALL`]): what a tool that checks a contract without a chain uses. A chain
/// validates with the modules its schedule offers ([`validate_for`]).
///
/// Returns the earliest broken rule in the binary, except that a float or SIMD use anywhere is
/// reported in preference to any other rule (see `priority.rs`).
pub fn validate(
    code: &[u8],
    limits: &ChainLimits,
    rules: Rules,
) -> Result<ModuleSummary, ValidationError> {
    validate_for(code, limits, rules, HostModules::ALL)
}

/// As [`validate`], accepting contract imports only from `ethereum` and the `modules` a chain
/// offers.
pub fn validate_for(
    code: &[u8],
    limits: &ChainLimits,
    rules: Rules,
    modules: HostModules,
) -> Result<ModuleSummary, ValidationError> {
    walk(code, limits, rules, modules).map_err(|error| match error.rule {
        Rule::Float | Rule::Simd => error,
        _ => priority::find_float_or_simd(code).unwrap_or(error),
    })
}

/// One pass over the module; the first broken rule in byte order.
fn walk(
    code: &[u8],
    limits: &ChainLimits,
    rules: Rules,
    modules: HostModules,
) -> Result<ModuleSummary, ValidationError> {
    limits::check_code_size(code.len(), limits)
        .map_err(|violation| violation.at(Location::Module { offset: 0 }))?;
    let mut walk = module::Walk::new(limits, rules, modules);
    let mut parser = Parser::new(0);
    // The parser decodes some encodings differently per feature (e.g. the reserved memory index
    // of `memory.size` is a LEB128 only with multi-memory), so it must see our feature set.
    parser.set_features(features::wasm_features());
    for payload in parser.parse_all(code) {
        // The parser reads section headers and sizes: its errors are about the module's framing.
        let payload = payload
            .map_err(|error| error::malformed(&error, |offset| Location::Module { offset }))?;
        if let Some(summary) = walk.payload(&payload)? {
            return Ok(summary);
        }
    }
    // parse_all always ends with an error or the End payload; keep a typed error regardless.
    let end = Location::Module { offset: code.len() };
    Err(error::Violation::new(Rule::Malformed, "unexpected end of module").at(end))
}
