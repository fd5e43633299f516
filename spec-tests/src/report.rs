//! Counting and printing results.
//!
//! Every check ends as exactly one of passed, failed or skipped, and every skip carries a
//! reason from the closed list [`SkipReason`], so that "skipped" can never hide a failure: a
//! reader can see how many checks were skipped and why, per script and in total.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Why a check did not run. The list is closed on purpose; see [`SkipReason::description`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// An argument, a result or a global value is a float or a vector, on a float-stubbed
    /// module (the stub rewrite turned those types into integers).
    FloatSignature,
    /// The export is a float-using function that the float-stub rewrite replaced by
    /// `unreachable` (directly, or because it calls a float-using function).
    FloatFunction,
    /// A module-level assertion (`assert_unlinkable`, `assert_trap` on a module) about a module
    /// rewasm correctly rejects for floats or SIMD: the property asserted is never reached.
    FloatModule,
    /// The module was rejected by a determinism rule other than float (the detail names the
    /// rule: `simd`, `start-function`, `table-mutation`, `limit:...`, ...); checks on it and its
    /// own directive are skipped. Also used for a float module whose stub rewrite another rule
    /// rejects.
    RejectedFeature,
    /// The check needs a module that imports from, or is, a module rewasm rejected.
    DependsOnRejectedModule,
    /// The check needs a module whose own check already failed (counted once, there).
    DependsOnFailedModule,
    /// An earlier call on this module that may have changed its state (a store, a grow, a
    /// global set) was skipped as a float call, so the module is not in the state the script
    /// assumes any more.
    DependsOnSkippedCall,
    /// The spec result needs more than a chain limit allows (`memory.grow` past the chain's
    /// `max_memory_pages` returns -1 by design), or comes after such a result changed the
    /// module's state.
    ChainLimit,
    /// The module's table may hold functions of an instance whose instantiation failed half
    /// way (2.0 semantics keep the segments written before the trap). wasmer 5.0.6 frees such
    /// an instance, so calling those functions is a use after free that kills the process.
    DanglingTableEntries,
    /// A directive outside the core 2.0 scope (threads, exceptions, components).
    UnsupportedDirective,
}

impl SkipReason {
    /// Every reason, in report order.
    pub const ALL: [SkipReason; 10] = [
        SkipReason::FloatSignature,
        SkipReason::FloatFunction,
        SkipReason::FloatModule,
        SkipReason::RejectedFeature,
        SkipReason::DependsOnRejectedModule,
        SkipReason::DependsOnFailedModule,
        SkipReason::DependsOnSkippedCall,
        SkipReason::ChainLimit,
        SkipReason::DanglingTableEntries,
        SkipReason::UnsupportedDirective,
    ];

    /// The stable kebab-case name printed in reports.
    pub const fn name(self) -> &'static str {
        match self {
            SkipReason::FloatSignature => "float-signature",
            SkipReason::FloatFunction => "float-function",
            SkipReason::FloatModule => "float-module",
            SkipReason::RejectedFeature => "rejected-feature",
            SkipReason::DependsOnRejectedModule => "depends-on-rejected-module",
            SkipReason::DependsOnFailedModule => "depends-on-failed-module",
            SkipReason::DependsOnSkippedCall => "depends-on-skipped-call",
            SkipReason::ChainLimit => "chain-limit",
            SkipReason::DanglingTableEntries => "dangling-table-entries",
            SkipReason::UnsupportedDirective => "unsupported-directive",
        }
    }

    /// One line on what the reason means.
    pub const fn description(self) -> &'static str {
        match self {
            SkipReason::FloatSignature => {
                "float/vector argument, result or global on a float-stubbed module"
            }
            SkipReason::FloatFunction => "export stubbed by the float-stub rewrite",
            SkipReason::FloatModule => {
                "module-level assertion on a module rejected for floats/SIMD"
            }
            SkipReason::RejectedFeature => "module rejected by a determinism rule (rule in detail)",
            SkipReason::DependsOnRejectedModule => "needs a module that was rejected",
            SkipReason::DependsOnFailedModule => "needs a module whose check failed",
            SkipReason::DependsOnSkippedCall => "module state changed by a skipped float call",
            SkipReason::ChainLimit => {
                "result beyond a chain limit (memory.grow past max_memory_pages)"
            }
            SkipReason::DanglingTableEntries => {
                "table shared with a failed instantiation (wasmer 5.0.6 frees its functions)"
            }
            SkipReason::UnsupportedDirective => "threads, exceptions or component directives",
        }
    }
}

/// One failed check.
#[derive(Clone, Debug)]
pub struct Failure {
    /// 1-based line of the directive.
    pub line: usize,
    /// 1-based column of the directive.
    pub column: usize,
    /// The directive (`assert_return`, `module`, ...).
    pub directive: &'static str,
    /// What happened.
    pub message: String,
}

/// What happened to the modules the suite expects to be valid.
#[derive(Clone, Debug, Default)]
pub struct ModuleStats {
    /// Accepted by the validator as written.
    pub accepted: u64,
    /// Rejected for floats, then accepted as their float-stub rewrite.
    pub accepted_after_rewrite: u64,
    /// Rejected, by rule name (a rewritten module counts under `float`).
    pub rejected: BTreeMap<String, u64>,
}

impl ModuleStats {
    fn merge(&mut self, other: &ModuleStats) {
        self.accepted += other.accepted;
        self.accepted_after_rewrite += other.accepted_after_rewrite;
        for (rule, count) in &other.rejected {
            *self.rejected.entry(rule.clone()).or_default() += count;
        }
    }
}

