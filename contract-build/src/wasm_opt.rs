//! Optimising code with binaryen's `wasm-opt` (Debian package `binaryen`), which `rewasm build`
//! runs on both outputs unless told not to: `-Oz` for size, `-O3` for speed ([`Optimize`]).
//!
//! Size is gas: every byte of init code is paid as transaction data and compile time, every byte
//! of runtime code as deposit (`docs/GAS.md`). `wasm-opt -Oz` takes what LLVM leaves: the ERC-20
//! example's runtime shrinks by ~9%.
//!
//! It runs with exactly the features the chain's contract rules accept ([`FEATURES`]), so it never
//! introduces an instruction a validator would reject (multi-value, non-trapping float-to-int,
//! SIMD, ...). Its output depends on binaryen's version like any compiler's; the version is in
//! the build summary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cargo::Optimize;

/// Where `wasm-opt` is looked for when `WASM_OPT` does not name it.
const PROGRAM: &str = "wasm-opt";

/// `wasm-opt`'s arguments: size optimisation, the MVP plus what the chain's rules allow
/// (`vm/src/validate/features.rs`).
pub const FEATURES: [&str; 4] = [
    "--mvp-features",
    "--enable-mutable-globals",
    "--enable-sign-ext",
    "--enable-bulk-memory",
];

/// Why `wasm-opt` could not shrink a module.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WasmOptError {
    #[error(
        "`{program}` not found ({reason}): install binaryen (`apt-get install binaryen`; \
         scripts/setup.sh does), set WASM_OPT to its path, or pass --no-wasm-opt"
    )]
    NotFound { program: String, reason: String },
    #[error("wasm-opt on {what}: {detail}")]
    Failed { what: String, detail: String },
}

/// A `wasm-opt` that answered `--version`, and what it optimises for.
#[derive(Clone, Debug)]
pub struct WasmOpt {
    program: PathBuf,
    /// What `wasm-opt --version` printed, e.g. `wasm-opt version 108`.
    pub version: String,
    /// Size (`-Oz`, the default) or speed (`-O3`).
    pub goal: Optimize,
}

impl WasmOpt {
    /// `$WASM_OPT`, else `wasm-opt` on the `PATH`.
    pub fn find() -> Result<Self, WasmOptError> {
        let program =
            std::env::var_os("WASM_OPT").map_or_else(|| PathBuf::from(PROGRAM), PathBuf::from);
        let output = Command::new(&program)
            .arg("--version")
            .output()
            .map_err(|source| WasmOptError::NotFound {
                program: program.display().to_string(),
                reason: source.to_string(),
            })?;
        let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
        if !output.status.success() || version.is_empty() {
            return Err(WasmOptError::NotFound {
                program: program.display().to_string(),
                reason: format!("`--version` answered {} with {version:?}", output.status),
            });
        }
        Ok(Self {
            program,
            version,
            goal: Optimize::default(),
        })
    }

    /// The same program, optimising for `goal`.
    pub fn optimizing_for(self, goal: Optimize) -> Self {
        Self { goal, ..self }
    }

    /// `code` optimised for [`Self::goal`]; `what` names it in errors.
    pub fn optimize(&self, code: &[u8], what: &str) -> Result<Vec<u8>, WasmOptError> {
        let failed = |detail: String| WasmOptError::Failed {
            what: what.to_string(),
            detail,
        };
        let dir = tempfile::tempdir().map_err(|e| failed(format!("a scratch folder: {e}")))?;
        let input = dir.path().join("in.wasm");
        let output = dir.path().join("out.wasm");
        std::fs::write(&input, code).map_err(|e| failed(format!("{}: {e}", input.display())))?;
        let result = Command::new(&self.program)
            .arg(self.goal.wasm_opt_flag())
            .args(FEATURES)
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .output()
            .map_err(|e| failed(format!("running {}: {e}", self.program.display())))?;
        if !result.status.success() {
            let stderr = String::from_utf8_lossy(&result.stderr);
            return Err(failed(format!("{}: {}", result.status, stderr.trim())));
        }
        read(&output).map_err(failed)
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}
