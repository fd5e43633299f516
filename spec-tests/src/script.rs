//! Running one `.wast` script through rewasm's engine.
//!
//! Every module goes through [`Engine::compile`] under [`Rules::Determinism`] and every call
//! through [`MeteredInstance::call`]: the same validation, metering and counted call-depth budget
//! that contracts get. The suite checks that this instrumentation does not change wasm
//! semantics, so nothing here may take a shortcut around it.
//!
//! Per module the runner decides, from an independent scan ([`crate::scan`]) and the
//! validator's verdict:
//! - no float or SIMD, accepted: instantiate and run its assertions;
//! - uses SIMD: must be rejected with rule `simd` (or `float` when it also uses floats);
//! - uses floats: must be rejected with rule `float`; then the float-stub rewrite
//!   ([`crate::float_stub`]) is compiled instead so its integer assertions still run;
//! - rejected by another determinism rule (start function, table mutation, limits, ...): its
//!   assertions are skipped with that rule as the detail;
//! - anything else (a float the validator accepted, a valid module called malformed, a
//!   compile error after validation) is a failure.
//!
//! Scripts may link modules together (`register`). Each instance has its own instrumentation
//! globals, so before every invocation the runner gives *every* live instance of the script a
//! full gas budget and a zero call depth, and after a trap it checks every instance's
//! exhaustion flags: a call into another instance runs on that instance's counters. (Contracts
//! never import other wasm modules; this is only a harness concern.)
//!
//! Skipping is never allowed to turn into a wrong verdict later. Scripts build up state
//! (memory, globals, tables) across directives, so the runner tracks what each module's exports
//! read and write ([`crate::scan::Effects`]) and marks state *dirty* when the script's picture
//! of it was lost: a skipped float call that writes it, a module the script expected to write
//! into a registered module's memory or table but rewasm rejected, a `memory.grow` refused by the
//! chain's page limit, or a failed instantiation that left functions of a freed instance in a
//! shared table (calling those crashes wasmer 5.0.6). Later checks that read dirty state are
//! skipped with the reason that made it dirty.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::Arc;

use rewasm_vm::instrument::{
    CALL_DEPTH_EXPORT, GAS_EXHAUSTED_EXPORT, REMAINING_GAS_EXPORT, STACK_EXHAUSTED_EXPORT,
};
use rewasm_vm::wasmer::{Extern, Imports, Store, Value};
use rewasm_vm::{CompileError, CompiledModule, Engine, MeteredInstance, Outcome, Rules, TrapKind};
use wast::token::{Id, Span};
use wast::{QuoteWat, Wast, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::float_stub;
use crate::report::{Failure, ScriptReport, SkipReason};
use crate::scan::{self, Effects, ExportKind, ModuleScan, Resource, ScanError};
use crate::spectest;
use crate::values;

/// Gas given to every invocation: far more than any assertion needs, so that running out of
/// gas is always a failure, never an expected result.
pub const INVOCATION_GAS: u64 = 1_000_000_000_000;

/// Runs the script `text` (named `name` in the report) on `engine`. Never panics: parse errors,
/// bad directives and even a panic inside a dependency end up as failures in the report.
pub fn run_script(engine: &Engine, name: &str, text: &str) -> ScriptReport {
    let mut report = ScriptReport::new(name);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_directives(engine, text, &mut report)
    }));
    if let Err(panic) = outcome {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        report.failures.push(Failure {
            line: 0,
            column: 0,
            directive: "script",
            message: format!("runner panicked: {message}"),
        });
    }
    report
}

fn run_directives(engine: &Engine, text: &str, report: &mut ScriptReport) {
    let script_failure = |report: &mut ScriptReport, message: String| {
        report.failures.push(Failure {
            line: 0,
            column: 0,
            directive: "script",
            message,
        });
    };
    // The suite's names.wast deliberately uses bidirectional-override characters in names.
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buffer = match wast::parser::ParseBuffer::new_with_lexer(lexer) {
        Ok(buffer) => buffer,
        Err(mut err) => {
            err.set_text(text);
            return script_failure(report, format!("lexing: {err}"));
        }
    };
    let script = match wast::parser::parse::<Wast>(&buffer) {
        Ok(script) => script,
        Err(mut err) => {
            err.set_text(text);
            return script_failure(report, format!("parsing: {err}"));
        }
    };
    let mut store = engine.new_store();
    let spectest = match spectest::exports(&mut store) {
        Ok(spectest) => spectest,
        Err(err) => return script_failure(report, err.to_string()),
    };
    let mut runner = Runner {
        engine,
        text,
        store,
        spectest,
        current: None,
        named: HashMap::new(),
        registered: HashMap::new(),
        definitions: HashMap::new(),
        last_definition: None,
        instances: Vec::new(),
        report,
        trace: std::env::var_os("REWASM_SPEC_TRACE").is_some(),
    };
    for directive in script.directives {
        runner.directive(directive);
    }
}

/// A module as later directives see it.
#[derive(Clone)]
enum Slot {
    Live(Rc<Live>),
    Unavailable { reason: SkipReason, detail: String },
}

struct Live {
    instance: MeteredInstance,
    /// The scan of the module as written.
    scan: Box<ModuleScan>,
    /// For a float-stub rewrite: its float-using exports (skipped); `None` when as written.
    stubbed: Option<BTreeMap<String, ExportKind>>,
    /// The live modules this one imports a memory, table or global from.
    state_sources: Vec<Rc<Live>>,
    /// State of this module that no longer is what the script assumes, and why: a skipped
    /// float call wrote it, a chain limit refused a `memory.grow`, a module the script
    /// expected to write into it (segments, start function) was rejected, or a failed
    /// instantiation left dangling functions in its table.
    dirty: RefCell<BTreeMap<Resource, (SkipReason, String)>>,
}

impl Live {
    /// Why a call that reads `reads` cannot be trusted any more, if it cannot. Dirty state in
    /// a module this one imports from counts for any call that reads anything.
    fn conflict(&self, reads: &BTreeSet<Resource>) -> Option<(SkipReason, String)> {
        for (resource, why) in self.dirty.borrow().iter() {
            if scan::overlaps(&BTreeSet::from([*resource]), reads) {
                return Some(why.clone());
            }
        }
        if reads.is_empty() {
            return None;
        }
        let everything = BTreeSet::from([Resource::All]);
        self.state_sources
            .iter()
            .find_map(|source| source.conflict(&everything))
    }

