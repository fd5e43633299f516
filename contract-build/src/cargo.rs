//! Compiling a contract crate with the profile the chain needs, whatever the crate configures.
//!
//! `cargo build --release --lib --target wasm32-unknown-unknown` with `--config` overrides of the
//! release profile ([`PROFILE`]) and of the target's rustflags ([`RUSTFLAGS`]):
//!
//! - `opt-level = "z"` ([`Optimize::Size`], the default) or `3` ([`Optimize::Speed`]),
//!   `lto = true`, `codegen-units = 1`, `panic = "abort"`;
//! - `strip = false`, `debug = false`: the custom sections must survive the linker (the ABI is
//!   one); `rewasm build` strips them itself;
//! - `-C link-arg=-zstack-size=32768`: a 32 KiB shadow stack instead of Rust's 1 MiB, so initial
//!   memory stays at a page or two (every page is charged);
//! - `-C target-feature=-multivalue`: the chain rejects multi-value (wasmer 5.0.6 singlepass
//!   miscompiles it). Bulk memory (the default) is allowed.
//!
//! - `--remap-path-prefix`: the paths panic locations embed name [`SOURCE_ROOT`] and
//!   [`CARGO_HOME_ROOT`] instead of the build machine's directories, so the same sources give the
//!   same bytes, and so the same deploy gas, wherever they are checked out. That also needs every
//!   path dependency inside the workspace's folder (cargo names those by their relative path and
//!   others by their absolute one, and rustc orders code by that name); [`Crate::outside_workspace`]
//!   lists the ones that are not.
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

/// Release-profile overrides (`--config` values, TOML), beside the opt-level of [`Optimize`].
pub const PROFILE: [&str; 5] = [
    "profile.release.lto=true",
    r#"profile.release.panic="abort""#,
    "profile.release.codegen-units=1",
    "profile.release.strip=false",
    "profile.release.debug=false",
];

/// What the compilers optimise a contract for. Gas makes this the choice Solidity's optimizer
/// offers with `--optimize-runs`: every byte of code is paid at deploy (transaction data, the
/// init code's compile price, the deposit), every instruction at each call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Optimize {
    /// Small code (rustc `opt-level = "z"`, `wasm-opt -Oz`): the cheapest deploy, and calls
    /// whose cost is mostly storage and host functions, as a token's are.
    #[default]
    Size,
    /// Fast code (rustc `opt-level = 3`, `wasm-opt -O3`): loops unrolled, calls inlined, values
    /// kept in locals instead of memory. Larger code and a dearer deploy, for contracts whose
    /// calls spend their gas computing (hashing, 256-bit arithmetic, parsing).
    Speed,
}

impl Optimize {
    /// The release profile's `opt-level` (a `--config` value).
    pub fn profile_setting(self) -> &'static str {
        match self {
            Self::Size => r#"profile.release.opt-level="z""#,
            Self::Speed => "profile.release.opt-level=3",
        }
    }

    /// `wasm-opt`'s optimisation flag.
    pub fn wasm_opt_flag(self) -> &'static str {
        match self {
            Self::Size => "-Oz",
            Self::Speed => "-O3",
        }
    }
}

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
    /// What rustc optimises for.
    pub optimize: Optimize,
    /// Source paths rustc rewrites (`--remap-path-prefix FROM=TO`) so that the paths panic
    /// messages embed, and with them the code's size and gas, do not depend on where the
    /// sources are checked out.
    pub remaps: Vec<(PathBuf, &'static str)>,
    /// Local packages of the build outside its workspace's folder. Cargo identifies such a
    /// package by its absolute path (one inside by its path relative to the workspace root), and
    /// rustc orders code by that identity, so their code's bytes, size and gas depend on where the
    /// sources are checked out. `rewasm build` warns about each.
    pub outside_workspace: Vec<String>,
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
        .args(["metadata", "--format-version", "1", "--manifest-path"])
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
    let remaps = source_remaps(&metadata, &manifest);
    let outside_workspace = packages_outside_workspace(&metadata);
    Ok(Crate {
        manifest,
        package: package_name,
        name,
        target_dir,
        features: Vec::new(),
        optimize: Optimize::default(),
        remaps,
        outside_workspace,
    })
}

