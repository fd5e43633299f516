//! `rewasm build`: a minimal no_std contract crate (no SDK) built once, outside the repository;
//! its runtime code, init code and ABI checked, then deployed and called through the executor.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use primitive_types::{H160, H256};
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{InMemoryState, Receipt, Transaction, execute_transaction};
use rewasm_vm::{Engine, VmConfig};
use wasmparser_latest as wp;

/// The ABI the contract embeds, byte for byte.
const ABI: &str = r#"[{"type":"constructor","inputs":[{"name":"x","type":"uint256"}]}]"#;

const MANIFEST: &str = r#"[package]
name = "build-cli-probe"
version = "0.1.0"
edition = "2024"
publish = false

[lib]
crate-type = ["cdylib"]

[workspace]
"#;

/// `main` echoes up to 64 bytes of call data; `deploy` stores 0x01 followed by its call data's
/// length (big-endian, last 4 bytes) in slot 0 and the first 32 bytes of call data in slot 1.
const LIB: &str = r#"#![no_std]

#[link(wasm_import_module = "ethereum")]
unsafe extern "C" {
    fn finish(ptr: *const u8, len: u32);
    fn storageStore(key: *const u8, value: *const u8);
    fn callDataCopy(result: *mut u8, offset: u32, len: u32);
    fn getCallDataSize() -> u32;
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[unsafe(link_section = "rewasm.abi")]
#[used]
static ABI: [u8; ABI_LEN] = *ABI_JSON;

#[unsafe(no_mangle)]
pub extern "C" fn main() {
    let mut buf = [0u8; 64];
    unsafe {
        let len = getCallDataSize().min(64);
        callDataCopy(buf.as_mut_ptr(), 0, len);
        finish(buf.as_ptr(), len);
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn deploy() {
    let mut key = [0u8; 32];
    let mut value = [0u8; 32];
    let len = unsafe { getCallDataSize() };
    value[0] = 1;
    value[28..].copy_from_slice(&len.to_be_bytes());
    unsafe { storageStore(key.as_ptr(), value.as_ptr()) };
    key[31] = 1;
    let mut args = [0u8; 32];
    unsafe {
        callDataCopy(args.as_mut_ptr(), 0, len.min(32));
        storageStore(key.as_ptr(), args.as_ptr());
    }
}
"#;

struct Built {
    _dir: tempfile::TempDir,
    out: PathBuf,
    output: Output,
    runtime: Vec<u8>,
    deploy: Vec<u8>,
    abi: Vec<u8>,
}

fn rewasm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rewasm"))
}

/// The contract crate, built once for all tests (it compiles a wasm crate).
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let krate = dir.path().join("probe");
        std::fs::create_dir_all(krate.join("src")).unwrap();
        std::fs::write(krate.join("Cargo.toml"), MANIFEST).unwrap();
        let lib = LIB
            .replace("ABI_LEN", &ABI.len().to_string())
            .replace("*ABI_JSON", &format!("*br#\"{ABI}\"#"));
        std::fs::write(krate.join("src/lib.rs"), lib).unwrap();
        let out = dir.path().join("out");
        // The crate has no dependencies to share: build it in its own directory, removed with it.
        let output = rewasm()
            .env_remove("CARGO_TARGET_DIR")
            .arg("build")
            .arg(&krate)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run rewasm build");
        let read = |name: &str| std::fs::read(out.join(name)).unwrap_or_default();
        Built {
            runtime: read("build_cli_probe.wasm"),
            deploy: read("build_cli_probe.deploy.wasm"),
            abi: read("build_cli_probe.abi.json"),
            _dir: dir,
            out,
            output,
        }
    })
}

/// Asserts the build succeeded, showing its output if not.
fn ok() -> &'static Built {
    let built = built();
    assert!(
        built.output.status.success(),
        "rewasm build failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&built.output.stdout),
        String::from_utf8_lossy(&built.output.stderr)
    );
    built
}

