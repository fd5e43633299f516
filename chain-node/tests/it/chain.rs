//! The chain over a real store: genesis, mining with fees and rejections, contract creation and
//! calls, reverts with reasons, gas estimation, historical state, and replay (`verify`).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use primitive_types::{H160, H256, U256};
use rewasm_eei::CallStatus;
use rewasm_executor::{BasicAccount, create_address};
use rewasm_node::chain::ChainSetting;
use rewasm_node::chain::{
    BRIEF_CALL_GAS, BriefCall, CallError, CallRequest, Chain, ChainConfig, ChainError, StateBlock,
    VerifyError, verify,
};
use rewasm_node::genesis::{DEV_MNEMONIC, DevAccount, Genesis, GenesisValidator, derive_accounts};
use rewasm_node::tx::{self, SignedTransaction, TxKind, UnsignedTransaction};
use rewasm_store::{BlockWrite, META_CHAIN_PARAMS, META_DEV_MODE, META_VALIDATORS, cf};

const GWEI: u64 = 1_000_000_000;
/// Fixed timestamps make block hashes reproducible.
const T0: u64 = 1_700_000_000;

fn accounts() -> Vec<DevAccount> {
    derive_accounts(DEV_MNEMONIC, 3).unwrap()
}

fn open(dir: &std::path::Path) -> Chain {
    open_with(dir, &Genesis::dev().unwrap())
}

fn open_with(dir: &std::path::Path, genesis: &Genesis) -> Chain {
    let config = ChainConfig::from_genesis(genesis).unwrap();
    Chain::open(dir, genesis, config).unwrap()
}

struct Tx {
    kind: TxKind,
    nonce: u64,
    to: Option<H160>,
    value: U256,
    data: Vec<u8>,
    gas: u64,
    max_fee: U256,
    tip: U256,
    chain_id: u64,
    access_list: tx::AccessList,
}

impl Default for Tx {
    fn default() -> Self {
        Self {
            kind: TxKind::DynamicFee,
            nonce: 0,
            to: Some(H160::repeat_byte(0x77)),
            value: U256::from(1000),
            data: vec![],
            gas: 21_000,
            max_fee: U256::from(2 * GWEI),
            tip: U256::from(GWEI),
            chain_id: 31_337,
            access_list: vec![],
        }
    }
}

fn signed(from: &DevAccount, tx: Tx) -> (SignedTransaction, Vec<u8>) {
    let unsigned = UnsignedTransaction {
        kind: tx.kind,
        chain_id: match tx.kind {
            TxKind::Legacy { chain_id } => chain_id,
            _ => Some(tx.chain_id),
        },
        nonce: tx.nonce,
        gas_limit: tx.gas,
        gas_price: tx.max_fee,
        max_fee: tx.max_fee,
        max_priority_fee: tx.tip,
        to: tx.to,
        value: tx.value,
        data: tx.data,
        access_list: tx.access_list,
    };
    let raw = tx::sign(&unsigned, &from.key).unwrap();
    (tx::decode(&raw).unwrap(), raw)
}

fn balance(chain: &Chain, address: &H160, number: u64) -> U256 {
    chain.account_at(address, number).unwrap().balance
}

/// Init code that deploys `runtime`: its `main` returns the runtime bytes from a data segment.
fn init_code(runtime: &[u8]) -> Vec<u8> {
    let escaped: String = runtime.iter().map(|b| format!("\\{b:02x}")).collect();
    let wat = format!(
        r#"(module
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{escaped}")
  (func (export "main") (call $finish (i32.const 0) (i32.const {len}))))"#,
        len = runtime.len()
    );
    wat::parse_str(wat).unwrap()
}

/// `from`'s first transaction: deploys `runtime` with 2 000 000 gas.
fn deployment(from: &DevAccount, runtime: &[u8]) -> (SignedTransaction, Vec<u8>) {
    signed(
        from,
        Tx {
            to: None,
            data: init_code(runtime),
            gas: 2_000_000,
            value: U256::zero(),
            ..Tx::default()
        },
    )
}

/// Counts calls in slot 0, logs the new count (topic = 0x11…11), returns it; call data `0xdead`
/// reverts with `Error("no dead beef")`.
const COUNTER: &str = r#"(module
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (import "ethereum" "revert" (func $revert (param i32 i32)))
  (import "ethereum" "getCallDataSize" (func $size (result i32)))
  (import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 128) "\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11\11")
  (data (i32.const 256) "\08\c3\79\a0\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\20\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\0cno dead beef\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (func (export "main")
    (if (i32.eq (call $size) (i32.const 2))
      (then
        (call $copy (i32.const 200) (i32.const 0) (i32.const 2))
        (if (i32.eq (i32.load16_u (i32.const 200)) (i32.const 0xadde))
          (then (call $revert (i32.const 256) (i32.const 100))))))
    (call $load (i32.const 0) (i32.const 32))
    (i32.store8 (i32.const 63) (i32.add (i32.load8_u (i32.const 63)) (i32.const 1)))
    (call $store (i32.const 0) (i32.const 32))
    (call $log (i32.const 32) (i32.const 32) (i32.const 1) (i32.const 128) (i32.const 0) (i32.const 0) (i32.const 0))
    (call $finish (i32.const 32) (i32.const 32))))"#;

fn word(n: u8) -> Vec<u8> {
    let mut word = vec![0; 32];
    word[31] = n;
    word
}

