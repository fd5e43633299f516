//! The example contracts, built from source with `rewasm build` and exercised in-process through
//! the executor with ABI-encoded calls: results, reverts with reasons, events, storage layout,
//! value flows, and the pinned gas of an ERC-20 transfer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use primitive_types::{H160, H256, U256};
use rewasm_eei::{BlockInfo, CallStatus};
use rewasm_executor::{
    Account, BasicAccount, InMemoryState, Receipt, State, Transaction, execute_transaction,
};
use rewasm_primitives::keccak256;
use rewasm_vm::{Engine, GasSchedule, VmConfig};

pub(crate) const EXAMPLES: [&str; 7] = [
    "counter", "erc20", "factory", "proxy", "escrow", "verifier", "vault",
];

/// Built artifacts: name → (runtime, deploy code).
pub(crate) type Artifacts = BTreeMap<&'static str, (Vec<u8>, Vec<u8>)>;

pub(crate) fn built() -> &'static Artifacts {
    static BUILT: OnceLock<Artifacts> = OnceLock::new();
    BUILT.get_or_init(|| {
        EXAMPLES
            .iter()
            .map(|name| (*name, build(name, &[])))
            .collect()
    })
}

/// `rewasm build` of example `name` with cargo `features`: (runtime, deploy code).
pub(crate) fn build(name: &str, features: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let variant: String = features
        .iter()
        .map(|feature| format!("+{}", feature.replace('/', "_")))
        .collect();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("examples{variant}"))
        .join(name);
    let examples = common::manifest_dir().join("../../contracts/examples");
    let mut command = Command::new(env!("CARGO_BIN_EXE_rewasm"));
    command
        .arg("build")
        .arg(examples.join(name))
        .arg("--out")
        .arg(&dir);
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "rewasm build {name} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dev_only = stdout.contains("imports module `debug`");
    assert_eq!(
        dev_only,
        features.contains(&"debug"),
        "`rewasm build` names a dev-only contract: {stdout}"
    );
    let read = |file: String| std::fs::read(dir.join(file)).unwrap();
    (
        read(format!("{name}.wasm")),
        read(format!("{name}.deploy.wasm")),
    )
}

pub(crate) fn addr(n: u64) -> H160 {
    H160::from_low_u64_be(0xa000 + n)
}

pub(crate) const ALICE: u64 = 1;
pub(crate) const BOB: u64 = 2;
pub(crate) const CAROL: u64 = 3;

/// A dev chain in memory with three funded accounts.
pub(crate) struct Chain {
    engine: Engine,
    state: InMemoryState,
    block: BlockInfo,
}

impl Chain {
    fn new() -> Self {
        Self::with(VmConfig::default())
    }

    pub(crate) fn with(config: VmConfig) -> Self {
        let mut state = InMemoryState::default();
        for n in [ALICE, BOB, CAROL] {
            let basic = BasicAccount {
                balance: U256::from(10u64).pow(U256::from(21)),
                ..BasicAccount::default()
            };
            state.accounts.insert(
                addr(n),
                Account {
                    basic,
                    ..Account::default()
                },
            );
        }
        let block = BlockInfo {
            gas_limit: 30_000_000,
            number: 1,
            timestamp: 1,
            ..BlockInfo::default()
        };
        Self {
            engine: Engine::new(config).unwrap(),
            state,
            block,
        }
    }

    pub(crate) fn send(
        &mut self,
        from: u64,
        to: Option<H160>,
        value: u64,
        data: Vec<u8>,
    ) -> Receipt {
        let sender = addr(from);
        let nonce = self.state.basic(&sender).unwrap().unwrap().nonce;
        let tx = Transaction {
            sender,
            to,
            nonce,
            gas_limit: 10_000_000,
            gas_price: U256::zero(),
            value: U256::from(value),
            data,
            ..Transaction::default()
        };
        execute_transaction(
            &self.engine,
            &mut self.state,
            &self.block,
            &|_| Ok(None),
            &tx,
        )
        .unwrap()
    }

