//! The chain's contract rules applied to a build's outputs, with a hint for the usual causes.

use rewasm_eei::HostModules;
use rewasm_primitives::consensus::MAX_CODE_SIZE;
use rewasm_vm::validate::{ContractRule, Limit, Rule};
use rewasm_vm::{ChainLimits, ModuleSummary, Rules, ValidationError, validate_for};

/// Why an output cannot be deployed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    /// The validator rejects it.
    #[error("{file} is not a valid contract: {error}{}", hint(error.rule))]
    Invalid {
        /// The file name (`NAME.wasm`).
        file: String,
        /// The rule it breaks, and where.
        error: ValidationError,
    },
    /// Runtime code over the limit on deployed code.
    #[error(
        "{file} is {size} bytes, over the {MAX_CODE_SIZE}-byte limit on deployed code (EIP-170); \
         the create would fail\nhint: move functionality into several contracts, or look for \
         heavy dependencies (formatting, panics with messages)"
    )]
    TooLarge {
        /// The file name (`NAME.wasm`).
        file: String,
        /// Its size in bytes.
        size: usize,
    },
}

/// A contract that passed [`check()`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// What validation found.
    pub summary: ModuleSummary,
    /// It imports module `debug` (built with the SDK's `debug` feature), which only dev chains
    /// (genesis `devMode`) offer: any other chain refuses to deploy it.
    pub dev_only: bool,
}

/// Validates `code` (written to `file`) as a contract under the default chain limits, with
/// every host module a chain may offer; module `debug` makes it [`Checked::dev_only`].
pub fn check(file: &str, code: &[u8], runtime: bool) -> Result<Checked, CheckError> {
    let limits = ChainLimits::default();
    let invalid = |error| CheckError::Invalid {
        file: file.to_string(),
        error,
    };
    let checked = match validate_for(code, &limits, Rules::Contract, HostModules::ALL) {
        Ok(summary) => Checked {
            summary,
            dev_only: false,
        },
        Err(error) if error.rule == Rule::Contract(ContractRule::ImportDebug) => {
            let modules = HostModules::ALL.with_debug();
            Checked {
                summary: validate_for(code, &limits, Rules::Contract, modules).map_err(invalid)?,
                dev_only: true,
            }
        }
        Err(error) => return Err(invalid(error)),
    };
    if runtime && code.len() > MAX_CODE_SIZE {
        return Err(CheckError::TooLarge {
            file: file.to_string(),
            size: code.len(),
        });
    }
    Ok(checked)
}

/// A hint line (starting with a newline) for the common causes of `rule`, or nothing.
fn hint(rule: Rule) -> String {
    let hint = match rule {
        Rule::Float => {
            "the contract uses floating point (e.g. f32/f64 arithmetic or formatting); rewasm \
             rejects floats"
        }
        Rule::MultiValue => {
            "a function returns several values (multi-value); rewasm rejects multi-value because \
             wasmer 5.0.6 singlepass miscompiles it. `rewasm build` compiles with \
             -C target-feature=-multivalue: check RUSTFLAGS and .cargo/config for target \
             features, and `extern \"wasm\"` or the multivalue C ABI"
        }
        Rule::Simd => "the contract uses SIMD (simd128); rewasm rejects SIMD",
        Rule::Limit(Limit::InitialPages | Limit::MemoryPages) => {
            "too many memory pages: usually the shadow stack (Rust's default is 1 MiB = 16 pages; \
             `rewasm build` links with -zstack-size=32768 unless a linker argument in RUSTFLAGS \
             or .cargo/config overrides it) or large static data"
        }
        Rule::Limit(Limit::CodeSize) => {
            "the module is too large; look for heavy dependencies (formatting, panics with \
             messages)"
        }
        Rule::Contract(
            ContractRule::ImportModule
            | ContractRule::ImportUnknown
            | ContractRule::ImportKind
            | ContractRule::ImportSignature,
        ) => {
            "the contract imports something outside the EEI (functions of module `ethereum`, with \
             the EEI's signatures): a misspelled or mistyped `extern` declaration, or a \
             dependency that needs an environment (std I/O, wasm-bindgen, getrandom); build \
             with #![no_std]"
        }
        Rule::Contract(ContractRule::ImportDebug) => {
            "module `debug` (the SDK's `debug` feature) is offered by dev chains only; build \
             without that feature for any other chain"
        }
        Rule::StartFunction => "a start function would run outside `main`; remove it",
        Rule::Threads => "the contract uses atomics or shared memory; rewasm rejects threads",
        _ => return String::new(),
    };
    format!("\nhint: {hint}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn rejections_name_the_file_the_rule_and_a_hint() {
        let code = wat::parse_str(
            r#"(module (memory (export "memory") 1)
                 (func (export "main") (drop (f64.add (f64.const 1) (f64.const 2)))))"#,
        )
        .unwrap();
        let message = check("c.wasm", &code, true).unwrap_err().to_string();
        assert!(
            message.starts_with("c.wasm is not a valid contract: float: f64.const at function 0"),
            "{message}"
        );
        assert!(message.ends_with(
            "\nhint: the contract uses floating point (e.g. f32/f64 arithmetic or formatting); \
             rewasm rejects floats"
        ));
    }

    #[test]
    fn debug_imports_make_a_contract_dev_only() {
        let code = wat::parse_str(
            r#"(module (import "debug" "print32" (func (param i32)))
                 (memory (export "memory") 1) (func (export "main")))"#,
        )
        .unwrap();
        assert!(check("c.wasm", &code, true).unwrap().dev_only);
        let plain =
            wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "main")))"#)
                .unwrap();
        assert!(!check("c.wasm", &plain, true).unwrap().dev_only);
        let misdeclared = wat::parse_str(
            r#"(module (import "debug" "print32" (func (param i64)))
                 (memory (export "memory") 1) (func (export "main")))"#,
        )
        .unwrap();
        let message = check("c.wasm", &misdeclared, true).unwrap_err().to_string();
        assert!(message.contains("debug.print32"), "{message}");
    }

    #[test]
    fn large_runtime_code_is_rejected() {
        let code = wat::parse_str(format!(
            r#"(module (memory (export "memory") 1) (data (i32.const 0) "{}")
                 (func (export "main")))"#,
            "x".repeat(MAX_CODE_SIZE)
        ))
        .unwrap();
        assert!(check("c.deploy.wasm", &code, false).is_ok());
        assert!(matches!(
            check("c.wasm", &code, true),
            Err(CheckError::TooLarge { .. })
        ));
    }
}