#[test]
fn genesis_is_stable_and_another_genesis_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hash = {
        let chain = open(dir.path());
        assert_eq!(chain.head().header.number, 0);
        assert_eq!(chain.head().header.base_fee_per_gas, U256::from(GWEI));
        let dev = &accounts()[0];
        assert_eq!(
            balance(&chain, &dev.address, 0),
            U256::from(10_000u64) * U256::exp10(18)
        );
        chain.genesis_hash()
    };
    let again = open(dir.path());
    assert_eq!(again.genesis_hash(), hash);
    assert_eq!(again.head().hash, hash);
    drop(again);

    // The same settings over other accounts: another chain.
    let mut other = Genesis::dev().unwrap();
    other.alloc.clear();
    let config = ChainConfig::from_genesis(&other).unwrap();
    match Chain::open(dir.path(), &other, config) {
        Err(ChainError::GenesisMismatch { found, .. }) => assert_eq!(found, hash),
        other => panic!("expected a genesis mismatch, got {other:?}"),
    }
}

/// A restarted node must not run a store under consensus settings other than those it was
/// created with: the genesis hash covers only the header, so an edited chain id, gas schedule
/// or limits would otherwise pass silently.
#[test]
fn a_store_refuses_other_consensus_settings() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev().unwrap();
    let head = {
        let chain = open(dir.path());
        let [a, _, _] = <[DevAccount; 3]>::try_from(accounts()).ok().unwrap();
        chain
            .mine(vec![signed(&a, Tx::default())], Some(T0))
            .unwrap();
        chain.head().hash
    };
    // An edited genesis file, as the node reads it; then an edited config (another binary).
    let reopen = |edit: &dyn Fn(&mut Genesis), tweak: &dyn Fn(&mut ChainConfig)| {
        let mut edited = genesis.clone();
        edit(&mut edited);
        let mut config = ChainConfig::from_genesis(&edited).unwrap();
        tweak(&mut config);
        Chain::open(dir.path(), &edited, config)
    };
    let same = |_: &mut ChainConfig| {};
    let add_validator = |key: u8| {
        move |g: &mut Genesis| {
            g.validators.push(GenesisValidator {
                public_key: format!("0x{}", hex::encode([key; 32])),
                power: 1,
            });
        }
    };
    let refused = |result: Result<Chain, ChainError>| match result {
        Err(error @ ChainError::SettingMismatch { .. }) => {
            let message = error.to_string();
            let ChainError::SettingMismatch {
                setting,
                stored,
                configured,
            } = error
            else {
                unreachable!()
            };
            (setting, stored, configured, message)
        }
        other => panic!("expected a setting mismatch, got {other:?}"),
    };

    let (setting, stored, configured, message) = refused(reopen(&|g| g.chain_id = 1, &same));
    assert_eq!(setting, ChainSetting::ChainId);
    assert_eq!((stored.as_str(), configured.as_str()), ("31337", "1"));
    assert!(
        message.starts_with("the data folder's chain runs with chain id 31337, this config has 1"),
        "{message}"
    );

    let (setting, stored, configured, message) = refused(reopen(
        &|g| g.gas_schedule = "ewasm-conformance".into(),
        &same,
    ));
    assert_eq!(setting, ChainSetting::GasSchedule);
    assert!(stored.starts_with("\"v2\" (hash 0x"), "{stored}");
    assert!(
        configured.starts_with("\"ewasm-conformance\" (hash 0x"),
        "{configured}"
    );
    assert!(message.contains("gas schedule \"v2\""), "{message}");

    // Same name, other prices (a node binary whose schedule changed): the hash tells.
    let (setting, stored, configured, _) =
        refused(reopen(&|_| {}, &|c| c.vm.schedule.instructions.div += 1));
    assert_eq!(setting, ChainSetting::GasSchedule);
    assert_ne!(stored, configured);
    assert!(configured.starts_with("\"v2\""), "{configured}");

    let (setting, stored, configured, message) = refused(reopen(
        &|g| {
            g.limits.insert("maxCallDepth".into(), 512);
        },
        &same,
    ));
    assert_eq!(setting, ChainSetting::Limits);
    assert_ne!(stored, configured);
    assert!(message.contains("runs with limits hash 0x"), "{message}");

    // The gas limit is in the genesis header too; the setting is named, not the hash.
    let (setting, stored, configured, message) =
        refused(reopen(&|g| g.gas_limit = 20_000_000, &same));
    assert_eq!(setting, ChainSetting::GasLimit);
    assert_eq!(
        (stored.as_str(), configured.as_str()),
        ("30000000", "20000000")
    );
    assert!(
        message.contains("block gas limit 30000000, this config has 20000000"),
        "{message}"
    );

    // Another validator set (a node given another network's genesis, or an edited power).
    let (setting, stored, configured, message) = refused(reopen(&add_validator(0x11), &same));
    assert_eq!(setting, ChainSetting::Validators);
    assert_ne!(stored, configured);
    assert!(message.contains("validator set hash 0x"), "{message}");

    // A dev chain's blocks may hold impersonated transactions; no other chain runs them.
    let (setting, stored, configured, message) = refused(reopen(&|g| g.dev_mode = false, &same));
    assert_eq!(setting, ChainSetting::DevMode);
    assert_eq!((stored.as_str(), configured.as_str()), ("true", "false"));
    assert!(
        message.contains("dev mode (genesis devMode) true"),
        "{message}"
    );

    // Unchanged: opens on the same head.
    let chain = reopen(&|_| {}, &same).unwrap();
    assert_eq!(chain.head().hash, head);
    drop(chain);

    // A store from before the settings were recorded adopts the configured ones once, then
    // holds to them.
    {
        let path = dir.path().join("chaindata");
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, names).unwrap();
        for key in [META_CHAIN_PARAMS, META_VALIDATORS, META_DEV_MODE] {
            db.delete_cf(db.cf_handle(cf::META).unwrap(), key).unwrap();
        }
    }
    let chain = reopen(&|_| {}, &same).unwrap();
    assert_eq!(chain.head().hash, head);
    let recorded = chain.store().chain_params().unwrap().unwrap();
    assert_eq!(recorded, chain.config().params());
    drop(chain);
    let (setting, ..) = refused(reopen(&|g| g.chain_id = 1, &same));
    assert_eq!(setting, ChainSetting::ChainId);

    // One that recorded its settings before the validator set and the dev mode were: it
    // records them once.
    {
        let path = dir.path().join("chaindata");
        let names = rocksdb::DB::list_cf(&rocksdb::Options::default(), &path).unwrap();
        let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), &path, names).unwrap();
        for key in [META_VALIDATORS, META_DEV_MODE] {
            db.delete_cf(db.cf_handle(cf::META).unwrap(), key).unwrap();
        }
    }
    let chain = reopen(&|_| {}, &same).unwrap();
    let recorded = chain.store().chain_params().unwrap().unwrap();
    assert_eq!(
        recorded.validators_hash,
        Some(genesis.validators_hash().unwrap())
    );
    assert_eq!(recorded.dev_mode, Some(true));
    drop(chain);
    let (setting, ..) = refused(reopen(&add_validator(0x22), &same));
    assert_eq!(setting, ChainSetting::Validators);
    let (setting, ..) = refused(reopen(&|g| g.dev_mode = false, &same));
    assert_eq!(setting, ChainSetting::DevMode);
}