    /// Deploys `name` with ABI-encoded constructor arguments appended to its init code.
    fn deploy(&mut self, from: u64, name: &str, args: &[u8], value: u64) -> H160 {
        let (runtime, init) = &built()[name];
        self.deploy_code(from, name, (runtime, init), args, value)
    }

    /// Deploys the built `(runtime, init)` code of `name`.
    pub(crate) fn deploy_code(
        &mut self,
        from: u64,
        name: &str,
        (runtime, init): (&[u8], &[u8]),
        args: &[u8],
        value: u64,
    ) -> H160 {
        let receipt = self.send(from, None, value, [init, args].concat());
        assert_eq!(
            receipt.status,
            CallStatus::Success,
            "deploy {name}: {:?} {:?}",
            receipt.failure,
            reason(&receipt)
        );
        let address = receipt.contract_address.unwrap();
        assert_eq!(
            &*self.state.basic(&address).unwrap().unwrap().code,
            runtime,
            "deployed code is the runtime"
        );
        address
    }

    pub(crate) fn call(&mut self, from: u64, to: H160, signature: &str, args: &[u8]) -> Receipt {
        self.call_value(from, to, 0, signature, args)
    }

    pub(crate) fn call_value(
        &mut self,
        from: u64,
        to: H160,
        value: u64,
        signature: &str,
        args: &[u8],
    ) -> Receipt {
        self.send(
            from,
            Some(to),
            value,
            [&selector(signature)[..], args].concat(),
        )
    }

    /// Calls and returns the output of a successful call.
    fn ok(&mut self, from: u64, to: H160, signature: &str, args: &[u8]) -> Vec<u8> {
        let receipt = self.call(from, to, signature, args);
        assert_eq!(
            receipt.status,
            CallStatus::Success,
            "{signature}: {:?} {:?}",
            receipt.failure,
            reason(&receipt)
        );
        receipt.output
    }

    fn slot(&self, contract: H160, slot: H256) -> U256 {
        U256::from_big_endian(self.state.storage(&contract, &slot).unwrap().as_bytes())
    }
}

fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature.as_bytes()).0[..4].try_into().unwrap()
}

pub(crate) fn word(value: impl Into<U256>) -> Vec<u8> {
    value.into().to_big_endian().to_vec()
}

pub(crate) fn address_word(address: H160) -> Vec<u8> {
    H256::from(address).as_bytes().to_vec()
}

fn as_u256(output: &[u8]) -> U256 {
    U256::from_big_endian(&output[..32])
}

pub(crate) fn as_address(output: &[u8]) -> H160 {
    H160::from_slice(&output[12..32])
}

/// ABI encoding of (string, string, uint256).
pub(crate) fn strings_and_number(a: &str, b: &str, n: u64) -> Vec<u8> {
    let tail = |s: &str| {
        let mut out = word(s.len() as u64);
        let mut data = s.as_bytes().to_vec();
        data.resize(s.len().div_ceil(32) * 32, 0);
        out.extend(data);
        out
    };
    let (ta, tb) = (tail(a), tail(b));
    [word(96u64), word(96 + ta.len() as u64), word(n), ta, tb].concat()
}

/// The `Error(string)` reason of a revert, if the output is one.
pub(crate) fn reason(receipt: &Receipt) -> Option<String> {
    let out = &receipt.output;
    if receipt.status != CallStatus::Revert
        || out.len() < 68
        || out[..4] != selector("Error(string)")
    {
        return None;
    }
    let len = as_u256(&out[36..68]).as_usize();
    Some(String::from_utf8_lossy(&out[68..68 + len]).into_owned())
}

fn assert_reverts(receipt: &Receipt, expected: &str) {
    assert_eq!(receipt.status, CallStatus::Revert, "{:?}", receipt.failure);
    assert_eq!(reason(receipt).as_deref(), Some(expected));
}

/// Solidity's slot of `mapping[key]` at `slot`.
fn mapping_slot(key: &[u8], slot: H256) -> H256 {
    keccak256(&[key, slot.as_bytes()].concat())
}

