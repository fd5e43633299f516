//! `rewasm new NAME [--path DIR] [--sdk PATH]`: a new contract crate, ready for `rewasm build`
//! and `cargo test`: a counter with a constructor, a view, an event and a revert; unit tests that
//! run it on the SDK's mock chain on the host; a README with the commands that build, test,
//! deploy and call it.
//!
//! The crate depends on the SDK by path: this checkout's `contracts/sdk` (where the binary was
//! built from) unless `--sdk` names another. It is its own workspace, so that it builds wherever
//! it is created, inside another workspace's folder too.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;

#[derive(Debug, Args)]
pub(super) struct NewArgs {
    /// The crate's name: lowercase letters, digits, `-` and `_`, starting with a letter.
    name: String,
    /// The folder to create it in (the crate is DIR/NAME).
    #[arg(long, value_name = "DIR", default_value = ".")]
    path: PathBuf,
    /// The rewasm SDK crate to depend on [default: this checkout's contracts/sdk]
    #[arg(long, value_name = "PATH")]
    sdk: Option<PathBuf>,
}

/// The SDK of the checkout this binary was built from.
const CHECKOUT_SDK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/sdk");

pub(super) fn run(args: &NewArgs) -> anyhow::Result<ExitCode> {
    check_name(&args.name)?;
    let sdk = sdk_path(args.sdk.as_deref())?;
    let root = args.path.join(&args.name);
    std::fs::create_dir_all(&args.path)
        .with_context(|| format!("creating {}", args.path.display()))?;
    // One call that fails if the folder exists: two runs cannot both take it.
    match std::fs::create_dir(&root) {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} exists already; choose another name or --path",
            root.display()
        ),
        other => other.with_context(|| format!("creating {}", root.display()))?,
    }
    let files = files(&args.name, &sdk);
    for (relative, contents) in &files {
        let path = root.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("created {} (SDK: {})", root.display(), sdk.display());
    println!("  cd {} && cargo test && rewasm build", root.display());
    Ok(ExitCode::SUCCESS)
}

/// Names the crate cannot take: Rust's keywords and the crates every crate sees (cargo refuses
/// them), and the SDK's.
const RESERVED: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "gen",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "core",
    "std",
    "alloc",
    "test",
    "proc_macro",
    "rewasm_sdk",
];

/// Type names the template or the SDK's prelude already use.
const TAKEN_TYPES: &[&str] = &["Changed", "U256", "Address", "H256", "Result", "Option"];

/// A crate name cargo takes and a library name rustc takes once `-` becomes `_`.
fn check_name(name: &str) -> anyhow::Result<()> {
    let mut chars = name.chars();
    let starts_well = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok =
        chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !starts_well || !rest_ok || name.len() > 64 {
        bail!(
            "{name:?} is not a crate name for a contract: use lowercase letters, digits, `-` and \
             `_`, starting with a letter (at most 64 characters)"
        );
    }
    if RESERVED.contains(&name.replace('-', "_").as_str())
        || TAKEN_TYPES.contains(&type_name(name).as_str())
    {
        bail!("{name:?} is not a crate name for a contract: Rust or the SDK reserves it");
    }
    Ok(())
}

/// The SDK folder, checked to be the SDK crate.
fn sdk_path(asked: Option<&Path>) -> anyhow::Result<PathBuf> {
    let path = asked.unwrap_or_else(|| Path::new(CHECKOUT_SDK));
    let manifest = std::fs::read_to_string(path.join("Cargo.toml")).with_context(|| {
        format!(
            "no rewasm SDK at {} (pass --sdk PATH to the contracts/sdk folder of a rewasm \
             checkout)",
            path.display()
        )
    })?;
    if !manifest.contains("name = \"rewasm-sdk\"") {
        bail!("{} is not the rewasm-sdk crate", path.display());
    }
    path.canonicalize()
        .with_context(|| format!("resolving {}", path.display()))
}