#[test]
fn fees_are_split_between_burn_and_coinbase_for_every_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let [a, b, _] = <[DevAccount; 3]>::try_from(accounts()).ok().unwrap();
    let to = H160::repeat_byte(0x77);
    let txs = vec![
        signed(&a, Tx::default()),
        signed(
            &a,
            Tx {
                nonce: 1,
                kind: TxKind::Legacy {
                    chain_id: Some(31_337),
                },
                max_fee: U256::from(3 * GWEI),
                ..Tx::default()
            },
        ),
        signed(
            &a,
            Tx {
                nonce: 2,
                kind: TxKind::Legacy { chain_id: None },
                max_fee: U256::from(3 * GWEI),
                ..Tx::default()
            },
        ),
        signed(
            &b,
            Tx {
                kind: TxKind::AccessList,
                max_fee: U256::from(3 * GWEI),
                ..Tx::default()
            },
        ),
    ];
    let before_a = balance(&chain, &a.address, 0);
    let mined = chain.mine(txs.clone(), Some(T0)).unwrap();
    assert!(mined.rejected.is_empty(), "{:?}", mined.rejected);
    let block = &mined.block;
    assert_eq!(block.header.number, 1);
    assert_eq!(block.header.gas_used, 4 * 21_000);
    assert_eq!(block.transactions.len(), 4);
    // The genesis (1 gwei) used no gas: block 1's base fee is 1/8 lower.
    let base = U256::from(GWEI * 7 / 8);
    assert_eq!(block.header.base_fee_per_gas, base);

    // 1559: pays base + tip; legacy: pays its 3 gwei price.
    let prices = [GWEI * 7 / 8 + GWEI, 3 * GWEI, 3 * GWEI, 3 * GWEI];
    for ((tx, _), price) in txs.iter().zip(prices) {
        let receipt = chain.receipt(&tx.hash).unwrap().unwrap();
        assert!(receipt.success);
        assert_eq!(receipt.gas_used, 21_000);
        assert_eq!(receipt.effective_gas_price, U256::from(price));
        let included = chain.transaction(&tx.hash).unwrap().unwrap();
        assert_eq!(included.location.block_hash, block.hash);
        assert_eq!(&included.transaction, tx);
    }
    let spent: U256 = prices[..3]
        .iter()
        .map(|p| U256::from(21_000 * p))
        .fold(U256::zero(), |s, x| s + x);
    assert_eq!(
        balance(&chain, &a.address, 1),
        before_a - spent - U256::from(3000)
    );
    assert_eq!(balance(&chain, &to, 1), U256::from(4000));
    // The coinbase (zero address) gets the tips: 1 gwei for the 1559 tx, price − base for the rest.
    let tips = 21_000 * (GWEI + 3 * (3 * GWEI - GWEI * 7 / 8));
    assert_eq!(balance(&chain, &H160::zero(), 1), U256::from(tips));
    assert_eq!(balance(&chain, &a.address, 0), before_a, "history is kept");

    // Under the target (15M of 30M): the next base fee drops by (1 − used/target)/8.
    let expected = base - base * U256::from(15_000_000 - 84_000) / U256::from(15_000_000u64 * 8);
    assert_eq!(chain.next_base_fee(), expected);
    let next = chain.mine(vec![], Some(T0 + 1)).unwrap();
    assert_eq!(next.block.header.base_fee_per_gas, expected);
    assert_eq!(next.block.header.parent_hash, block.hash);
    assert_eq!(
        chain.block_by_hash(&block.hash).unwrap().unwrap().hash,
        block.hash
    );
}

