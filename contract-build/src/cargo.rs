//! Compiling a contract crate with the profile the chain needs, whatever the crate configures.
//!
//! `cargo build --release --lib --target wasm32-unknown-unknown` with `--config` overrides of the
//! release profile ([`PROFILE`]) and of the target's rustflags ([`RUSTFLAGS`]):
//!
//! - `opt-level = "z"`, `lto = true`, `codegen-units = 1`, `panic = "abort"`: small code;
//! - `strip = false`, `debug = false`: the custom sections must survive the linker (the ABI is
//!   one); `rewasm build` strips them itself;
//! - `-C link-arg=-zstack-size=32768`: a 32 KiB shadow stack instead of Rust's 1 MiB, so initial
//!   memory stays at a page or two (every page is charged);
//! - `-C target-feature=-multivalue`: the chain rejects multi-value (wasmer 5.0.6 singlepass
//!   miscompiles it). Bulk memory (the default) is allowed.
//!
//! `RUSTFLAGS` and `CARGO_ENCODED_RUSTFLAGS` in the environment would override the target's
//! rustflags entirely, so when either is set the flags are appended to it instead.
//!
//! The target directory is `$CARGO_TARGET_DIR/contracts/NAME-HASH` when `CARGO_TARGET_DIR` is set
//! (kept apart from the host build, whose profile differs; one per crate, HASH being a hash of
//! the manifest's path, because a cdylib's `.wasm` has no hash in its name: two crates with the
//! same library name in one target directory would overwrite each other's output, and cargo
//! would not write a crate's again while it considers it fresh), else `PATH/target`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

/// The target contracts compile for.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// Release-profile overrides (`--config` values, TOML).
pub const PROFILE: [&str; 6] = [
    r#"profile.release.opt-level="z""#,
    "profile.release.lto=true",
    r#"profile.release.panic="abort""#,
    "profile.release.codegen-units=1",
    "profile.release.strip=false",
    "profile.release.debug=false",
];

/// Flags for every crate compiled for [`TARGET`].
pub const RUSTFLAGS: [&str; 4] = [
    "-C",
    "link-arg=-zstack-size=32768",
    "-C",
    "target-feature=-multivalue",
];

/// The contract crate to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crate {
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// The package name.
    pub package: String,
    /// The library's name with `-` replaced by `_`: the stem of the `.wasm` and of the outputs.
    pub name: String,
    /// Where cargo builds it.
    pub target_dir: PathBuf,
    /// Cargo features to enable (`--features`), e.g. `rewasm-sdk/precompile-keccak` for a chain
    /// on the `default` gas schedule.
    pub features: Vec<String>,
}

impl Crate {
    /// The linker's output.
    pub fn wasm(&self) -> PathBuf {
        self.target_dir
            .join(TARGET)
            .join("release")
            .join(format!("{}.wasm", self.name))
    }
}

/// The cargo binary: `$CARGO` when run by cargo, else `cargo` from `PATH`.
fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Why [`locate`] found no contract crate, or [`build`] could not run cargo.
#[derive(Debug, thiserror::Error)]
pub enum LocateError {
    #[error("{0} has no Cargo.toml: pass the directory of a contract crate")]
    NoManifest(PathBuf),
    #[error("resolving {path}: {source}")]
    Resolve {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("running {command}: {source}")]
    Cargo {
        command: &'static str,
        source: std::io::Error,
    },
    #[error("cargo metadata failed ({0})")]
    MetadataFailed(ExitStatus),
    #[error("reading cargo metadata's output: {0}")]
    Metadata(#[from] serde_json::Error),
    #[error("{0} is a workspace without a package of its own: pass the contract crate's directory")]
    NoPackage(PathBuf),
    #[error(
        "package `{0}` has no library: a contract is a library with\n\n    [lib]\n    \
         crate-type = [\"cdylib\"]\n\nin Cargo.toml"
    )]
    NoLibrary(String),
    #[error(
        "package `{0}` is not a cdylib, so cargo produces no .wasm for it: add\n\n    [lib]\n    \
         crate-type = [\"cdylib\"]\n\nto its Cargo.toml"
    )]
    NotCdylib(String),
}