/// The contract's type name: `my-token` → `MyToken`.
fn type_name(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// `path` as the contents of a TOML basic string: `/` separators, without Windows' verbatim
/// `\\?\` prefix, quotes escaped.
fn toml_string(path: &Path) -> String {
    let text = path.display().to_string();
    let text = text
        .strip_prefix(r"\\?\")
        .unwrap_or(&text)
        .replace('\\', "/");
    text.replace('"', "\\\"")
}

/// The crate's files: path relative to its root, contents.
fn files(name: &str, sdk: &Path) -> Vec<(&'static str, String)> {
    let fill = |template: &str| {
        template
            .replace("{{name}}", name)
            .replace("{{lib}}", &name.replace('-', "_"))
            .replace("{{Type}}", &type_name(name))
            .replace("{{sdk}}", &toml_string(sdk))
    };
    vec![
        ("Cargo.toml", fill(MANIFEST)),
        ("src/lib.rs", fill(LIB)),
        ("README.md", fill(README)),
        (".gitignore", "/target\n".to_string()),
    ]
}

const MANIFEST: &str = r#"[package]
name = "{{name}}"
version = "0.1.0"
edition = "2024"
rust-version = "1.95"
publish = false

[lib]
# cdylib: the wasm module `rewasm build` makes; rlib: integration tests in tests/ can use it.
crate-type = ["cdylib", "rlib"]

[dependencies]
rewasm-sdk = { path = "{{sdk}}" }

[features]
# `rewasm build --features debug`: `debug!` prints (on dev chains only, which alone accept it).
debug = ["rewasm-sdk/debug"]

# Its own workspace: it builds wherever it is created.
[workspace]
"#;

const LIB: &str = r#"//! {{Type}}: a counter that starts at a constructor argument.
//!
//! `rewasm build` compiles it for the chain; `cargo test` runs the tests below on the host,
//! against the SDK's mock chain (`rewasm_sdk::testing`).
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

/// Slot 0, as `uint256 count;` would be in Solidity.
const COUNT: StorageValue<U256> = StorageValue::new(0);

/// Emitted by every change of the count.
#[event]
#[derive(Debug)]
pub struct Changed {
    #[indexed]
    pub by: Address,
    pub count: U256,
}

#[derive(Debug)]
pub struct {{Type}};

#[contract(events(Changed))]
impl {{Type}} {
    #[constructor]
    pub fn new(&mut self, start: U256) {
        COUNT.set(start);
    }

    /// The current count.
    pub fn count(&self) -> U256 {
        COUNT.get()
    }

    /// Adds one and returns the new count.
    pub fn increment(&mut self) -> U256 {
        let count = COUNT.get() + 1;
        COUNT.set(count);
        rewasm_sdk::debug!("{{name}}: count is now {}", count);
        Changed {
            by: eei::caller(),
            count,
        }
        .emit();
        count
    }

    /// Subtracts one; reverts at zero.
    pub fn decrement(&mut self) -> Result<U256, &'static str> {
        let count = COUNT.get();
        if count.is_zero() {
            return Err("{{name}}: already zero");
        }
        COUNT.set(count - 1);
        Ok(count - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rewasm_sdk::testing;

    fn deployed(start: u64) {
        testing::reset();
        assert!(testing::deploy::<{{Type}}>(&abi::encode(&U256::from(start))).is_success());
    }

    #[test]
    fn increment_counts_and_emits_changed() {
        deployed(41);
        let out = testing::call::<{{Type}}>(&selector!("increment()"));
        assert_eq!(out.decode::<U256>(), Ok(U256::from(42)));
        let logs = testing::take_logs();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].topics[0], keccak!("Changed(address,uint256)"));
        // `debug!` prints with `--features debug` only.
        let printed: &[&str] = if cfg!(feature = "debug") {
            &["{{name}}: count is now 42"]
        } else {
            &[]
        };
        assert_eq!(testing::take_printed(), printed);
        let count = testing::call::<{{Type}}>(&selector!("count()"));
        assert_eq!(count.decode::<U256>(), Ok(U256::from(42)));
    }

    #[test]
    fn decrement_at_zero_reverts_with_its_reason() {
        deployed(0);
        let out = testing::call::<{{Type}}>(&selector!("decrement()"));
        assert!(!out.is_success());
        assert_eq!(out.revert_reason().as_deref(), Some("{{name}}: already zero"));
    }
}
"#;

const README: &str = r#"# {{name}}

A rewasm contract: a counter that starts at a constructor argument, with `count()`,
`increment()` (emits `Changed(address indexed by, uint256 count)`) and `decrement()` (reverts at
zero).

```sh
cargo test                          # the unit tests, on the host against the SDK's mock chain
rewasm build --out build            # build/{{lib}}.wasm, build/{{lib}}.deploy.wasm, build/{{lib}}.abi.json
rewasm node --dev &                 # a dev chain on http://127.0.0.1:8545
rewasm deploy build/{{lib}}.deploy.wasm --args 41   # prints the address
rewasm send ADDRESS "increment()"
rewasm call ADDRESS "count()(uint256)"
```

`debug!` lines print while you develop: `rewasm build --features debug` makes a contract for the
dev chain only, whose `increment()` prints `{{name}}: count is now N` in `rewasm node --dev`'s log
(beside the transaction's hash) and in `rewasm run`'s report; without the feature it prints
nothing and costs nothing.

`rewasm build` needs the `wasm32-unknown-unknown` target (`rustup target add
wasm32-unknown-unknown`) and binaryen's `wasm-opt` (or `--no-wasm-opt`). ethers, viem and web3.py
deploy `build/{{lib}}.deploy.wasm` with `build/{{lib}}.abi.json` as they would Solidity output.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_and_typed() {
        assert!(check_name("my-token").is_ok());
        assert!(check_name("a1_b").is_ok());
        for bad in [
            "", "1abc", "My", "a b", "a/b", "ä", "test", "fn", "changed", "u256",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(type_name("my-token"), "MyToken");
        assert_eq!(type_name("counter_v2"), "CounterV2");
        assert_eq!(toml_string(Path::new(r#"/a/"b""#)), r#"/a/\"b\""#);
    }
}