#[test]
fn invalid_candidates_are_left_out_with_geths_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let [a, _, _] = <[DevAccount; 3]>::try_from(accounts()).ok().unwrap();
    let poor = derive_accounts(
        "test test test test test test test test test test test test",
        1,
    )
    .unwrap()
    .remove(0);
    let cases = vec![
        (
            signed(
                &a,
                Tx {
                    chain_id: 1,
                    ..Tx::default()
                },
            ),
            "invalid chain id for signer",
            true,
        ),
        (
            signed(
                &a,
                Tx {
                    nonce: 5,
                    ..Tx::default()
                },
            ),
            "nonce too high: next nonce 0, tx nonce 5",
            false,
        ),
        (
            signed(&poor, Tx::default()),
            "insufficient funds for gas * price + value",
            true,
        ),
        (
            signed(
                &a,
                Tx {
                    max_fee: U256::from(GWEI / 2),
                    tip: U256::zero(),
                    ..Tx::default()
                },
            ),
            "max fee per gas less than block base fee",
            false,
        ),
        (
            signed(
                &a,
                Tx {
                    tip: U256::from(3 * GWEI),
                    ..Tx::default()
                },
            ),
            "max priority fee per gas higher than max fee per gas",
            true,
        ),
        (
            signed(
                &a,
                Tx {
                    gas: 20_999,
                    ..Tx::default()
                },
            ),
            "intrinsic gas too low",
            true,
        ),
    ];
    let candidates = cases.iter().map(|(tx, _, _)| tx.clone()).collect();
    let mined = chain.mine(candidates, Some(T0)).unwrap();
    assert!(mined.block.transactions.is_empty());
    assert_eq!(mined.rejected.len(), cases.len());
    for (rejection, ((tx, _), reason, permanent)) in mined.rejected.iter().zip(&cases) {
        assert_eq!(rejection.hash, tx.hash);
        assert!(
            rejection.reason.starts_with(reason),
            "{} !~ {reason}",
            rejection.reason
        );
        assert_eq!(rejection.permanent, *permanent, "{reason}");
    }
    chain
        .mine(vec![signed(&a, Tx::default())], Some(T0 + 1))
        .unwrap();
    let stale = chain
        .mine(
            vec![signed(
                &a,
                Tx {
                    value: U256::from(5),
                    ..Tx::default()
                },
            )],
            Some(T0 + 2),
        )
        .unwrap();
    assert_eq!(
        stale.rejected[0].reason,
        "nonce too low: next nonce 1, tx nonce 0"
    );
}