/// The vault calls the ERC-20 through `#[interface]`: a deposit pulls approved tokens with
/// `transferFrom`, a withdrawal sends them back; the token's revert reaches the vault's caller
/// with the token's reason, and the vault's own check reverts with its own.
#[test]
fn the_vault_calls_the_token_through_its_interface_and_passes_reverts_on() {
    let mut chain = Chain::new();
    let (alice, bob) = (addr(ALICE), addr(BOB));
    let token = chain.deploy(ALICE, "erc20", &strings_and_number("T", "T", 1000), 0);
    let vault = chain.deploy(ALICE, "vault", &address_word(token), 0);
    let approve = [address_word(vault), word(100u64)].concat();
    assert!(
        chain
            .call(ALICE, token, "approve(address,uint256)", &approve)
            .status
            == CallStatus::Success
    );

    let deposit = chain.call(ALICE, vault, "deposit(uint256)", &word(60u64));
    assert_eq!(
        deposit.status,
        CallStatus::Success,
        "{:?}",
        reason(&deposit)
    );
    let balance_of = |chain: &mut Chain, owner| {
        as_u256(
            &chain
                .call(BOB, token, "balanceOf(address)", &address_word(owner))
                .output,
        )
    };
    assert_eq!(balance_of(&mut chain, vault), U256::from(60));
    assert_eq!(balance_of(&mut chain, alice), U256::from(940));
    let deposited = chain.call(BOB, vault, "deposited(address)", &address_word(alice));
    assert_eq!(as_u256(&deposited.output), U256::from(60));
    let holdings = chain.call(BOB, vault, "holdings()", &[]);
    assert_eq!(
        as_u256(&holdings.output),
        U256::from(60),
        "a static call through the interface"
    );

    // Past the allowance: the token reverts inside the vault's call, and its reason comes out.
    let too_much = chain.call(ALICE, vault, "deposit(uint256)", &word(41u64));
    assert_reverts(&too_much, "ERC20: insufficient allowance");
    assert_reverts(
        &chain.call(BOB, vault, "withdraw(uint256)", &word(1u64)),
        "vault: withdrawal exceeds the deposit",
    );
    let withdrawn = chain.call(ALICE, vault, "withdraw(uint256)", &word(25u64));
    assert_eq!(
        withdrawn.status,
        CallStatus::Success,
        "{:?}",
        reason(&withdrawn)
    );
    assert_eq!(balance_of(&mut chain, alice), U256::from(965));
    assert_eq!(balance_of(&mut chain, vault), U256::from(35));
    assert_eq!(balance_of(&mut chain, bob), U256::zero());
}

/// The counter's `debug!` prints through module `debug` when it is built with its `debug`
/// feature (`rewasm run` shows the line); the default build imports nothing from it.
#[test]
fn the_counter_prints_with_its_debug_feature_only() {
    let imports_debug = |code: &[u8]| {
        wasmparser_latest::Parser::new(0)
            .parse_all(code)
            .any(|payload| match payload {
                Ok(wasmparser_latest::Payload::ImportSection(reader)) => reader
                    .into_imports()
                    .any(|import| import.is_ok_and(|import| import.module == "debug")),
                _ => false,
            })
    };
    assert!(!imports_debug(&built()["counter"].0));
    let (runtime, _) = build("counter", &["debug"]);
    assert!(imports_debug(&runtime));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counter.wasm");
    std::fs::write(&path, &runtime).unwrap();
    let increment = format!("0x{}", hex::encode(&keccak256(b"increment()")[..4]));
    let output = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .args([
            "run",
            "--code",
            path.to_str().unwrap(),
            "--input",
            &increment,
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "success", "{report}");
    assert_eq!(report["debug"], serde_json::json!(["counter: now 1"]));
}

#[test]
fn counter_counts_and_reverts_with_a_reason() {
    let mut chain = Chain::new();
    let counter = chain.deploy(ALICE, "counter", &word(5u64), 0);
    assert_eq!(
        as_u256(&chain.ok(BOB, counter, "count()", &[])),
        U256::from(5)
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, counter, "increment()", &[])),
        U256::from(6)
    );
    assert_eq!(
        chain.slot(counter, H256::zero()),
        U256::from(6),
        "slot 0 holds the count"
    );
    for expected in (0..6u64).rev() {
        assert_eq!(
            as_u256(&chain.ok(BOB, counter, "decrement()", &[])),
            U256::from(expected)
        );
    }
    assert_reverts(
        &chain.call(BOB, counter, "decrement()", &[]),
        "counter: already zero",
    );
    assert_reverts(
        &chain.call_value(BOB, counter, 1, "increment()", &[]),
        "function is not payable",
    );
    assert_reverts(&chain.call(BOB, counter, "nope()", &[]), "unknown selector");
}

