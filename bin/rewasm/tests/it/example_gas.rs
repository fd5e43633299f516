//! The gas table of `contracts/README.md`: every example deployed and every function called once,
//! under the first schedule (`default`, with the SDK's `precompile-keccak` build it needs) and
//! under `v2`. The README's table must be exactly what this computes, so it cannot go stale;
//! `UPDATE_EXPECT=1 cargo test -p rewasm --test it example_gas` rewrites it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::common;
use crate::examples::{
    ALICE, Artifacts, BOB, CAROL, Chain, EXAMPLES, addr, address_word, build, built, reason,
    signed, strings_and_number, word,
};
use primitive_types::H160;
use rewasm_eei::CallStatus;
use rewasm_executor::Receipt;
use rewasm_vm::{GasSchedule, VmConfig};

const GAS_BLOCK: (&str, &str) = (
    "<!-- example-gas:begin (bin/rewasm/tests/it/example_gas.rs) -->",
    "<!-- example-gas:end -->",
);
const SIZES_BLOCK: (&str, &str) = (
    "<!-- example-sizes:begin (bin/rewasm/tests/it/example_gas.rs) -->",
    "<!-- example-sizes:end -->",
);

/// One schedule's chain and the examples built for it.
struct Bench {
    chain: Chain,
    code: Artifacts,
    /// (example, what, gas) in order.
    rows: Vec<(&'static str, String, u64)>,
}

impl Bench {
    fn new(schedule: GasSchedule, features: &[&str]) -> Self {
        let code = EXAMPLES
            .into_iter()
            .map(|name| (name, build(name, features)))
            .collect();
        let config = VmConfig {
            schedule,
            ..VmConfig::default()
        };
        Self {
            chain: Chain::with(config),
            code,
            rows: Vec::new(),
        }
    }

    fn record(&mut self, example: &'static str, what: String, receipt: &Receipt) {
        assert_eq!(
            receipt.status,
            CallStatus::Success,
            "{example} {what}: {:?} {:?}",
            receipt.failure,
            reason(receipt)
        );
        self.rows.push((example, what, receipt.gas_used));
    }

    fn deploy(&mut self, example: &'static str, args: &[u8], value: u64) -> H160 {
        self.deploy_as(example, "deploy", args, value)
    }

    fn deploy_as(&mut self, example: &'static str, what: &str, args: &[u8], value: u64) -> H160 {
        let init = [self.code[example].1.as_slice(), args].concat();
        let receipt = self.chain.send(ALICE, None, value, init);
        self.record(example, what.to_string(), &receipt);
        receipt.contract_address.unwrap()
    }

    fn call(&mut self, example: &'static str, to: H160, from: u64, signature: &str, args: &[u8]) {
        let receipt = self.chain.call(from, to, signature, args);
        let name = signature.split('(').next().unwrap_or(signature);
        self.record(example, format!("`{name}`"), &receipt);
    }