/// Prints a number, a text from memory and slot 0 through module `debug`, then stores 1.
const PRINTER: &str = r#"(module
  (import "debug" "print32" (func $print32 (param i32)))
  (import "debug" "printMem" (func $print (param i32 i32)))
  (import "debug" "printStorageHex" (func $slot (param i32)))
  (import "ethereum" "storageStore" (func $store (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello from wasm")
  (data (i32.const 127) "\01")
  (func (export "main")
    (call $print32 (i32.const 7))
    (call $print (i32.const 64) (i32.const 15))
    (call $slot (i32.const 0))
    (call $store (i32.const 0) (i32.const 96))))"#;

/// Module `debug` is a dev chain's: there its imports deploy, print (the call's debug output)
/// and cost pinned gas; any other chain's validator refuses them, so the create fails.
#[test]
fn the_debug_module_prints_on_dev_chains_only() {
    let runtime = wat::parse_str(PRINTER).unwrap();
    let a = accounts().remove(0);
    let create = || deployment(&a, &runtime);
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let mined = chain.mine(vec![create()], Some(T0)).unwrap();
    assert!(mined.receipts[0].success, "{:?}", mined.receipts[0]);
    let contract = create_address(&a.address, 0);
    let call = CallRequest {
        from: Some(a.address),
        to: Some(contract),
        ..CallRequest::default()
    };
    let outcome = chain.call(&call, 1).unwrap();
    assert_eq!(outcome.status, CallStatus::Success);
    let printed: Vec<_> = outcome
        .debug
        .lines
        .iter()
        .map(|l| (l.address, l.depth, l.text.as_str()))
        .collect();
    let zero = format!("{:?}", H256::zero());
    assert_eq!(
        printed,
        [
            (contract, 0, "7 (0x00000007)"),
            (contract, 0, "hello from wasm"),
            (contract, 0, zero.as_str()),
        ]
    );
    let traced = chain.trace_call(&call, 1).unwrap();
    assert_eq!(
        traced.debug, outcome.debug,
        "a trace carries what was printed"
    );
    assert_eq!(traced.trace.map(|root| root.to), Some(Some(contract)));
    let mined = chain
        .mine(
            vec![signed(
                &a,
                Tx {
                    nonce: 1,
                    to: Some(contract),
                    gas: 100_000,
                    value: U256::zero(),
                    ..Tx::default()
                },
            )],
            Some(T0 + 1),
        )
        .unwrap();
    let receipt = &mined.receipts[0];
    assert!(receipt.success, "{receipt:?}");
    assert_eq!(
        receipt.gas_used, 43_123,
        "pinned: the gas of three prints and a store"
    );
    drop(chain);

    let dir = tempfile::tempdir().unwrap();
    let strict = Genesis {
        dev_mode: false,
        ..Genesis::dev().unwrap()
    };
    let chain = open_with(dir.path(), &strict);
    let mined = chain.mine(vec![create()], Some(T0)).unwrap();
    let refused = &mined.receipts[0];
    assert!(!refused.success);
    let failure = refused.failure.as_deref().unwrap_or_default();
    assert!(
        failure.contains("invalid deployed code: contract:import-debug"),
        "{failure}"
    );
    assert!(chain.account_at(&contract, 1).unwrap().code.is_empty());
}

#[test]
fn a_call_at_the_head_reads_the_block_its_view_holds() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let a = accounts().remove(0);
    let runtime = wat::parse_str(COUNTER).unwrap();
    chain
        .mine(vec![deployment(&a, &runtime)], Some(T0))
        .unwrap();
    let contract = create_address(&a.address, 0);
    let call = CallRequest {
        from: Some(a.address),
        to: Some(contract),
        ..CallRequest::default()
    };
    // What a request for `latest` becomes on arrival, and what it used to become: the head's
    // number, 1. Then a block lands before the call runs.
    let latest = StateBlock::Head;
    let resolved = StateBlock::Number(1);
    let bump = signed(
        &a,
        Tx {
            nonce: 1,
            to: Some(contract),
            gas: 1_000_000,
            value: U256::zero(),
            ..Tx::default()
        },
    );
    let mined = chain.mine(vec![bump], Some(T0 + 1)).unwrap();
    assert!(mined.receipts[0].success, "{:?}", mined.receipts[0]);
    let trie_reads = chain.store().trie_node_reads();
    assert_eq!(chain.call(&call, latest).unwrap().output, word(2));
    assert_eq!(chain.trace_call(&call, latest).unwrap().output, word(2));
    assert_eq!(
        chain.store().trie_node_reads(),
        trie_reads,
        "the head's state is read flat and from the head cache"
    );
    assert_eq!(chain.call(&call, resolved).unwrap().output, word(1));
    assert!(
        chain.store().trie_node_reads() > trie_reads,
        "a block behind the head is read through the trie, the slow way the head now avoids"
    );
}

/// No call data: returns storage slot 0. `0x01`: returns `getGasLeft` (8 bytes, little-endian).
/// `0x02`: calls the empty account 0x00…00 with 1 000 gas, then returns 4 zero bytes.
/// Anything else: a loop that needs more gas than a brief call has, then returns 4 zero bytes.
const BRIEF_CASES: &str = r#"(module
  (import "ethereum" "storageLoad" (func $load (param i32 i32)))
  (import "ethereum" "getGasLeft" (func $gas_left (result i64)))
  (import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))
  (import "ethereum" "finish" (func $finish (param i32 i32)))
  (import "ethereum" "getCallDataSize" (func $size (result i32)))
  (import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "main") (local $i i32)
    (if (i32.eqz (call $size))
      (then
        (call $load (i32.const 0) (i32.const 32))
        (call $finish (i32.const 32) (i32.const 32))))
    (call $copy (i32.const 0) (i32.const 0) (i32.const 1))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 1))
      (then
        (i64.store (i32.const 0) (call $gas_left))
        (call $finish (i32.const 0) (i32.const 8))))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 2))
      (then
        (drop (call $call (i64.const 1000) (i32.const 64) (i32.const 96) (i32.const 0) (i32.const 0)))
        (i32.store (i32.const 0) (i32.const 0))
        (call $finish (i32.const 0) (i32.const 4))))
    (i32.store (i32.const 0) (i32.const 0))
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 200000))))
    (call $finish (i32.const 0) (i32.const 4))))"#;

#[test]
fn a_brief_call_answers_only_what_the_full_call_would() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let a = accounts().remove(0);
    let runtime = wat::parse_str(BRIEF_CASES).unwrap();
    chain
        .mine(vec![deployment(&a, &runtime)], Some(T0))
        .unwrap();
    let call = |data: &[u8]| CallRequest {
        from: Some(a.address),
        to: Some(create_address(&a.address, 0)),
        data: data.to_vec(),
        ..CallRequest::default()
    };
    let full = |request: &CallRequest| chain.call(request, StateBlock::Head).unwrap();
    let answered = |request: &CallRequest| match chain.call_briefly(request) {
        BriefCall::Answered(outcome) => outcome.unwrap(),
        other => panic!("not answered briefly: {other:?}"),
    };
    let rerun = |request: &CallRequest| matches!(chain.call_briefly(request), BriefCall::Rerun);
    let skipped = |request: &CallRequest| matches!(chain.call_briefly(request), BriefCall::Skipped);

    // A read depends on its gas only through the charges it paid: the brief run is the answer.
    let read = call(&[]);
    let brief = answered(&read);
    assert_eq!(brief.output, word(0));
    assert!(!brief.gas_observed);
    assert_eq!(brief, full(&read));

    // What a frame reads of its gas depends on the limit: the call runs again in full, and
    // its answer is what only the full limit gives.
    let gas_left = call(&[1]);
    assert!(rerun(&gas_left));
    let answer = full(&gas_left);
    assert!(answer.gas_observed);
    let left = u64::from_le_bytes(answer.output[..8].try_into().unwrap());
    assert!(left > BRIEF_CALL_GAS, "{left} gas left");
    // A nested call gets a share of what is left, so it reads it too.
    let nested = call(&[2]);
    assert!(rerun(&nested));
    assert!(full(&nested).gas_observed);

    // Out of gas in the brief run, enough in the full one.
    let long = call(&[3]);
    assert!(rerun(&long));
    let answer = full(&long);
    assert_eq!(answer.status, CallStatus::Success, "{:?}", answer.failure);
    assert!(answer.gas_used > BRIEF_CALL_GAS, "{} gas", answer.gas_used);

    // With no more gas than a brief call has, the brief run is the call, out of gas and all.
    let capped = CallRequest {
        gas: Some(BRIEF_CALL_GAS),
        ..long
    };
    let brief = answered(&capped);
    assert_eq!(brief.status, CallStatus::Failure);
    assert_eq!(brief, full(&capped));

    // A gas price makes the sender's balance depend on the limit; a create, or code put in by
    // an override, would compile.
    let priced = CallRequest {
        gas_price: Some(U256::from(GWEI)),
        ..read.clone()
    };
    assert!(skipped(&priced));
    assert!(skipped(&CallRequest {
        to: None,
        ..read.clone()
    }));
    let mut overridden = read;
    overridden.overrides.state.insert(
        H160::repeat_byte(0x42),
        rewasm_node::chain::overrides::AccountOverride::default(),
    );
    assert!(skipped(&overridden));
}