    /// Records that `resources` diverged from the script's state (the first reason stays).
    fn mark(&self, resources: &BTreeSet<Resource>, reason: SkipReason, detail: &str) {
        let mut dirty = self.dirty.borrow_mut();
        for resource in resources {
            dirty
                .entry(*resource)
                .or_insert_with(|| (reason, detail.to_string()));
        }
    }

    /// What a call of `export` reads and writes (everything, for an unknown export).
    fn effects(&self, export: &str) -> Effects {
        self.scan
            .export_effects
            .get(export)
            .cloned()
            .unwrap_or_else(Effects::all)
    }
}

/// A module after validation, before instantiation.
#[derive(Clone)]
enum Prepared {
    /// Runnable: as written (`stubbed` is `None`) or as its float-stub rewrite.
    Ready {
        module: Arc<CompiledModule>,
        scan: Box<ModuleScan>,
        stubbed: Option<BTreeMap<String, ExportKind>>,
        /// A conformance failure found on the way (e.g. a float module the validator accepted).
        violation: Option<String>,
    },
    /// Rejected, and rightly so. `float_or_simd`: the expected float/SIMD rejection (a
    /// conformance pass); otherwise another determinism rule (a skip). `rule` is what keeps
    /// the module from running.
    Rejected { float_or_simd: bool, rule: String },
    /// A conformance failure; the module cannot run.
    Failed(String),
}

/// Why an instantiation did not happen.
enum InstantiateError {
    /// An import comes from a module that cannot run.
    Dependency(SkipReason, String),
    /// wasmer refused (link error or trap during initialisation).
    Error(String),
}

/// The outcome of resolving and running an invocation.
enum Invoked {
    Ran {
        outcome: Outcome,
        stubbed: bool,
        live: Rc<Live>,
    },
    Skip(SkipReason, String),
    Fail(String),
}

/// What a directive expects of an invocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    /// A return (`invoke`, `assert_return` with integer or reference results).
    Completion,
    /// A return with a float or vector among the results.
    FloatResults,
    /// A trap or stack exhaustion. When such a call is skipped, its writes are assumed not to
    /// have happened: a trapping instruction changes nothing, and the suite's trap assertions
    /// on float functions trap on their first state access. Were that ever wrong, a later
    /// assertion would fail visibly; it could not pass wrongly.
    Trap,
}

impl Expected {
    fn results(float: bool) -> Self {
        if float {
            Expected::FloatResults
        } else {
            Expected::Completion
        }
    }
}

/// A check's result.
enum Check {
    Pass,
    Fail(String),
    Skip(SkipReason, String),
}

struct Runner<'a> {
    engine: &'a Engine,
    text: &'a str,
    store: Store,
    spectest: Vec<(String, Extern)>,
    current: Option<Slot>,
    named: HashMap<String, Slot>,
    registered: HashMap<String, Slot>,
    definitions: HashMap<String, (Prepared, BTreeSet<String>)>,
    last_definition: Option<(Prepared, BTreeSet<String>)>,
    /// Every live instance of the script, for the per-invocation meter reset.
    instances: Vec<MeteredInstance>,
    report: &'a mut ScriptReport,
    /// Print every directive to stderr before running it (`REWASM_SPEC_TRACE=1`), to find the
    /// directive that takes the process down if the VM ever crashes.
    trace: bool,
}

fn directive_name(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
    }
}

/// The registered modules whose state instantiating the scanned module writes.
fn writes_of(scanned: &Result<ModuleScan, ScanError>) -> BTreeSet<String> {
    scanned
        .as_ref()
        .map(|scan| scan.writes_on_instantiation.clone())
        .unwrap_or_default()
}

/// The rule name of a validation error: its Display is `<rule>: <detail> at <location>`.
fn rule_of(message: &str) -> String {
    message
        .split(": ")
        .next()
        .unwrap_or(message)
        .trim()
        .to_string()
}

fn directive_span(directive: &WastDirective<'_>) -> Span {
    match directive {
        WastDirective::Module(module) | WastDirective::ModuleDefinition(module) => module.span(),
        WastDirective::ModuleInstance { span, .. }
        | WastDirective::AssertMalformed { span, .. }
        | WastDirective::AssertInvalid { span, .. }
        | WastDirective::AssertInvalidCustom { span, .. }
        | WastDirective::Register { span, .. }
        | WastDirective::AssertTrap { span, .. }
        | WastDirective::AssertReturn { span, .. }
        | WastDirective::AssertExhaustion { span, .. }
        | WastDirective::AssertUnlinkable { span, .. }
        | WastDirective::AssertException { span, .. }
        | WastDirective::AssertSuspension { span, .. }
        | WastDirective::Wait { span, .. }
        | WastDirective::AssertMalformedCustom { span, .. } => *span,
        WastDirective::Invoke(invoke) => invoke.span,
        WastDirective::Thread(thread) => thread.span,
    }
}

fn is_component(module: &QuoteWat<'_>) -> bool {
    matches!(
        module,
        QuoteWat::Wat(Wat::Component(_)) | QuoteWat::QuoteComponent(..)
    )
}

/// Whether a trap kind is the one the spec's message names; `None` for messages the runner
/// does not know (any trap is accepted then).
fn trap_matches(message: &str, kind: &TrapKind) -> Option<bool> {
    let expected: &[TrapKind] = if message.starts_with("unreachable") {
        &[TrapKind::Unreachable]
    } else if message.starts_with("integer divide by zero") {
        &[TrapKind::IntegerDivisionByZero]
    } else if message.starts_with("integer overflow")
        || message.starts_with("invalid conversion to integer")
    {
        &[TrapKind::IntegerOverflow]
    } else if message.starts_with("out of bounds memory access") {
        &[TrapKind::MemoryOutOfBounds]
    } else if message.starts_with("out of bounds table access")
        || message.starts_with("undefined element")
    {
        &[TrapKind::TableOutOfBounds]
    } else if message.starts_with("uninitialized element") {
        &[TrapKind::IndirectCallToNull]
    } else if message.starts_with("indirect call type mismatch") {
        &[TrapKind::BadSignature]
    } else {
        return None;
    };
    Some(expected.contains(kind))
}