/// The names of the local packages whose folder is not inside the workspace root.
fn packages_outside_workspace(metadata: &serde_json::Value) -> Vec<String> {
    let Some(root) = metadata
        .get("workspace_root")
        .and_then(serde_json::Value::as_str)
        .map(Path::new)
    else {
        return Vec::new();
    };
    local_packages(metadata)
        .filter(|(_, dir)| !dir.starts_with(root))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The name and folder of every package built from local sources (no registry or git source).
fn local_packages(metadata: &serde_json::Value) -> impl Iterator<Item = (&str, &Path)> {
    metadata
        .get("packages")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("source").is_none_or(serde_json::Value::is_null))
        .filter_map(|p| {
            let name = p.get("name").and_then(serde_json::Value::as_str)?;
            let manifest = p.get("manifest_path").and_then(serde_json::Value::as_str)?;
            Some((name, Path::new(manifest).parent()?))
        })
}

/// What [`SOURCE_ROOT`] and [`CARGO_HOME_ROOT`] stand for: the deepest directory holding every
/// local package of the build (the crate, its workspace and its path dependencies), and cargo's
/// home, where registry and git dependencies are unpacked.
fn source_remaps(metadata: &serde_json::Value, manifest: &Path) -> Vec<(PathBuf, &'static str)> {
    let root = manifest.parent().map(|dir| {
        local_packages(metadata).fold(dir.to_path_buf(), |root, (_, dir)| {
            common_ancestor(&root, dir)
        })
    });
    let mut remaps = Vec::new();
    if let Some(home) = cargo_home() {
        remaps.push((home, CARGO_HOME_ROOT));
    }
    // Last, so that it wins for a cargo home inside the sources (rustc applies the last match).
    if let Some(root) = root {
        remaps.push((root, SOURCE_ROOT));
    }
    remaps
}

/// What the contract's local sources are called in the code.
pub const SOURCE_ROOT: &str = "/src";
/// What cargo's home is called in the code.
pub const CARGO_HOME_ROOT: &str = "/cargo";

fn common_ancestor(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

/// `$CARGO_HOME`, else `$HOME/.cargo`, as cargo resolves it.
fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::home_dir().map(|home| home.join(".cargo")))
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
    command
        .arg("--config")
        .arg(krate.optimize.profile_setting());
    let ours: Vec<String> = RUSTFLAGS
        .iter()
        .map(|f| f.to_string())
        .chain(
            krate
                .remaps
                .iter()
                .map(|(from, to)| format!("--remap-path-prefix={}={to}", from.display())),
        )
        .collect();
    let quoted = ours
        .iter()
        .map(|f| toml_string(f))
        .collect::<Vec<_>>()
        .join(",");
    command
        .arg("--config")
        .arg(format!("target.{TARGET}.rustflags=[{quoted}]"));
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
        existing.extend(ours);
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

/// `text` as a TOML basic string, for a `--config` value.
fn toml_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_root_is_the_deepest_directory_over_every_local_package() {
        let metadata = erc20_metadata("/w/contracts/examples");
        let remaps = source_remaps(
            &metadata,
            Path::new("/w/contracts/examples/erc20/Cargo.toml"),
        );
        assert_eq!(
            remaps.last(),
            Some(&(PathBuf::from("/w/contracts"), SOURCE_ROOT))
        );
        assert!(remaps.iter().any(|(_, to)| *to == CARGO_HOME_ROOT));
    }

    fn erc20_metadata(workspace_root: &str) -> serde_json::Value {
        serde_json::json!({"workspace_root": workspace_root, "packages": [
            {"name": "erc20", "manifest_path": "/w/contracts/examples/erc20/Cargo.toml",
             "source": null},
            {"name": "rewasm-sdk", "manifest_path": "/w/contracts/sdk/Cargo.toml", "source": null},
            {"name": "sha3", "manifest_path": "/h/.cargo/registry/src/x/sha3/Cargo.toml",
             "source": "registry+https://github.com/rust-lang/crates.io-index"},
        ]})
    }

    #[test]
    fn local_packages_outside_the_workspace_folder_are_named() {
        assert_eq!(
            packages_outside_workspace(&erc20_metadata("/w/contracts/examples")),
            ["rewasm-sdk"]
        );
        assert!(packages_outside_workspace(&erc20_metadata("/w/contracts")).is_empty());
    }

    #[test]
    fn config_strings_are_toml_basic_strings() {
        assert_eq!(toml_string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(toml_string("tab\there"), r#""tab\u0009here""#);
        assert_eq!(
            toml_string("--remap-path-prefix=/a b=/src"),
            r#""--remap-path-prefix=/a b=/src""#
        );
    }
}