#[test]
fn contracts_deploy_run_log_revert_and_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let chain = open(dir.path());
    let a = accounts().remove(0);
    let runtime = wat::parse_str(COUNTER).unwrap();
    let create = deployment(&a, &runtime);
    let mined = chain.mine(vec![create.clone()], Some(T0)).unwrap();
    let receipt = &mined.receipts[0];
    assert!(receipt.success, "{receipt:?}");
    let contract = create_address(&a.address, 0);
    assert_eq!(receipt.contract_address, Some(contract));
    assert_eq!(
        &chain.account_at(&contract, 1).unwrap().code[..],
        runtime.as_slice()
    );

    let call = CallRequest {
        from: Some(a.address),
        to: Some(contract),
        ..CallRequest::default()
    };
    let outcome = chain.call(&call, 1).unwrap();
    assert_eq!(outcome.output, word(1));
    assert_eq!(
        chain.call(&call, 1).unwrap().output,
        word(1),
        "a call changes nothing"
    );

    let estimate = chain.estimate_gas(&call, 1).unwrap();
    // An access list naming the counter's slot costs 2 400 + 1 900 of intrinsic gas and makes
    // its read warm (100 instead of 2 100).
    let listed = CallRequest {
        access_list: vec![(contract, vec![H256::zero()])],
        ..call.clone()
    };
    assert_eq!(
        chain.estimate_gas(&listed, 1).unwrap(),
        estimate + 2_400 + 1_900 - 2_000
    );
    let bump = signed(
        &a,
        Tx {
            nonce: 1,
            to: Some(contract),
            gas: estimate,
            value: U256::zero(),
            ..Tx::default()
        },
    );
    let mined = chain.mine(vec![bump.clone()], Some(T0 + 1)).unwrap();
    let receipt = &mined.receipts[0];
    assert!(
        receipt.success,
        "the estimate {estimate} is enough: {receipt:?}"
    );
    assert_eq!(
        receipt.gas_used, estimate,
        "without refunds the estimate is exactly the gas used"
    );
    assert_eq!(receipt.logs.len(), 1);
    assert_eq!(receipt.logs[0].topics, vec![H256::repeat_byte(0x11)]);
    assert_eq!(receipt.logs[0].data, word(1));
    assert!(
        mined
            .block
            .header
            .logs_bloom
            .may_contain(contract.as_bytes())
    );
    let logs = chain.block_logs(2).unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].tx_hash, bump.0.hash);
    assert_eq!(
        chain.storage_at(&contract, &H256::zero(), 2).unwrap(),
        H256::from_slice(&word(1))
    );
    assert_eq!(
        chain.storage_at(&contract, &H256::zero(), 1).unwrap(),
        H256::zero()
    );
    assert_eq!(chain.call(&call, 2).unwrap().output, word(2));
    assert_eq!(
        chain.call(&call, 1).unwrap().output,
        word(1),
        "calls run on old state too"
    );

    let transfer = CallRequest {
        from: Some(a.address),
        to: Some(H160::repeat_byte(0x77)),
        value: Some(U256::from(5)),
        ..CallRequest::default()
    };
    assert_eq!(
        chain.estimate_gas(&transfer, 2).unwrap(),
        21_000,
        "a plain transfer estimates exactly 21000, as geth"
    );

    let dead = CallRequest {
        data: vec![0xde, 0xad],
        ..call.clone()
    };
    match chain.call(&dead, 2) {
        Ok(outcome) => {
            assert_eq!(outcome.status, CallStatus::Revert);
        }
        Err(other) => panic!("a revert is an outcome of call: {other}"),
    }
    match chain.estimate_gas(&dead, 2) {
        Err(error @ CallError::Reverted { .. }) => {
            assert_eq!(error.to_string(), "execution reverted: no dead beef");
        }
        other => panic!("expected a revert, got {other:?}"),
    }
    let reverting = signed(
        &a,
        Tx {
            nonce: 2,
            to: Some(contract),
            gas: 100_000,
            data: vec![0xde, 0xad],
            value: U256::zero(),
            ..Tx::default()
        },
    );
    let mined = chain.mine(vec![reverting], Some(T0 + 2)).unwrap();
    assert!(!mined.receipts[0].success);
    assert!(mined.receipts[0].logs.is_empty());
    assert_eq!(
        rewasm_node::chain::revert_reason(&mined.receipts[0].output).as_deref(),
        Some("no dead beef")
    );

    let rich = CallRequest {
        from: Some(H160::repeat_byte(0x99)),
        value: Some(U256::one()),
        ..call
    };
    match chain.call(&rich, 2) {
        Err(CallError::Invalid(message)) => {
            assert!(message.starts_with("insufficient funds for gas * price + value"))
        }
        other => panic!("expected insufficient funds, got {other:?}"),
    }
}