#[test]
fn erc20_implements_the_standard_with_solidity_layout_and_events() {
    let mut chain = Chain::new();
    let token = chain.deploy(
        ALICE,
        "erc20",
        &strings_and_number("Rewasm Token", "RWT", 1000),
        0,
    );
    let (alice, bob, carol) = (addr(ALICE), addr(BOB), addr(CAROL));

    let name = chain.ok(BOB, token, "name()", &[]);
    assert_eq!(&name[64..76], b"Rewasm Token");
    assert_eq!(&chain.ok(BOB, token, "symbol()", &[])[64..67], b"RWT");
    assert_eq!(
        as_u256(&chain.ok(BOB, token, "decimals()", &[])),
        U256::from(18)
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, token, "totalSupply()", &[])),
        U256::from(1000)
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, token, "balanceOf(address)", &address_word(alice))),
        U256::from(1000)
    );

    let transfer_topic = keccak256(b"Transfer(address,address,uint256)");
    let receipt = chain.call(
        ALICE,
        token,
        "transfer(address,uint256)",
        &[address_word(bob), word(100u64)].concat(),
    );
    assert_eq!(receipt.status, CallStatus::Success);
    assert_eq!(as_u256(&receipt.output), U256::one(), "returns true");
    let log = &receipt.logs[0];
    assert_eq!(log.address, token);
    assert_eq!(
        log.topics,
        vec![transfer_topic, H256::from(alice), H256::from(bob)]
    );
    assert_eq!(log.data, word(100u64));
    // Pinned: the gas of an ERC-20 transfer under `v2` (intrinsic included).
    assert_eq!(
        receipt.gas_used, ERC20_TRANSFER_GAS,
        "ERC-20 transfer gas changed"
    );

    // balances: mapping at slot 0; allowances: nested mapping at slot 1.
    let slot0 = H256::zero();
    assert_eq!(
        chain.slot(token, mapping_slot(&address_word(alice), slot0)),
        U256::from(900)
    );
    assert_eq!(
        chain.slot(token, mapping_slot(&address_word(bob), slot0)),
        U256::from(100)
    );
    assert_eq!(
        chain.slot(token, H256::from_low_u64_be(2)),
        U256::from(1000),
        "totalSupply at slot 2"
    );

    assert_reverts(
        &chain.call(
            BOB,
            token,
            "transfer(address,uint256)",
            &[address_word(carol), word(101u64)].concat(),
        ),
        "ERC20: transfer amount exceeds balance",
    );

    let receipt = chain.call(
        ALICE,
        token,
        "approve(address,uint256)",
        &[address_word(carol), word(50u64)].concat(),
    );
    assert_eq!(receipt.status, CallStatus::Success);
    assert_eq!(
        receipt.logs[0].topics[0],
        keccak256(b"Approval(address,address,uint256)")
    );
    let allowances = H256::from_low_u64_be(1);
    let inner = mapping_slot(&address_word(alice), allowances);
    assert_eq!(
        chain.slot(token, mapping_slot(&address_word(carol), inner)),
        U256::from(50)
    );
    assert_eq!(
        as_u256(&chain.ok(
            BOB,
            token,
            "allowance(address,address)",
            &[address_word(alice), address_word(carol)].concat()
        )),
        U256::from(50)
    );

    let from_args = [address_word(alice), address_word(bob), word(30u64)].concat();
    chain.ok(
        CAROL,
        token,
        "transferFrom(address,address,uint256)",
        &from_args,
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, token, "balanceOf(address)", &address_word(bob))),
        U256::from(130)
    );
    let left = [address_word(alice), address_word(carol)].concat();
    assert_eq!(
        as_u256(&chain.ok(BOB, token, "allowance(address,address)", &left)),
        U256::from(20)
    );
    assert_reverts(
        &chain.call(
            CAROL,
            token,
            "transferFrom(address,address,uint256)",
            &from_args,
        ),
        "ERC20: insufficient allowance",
    );
    assert_reverts(
        &chain.call(ALICE, token, "transfer(address,uint256)", &[0u8; 10]),
        "abi: data too short",
    );
}