/// Finds the contract crate in directory `path` with `cargo metadata`.
pub fn locate(path: &Path) -> Result<Crate, LocateError> {
    let manifest = path.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(LocateError::NoManifest(path.to_path_buf()));
    }
    let manifest = manifest
        .canonicalize()
        .map_err(|source| LocateError::Resolve {
            path: manifest.clone(),
            source,
        })?;
    let output = Command::new(cargo())
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|source| LocateError::Cargo {
            command: "cargo metadata",
            source,
        })?;
    if !output.status.success() {
        return Err(LocateError::MetadataFailed(output.status));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let package = metadata
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .find(|p| {
            p.get("manifest_path")
                .and_then(serde_json::Value::as_str)
                .and_then(|m| Path::new(m).canonicalize().ok())
                .is_some_and(|m| m == manifest)
        })
        .ok_or_else(|| LocateError::NoPackage(manifest.clone()))?;
    let package_name = package
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_string();
    let targets = package
        .get("targets")
        .and_then(serde_json::Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let is_lib = |t: &&serde_json::Value| {
        t.get("kind")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|kinds| {
                kinds.iter().any(|k| {
                    matches!(
                        k.as_str(),
                        Some("lib" | "rlib" | "cdylib" | "dylib" | "staticlib")
                    )
                })
            })
    };
    let Some(lib) = targets.iter().find(is_lib) else {
        return Err(LocateError::NoLibrary(package_name));
    };
    let cdylib = lib
        .get("crate_types")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|types| types.iter().any(|t| t == "cdylib"));
    if !cdylib {
        return Err(LocateError::NotCdylib(package_name));
    }
    let name = lib
        .get("name")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(&package_name)
        .replace('-', "_");
    let target_dir = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            // One directory per crate: a cdylib's .wasm has no hash in its file name, so two
            // crates with the same library name in one target directory overwrite each other's,
            // and cargo, seeing the other crate fresh, would not write it again.
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(&manifest, &mut hasher);
            let key = std::hash::Hasher::finish(&hasher);
            PathBuf::from(dir)
                .join("contracts")
                .join(format!("{name}-{key:016x}"))
        }
        _ => manifest
            .parent()
            .map_or_else(|| PathBuf::from("target"), |dir| dir.join("target")),
    };
    Ok(Crate {
        manifest,
        package: package_name,
        name,
        target_dir,
        features: Vec::new(),
    })
}

/// The `cargo build` command for `krate`; its output goes to our stderr.
pub fn build_command(krate: &Crate) -> Command {
    let mut command = Command::new(cargo());
    command
        .args(["build", "--release", "--lib", "--target", TARGET])
        .arg("--manifest-path")
        .arg(&krate.manifest)
        .arg("--target-dir")
        .arg(&krate.target_dir);
    if !krate.features.is_empty() {
        command.arg("--features").arg(krate.features.join(","));
    }
    for setting in PROFILE {
        command.arg("--config").arg(setting);
    }
    let flags = RUSTFLAGS
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(",");
    command
        .arg("--config")
        .arg(format!("target.{TARGET}.rustflags=[{flags}]"));
    // Environment flags win over the config's; add ours to them.
    let encoded = std::env::var("CARGO_ENCODED_RUSTFLAGS")
        .ok()
        .filter(|f| !f.is_empty());
    let plain = std::env::var("RUSTFLAGS")
        .ok()
        .filter(|f| !f.trim().is_empty());
    let existing: Option<Vec<String>> = match (encoded, plain) {
        (Some(encoded), _) => Some(encoded.split('\x1f').map(str::to_string).collect()),
        (None, Some(plain)) => Some(plain.split_whitespace().map(str::to_string).collect()),
        (None, None) => None,
    };
    if let Some(mut existing) = existing {
        existing.extend(RUSTFLAGS.iter().map(|f| f.to_string()));
        command
            .env("CARGO_ENCODED_RUSTFLAGS", existing.join("\x1f"))
            .env_remove("RUSTFLAGS");
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit());
    command
}

/// Runs `cargo build` for `krate`.
pub fn build(krate: &Crate) -> Result<ExitStatus, LocateError> {
    build_command(krate)
        .status()
        .map_err(|source| LocateError::Cargo {
            command: "cargo build",
            source,
        })
}