/// Results of one script (or, merged, of a run).
#[derive(Clone, Debug, Default)]
pub struct ScriptReport {
    /// The script's file name.
    pub name: String,
    /// Checks that passed.
    pub passed: u64,
    /// Checks that failed.
    pub failures: Vec<Failure>,
    /// Skipped checks, by reason and detail.
    pub skipped: BTreeMap<SkipReason, BTreeMap<String, u64>>,
    /// Module acceptance.
    pub modules: ModuleStats,
    /// Assertions that ran and passed on float-stubbed modules.
    pub recovered: u64,
}

impl ScriptReport {
    /// An empty report for `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }

    /// Number of failed checks.
    pub fn failed(&self) -> u64 {
        self.failures.len() as u64
    }

    /// Number of skipped checks.
    pub fn skipped_total(&self) -> u64 {
        self.skipped
            .values()
            .flat_map(|details| details.values())
            .sum()
    }

    /// Skipped checks with `reason`.
    pub fn skipped_for(&self, reason: SkipReason) -> u64 {
        self.skipped
            .get(&reason)
            .map_or(0, |details| details.values().sum())
    }

    /// Records a skip.
    pub fn skip(&mut self, reason: SkipReason, detail: &str) {
        *self
            .skipped
            .entry(reason)
            .or_default()
            .entry(detail.to_string())
            .or_default() += 1;
    }

    /// Adds `other`'s counts (not its name) to this report.
    pub fn merge(&mut self, other: &ScriptReport) {
        self.passed += other.passed;
        self.failures.extend(other.failures.iter().cloned());
        for (reason, details) in &other.skipped {
            let mine = self.skipped.entry(*reason).or_default();
            for (detail, count) in details {
                *mine.entry(detail.clone()).or_default() += count;
            }
        }
        self.modules.merge(&other.modules);
        self.recovered += other.recovered;
    }

    /// `P passed, F failed, S skipped`.
    pub fn counts_line(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed,
            self.failed(),
            self.skipped_total()
        )
    }

    /// The skip reasons with counts, e.g. `float-function 10; rejected-feature 2 [simd 2]`.
    pub fn skip_summary(&self) -> String {
        let mut parts = Vec::new();
        for (reason, details) in &self.skipped {
            let total: u64 = details.values().sum();
            let mut part = format!("{} {total}", reason.name());
            let named: Vec<String> = details
                .iter()
                .filter(|(detail, _)| !detail.is_empty())
                .map(|(detail, count)| format!("{detail} {count}"))
                .collect();
            if !named.is_empty() {
                let _ = write!(part, " [{}]", named.join(", "));
            }
            parts.push(part);
        }
        parts.join("; ")
    }

    /// The per-script block: the counts line, then one line per failure.
    pub fn script_text(&self) -> String {
        let mut text = format!("{}: {}", self.name, self.counts_line());
        if !self.skipped.is_empty() {
            let _ = write!(text, " ({})", self.skip_summary());
        }
        text.push('\n');
        for failure in &self.failures {
            let _ = writeln!(
                text,
                "  FAIL {}:{}:{}: {}: {}",
                self.name, failure.line, failure.column, failure.directive, failure.message
            );
        }
        text
    }

    /// The totals block of a merged report; its last line is exactly the counts line.
    pub fn totals_text(&self, scripts: usize) -> String {
        let mut text = String::new();
        let rejected: u64 = self.modules.rejected.values().sum();
        let rules: Vec<String> = self
            .modules
            .rejected
            .iter()
            .map(|(rule, count)| format!("{rule} {count}"))
            .collect();
        let _ = writeln!(text, "scripts: {scripts}");
        let _ = writeln!(
            text,
            "modules: {} accepted as written, {rejected} rejected by rule: {}; {} float modules run as float-stub rewrites",
            self.modules.accepted,
            if rules.is_empty() {
                "none".to_string()
            } else {
                rules.join(", ")
            },
            self.modules.accepted_after_rewrite,
        );
        let _ = writeln!(
            text,
            "integer assertions recovered from float-mixing scripts: {}",
            self.recovered
        );
        for reason in SkipReason::ALL {
            let count = self.skipped_for(reason);
            if count > 0 {
                let _ = writeln!(
                    text,
                    "skipped {}: {count} ({})",
                    reason.name(),
                    reason.description()
                );
            }
        }
        text.push_str(&self.counts_line());
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_end_with_the_counts_line() {
        let mut a = ScriptReport::new("a.wast");
        a.passed = 3;
        a.skip(SkipReason::RejectedFeature, "simd");
        a.skip(SkipReason::FloatFunction, "");
        a.modules.rejected.insert("simd".into(), 1);
        let mut b = ScriptReport::new("b.wast");
        b.failures.push(Failure {
            line: 1,
            column: 2,
            directive: "module",
            message: "x".into(),
        });
        b.recovered = 4;
        let mut total = ScriptReport::new("total");
        total.merge(&a);
        total.merge(&b);
        assert_eq!(total.counts_line(), "3 passed, 1 failed, 2 skipped");
        assert_eq!(
            a.skip_summary(),
            "float-function 1; rejected-feature 1 [simd 1]"
        );
        let text = total.totals_text(2);
        assert_eq!(text.lines().last(), Some("3 passed, 1 failed, 2 skipped"));
        assert!(text.contains("recovered from float-mixing scripts: 4"));
        assert!(b.script_text().contains("FAIL b.wast:1:2: module: x"));
    }
}