/// Gas of `transfer(bob, 100)` from an account that holds tokens to one that holds none, under
/// the `default` schedule: 21 000 + 68 × 36 + 4 × 32 intrinsic, 30 000 for the initial page, two
/// storage writes (5 000 and 20 000), the event, two keccak precompile calls (with 3 per word
/// of their input), 3 per word of the output and the metered wasm. It depends on the example's compiled code, so a change of rustc or the SDK moves it.
const ERC20_TRANSFER_GAS_DEFAULT_SCHEDULE: u64 = 87_802;

/// The gas of the example ERC-20's `transfer` of 100 to a fresh holder under `v2`, the dev
/// chain's schedule: 21 000 + 16 per non-zero and 4 per zero data byte (EIP-2028), two cold
/// storage reads (2 100 each) and two writes (2 900 and 20 000; EIP-2929 and EIP-2200), the
/// event, two `rewasm.keccak256` calls (30 + 6 × 2 each), the frame's output, and the metered
/// wasm and host calls in ink, rounded up. Loading its 8 779 bytes of code costs 2 600 + 2 per
/// byte = 20 158, which the base 21 000 covers. It depends on the example's compiled code, so a
/// change of rustc or the SDK moves it.
const ERC20_TRANSFER_GAS: u64 = 50_738;

/// A chain that stays on the `default` schedule keeps its prices: the ERC-20 built for it
/// (keccak256 through the precompile) transfers for this pinned gas, which moves only with the
/// compiled code (88 125 before `rewasm build` ran `wasm-opt`).
#[test]
fn erc20_transfer_gas_under_the_default_schedule_is_pinned() {
    let config = VmConfig {
        schedule: GasSchedule::default_schedule(),
        ..VmConfig::default()
    };
    let mut chain = Chain::with(config);
    let (runtime, init) = build("erc20", &["rewasm-sdk/precompile-keccak"]);
    let args = strings_and_number("Rewasm Token", "RWT", 1000);
    let token = chain.deploy_code(ALICE, "erc20", (&runtime, &init), &args, 0);
    let receipt = chain.call(
        ALICE,
        token,
        "transfer(address,uint256)",
        &[address_word(addr(BOB)), word(100u64)].concat(),
    );
    assert_eq!(receipt.status, CallStatus::Success);
    assert_eq!(receipt.gas_used, ERC20_TRANSFER_GAS_DEFAULT_SCHEDULE);
    // The SDK's default build imports `rewasm.keccak256`, which `default` does not offer.
    let (_, native) = &built()["erc20"];
    let receipt = chain.send(BOB, None, 0, [native.as_slice(), &args].concat());
    assert_eq!(receipt.status, CallStatus::Failure);
    let failure = receipt.failure.unwrap_or_default();
    assert!(failure.contains("contract:import-module"), "{failure}");
}