impl Runner<'_> {
    fn directive(&mut self, directive: WastDirective<'_>) {
        let name = directive_name(&directive);
        let (line, column) = directive_span(&directive).linecol_in(self.text);
        if self.trace {
            eprintln!("{}:{}: {name}", self.report.name, line + 1);
        }
        let check = self.run(directive);
        match check {
            Check::Pass => self.report.passed += 1,
            Check::Fail(message) => self.report.failures.push(Failure {
                line: line + 1,
                column: column + 1,
                directive: name,
                message,
            }),
            Check::Skip(reason, detail) => self.report.skip(reason, &detail),
        }
    }

    fn run(&mut self, directive: WastDirective<'_>) -> Check {
        match directive {
            WastDirective::Module(module) => self.module(module),
            WastDirective::ModuleDefinition(module) => self.module_definition(module),
            WastDirective::ModuleInstance {
                instance, module, ..
            } => self.module_instance(instance, module),
            WastDirective::Register { name, module, .. } => self.register(name, module),
            WastDirective::Invoke(invoke) => match self.invoke(&invoke, Expected::Completion) {
                Invoked::Ran {
                    outcome: Outcome::Returned(_),
                    stubbed,
                    ..
                } => self.pass(stubbed),
                Invoked::Ran { outcome, .. } => Check::Fail(format!(
                    "expected a return, got {}",
                    self.outcome_text(&outcome)
                )),
                Invoked::Skip(reason, detail) => Check::Skip(reason, detail),
                Invoked::Fail(message) => Check::Fail(message),
            },
            WastDirective::AssertReturn { exec, results, .. } => self.assert_return(exec, &results),
            WastDirective::AssertTrap { exec, message, .. } => self.assert_trap(exec, message),
            WastDirective::AssertExhaustion { call, message, .. } => {
                match self.invoke(&call, Expected::Trap) {
                    Invoked::Ran {
                        outcome: Outcome::StackExhausted,
                        stubbed,
                        ..
                    } => self.pass(stubbed),
                    Invoked::Ran { outcome, .. } => Check::Fail(format!(
                        "expected stack exhaustion ({message}), got {}",
                        self.outcome_text(&outcome)
                    )),
                    Invoked::Skip(reason, detail) => Check::Skip(reason, detail),
                    Invoked::Fail(message) => Check::Fail(message),
                }
            }
            WastDirective::AssertUnlinkable {
                module, message, ..
            } => self.assert_module_fails(QuoteWat::Wat(module), message, false),
            WastDirective::AssertInvalid {
                module, message, ..
            }
            | WastDirective::AssertMalformed {
                module, message, ..
            } => self.assert_rejected(module, message),
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. }
            | WastDirective::AssertException { .. }
            | WastDirective::AssertSuspension { .. }
            | WastDirective::Thread(_)
            | WastDirective::Wait { .. } => {
                Check::Skip(SkipReason::UnsupportedDirective, String::new())
            }
        }
    }

    fn pass(&mut self, stubbed: bool) -> Check {
        if stubbed {
            self.report.recovered += 1;
        }
        Check::Pass
    }

    // ---- modules -------------------------------------------------------------------------

    /// Validates a module the suite expects to be valid, recording the verdict in the module
    /// statistics. With `allow_rewrite`, a float module is replaced by its float-stub rewrite.
    fn prepare(
        &mut self,
        bytes: &[u8],
        scanned: Result<ModuleScan, ScanError>,
        allow_rewrite: bool,
    ) -> Prepared {
        let scan = match scanned {
            Ok(scan) => scan,
            Err(err) => return Prepared::Failed(err.to_string()),
        };
        let err = match self.engine.compile(bytes, Rules::Determinism) {
            Ok(module) => {
                self.report.modules.accepted += 1;
                let violation = match (&scan.simd_use, &scan.float_use) {
                    (Some(simd), _) => Some(format!(
                        "validator accepted a module that uses SIMD ({simd})"
                    )),
                    (None, Some(float)) => Some(format!(
                        "validator accepted a module that uses floats ({float})"
                    )),
                    (None, None) => None,
                };
                return Prepared::Ready {
                    module,
                    scan: Box::new(scan),
                    stubbed: None,
                    violation,
                };
            }
            Err(CompileError::Compile(message)) => {
                return Prepared::Failed(format!(
                    "validator accepted it but compilation failed: {message}"
                ));
            }
            Err(CompileError::Invalid(err)) => err,
        };
        let message = err.to_string();
        let rule = rule_of(&message);
        *self
            .report
            .modules
            .rejected
            .entry(rule.clone())
            .or_default() += 1;
        if let Some(simd) = &scan.simd_use {
            if rule == "simd" || (rule == "float" && scan.uses_float()) {
                return Prepared::Rejected {
                    float_or_simd: true,
                    rule,
                };
            }
            return Prepared::Failed(format!(
                "module uses SIMD ({simd}) but was rejected by rule `{rule}`: {message}"
            ));
        }
        if let Some(float) = &scan.float_use {
            if rule != "float" {
                return Prepared::Failed(format!(
                    "module uses floats ({float}) but was rejected by rule `{rule}`: {message}"
                ));
            }
            if !allow_rewrite {
                return Prepared::Rejected {
                    float_or_simd: true,
                    rule,
                };
            }
            return self.prepare_rewrite(bytes, scan);
        }
        if rule == "malformed" {
            return Prepared::Failed(format!("valid module rejected as malformed: {message}"));
        }
        Prepared::Rejected {
            float_or_simd: false,
            rule,
        }
    }

    fn prepare_rewrite(&mut self, bytes: &[u8], scan: ModuleScan) -> Prepared {
        let rewritten = match float_stub::rewrite(bytes, &scan) {
            Ok(rewritten) => rewritten,
            Err(err) => return Prepared::Failed(err.to_string()),
        };
        match self.engine.compile(&rewritten, Rules::Determinism) {
            Ok(module) => {
                self.report.modules.accepted_after_rewrite += 1;
                let stubbed = Some(scan.float_exports.clone());
                Prepared::Ready {
                    module,
                    scan: Box::new(scan),
                    stubbed,
                    violation: None,
                }
            }
            Err(CompileError::Invalid(err)) => {
                let message = err.to_string();
                let rule = rule_of(&message);
                match rule.as_str() {
                    "float" | "simd" | "malformed" => {
                        Prepared::Failed(format!("float-stub rewrite rejected: {message}"))
                    }
                    _ => Prepared::Rejected {
                        float_or_simd: true,
                        rule,
                    },
                }
            }
            Err(CompileError::Compile(message)) => Prepared::Failed(format!(
                "float-stub rewrite accepted but compilation failed: {message}"
            )),
        }
    }

    fn instantiate(
        &mut self,
        module: &CompiledModule,
        scan: &ModuleScan,
    ) -> Result<MeteredInstance, InstantiateError> {
        let mut imports = Imports::new();
        imports.register_namespace("spectest", self.spectest.iter().cloned());
        for name in &scan.import_modules {
            match self.registered.get(name) {
                Some(Slot::Live(live)) => {
                    let exports = live.instance.instance().exports.iter();
                    imports.register_namespace(name, exports.map(|(n, e)| (n.clone(), e.clone())));
                }
                Some(Slot::Unavailable { reason, detail }) => {
                    let reason = match reason {
                        SkipReason::DependsOnFailedModule => SkipReason::DependsOnFailedModule,
                        _ => SkipReason::DependsOnRejectedModule,
                    };
                    let detail = if detail.is_empty() {
                        name.clone()
                    } else {
                        format!("{name}: {detail}")
                    };
                    return Err(InstantiateError::Dependency(reason, detail));
                }
                None => {}
            }
        }
        let instance = match MeteredInstance::new(&mut self.store, module, &imports) {
            Ok(instance) => instance,
            Err(err) => {
                let message = err.to_string();
                // A trap while writing segments keeps the writes made before it (2.0
                // semantics), and wasmer frees the failed instance those functions belong to.
                if scan.active_elements && !message.contains("Error while importing") {
                    for live in self.registered_live(&scan.table_imports) {
                        live.mark(
                            &BTreeSet::from([Resource::Table]),
                            SkipReason::DanglingTableEntries,
                            "",
                        );
                    }
                }
                return Err(InstantiateError::Error(message));
            }
        };
        self.instances.push(instance.clone());
        Ok(instance)
    }

    /// The live registered modules named in `names`.
    fn registered_live(&self, names: &BTreeSet<String>) -> Vec<Rc<Live>> {
        names
            .iter()
            .filter_map(|name| match self.registered.get(name) {
                Some(Slot::Live(live)) => Some(live.clone()),
                _ => None,
            })
            .collect()
    }

    /// Marks all state of the registered modules in `names` as diverged from the script's.
    fn diverge(&self, names: &BTreeSet<String>, reason: SkipReason, detail: &str) {
        let everything = BTreeSet::from([Resource::All]);
        for live in self.registered_live(names) {
            live.mark(&everything, reason, detail);
        }
    }

    fn live(
        &self,
        instance: MeteredInstance,
        scan: Box<ModuleScan>,
        stubbed: Option<BTreeMap<String, ExportKind>>,
    ) -> Slot {
        let state_sources = self.registered_live(&scan.state_imports);
        Slot::Live(Rc::new(Live {
            instance,
            scan,
            stubbed,
            state_sources,
            dirty: RefCell::new(BTreeMap::new()),
        }))
    }

    /// Binds a `module` / `module instance` result as the current module (and under `id`).
    fn bind(&mut self, id: Option<Id<'_>>, slot: Slot) {
        if let Some(id) = id {
            self.named.insert(id.name().to_string(), slot.clone());
        }
        self.current = Some(slot);
    }

    fn module(&mut self, mut module: QuoteWat<'_>) -> Check {
        if is_component(&module) {
            return self.unavailable(
                module.name(),
                SkipReason::UnsupportedDirective,
                "component".into(),
            );
        }
        let id = module.name();
        let bytes = match module.encode() {
            Ok(bytes) => bytes,
            Err(err) => {
                return self.failed(id, format!("encoding: {err}"));
            }
        };
        let scanned = scan::scan(&bytes);
        let writes = writes_of(&scanned);
        let prepared = self.prepare(&bytes, scanned, true);
        self.start(id, prepared, &writes)
    }

    /// Instantiates a prepared module and binds the result to `id` and as current. `writes`
    /// are the registered modules whose state the instantiation would write: when the module
    /// does not run, they no longer hold what the script assumes.
    fn start(
        &mut self,
        id: Option<Id<'_>>,
        prepared: Prepared,
        writes: &BTreeSet<String>,
    ) -> Check {
        match &prepared {
            Prepared::Ready { .. } => {}
            Prepared::Rejected { rule, .. } => {
                self.diverge(writes, SkipReason::DependsOnRejectedModule, rule)
            }
            Prepared::Failed(_) => self.diverge(writes, SkipReason::DependsOnFailedModule, ""),
        }
        match prepared {
            Prepared::Ready {
                module,
                scan,
                stubbed,
                violation,
            } => match self.instantiate(&module, &scan) {
                Ok(instance) => {
                    let slot = self.live(instance, scan, stubbed);
                    self.bind(id, slot);
                    match violation {
                        Some(message) => Check::Fail(message),
                        None => Check::Pass,
                    }
                }
                Err(InstantiateError::Dependency(reason, detail)) => {
                    self.diverge(writes, reason, &detail);
                    match violation {
                        Some(message) => self.failed(id, message),
                        None => self.unavailable(id, reason, detail),
                    }
                }
                Err(InstantiateError::Error(message)) => {
                    let message = match violation {
                        Some(violation) => violation,
                        None => format!("instantiation failed: {message}"),
                    };
                    self.failed(id, message)
                }
            },
            Prepared::Rejected {
                float_or_simd: true,
                rule,
            } => {
                self.bind(
                    id,
                    Slot::Unavailable {
                        reason: SkipReason::RejectedFeature,
                        detail: rule,
                    },
                );
                Check::Pass
            }
            Prepared::Rejected {
                float_or_simd: false,
                rule,
            } => self.unavailable(id, SkipReason::RejectedFeature, rule),
            Prepared::Failed(message) => self.failed(id, message),
        }
    }

    fn unavailable(&mut self, id: Option<Id<'_>>, reason: SkipReason, detail: String) -> Check {
        self.bind(
            id,
            Slot::Unavailable {
                reason,
                detail: detail.clone(),
            },
        );
        Check::Skip(reason, detail)
    }

    fn failed(&mut self, id: Option<Id<'_>>, message: String) -> Check {
        self.bind(
            id,
            Slot::Unavailable {
                reason: SkipReason::DependsOnFailedModule,
                detail: String::new(),
            },
        );
        Check::Fail(message)
    }

    fn module_definition(&mut self, mut module: QuoteWat<'_>) -> Check {
        if is_component(&module) {
            return Check::Skip(SkipReason::UnsupportedDirective, "component".into());
        }
        let id = module.name();
        let (prepared, writes) = match module.encode() {
            Ok(bytes) => {
                let scanned = scan::scan(&bytes);
                let writes = writes_of(&scanned);
                (self.prepare(&bytes, scanned, true), writes)
            }
            Err(err) => (
                Prepared::Failed(format!("encoding: {err}")),
                BTreeSet::new(),
            ),
        };
        let check = match &prepared {
            Prepared::Ready {
                violation: Some(message),
                ..
            }
            | Prepared::Failed(message) => Check::Fail(message.clone()),
            Prepared::Ready { .. }
            | Prepared::Rejected {
                float_or_simd: true,
                ..
            } => Check::Pass,
            Prepared::Rejected {
                float_or_simd: false,
                rule,
            } => Check::Skip(SkipReason::RejectedFeature, rule.clone()),
        };
        if let Some(id) = id {
            self.definitions
                .insert(id.name().to_string(), (prepared.clone(), writes.clone()));
        }
        self.last_definition = Some((prepared, writes));
        check
    }

    fn module_instance(&mut self, instance: Option<Id<'_>>, module: Option<Id<'_>>) -> Check {
        let prepared = match module {
            Some(module) => self.definitions.get(module.name()).cloned(),
            None => self.last_definition.clone(),
        };
        let Some((prepared, writes)) = prepared else {
            return self.failed(
                instance,
                "module instance of an unknown module definition".into(),
            );
        };
        match prepared {
            // The definition's own check already counted these.
            Prepared::Ready {
                violation: Some(_), ..
            }
            | Prepared::Failed(_) => {
                self.diverge(&writes, SkipReason::DependsOnFailedModule, "");
                self.unavailable(instance, SkipReason::DependsOnFailedModule, String::new())
            }
            Prepared::Rejected { rule, .. } => {
                self.diverge(&writes, SkipReason::DependsOnRejectedModule, &rule);
                self.unavailable(instance, SkipReason::RejectedFeature, rule)
            }
            ready @ Prepared::Ready { .. } => self.start(instance, ready, &writes),
        }
    }

    fn register(&mut self, name: &str, module: Option<Id<'_>>) -> Check {
        match self.resolve(module) {
            Ok(slot) => {
                let check = match &slot {
                    Slot::Live(_) => Check::Pass,
                    Slot::Unavailable { reason, detail } => Check::Skip(*reason, detail.clone()),
                };
                self.registered.insert(name.to_string(), slot);
                check
            }
            Err(message) => Check::Fail(message),
        }
    }

    fn resolve(&self, module: Option<Id<'_>>) -> Result<Slot, String> {
        match module {
            Some(id) => self
                .named
                .get(id.name())
                .cloned()
                .ok_or_else(|| format!("unknown module ${}", id.name())),
            None => self
                .current
                .clone()
                .ok_or_else(|| "no module defined yet".to_string()),
        }
    }

    /// `assert_unlinkable` and `assert_trap` on a module: it must be valid, and its
    /// instantiation must fail. `writes_state`: the spec expects the failed instantiation to
    /// have written into imported state first (`assert_trap`; a link error writes nothing).
    fn assert_module_fails(
        &mut self,
        mut module: QuoteWat<'_>,
        message: &str,
        writes_state: bool,
    ) -> Check {
        if is_component(&module) {
            return Check::Skip(SkipReason::UnsupportedDirective, "component".into());
        }
        let bytes = match module.encode() {
            Ok(bytes) => bytes,
            Err(err) => return Check::Fail(format!("encoding: {err}")),
        };
        let scanned = scan::scan(&bytes);
        let writes = if writes_state {
            writes_of(&scanned)
        } else {
            BTreeSet::new()
        };
        let prepared = self.prepare(&bytes, scanned, false);
        match &prepared {
            Prepared::Ready { .. } => {}
            Prepared::Rejected { rule, .. } => {
                self.diverge(&writes, SkipReason::DependsOnRejectedModule, rule)
            }
            Prepared::Failed(_) => self.diverge(&writes, SkipReason::DependsOnFailedModule, ""),
        }
        match prepared {
            Prepared::Ready {
                violation: Some(violation),
                ..
            } => Check::Fail(violation),
            Prepared::Ready { module, scan, .. } => match self.instantiate(&module, &scan) {
                Ok(_) => Check::Fail(format!(
                    "module instantiated; expected failure \"{message}\""
                )),
                Err(InstantiateError::Error(_)) => Check::Pass,
                Err(InstantiateError::Dependency(reason, detail)) => {
                    self.diverge(&writes, reason, &detail);
                    Check::Skip(reason, detail)
                }
            },
            Prepared::Rejected {
                float_or_simd: true,
                rule,
            } => Check::Skip(SkipReason::FloatModule, rule),
            Prepared::Rejected {
                float_or_simd: false,
                rule,
            } => Check::Skip(SkipReason::RejectedFeature, rule),
            Prepared::Failed(message) => Check::Fail(message),
        }
    }

    /// `assert_invalid` / `assert_malformed`: the text must not encode, or rewasm must reject
    /// the binary. Rejection by the validator is required: a module that only the compiler
    /// refuses slipped through validation.
    fn assert_rejected(&mut self, mut module: QuoteWat<'_>, message: &str) -> Check {
        if is_component(&module) {
            return Check::Skip(SkipReason::UnsupportedDirective, "component".into());
        }
        let Ok(bytes) = module.encode() else {
            return Check::Pass;
        };
        match self.engine.compile(&bytes, Rules::Determinism) {
            Err(CompileError::Invalid(_)) => Check::Pass,
            Err(CompileError::Compile(err)) => Check::Fail(format!(
                "expected rejection \"{message}\": the validator accepted it, only the compiler failed: {err}"
            )),
            Ok(_) => Check::Fail(format!("expected rejection \"{message}\": module accepted")),
        }
    }

    // ---- invocations ---------------------------------------------------------------------

    /// Resolves and runs an invocation. `expected`: what the directive expects, which decides
    /// whether skipping the call leaves the module's state behind (see [`Expected`]).
    fn invoke(&mut self, invoke: &WastInvoke<'_>, expected: Expected) -> Invoked {
        let float_results = expected == Expected::FloatResults;
        let live = match self.resolve(invoke.module) {
            Ok(Slot::Live(live)) => live,
            Ok(Slot::Unavailable { reason, detail }) => return Invoked::Skip(reason, detail),
            Err(message) => return Invoked::Fail(message),
        };
        let effects = live.effects(invoke.name);
        if let Some((reason, detail)) = live.conflict(&effects.reads) {
            // What this skipped call would have written is now unknown too.
            if expected != Expected::Trap {
                live.mark(&effects.writes, reason, &detail);
            }
            return Invoked::Skip(reason, detail);
        }
        if let Some(stubbed) = &live.stubbed {
            let skip = if float_results || invoke.args.iter().any(values::is_float_arg) {
                Some(SkipReason::FloatSignature)
            } else if stubbed.contains_key(invoke.name) {
                Some(SkipReason::FloatFunction)
            } else {
                None
            };
            if let Some(reason) = skip {
                if expected != Expected::Trap {
                    live.mark(
                        &effects.writes,
                        SkipReason::DependsOnSkippedCall,
                        invoke.name,
                    );
                }
                return Invoked::Skip(reason, String::new());
            }
        }
        let mut args = Vec::with_capacity(invoke.args.len());
        for arg in &invoke.args {
            match values::to_value(arg, &mut self.store) {
                Ok(value) => args.push(value),
                Err(err) => return Invoked::Fail(err.to_string()),
            }
        }
        self.reset_meters();
        let result = live
            .instance
            .call(&mut self.store, invoke.name, &args, INVOCATION_GAS);
        let outcome = self.reclassify(result.outcome);
        Invoked::Ran {
            outcome,
            stubbed: live.stubbed.is_some(),
            live,
        }
    }

    /// Gives every live instance a full budget and zero depth (see the module docs).
    fn reset_meters(&mut self) {
        for instance in &self.instances {
            let exports = &instance.instance().exports;
            if let Ok(global) = exports.get_global(REMAINING_GAS_EXPORT) {
                let _ = global.set(&mut self.store, Value::I64(INVOCATION_GAS as i64));
            }
            for name in [
                GAS_EXHAUSTED_EXPORT,
                CALL_DEPTH_EXPORT,
                STACK_EXHAUSTED_EXPORT,
            ] {
                if let Ok(global) = exports.get_global(name) {
                    let _ = global.set(&mut self.store, Value::I32(0));
                }
            }
        }
    }

    /// A trap raised by the instrumentation of *another* instance (a call across `register`ed
    /// modules) shows up as a plain trap in the caller; its flags say what it was.
    fn reclassify(&mut self, outcome: Outcome) -> Outcome {
        if !matches!(outcome, Outcome::Trap(_)) {
            return outcome;
        }
        let flag = |store: &mut Store, instance: &MeteredInstance, name: &str| {
            instance
                .instance()
                .exports
                .get_global(name)
                .is_ok_and(|global| !matches!(global.get(store), Value::I32(0)))
        };
        for instance in &self.instances {
            if flag(&mut self.store, instance, STACK_EXHAUSTED_EXPORT) {
                return Outcome::StackExhausted;
            }
            if flag(&mut self.store, instance, GAS_EXHAUSTED_EXPORT) {
                return Outcome::OutOfGas;
            }
        }
        outcome
    }

    fn outcome_text(&self, outcome: &Outcome) -> String {
        match outcome {
            Outcome::Returned(values) => {
                format!("return {}", values::describe_all(values, &self.store))
            }
            Outcome::OutOfGas => "out of gas".into(),
            Outcome::StackExhausted => "stack exhausted".into(),
            Outcome::Trap(kind) => format!("trap {kind:?}"),
            Outcome::Host(err) => format!("host error: {err}"),
            Outcome::BadExport(err) => format!("bad export: {err}"),
            Outcome::HostFailure(failure) => format!("host failure: {failure}"),
        }
    }

    fn assert_return(&mut self, exec: WastExecute<'_>, results: &[WastRet<'_>]) -> Check {
        let float_results = results.iter().any(values::is_float_ret);
        match exec {
            WastExecute::Invoke(invoke) => {
                match self.invoke(&invoke, Expected::results(float_results)) {
                    Invoked::Ran {
                        outcome: Outcome::Returned(actual),
                        stubbed,
                        live,
                    } => match self.compare(results, &actual) {
                        Ok(()) => self.pass(stubbed),
                        Err(_) if self.refused_growth(&live, invoke.name, results, &actual) => {
                            let detail = "limit:max-memory-pages";
                            live.mark(
                                &BTreeSet::from([Resource::Memory]),
                                SkipReason::ChainLimit,
                                detail,
                            );
                            Check::Skip(SkipReason::ChainLimit, detail.into())
                        }
                        Err(message) => Check::Fail(message),
                    },
                    Invoked::Ran { outcome, .. } => Check::Fail(format!(
                        "expected {}, got {}",
                        values::describe_expected(results),
                        self.outcome_text(&outcome)
                    )),
                    Invoked::Skip(reason, detail) => Check::Skip(reason, detail),
                    Invoked::Fail(message) => Check::Fail(message),
                }
            }
            WastExecute::Get { module, global, .. } => {
                let live = match self.resolve(module) {
                    Ok(Slot::Live(live)) => live,
                    Ok(Slot::Unavailable { reason, detail }) => return Check::Skip(reason, detail),
                    Err(message) => return Check::Fail(message),
                };
                let reads = match live.scan.global_exports.get(global) {
                    Some(index) => BTreeSet::from([Resource::Global(*index)]),
                    None => BTreeSet::from([Resource::All]),
                };
                if let Some((reason, detail)) = live.conflict(&reads) {
                    return Check::Skip(reason, detail);
                }
                if let Some(stubbed) = &live.stubbed
                    && (float_results || stubbed.contains_key(global))
                {
                    return Check::Skip(SkipReason::FloatSignature, String::new());
                }
                let value = match live.instance.instance().exports.get_global(global) {
                    Ok(handle) => handle.get(&mut self.store),
                    Err(err) => return Check::Fail(format!("global {global}: {err}")),
                };
                match self.compare(results, &[value]) {
                    Ok(()) => self.pass(live.stubbed.is_some()),
                    Err(message) => Check::Fail(message),
                }
            }
            WastExecute::Wat(_) => {
                Check::Fail("assert_return on a module is not a valid directive".into())
            }
        }
    }

    /// Whether a mismatch is `memory.grow` refusing growth the spec allows but the chain's
    /// `max_memory_pages` does not (DESIGN, determinism rule 5): the call returned -1 where the
    /// spec expects the old size, the export may grow memory, and the module's memory may
    /// grow past the chain's maximum in the spec.
    fn refused_growth(
        &self,
        live: &Live,
        export: &str,
        expected: &[WastRet<'_>],
        actual: &[Value],
    ) -> bool {
        let chain_max = u64::from(self.engine.config().limits.max_memory_pages);
        let beyond_chain = match live.scan.memory_maximum {
            Some(None) => true,
            Some(Some(max)) => max > chain_max,
            None => false,
        };
        let expected_old_size = matches!(
            expected,
            [WastRet::Core(wast::core::WastRetCore::I32(size))] if *size >= 0
        );
        beyond_chain
            && expected_old_size
            && matches!(actual, [Value::I32(-1)])
            && live
                .effects(export)
                .writes
                .iter()
                .any(|r| matches!(r, Resource::Memory | Resource::All))
    }

    fn compare(&self, expected: &[WastRet<'_>], actual: &[Value]) -> Result<(), String> {
        let mismatch = || {
            format!(
                "expected {}, got {}",
                values::describe_expected(expected),
                values::describe_all(actual, &self.store)
            )
        };
        if expected.len() != actual.len() {
            return Err(mismatch());
        }
        for (expected_value, actual_value) in expected.iter().zip(actual) {
            match values::matches(expected_value, actual_value, &self.store) {
                Ok(true) => {}
                Ok(false) => return Err(mismatch()),
                Err(err) => {
                    return Err(format!(
                        "{err} (got {})",
                        values::describe_all(actual, &self.store)
                    ));
                }
            }
        }
        Ok(())
    }

    fn assert_trap(&mut self, exec: WastExecute<'_>, message: &str) -> Check {
        match exec {
            WastExecute::Invoke(invoke) => match self.invoke(&invoke, Expected::Trap) {
                Invoked::Ran {
                    outcome: Outcome::Trap(kind),
                    stubbed,
                    ..
                } => match trap_matches(message, &kind) {
                    Some(false) => {
                        Check::Fail(format!("expected trap \"{message}\", got trap {kind:?}"))
                    }
                    Some(true) | None => self.pass(stubbed),
                },
                Invoked::Ran {
                    outcome: Outcome::StackExhausted,
                    stubbed,
                    ..
                } if message.contains("stack") => self.pass(stubbed),
                Invoked::Ran { outcome, .. } => Check::Fail(format!(
                    "expected trap \"{message}\", got {}",
                    self.outcome_text(&outcome)
                )),
                Invoked::Skip(reason, detail) => Check::Skip(reason, detail),
                Invoked::Fail(message) => Check::Fail(message),
            },
            WastExecute::Wat(module) => {
                self.assert_module_fails(QuoteWat::Wat(module), message, true)
            }
            WastExecute::Get { .. } => {
                Check::Fail("assert_trap on a global read is not a valid directive".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewasm_vm::VmConfig;

    fn engine() -> Engine {
        Engine::new(VmConfig {
            modules_per_generation: None,
            schedule: rewasm_vm::GasSchedule::default_schedule(),
            ..VmConfig::default()
        })
        .unwrap()
    }

    /// Integer-only: the counts do not depend on what the validator rejects.
    const INTEGER_SCRIPT: &str = r#"
        (module $m
          (memory 1)
          (global $counter (export "counter") (mut i32) (i32.const 5))
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func $runaway (export "runaway") (call $runaway))
          (func (export "bump") (global.set $counter (i32.add (global.get $counter) (i32.const 1)))))
        (register "m" $m)
        (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
        (assert_return (invoke "add" (i32.const -1) (i32.const 1)) (i32.const 0))
        (assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
        (assert_trap (invoke "div" (i32.const 0x80000000) (i32.const -1)) "integer overflow")
        (assert_trap (invoke "load" (i32.const 65534)) "out of bounds memory access")
        (assert_exhaustion (invoke "runaway") "call stack exhausted")
        (invoke "bump")
        (assert_return (get "counter") (i32.const 6))
        (module
          (import "m" "add" (func $add (param i32 i32) (result i32)))
          (import "spectest" "global_i32" (global $g i32))
          (import "spectest" "print_i32" (func $print (param i32)))
          (func (export "add-g") (param i32) (result i32)
            (call $print (local.get 0))
            (call $add (local.get 0) (global.get $g))))
        (assert_return (invoke "add-g" (i32.const 1)) (i32.const 667))
        (assert_return (invoke $m "add" (i32.const 2) (i32.const 2)) (i32.const 4))
        (assert_unlinkable (module (import "m" "nope" (func))) "unknown import")
        (assert_trap (module (memory 1) (data (i32.const 65536) "x")) "out of bounds memory access")
        ;; A deliberately wrong expectation: must be reported, not hidden.
        (assert_return (invoke $m "add" (i32.const 2) (i32.const 2)) (i32.const 5))
    "#;

    #[test]
    fn integer_script_end_to_end() {
        let report = run_script(&engine(), "inline.wast", INTEGER_SCRIPT);
        let failures: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.line, f.message))
            .collect();
        // 2 modules, register, 10 assertions and invokes, assert_unlinkable and assert_trap on
        // a module pass; the wrong expectation fails.
        assert_eq!(report.failed(), 1, "{failures:?}");
        let wrong_line = INTEGER_SCRIPT
            .lines()
            .position(|l| l.contains("deliberately wrong"))
            .unwrap()
            + 2;
        assert_eq!(report.failures[0].line, wrong_line, "{failures:?}");
        assert!(
            report.failures[0]
                .message
                .contains("expected [i32:5], got [i32:4]"),
            "{failures:?}"
        );
        assert_eq!(report.passed, 15, "{}", report.script_text());
        assert_eq!(report.skipped_total(), 0, "{}", report.script_text());
        assert_eq!(report.recovered, 0);
        assert_eq!(report.modules.accepted, 4);
    }

    /// Mixes floats into a module; the counts assume the real validator (floats rejected).
    const FLOAT_SCRIPT: &str = r#"
        (module
          (memory 1)
          (func $fadd (export "fadd") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
          (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func (export "via-float") (result i32) (drop (call $fadd (f32.const 1) (f32.const 2))) (i32.const 3))
          (func (export "trap") (result i32) (unreachable))
          (func (export "f32.store") (param f32) (f32.store (i32.const 0) (local.get 0)))
          (func (export "i32.load") (result i32) (i32.load (i32.const 0)))
          (func (export "pure") (result i32) (i32.const 9)))
        (assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
        (assert_trap (invoke "trap") "unreachable")
        (assert_return (invoke "fadd" (f32.const 1) (f32.const 2)) (f32.const 3))
        (assert_return (invoke "via-float") (i32.const 3))
        (assert_return (invoke "i32.load") (i32.const 0))
        ;; Skipping this store leaves memory behind the script: later loads are skipped,
        ;; calls that do not read memory still run.
        (invoke "f32.store" (f32.const 1.5))
        (assert_return (invoke "i32.load") (i32.const 0x3fc00000))
        (assert_return (invoke "pure") (i32.const 9))
        (module (func (export "v") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 7 0 0 0))))
        (assert_return (invoke "v") (i32.const 7))
        (assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
        (assert_malformed (module quote "(func (i32.const))") "unexpected token")
        (assert_unlinkable (module (import "spectest" "global_i32" (global f32))) "incompatible import type")
        (module (memory 0) (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))
        (assert_return (invoke "grow" (i32.const 1)) (i32.const 0))
        ;; The chain's max_memory_pages (512) refuses what the spec allows.
        (assert_return (invoke "grow" (i32.const 600)) (i32.const 1))
        (assert_return (invoke "grow" (i32.const 1)) (i32.const 601))
        (thread $t (module))
    "#;

    #[test]
    fn float_script_end_to_end() {
        let engine = engine();
        let report = run_script(&engine, "floats.wast", FLOAT_SCRIPT);
        let text = report.script_text();
        // Passes: the float module (rejected as float), add, trap, the first load, pure, the
        // SIMD module (rejected as simd), assert_invalid, assert_malformed, the grow module and
        // its first grow.
        assert_eq!(report.passed, 10, "{text}");
        assert_eq!(report.failed(), 0, "{text}");
        assert_eq!(report.recovered, 4, "{text}");
        // fadd's float signature and the f32.store invoke.
        assert_eq!(report.skipped_for(SkipReason::FloatSignature), 2, "{text}");
        assert_eq!(report.skipped_for(SkipReason::FloatFunction), 1, "{text}");
        assert_eq!(
            report.skipped_for(SkipReason::DependsOnSkippedCall),
            1,
            "{text}"
        );
        assert_eq!(report.skipped_for(SkipReason::RejectedFeature), 1, "{text}");
        assert_eq!(report.skipped_for(SkipReason::FloatModule), 1, "{text}");
        assert_eq!(report.skipped_for(SkipReason::ChainLimit), 2, "{text}");
        assert_eq!(
            report.skipped_for(SkipReason::UnsupportedDirective),
            1,
            "{text}"
        );
        assert_eq!(report.skipped_total(), 9, "{text}");
        assert_eq!(report.modules.accepted_after_rewrite, 1);
        assert_eq!(report.modules.rejected.get("float"), Some(&2));
        assert_eq!(report.modules.rejected.get("simd"), Some(&1));
    }

    #[test]
    fn broken_scripts_are_failures_not_panics() {
        let report = run_script(
            &engine(),
            "broken.wast",
            "(module (func $f (call $missing)))\n(assert_return",
        );
        assert_eq!(report.failed(), 1);
        assert!(
            report.failures[0].message.starts_with("parsing"),
            "{:?}",
            report.failures
        );
        let report = run_script(
            &engine(),
            "unknown.wast",
            "(assert_return (invoke $nope \"f\"))",
        );
        assert_eq!(report.failed(), 1);
        assert!(report.failures[0].message.contains("unknown module $nope"));
    }

    #[test]
    fn trap_messages() {
        assert_eq!(
            trap_matches("integer divide by zero", &TrapKind::IntegerDivisionByZero),
            Some(true)
        );
        assert_eq!(
            trap_matches("integer divide by zero", &TrapKind::Unreachable),
            Some(false)
        );
        assert_eq!(trap_matches("something new", &TrapKind::Unreachable), None);
        assert_eq!(
            rule_of("limit:max-locals: 600 locals at function 1, offset 0x10"),
            "limit:max-locals"
        );
    }
}