fn validate(path: &Path) -> String {
    let output = rewasm()
        .arg("validate")
        .arg(path)
        .output()
        .expect("run rewasm validate");
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn exports(code: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for payload in wp::Parser::new(0).parse_all(code) {
        if let wp::Payload::ExportSection(reader) = payload.unwrap() {
            for export in reader {
                names.push(export.unwrap().name.to_string());
            }
        }
    }
    names
}

fn custom_sections(code: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for payload in wp::Parser::new(0).parse_all(code) {
        if let wp::Payload::CustomSection(reader) = payload.unwrap() {
            names.push(reader.name().to_string());
        }
    }
    names
}

#[test]
fn build_writes_three_files_and_a_summary() {
    let built = ok();
    for name in [
        "build_cli_probe.wasm",
        "build_cli_probe.deploy.wasm",
        "build_cli_probe.abi.json",
    ] {
        assert!(built.out.join(name).is_file(), "{name} missing");
    }
    let stdout = String::from_utf8_lossy(&built.output.stdout);
    let runtime_line = format!("{} bytes, 1 initial page(s)", built.runtime.len());
    assert!(stdout.contains(&runtime_line), "{stdout}");
    assert!(
        stdout.contains(&format!("{} bytes", built.deploy.len())),
        "{stdout}"
    );
    assert!(stdout.contains("build_cli_probe.abi.json"), "{stdout}");
    let stderr = String::from_utf8_lossy(&built.output.stderr);
    assert!(stderr.contains("probe/target)"), "{stderr}");
    // The `#[used]` on the ABI static (as the SDK writes it) also puts the ABI in memory.
    assert!(
        stderr.contains(&format!(
            "the ABI ({} bytes) is also in a data segment",
            ABI.len()
        )),
        "{stderr}"
    );
    eprintln!("{stdout}{}", String::from_utf8_lossy(&built.output.stderr));
}

#[test]
fn runtime_exports_main_and_memory_only_and_is_a_valid_contract() {
    let built = ok();
    assert_eq!(exports(&built.runtime), ["main", "memory"]);
    assert!(custom_sections(&built.runtime).is_empty());
    assert_eq!(validate(&built.out.join("build_cli_probe.wasm")), "valid");
}

#[test]
fn deploy_code_is_valid_and_ends_with_the_args_section() {
    let built = ok();
    assert_eq!(exports(&built.deploy), ["main", "memory"]);
    assert_eq!(custom_sections(&built.deploy), ["rewasm.args"]);
    let mut tail = vec![0u8, 12, 11];
    tail.extend_from_slice(b"rewasm.args");
    assert!(built.deploy.ends_with(&tail));
    assert_eq!(
        validate(&built.out.join("build_cli_probe.deploy.wasm")),
        "valid"
    );
}

#[test]
fn abi_file_is_the_embedded_json() {
    assert_eq!(ok().abi, ABI.as_bytes());
}

const SENDER: H160 = H160([0x5e; 20]);

fn transact(state: &mut InMemoryState, to: Option<H160>, nonce: u64, data: Vec<u8>) -> Receipt {
    let engine = Engine::new(VmConfig::default()).unwrap();
    let block = BlockInfo {
        number: 1,
        timestamp: 1,
        gas_limit: 100_000_000,
        ..BlockInfo::default()
    };
    let tx = Transaction {
        sender: SENDER,
        to,
        nonce,
        gas_limit: 50_000_000,
        data,
        ..Transaction::default()
    };
    let receipt = execute_transaction(&engine, state, &block, &|_| Ok(None), &tx).unwrap();
    assert_eq!(receipt.status, CallStatus::Success, "{:?}", receipt.failure);
    receipt
}

fn slot(n: u64) -> H256 {
    H256::from_low_u64_be(n)
}

/// Deploys `data` (init code, maybe with arguments); returns the state and the new address.
fn deploy(data: Vec<u8>) -> (InMemoryState, H160) {
    let mut state = InMemoryState::default();
    let receipt = transact(&mut state, None, 0, data);
    eprintln!("create: {} gas used", receipt.gas_used);
    let address = receipt.contract_address.expect("created");
    (state, address)
}

#[test]
fn deploying_stores_the_runtime_code_which_then_runs() {
    let built = ok();
    let (mut state, address) = deploy(built.deploy.clone());
    let account = &state.accounts[&address];
    assert!(
        account.basic.code[..] == built.runtime[..],
        "deployed code differs from the runtime file"
    );
    // The constructor ran, with empty call data.
    let mut marker = [0u8; 32];
    marker[0] = 1;
    assert_eq!(account.storage.get(&slot(0)), Some(&H256(marker)));
    assert_eq!(account.storage.get(&slot(1)), None);

    let receipt = transact(&mut state, Some(address), 1, b"hello".to_vec());
    assert_eq!(receipt.output, b"hello");
}

#[test]
fn constructor_arguments_follow_the_args_section() {
    let built = ok();
    let args: Vec<u8> = (1..=40).collect();
    let mut data = built.deploy.clone();
    data.extend_from_slice(&args);
    let (state, address) = deploy(data);
    let account = &state.accounts[&address];
    assert!(account.basic.code[..] == built.runtime[..]);
    let mut marker = [0u8; 32];
    marker[0] = 1;
    marker[31] = 40;
    assert_eq!(account.storage.get(&slot(0)), Some(&H256(marker)));
    assert_eq!(
        account.storage.get(&slot(1)),
        Some(&H256::from_slice(&args[..32]))
    );
}

#[test]
fn usage_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let output = rewasm().arg("build").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no Cargo.toml"), "{stderr}");

    // A library that is not a cdylib: cargo metadata alone tells, nothing is compiled.
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
    let output = rewasm().arg("build").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not a cdylib"), "{stderr}");
    assert!(stderr.contains(r#"crate-type = ["cdylib"]"#), "{stderr}");
}

#[test]
fn help_documents_the_args_section() {
    let output = rewasm().args(["build", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("rewasm.args"), "{help}");
    assert!(help.contains("--out"), "{help}");
}