#[test]
fn factory_creates_children_that_work() {
    let mut chain = Chain::new();
    let factory = chain.deploy(ALICE, "factory", &[], 0);
    let child_init = [built()["counter"].1.as_slice(), &word(7u64)].concat();
    // deploy(bytes): offset, length, data padded.
    let mut args = [word(32u64), word(child_init.len() as u64)].concat();
    let mut padded = child_init.clone();
    padded.resize(child_init.len().div_ceil(32) * 32, 0);
    args.extend(padded);
    let receipt = chain.call(BOB, factory, "deploy(bytes)", &args);
    assert_eq!(
        receipt.status,
        CallStatus::Success,
        "{:?} {:?}",
        receipt.failure,
        reason(&receipt)
    );
    let child = as_address(&receipt.output);
    assert_eq!(
        receipt.logs[0].topics,
        vec![
            keccak256(b"ChildCreated(address,uint256)"),
            H256::from(child)
        ]
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, factory, "children()", &[])),
        U256::one()
    );
    assert_eq!(
        as_address(&chain.ok(BOB, factory, "child(uint256)", &word(0u64))),
        child
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, child, "count()", &[])),
        U256::from(7)
    );
    assert_eq!(
        &*chain.state.basic(&child).unwrap().unwrap().code,
        built()["counter"].0.as_slice()
    );
    assert_reverts(
        &chain.call(BOB, factory, "child(uint256)", &word(5u64)),
        "factory: no such child",
    );
}

#[test]
fn proxy_runs_the_implementation_on_its_own_storage() {
    let mut chain = Chain::new();
    let implementation = chain.deploy(ALICE, "counter", &word(0u64), 0);
    let proxy = chain.deploy(ALICE, "proxy", &address_word(implementation), 0);
    assert_eq!(
        as_u256(&chain.ok(BOB, proxy, "increment()", &[])),
        U256::one()
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, proxy, "increment()", &[])),
        U256::from(2)
    );
    assert_eq!(
        chain.slot(proxy, H256::zero()),
        U256::from(2),
        "the proxy's storage changed"
    );
    assert_eq!(
        chain.slot(implementation, H256::zero()),
        U256::zero(),
        "the implementation's did not"
    );
    chain.ok(BOB, proxy, "decrement()", &[]);
    chain.ok(BOB, proxy, "decrement()", &[]);
    assert_reverts(
        &chain.call(BOB, proxy, "decrement()", &[]),
        "counter: already zero",
    );
}

#[test]
fn escrow_holds_and_releases_or_refunds_value() {
    let mut chain = Chain::new();
    let args = [address_word(addr(BOB)), address_word(addr(CAROL))].concat();
    let escrow = chain.deploy(ALICE, "escrow", &args, 1000);
    assert_eq!(
        as_u256(&chain.ok(BOB, escrow, "amount()", &[])),
        U256::from(1000)
    );
    assert_reverts(
        &chain.call(ALICE, escrow, "release()", &[]),
        "escrow: only the arbiter",
    );
    let bob_before = chain.state.basic(&addr(BOB)).unwrap().unwrap().balance;
    let receipt = chain.call(CAROL, escrow, "release()", &[]);
    assert_eq!(
        receipt.status,
        CallStatus::Success,
        "{:?} {:?}",
        receipt.failure,
        reason(&receipt)
    );
    assert_eq!(
        chain.state.basic(&addr(BOB)).unwrap().unwrap().balance,
        bob_before + 1000
    );
    assert_eq!(receipt.logs[0].topics[1], H256::from(addr(BOB)));
    assert_eq!(as_u256(&chain.ok(BOB, escrow, "state()", &[])), U256::one());
    assert_reverts(
        &chain.call(CAROL, escrow, "refund()", &[]),
        "escrow: already settled",
    );

    let second = chain.deploy(ALICE, "escrow", &args, 400);
    let alice_before = chain.state.basic(&addr(ALICE)).unwrap().unwrap().balance;
    chain.ok(CAROL, second, "refund()", &[]);
    assert_eq!(
        chain.state.basic(&addr(ALICE)).unwrap().unwrap().balance,
        alice_before + 400
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, second, "state()", &[])),
        U256::from(2)
    );
}