    fn run(mut self) -> Vec<(&'static str, String, u64)> {
        let (alice, bob, carol) = (addr(ALICE), addr(BOB), addr(CAROL));

        let counter = self.deploy("counter", &word(5u64), 0);
        self.call("counter", counter, BOB, "count()", &[]);
        self.call("counter", counter, BOB, "increment()", &[]);
        self.call("counter", counter, BOB, "decrement()", &[]);

        let args = strings_and_number("Rewasm Token", "RWT", 1000);
        let token = self.deploy("erc20", &args, 0);
        for view in ["name()", "symbol()", "decimals()", "totalSupply()"] {
            self.call("erc20", token, BOB, view, &[]);
        }
        self.call(
            "erc20",
            token,
            BOB,
            "balanceOf(address)",
            &address_word(alice),
        );
        let to_bob = [address_word(bob), word(100u64)].concat();
        self.call("erc20", token, ALICE, "transfer(address,uint256)", &to_bob);
        let to_carol = [address_word(carol), word(50u64)].concat();
        self.call("erc20", token, ALICE, "approve(address,uint256)", &to_carol);
        let pair = [address_word(alice), address_word(carol)].concat();
        self.call("erc20", token, BOB, "allowance(address,address)", &pair);
        let from_args = [address_word(alice), address_word(bob), word(30u64)].concat();
        let signature = "transferFrom(address,address,uint256)";
        self.call("erc20", token, CAROL, signature, &from_args);

        let factory = self.deploy("factory", &[], 0);
        let child_init = [self.code["counter"].1.as_slice(), &word(7u64)].concat();
        let mut bytes = [word(32u64), word(child_init.len() as u64)].concat();
        bytes.extend(&child_init);
        bytes.resize(64 + child_init.len().div_ceil(32) * 32, 0);
        self.call("factory", factory, BOB, "deploy(bytes)", &bytes);
        self.call("factory", factory, BOB, "children()", &[]);
        self.call("factory", factory, BOB, "child(uint256)", &word(0u64));

        let proxy = self.deploy("proxy", &address_word(counter), 0);
        self.call("proxy", proxy, BOB, "increment()", &[]);

        let parties = [address_word(bob), address_word(carol)].concat();
        let escrow = self.deploy("escrow", &parties, 1000);
        self.call("escrow", escrow, BOB, "amount()", &[]);
        self.call("escrow", escrow, BOB, "state()", &[]);
        self.call("escrow", escrow, CAROL, "release()", &[]);
        let second = self.deploy_as("escrow", "deploy, a second escrow", &parties, 400);
        self.call("escrow", second, CAROL, "refund()", &[]);

        let verifier = self.deploy("verifier", &[], 0);
        let (signer, signature) = signed();
        self.call(
            "verifier",
            verifier,
            BOB,
            "recover(bytes32,uint8,bytes32,bytes32)",
            &signature,
        );
        let verify = [address_word(signer), signature].concat();
        let signature = "verify(address,bytes32,uint8,bytes32,bytes32)";
        self.call("verifier", verifier, BOB, signature, &verify);

        let vault = self.deploy("vault", &address_word(token), 0);
        let approval = [address_word(vault), word(40u64)].concat();
        self.call("erc20", token, ALICE, "approve(address,uint256)", &approval);
        self.call("vault", vault, ALICE, "deposit(uint256)", &word(40u64));
        self.call("vault", vault, BOB, "holdings()", &[]);
        self.call("vault", vault, ALICE, "withdraw(uint256)", &word(15u64));
        self.rows
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn table(first: &[(&str, String, u64)], v2: &[(&str, String, u64)]) -> String {
    let mut out = String::from(
        "| example | transaction | `default` gas | `v2` gas | `v2` / `default` |\n|---|---|---:|---:|---:|\n",
    );
    for ((example, what, before), (_, _, after)) in first.iter().zip(v2) {
        #[allow(clippy::cast_precision_loss)]
        let ratio = *after as f64 / *before as f64;
        out.push_str(&format!(
            "| {example} | {what} | {} | {} | {ratio:.2} |\n",
            thousands(*before),
            thousands(*after)
        ));
    }
    out
}

fn sizes_table(code: &Artifacts) -> String {
    let mut out = String::from(
        "| example | runtime (`NAME.wasm`) | init code (`NAME.deploy.wasm`) | runtime compressed |\n|---|---:|---:|---:|\n",
    );
    for (example, (runtime, init)) in code {
        let compressed = rewasm_primitives::consensus::eip170::compressed_len(runtime);
        out.push_str(&format!(
            "| {example} | {} B | {} B | {} B |\n",
            thousands(runtime.len() as u64),
            thousands(init.len() as u64),
            thousands(compressed as u64)
        ));
    }
    out
}

/// Checks (or with `UPDATE_EXPECT` rewrites) the part of `contracts/README.md` between `block`'s
/// markers.
fn check_readme_block(block: (&str, &str), rendered: &str) {
    let (begin, end) = block;
    let path = common::manifest_dir().join("../../contracts/README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme.find(begin).expect("the block's start marker") + begin.len() + 1;
    let stop = readme.find(end).expect("the block's end marker");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let updated = format!("{}{rendered}{}", &readme[..start], &readme[stop..]);
        std::fs::write(&path, updated).unwrap();
    } else {
        assert_eq!(
            &readme[start..stop],
            rendered,
            "contracts/README.md's {begin} block is stale: rerun with UPDATE_EXPECT=1"
        );
    }
}

#[test]
fn the_readme_size_table_is_what_rewasm_build_makes() {
    check_readme_block(SIZES_BLOCK, &sizes_table(built()));
}

#[test]
fn the_readme_gas_table_is_what_the_examples_cost() {
    let first = Bench::new(
        GasSchedule::default_schedule(),
        &["rewasm-sdk/precompile-keccak"],
    )
    .run();
    let v2 = Bench::new(GasSchedule::v2(), &[]).run();
    assert_eq!(
        first.iter().map(|(e, w, _)| (e, w)).collect::<Vec<_>>(),
        v2.iter().map(|(e, w, _)| (e, w)).collect::<Vec<_>>()
    );
    check_readme_block(GAS_BLOCK, &table(&first, &v2));
}
