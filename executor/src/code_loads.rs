//! The codes a transaction has run, and their modules, held until it ends
//! ([`rewasm_eei::gas::CodeLoads`]).
//!
//! A schedule with code loads charges the first call into each code in a transaction; the
//! calls after it are priced as calls into a module in memory. That is only true if the module
//! stays in memory, which the engine's caches, shared with every other execution and bounded,
//! do not promise: so the transaction holds each module it loaded, up to the schedule's limit
//! on distinct codes, which bounds what it holds. Codes are counted by hash, as modules are
//! cached: two accounts with the same code are one load.

use std::collections::HashMap;
use std::sync::Arc;

use primitive_types::H256;
use rewasm_eei::CodeAccess;
use rewasm_eei::gas::CodeLoads;
use rewasm_vm::CompiledModule;

/// The transaction's codes: counted, and once loaded, held.
#[derive(Debug, Default)]
pub(crate) struct LoadedCodes {
    /// Code hash → its module once a frame loaded it (`None` between the charge and the load).
    codes: HashMap<H256, Option<Arc<CompiledModule>>>,
    /// How many codes the transaction may run; `None` when the schedule has no code loads,
    /// and then nothing is counted or held.
    limit: Option<usize>,
}

impl LoadedCodes {
    pub(crate) fn new(loads: Option<CodeLoads>) -> Self {
        Self {
            codes: HashMap::new(),
            limit: loads.map(|loads| loads.max_per_transaction as usize),
        }
    }

    /// Whether the code with `hash`, `len` bytes long, is new to the transaction.
    pub(crate) fn access(&self, hash: &H256, len: u64) -> CodeAccess {
        let Some(limit) = self.limit else {
            return CodeAccess::Warm;
        };
        if self.codes.contains_key(hash) {
            CodeAccess::Warm
        } else if self.codes.len() >= limit {
            CodeAccess::OverLimit
        } else {
            CodeAccess::Cold { len }
        }
    }

    /// Counts the code with `hash` as loaded by the transaction (its load is paid).
    pub(crate) fn count(&mut self, hash: H256) {
        if self.limit.is_some() {
            self.codes.entry(hash).or_insert(None);
        }
    }

    /// The module of the code with `hash`, if the transaction holds it.
    pub(crate) fn module(&self, hash: &H256) -> Option<Arc<CompiledModule>> {
        self.codes.get(hash).cloned().flatten()
    }

    /// Holds `module`, the code with `hash`'s, until the transaction ends, if the code is
    /// counted (only paid loads are held, so the limit bounds what is).
    pub(crate) fn hold(&mut self, hash: &H256, module: &Arc<CompiledModule>) {
        if let Some(held) = self.codes.get_mut(hash) {
            *held = Some(module.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_cold_until_counted_and_new_ones_stop_at_the_limit() {
        let mut codes = LoadedCodes::new(Some(CodeLoads {
            cold: 1,
            cold_per_byte: 1,
            target_allowance: 0,
            max_per_transaction: 2,
        }));
        let (a, b, c) = (H256([1; 32]), H256([2; 32]), H256([3; 32]));
        assert_eq!(codes.access(&a, 10), CodeAccess::Cold { len: 10 });
        assert_eq!(
            codes.access(&a, 10),
            CodeAccess::Cold { len: 10 },
            "not counted"
        );
        codes.count(a);
        assert_eq!(codes.access(&a, 10), CodeAccess::Warm);
        codes.count(b);
        assert_eq!(codes.access(&c, 30), CodeAccess::OverLimit);
        assert_eq!(codes.access(&b, 20), CodeAccess::Warm);
    }

    #[test]
    fn only_counted_codes_are_held() {
        let engine = rewasm_vm::Engine::new(rewasm_vm::VmConfig::default()).unwrap();
        let code = wat::parse_str("(module)").unwrap();
        let module = engine
            .compile(&code, rewasm_vm::Rules::Determinism)
            .unwrap();
        let mut codes = LoadedCodes::new(Some(CodeLoads {
            cold: 1,
            cold_per_byte: 1,
            target_allowance: 0,
            max_per_transaction: 2,
        }));
        let (a, b) = (H256([1; 32]), H256([2; 32]));
        codes.hold(&a, &module);
        assert!(codes.module(&a).is_none());
        codes.count(a);
        assert!(codes.module(&a).is_none(), "counted, not loaded");
        codes.hold(&a, &module);
        assert!(
            codes
                .module(&a)
                .is_some_and(|held| Arc::ptr_eq(&held, &module))
        );
        assert!(codes.module(&b).is_none());
    }

    #[test]
    fn without_code_loads_nothing_is_counted() {
        let mut codes = LoadedCodes::new(None);
        for _ in 0..3 {
            assert_eq!(codes.access(&H256([1; 32]), 1), CodeAccess::Warm);
            codes.count(H256([1; 32]));
        }
        assert!(codes.codes.is_empty());
    }
}