#[test]
fn verify_replays_the_chain_and_finds_a_forged_block() {
    let dir = tempfile::tempdir().unwrap();
    let genesis = Genesis::dev().unwrap();
    let config = ChainConfig::from_genesis(&genesis).unwrap();
    let (head_hash, head_root) = {
        let chain = open(dir.path());
        let [a, b, _] = <[DevAccount; 3]>::try_from(accounts()).ok().unwrap();
        let runtime = wat::parse_str(COUNTER).unwrap();
        chain
            .mine(
                vec![signed(
                    &a,
                    Tx {
                        to: None,
                        data: init_code(&runtime),
                        gas: 2_000_000,
                        value: U256::zero(),
                        ..Tx::default()
                    },
                )],
                Some(T0),
            )
            .unwrap();
        let contract = create_address(&a.address, 0);
        for i in 1..6u64 {
            let txs = vec![
                signed(
                    &a,
                    Tx {
                        nonce: i,
                        to: Some(contract),
                        gas: 200_000,
                        value: U256::zero(),
                        ..Tx::default()
                    },
                ),
                signed(
                    &b,
                    Tx {
                        nonce: i - 1,
                        value: U256::from(i),
                        ..Tx::default()
                    },
                ),
            ];
            let mined = chain.mine(txs, Some(T0 + i)).unwrap();
            assert!(mined.rejected.is_empty());
        }
        let head = chain.head();
        (head.hash, head.header.state_root)
    };
    let report = verify(dir.path(), &genesis, config.clone()).unwrap();
    assert_eq!(report.blocks, 6);
    assert_eq!(report.transactions, 11);
    assert_eq!(report.head_hash, head_hash);
    assert_eq!(report.state_root, head_root);

    // A block whose header claims a state the transactions do not produce.
    {
        let chain = open(dir.path());
        let head = chain.head();
        let mut header = head.header.clone();
        header.parent_hash = head.hash;
        header.number += 1;
        header.timestamp += 1;
        header.base_fee_per_gas = head.header.next_base_fee();
        header.gas_used = 0;
        header.transactions_root = rewasm_node::chain::transactions_root(&[]);
        header.receipts_root = H256::repeat_byte(0x55);
        let block =
            rewasm_node::chain::Block::new(header, vec![], rewasm_node::tx::Signatures::Strict)
                .unwrap();
        let mut changes = std::collections::BTreeMap::new();
        changes.insert(
            H160::repeat_byte(0x42),
            rewasm_executor::AccountChange::Updated {
                account: BasicAccount {
                    balance: U256::from(1),
                    ..BasicAccount::default()
                },
                storage_reset: true,
                storage: Default::default(),
            },
        );
        chain
            .store()
            .commit_block(BlockWrite {
                number: block.header.number,
                hash: block.hash,
                header: block.encode(),
                changes,
                transactions: vec![],
                logs: vec![0xc0],
                certificate: None,
            })
            .unwrap();
    }
    match verify(dir.path(), &genesis, config) {
        Err(VerifyError::Mismatch { number, field, .. }) => {
            assert_eq!(number, 7);
            assert_eq!(field, "receipts root");
        }
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

/// EIP-2930 (consensus): an access list costs 2400 per address and 1900 per storage key of
/// intrinsic gas, in type-1 and type-2 transactions alike.
#[test]
fn access_lists_pay_eip_2930_intrinsic_gas() {
    // (schedule, price of a non-zero data byte, receipts root, state root): the dev chain's
    // `v2` prices data as EIP-2028 does, `default` as Byzantium.
    let pins = [
        (
            "v2",
            16,
            "0x9aa2101d6e63e8496ee80bbd7cf3dbaffe0a2389219c5e90348a34f4fbbe0da1",
            "0xa1f7da40d6f5f9c006078a1e33e6f37337203582f9dc47a93fca62628c9df399",
        ),
        (
            "default",
            68,
            "0x7dc286913ec86e5aa428e27e4f959fe0f36e15ea0a4fafe0879e14a1291fd917",
            "0xc0cdbe21ed0b51dd73e590d53a9b564497cea39416ee53fb1a80292e55578ab4",
        ),
    ];
    for (schedule, non_zero_byte, receipts_root, state_root) in pins {
        let dir = tempfile::tempdir().unwrap();
        let mut genesis = Genesis::dev().unwrap();
        genesis.gas_schedule = schedule.to_string();
        let chain = open_with(dir.path(), &genesis);
        access_lists_on(&chain, non_zero_byte, (receipts_root, state_root));
    }
}

fn access_lists_on(chain: &Chain, non_zero_byte: u64, (receipts_root, state_root): (&str, &str)) {
    let [a, b, _] = <[DevAccount; 3]>::try_from(accounts()).ok().unwrap();
    let list = vec![
        (
            H160::repeat_byte(0x01),
            vec![H256::repeat_byte(0x01), H256::repeat_byte(0x02)],
        ),
        (H160::repeat_byte(0x02), vec![H256::repeat_byte(0x03)]),
    ];
    let data = vec![0, 0, 1];
    // Sent to an account without code, a transaction uses exactly its intrinsic gas.
    let expected = 21_000 + 2 * 2_400 + 3 * 1_900 + 2 * 4 + non_zero_byte;
    let listed = |from: &DevAccount, kind: TxKind, nonce: u64, gas: u64| {
        signed(
            from,
            Tx {
                kind,
                nonce,
                gas,
                data: data.clone(),
                access_list: list.clone(),
                ..Tx::default()
            },
        )
    };
    let mined = chain
        .mine(
            vec![
                listed(&a, TxKind::DynamicFee, 0, expected),
                listed(&b, TxKind::AccessList, 0, expected),
            ],
            Some(T0),
        )
        .unwrap();
    assert!(mined.rejected.is_empty(), "{:?}", mined.rejected);
    let used: Vec<u64> = mined.receipts.iter().map(|r| r.gas_used).collect();
    assert_eq!(used, vec![expected, expected]);
    assert_eq!(mined.block.header.gas_used, 2 * expected);
    assert_eq!(
        format!("{:?}", mined.block.header.receipts_root),
        receipts_root
    );
    assert_eq!(format!("{:?}", mined.block.header.state_root), state_root);

    // One gas short of the access list's price: invalid, and never valid later.
    let mined = chain
        .mine(
            vec![listed(&a, TxKind::DynamicFee, 1, expected - 1)],
            Some(T0 + 1),
        )
        .unwrap();
    assert!(mined.block.transactions.is_empty());
    assert_eq!(mined.rejected[0].reason, "intrinsic gas too low");
    assert!(mined.rejected[0].permanent);
}

/// Consensus pin: a fixed sequence of blocks has exactly this head hash, state root and gas.
/// Any change here is a change of consensus (header encoding, fees, gas, state encoding).
#[test]
fn a_fixed_chain_has_a_pinned_head() {
    let pins = [
        (
            "v2",
            Pins {
                // 21 000 intrinsic + a cold read (2 100) and a storage set (20 000) + log +
                // metered instructions in ink.
                call_gas: 44_130,
                genesis: "0xbbd64a26d1305660653e8474485409df04e07648a9e51bd1bcd0a975ee9dc25a",
                root: "0x315011fe3cf24c27b9ee06090f1a44ad4d4d8b0b84275dc9eed5c4eacdf515bf",
                hash: "0x7eb8b653d63cb1a3629cd89e1090a7de40dbbe7f046ea46bdfef44cf59c189a2",
            },
        ),
        (
            "default",
            Pins {
                // 21 000 intrinsic + 30 000 initial page + 20 000 storage set + log + metered
                // instructions.
                call_gas: 72_258,
                genesis: "0xbbd64a26d1305660653e8474485409df04e07648a9e51bd1bcd0a975ee9dc25a",
                root: "0x46dcec5e9db84041779829bdb1a236ac9a2416b514ebe03744237c18f5a109e2",
                hash: "0x0cfec14c29fbfe8cab61dcc3f53fec8e4f9f71c0dd5eb737c5875a7021b5014c",
            },
        ),
    ];
    for (schedule, pins) in pins {
        let dir = tempfile::tempdir().unwrap();
        let mut genesis = Genesis::dev().unwrap();
        genesis.gas_schedule = schedule.to_string();
        let chain = open_with(dir.path(), &genesis);
        let (call_gas, head) = counter_chain(&chain);
        let found = Pins {
            call_gas,
            genesis: &format!("{:?}", chain.genesis_hash()),
            root: &format!("{:?}", head.header.state_root),
            hash: &format!("{:?}", head.hash),
        };
        assert_eq!(found, pins, "schedule {schedule}");
    }
}

/// The consensus results of [`counter_chain`] under one schedule.
#[derive(Debug, PartialEq, Eq)]
struct Pins<'a> {
    call_gas: u64,
    genesis: &'a str,
    root: &'a str,
    hash: &'a str,
}

/// Deploys the counter and calls it once, in two blocks with fixed timestamps: the call's gas
/// and the head.
fn counter_chain(chain: &Chain) -> (u64, std::sync::Arc<rewasm_node::chain::Block>) {
    let a = accounts().remove(0);
    let runtime = wat::parse_str(COUNTER).unwrap();
    chain
        .mine(
            vec![signed(
                &a,
                Tx {
                    to: None,
                    data: init_code(&runtime),
                    gas: 2_000_000,
                    value: U256::zero(),
                    ..Tx::default()
                },
            )],
            Some(T0),
        )
        .unwrap();
    let contract = create_address(&a.address, 0);
    let mined = chain
        .mine(
            vec![signed(
                &a,
                Tx {
                    nonce: 1,
                    to: Some(contract),
                    gas: 200_000,
                    value: U256::zero(),
                    ..Tx::default()
                },
            )],
            Some(T0 + 1),
        )
        .unwrap();
    (mined.receipts[0].gas_used, chain.head())
}
