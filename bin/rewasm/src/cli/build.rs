//! `rewasm build [PATH] [--out DIR]`: compile a contract crate and produce what the chain deploys
//! (like `cargo stylus` or `cosmwasm-check`).
//!
//! Cargo's output goes to stderr; the summary (paths, sizes, initial memory) to stdout. Exit
//! codes: 0 built and valid, 1 the crate does not compile or its code breaks the chain's rules,
//! 2 a usage or I/O error (no crate at PATH, not a cdylib). The formats are described in
//! `contract_build` and in the `--help` text ([`AFTER_HELP`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

use rewasm_contract_build::{self as contract_build, cargo};

/// The long help's epilogue: what the three files are.
pub(super) const AFTER_HELP: &str = "\
Outputs (in --out, default PATH/target/rewasm), NAME being the library name:
  NAME.wasm         runtime code: exports exactly `main` and `memory`, no custom sections,
                    only what `main` reaches; this is what a create stores as code.
  NAME.deploy.wasm  init code for a create transaction: runs the crate's `deploy` export
                    (the constructor, if any), then returns NAME.wasm with `ethereum.finish`.
                    It ends with an empty custom section `rewasm.args`: deploy tools append
                    the ABI-encoded constructor arguments after it (as for Solidity), and the
                    executor passes those bytes to `deploy` as its call data.
  NAME.abi.json     the ABI embedded by the SDK's #[contract] (custom section `rewasm.abi`).

The crate must be a library with crate-type = [\"cdylib\"]. It is compiled with
`cargo build --release --lib --target wasm32-unknown-unknown` and, whatever it configures,
opt-level=\"z\" (3 with --optimize speed), lto, codegen-units=1, panic=\"abort\", no strip,
no debug info, -C link-arg=-zstack-size=32768 and -C target-feature=-multivalue. Both outputs
then go through binaryen's `wasm-opt -Oz` (-O3 with --optimize speed) with the features the
chain accepts (--no-wasm-opt skips it; $WASM_OPT names the program, default `wasm-opt` on the
PATH). The target directory is
$CARGO_TARGET_DIR/contracts/NAME-HASH (one per crate) when CARGO_TARGET_DIR is set, else
PATH/target.
Both outputs are validated with the chain's contract rules (as `rewasm validate`).";

#[derive(Debug, Args)]
pub(super) struct BuildArgs {
    /// The contract crate's directory.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Where to write NAME.wasm, NAME.deploy.wasm and NAME.abi.json [default: PATH/target/rewasm]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Cargo features to enable, comma-separated (as `cargo build --features`); e.g.
    /// `rewasm-sdk/precompile-keccak` for a chain on the `default` gas schedule, which does not
    /// offer module `rewasm`.
    #[arg(long, value_name = "FEATURES", value_delimiter = ',')]
    features: Vec<String>,
    /// What to optimise for: `size` (the cheapest deploy; calls whose gas goes to storage and
    /// host functions, as a token's) or `speed` (larger code, a dearer deploy, and cheaper calls
    /// for contracts that compute: hashing, 256-bit arithmetic, parsing). Gas pays both: bytes at
    /// deploy, instructions at each call.
    #[arg(long, value_enum, default_value_t = OptimizeFor::Size)]
    optimize: OptimizeFor,
    /// Do not run binaryen's `wasm-opt` on the outputs (larger code, dearer deploys and
    /// calls). Without this flag, `wasm-opt` ($WASM_OPT, else on the PATH) is required.
    #[arg(long)]
    no_wasm_opt: bool,
}

/// `--optimize`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum OptimizeFor {
    Size,
    Speed,
}

impl From<OptimizeFor> for cargo::Optimize {
    fn from(goal: OptimizeFor) -> Self {
        match goal {
            OptimizeFor::Size => Self::Size,
            OptimizeFor::Speed => Self::Speed,
        }
    }
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display()))
}

pub(super) fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let wasm_opt = if args.no_wasm_opt {
        None
    } else {
        Some(contract_build::WasmOpt::find()?.optimizing_for(args.optimize.into()))
    };
    let mut krate = cargo::locate(&args.path)?;
    krate.features.clone_from(&args.features);
    krate.optimize = args.optimize.into();
    eprintln!(
        "building `{}` for {} (target dir {})",
        krate.package,
        cargo::TARGET,
        krate.target_dir.display()
    );
    if !krate.outside_workspace.is_empty() {
        eprintln!(
            "warning: not reproducible: path dependencies outside the workspace's folder ({}) are \
             named by their absolute paths, so the code's bytes and gas depend on the checkout's \
             directory; put the workspace root above them",
            krate.outside_workspace.join(", ")
        );
    }
    let status = cargo::build(&krate)?;
    if !status.success() {
        eprintln!("error: cargo build failed ({status})");
        return Ok(ExitCode::from(1));
    }
    let wasm = krate.wasm();
    let raw = std::fs::read(&wasm).with_context(|| {
        format!(
            "reading {} (cargo built no .wasm for the library?)",
            wasm.display()
        )
    })?;
    let artifacts = match contract_build::postprocess(&raw, wasm_opt.as_ref()) {
        Ok(artifacts) => artifacts,
        Err(err) => {
            eprintln!("error: {}: {err}", wasm.display());
            return Ok(ExitCode::from(1));
        }
    };
    for warning in &artifacts.warnings {
        eprintln!("warning: {warning}");
    }

    let out = match &args.out {
        Some(out) => out.clone(),
        None => args.path.join("target").join("rewasm"),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let runtime_file = format!("{}.wasm", krate.name);
    let deploy_file = format!("{}.deploy.wasm", krate.name);
    let abi_file = format!("{}.abi.json", krate.name);
    let runtime_path = out.join(&runtime_file);
    let deploy_path = out.join(&deploy_file);
    let abi_path = out.join(&abi_file);
    write(&runtime_path, &artifacts.runtime)?;
    write(&deploy_path, &artifacts.deploy)?;
    write(&abi_path, &artifacts.abi)?;

    let checked =
        contract_build::check(&runtime_file, &artifacts.runtime, true).and_then(|runtime| {
            contract_build::check(&deploy_file, &artifacts.deploy, false)
                .map(|deploy| (runtime, deploy))
        });
    let (runtime, deploy) = match checked {
        Ok(summaries) => summaries,
        Err(err) => {
            eprintln!("error: {err}");
            return Ok(ExitCode::from(1));
        }
    };
    println!(
        "runtime  {}  {} bytes, {} initial page(s)",
        runtime_path.display(),
        artifacts.runtime.len(),
        runtime.summary.initial_pages
    );
    println!(
        "deploy   {}  {} bytes, {} initial page(s){}",
        deploy_path.display(),
        artifacts.deploy.len(),
        deploy.summary.initial_pages,
        if artifacts.has_constructor {
            ", runs `deploy`"
        } else {
            ", no constructor"
        }
    );
    println!(
        "abi      {}  {} bytes",
        abi_path.display(),
        artifacts.abi.len()
    );
    if runtime.dev_only || deploy.dev_only {
        println!(
            "note     imports module `debug` (the SDK's `debug` feature): deploys on dev chains \
             only (`rewasm node --dev`, genesis devMode)"
        );
    }
    match &wasm_opt {
        Some(wasm_opt) => println!(
            "wasm-opt {} {}",
            wasm_opt.version,
            wasm_opt.goal.wasm_opt_flag()
        ),
        None => println!("wasm-opt no (--no-wasm-opt)"),
    }
    Ok(ExitCode::SUCCESS)
}
