//! The inputs scripts/bench.sh builds (`rewasm build` outputs, the plain kernel module) and the
//! committed solc output.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

/// Everything the VM and node benchmarks deploy.
#[derive(Clone, Debug)]
pub struct Artifacts {
    /// `erc20.deploy.wasm`: the example ERC-20's init code.
    pub erc20_deploy: Vec<u8>,
    /// `kernels_contract.deploy.wasm`: the kernels contract's init code.
    pub kernels_deploy: Vec<u8>,
    /// `kernels_raw.wasm`: the kernels as plain exports.
    pub kernels_raw: Vec<u8>,
    /// The Solidity ERC-20's creation code.
    pub sol_erc20: Vec<u8>,
    /// The Solidity kernels' creation code.
    pub sol_kernels: Vec<u8>,
    /// The compiler that made the Solidity code.
    pub solc: String,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

/// The creation code and compiler of a `bench/solidity/out/NAME.json`.
fn solidity(path: &Path) -> anyhow::Result<(Vec<u8>, String)> {
    let json: serde_json::Value = serde_json::from_slice(&read(path)?)
        .with_context(|| format!("parsing {}", path.display()))?;
    let code = json
        .get("bytecode")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| anyhow!("{}: no bytecode", path.display()))?;
    let compiler = json
        .get("compiler")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("solc")
        .to_string();
    Ok((hex::decode(code)?, compiler))
}

impl Artifacts {
    /// Reads the wasm outputs from `wasm_dir` and the solc output from `solidity_out`.
    pub fn load(wasm_dir: &Path, solidity_out: &Path) -> anyhow::Result<Self> {
        let (sol_erc20, solc) = solidity(&solidity_out.join("ERC20.json"))?;
        let (sol_kernels, _) = solidity(&solidity_out.join("Kernels.json"))?;
        Ok(Self {
            erc20_deploy: read(&wasm_dir.join("erc20.deploy.wasm"))?,
            kernels_deploy: read(&wasm_dir.join("kernels_contract.deploy.wasm"))?,
            kernels_raw: read(&wasm_dir.join("kernels_raw.wasm"))?,
            sol_erc20,
            sol_kernels,
            solc,
        })
    }
}

/// The repository's root (the parent of this crate's directory), read at run time.
pub fn repo_root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}