/// A signer and the arguments `(hash, v, r, s)` of its signature of keccak256("rewasm").
pub(crate) fn signed() -> (H160, Vec<u8>) {
    use k256::ecdsa::SigningKey;
    let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
    let public = key.verifying_key().to_encoded_point(false);
    let signer = H160::from_slice(&keccak256(&public.as_bytes()[1..]).0[12..]);
    let hash = keccak256(b"rewasm");
    let (signature, recovery) = key.sign_prehash_recoverable(hash.as_bytes()).unwrap();
    let (r, s) = (signature.r().to_bytes(), signature.s().to_bytes());
    let v = 27 + u64::from(recovery.to_byte());
    (signer, [hash.as_bytes(), &word(v), &r[..], &s[..]].concat())
}

#[test]
fn verifier_recovers_signers_through_the_precompile() {
    let mut chain = Chain::new();
    let verifier = chain.deploy(ALICE, "verifier", &[], 0);
    let (signer, args) = signed();
    assert_eq!(
        as_address(&chain.ok(
            BOB,
            verifier,
            "recover(bytes32,uint8,bytes32,bytes32)",
            &args
        )),
        signer
    );
    let verify = |signer: H160| [address_word(signer), args.clone()].concat();
    let verify_sig = "verify(address,bytes32,uint8,bytes32,bytes32)";
    assert_eq!(
        as_u256(&chain.ok(BOB, verifier, verify_sig, &verify(signer))),
        U256::one()
    );
    assert_eq!(
        as_u256(&chain.ok(BOB, verifier, verify_sig, &verify(addr(BOB)))),
        U256::zero()
    );
    // (hash, v, r, s) with v = 29, which no signature has.
    let bad_v = [&args[..32], &word(29u64), &args[64..]].concat();
    assert_eq!(
        as_address(&chain.ok(
            BOB,
            verifier,
            "recover(bytes32,uint8,bytes32,bytes32)",
            &bad_v
        )),
        H160::zero()
    );
}

#[test]
fn every_example_passes_the_contract_rules() {
    for (name, (runtime, init)) in built() {
        for (what, code) in [("runtime", runtime), ("init", init)] {
            let verdict = rewasm_vm::validate(
                code,
                &rewasm_vm::ChainLimits::default(),
                rewasm_vm::Rules::Contract,
            );
            assert!(verdict.is_ok(), "{name} {what}: {verdict:?}");
        }
    }
}

/// CI builds in another directory than a developer does, and the README pins the examples' gas.
#[test]
fn an_example_builds_to_the_same_bytes_from_another_checkout() {
    let elsewhere = Path::new(env!("CARGO_TARGET_TMPDIR")).join("another/longer/checkout");
    let _ = std::fs::remove_dir_all(&elsewhere);
    let checkout = common::manifest_dir().join("../..");
    // The SDK inherits fields from the root manifest; the rest of the main workspace is not needed.
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::copy(checkout.join("Cargo.toml"), elsewhere.join("Cargo.toml")).unwrap();
    copy_sources(&checkout.join("contracts"), &elsewhere.join("contracts"));
    let out = elsewhere.join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_rewasm"))
        .arg("build")
        .arg(elsewhere.join("contracts/examples/erc20"))
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let (runtime, init) = &built()["erc20"];
    assert!(std::fs::read(out.join("erc20.wasm")).unwrap() == *runtime);
    assert!(std::fs::read(out.join("erc20.deploy.wasm")).unwrap() == *init);
}

/// Copies the directory tree `from` to `to`, leaving out build output (`target` folders).
fn copy_sources(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (source, destination) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_sources(&source, &destination);
            }
        } else {
            std::fs::copy(&source, &destination).unwrap();
        }
    }
}

#[test]
fn no_example_embeds_the_directories_it_was_built_in() {
    let checkout = common::manifest_dir().join("../..").canonicalize().unwrap();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::home_dir().unwrap().join(".cargo"));
    for (name, (runtime, init)) in built() {
        for (what, code) in [("runtime", runtime), ("init", init)] {
            for dir in [&checkout, &cargo_home] {
                let needle = dir.to_str().unwrap().as_bytes();
                assert!(
                    !code.windows(needle.len()).any(|w| w == needle),
                    "{name} {what} contains {}",
                    dir.display()
                );
            }
        }
    }
}
