//! The calibration cases ([`crate::calibrate`]): rewasm contracts and EVM bytecode, each a loop
//! over one kind of work, written to be as slow per gas as that kind can be made.

use primitive_types::H160;

use crate::rewasm_run::RewasmChain;

/// Steps per loop iteration for cheap bodies, so the loop's own cost is a small share.
const UNROLL: usize = 16;

/// A rewasm calibration case: `main` reads `n` (4 bytes, little-endian) from the call data and
/// runs `body` `unroll` times per iteration, `n` iterations.
#[derive(Clone, Debug)]
pub struct WasmCase {
    pub id: &'static str,
    pub stresses: &'static str,
    /// Import lines beyond `callDataCopy`.
    pub imports: &'static str,
    /// Extra module fields (functions, globals, tables).
    pub prelude: &'static str,
    /// Initial memory pages.
    pub pages: u32,
    /// Code before the loop.
    pub setup: &'static str,
    /// One step; locals `$i` (the counter), `$x`, `$y` (i64), `$p`, `$q`, `$a` (i32).
    pub body: &'static str,
    pub unroll: usize,
    /// The smallest `n` that measures what the case is about.
    pub min_n: u32,
    /// The largest `n` the case supports.
    pub max_n: u32,
}

impl WasmCase {
    /// The contract, in WebAssembly text.
    pub fn wat(&self) -> String {
        let body = self.body.repeat(self.unroll);
        format!(
            r#"(module
  (import "ethereum" "callDataCopy" (func $callDataCopy (param i32 i32 i32)))
  {imports}
  (memory (export "memory") {pages})
  {prelude}
  (func (export "main")
    (local $n i32) (local $i i32) (local $x i64) (local $y i64) (local $p i32) (local $q i32)
    (local $a i32)
    (call $callDataCopy (i32.const 0) (i32.const 0) (i32.const 4))
    (local.set $n (i32.load (i32.const 0)))
    (local.set $y (i64.const 0x9e3779b97f4a7c15))
    (local.set $x (i64.const 1))
    (local.set $p (i32.const 64))
    {setup}
    (block $done (loop $top
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      {body}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $top)))))"#,
            imports = self.imports,
            pages = self.pages,
            prelude = self.prelude,
            setup = self.setup,
        )
    }
}

const fn case(id: &'static str, stresses: &'static str, body: &'static str) -> WasmCase {
    WasmCase {
        id,
        stresses,
        imports: "",
        prelude: "",
        pages: 1,
        setup: "",
        body,
        unroll: UNROLL,
        min_n: 1,
        max_n: 1 << 24,
    }
}

/// A key or address never used before at address 64 (`$x`, then `$x + 1`).
macro_rules! fresh_key {
    () => {
        "(i64.store (i32.const 64) (local.get $x)) (local.set $x (i64.add (local.get $x) (i64.const 1)))\n  "
    };
}

/// xorshift64 of `$x`: a value the branch predictor cannot guess.
macro_rules! xorshift {
    () => {
        "(local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
  (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
  (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
  "
    };
}

/// Builds a single random cycle through `$slots` cache lines (a full-period linear congruential
/// permutation; `$slots` a power of two, `$mask` = `$slots` − 1), each line holding the offset of
/// the next.
macro_rules! chase_setup {
    ($slots:literal, $mask:literal) => {
        concat!(
            "(local.set $q (i32.const 0))
    (block $s (loop $l
      (br_if $s (i32.ge_u (local.get $q) (i32.const ",
            $slots,
            ")))
      (i32.store (i32.shl (local.get $q) (i32.const 6))
        (i32.shl (i32.and (i32.add (i32.mul (local.get $q) (i32.const 20077)) (i32.const 12345))
          (i32.const ",
            $mask,
            ")) (i32.const 6)))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l)))
    (local.set $p (i32.const 0))"
        )
    };
}

/// A pointer chase through `$pages` pages of memory.
macro_rules! chase {
    ($id:literal, $pages:literal, $slots:literal, $mask:literal) => {
        WasmCase {
            pages: $pages,
            setup: chase_setup!($slots, $mask),
            ..case(
                $id,
                "dependent loads through the memory in random order (cache and TLB misses)",
                "(local.set $p (i32.load (local.get $p)))",
            )
        }
    };
}

/// Address of the small contract the warm-call case calls.
pub const WARM_TARGET: u64 = 0x7a12_0000;
/// First of the distinct contracts the cold-call case cycles through.
pub const COLD_TARGETS: u64 = 0x7c01_0000;
/// How many: more than the warm pool keeps (64 modules), so every call misses it.
pub const COLD_TARGET_COUNT: u64 = 128;

/// First of the distinct ERC-20s the uncached-call case cycles through.
pub const UNCACHED_TARGETS: u64 = 0x7d01_0000;
/// How many: more than one run of the case calls (at most 250).
pub const UNCACHED_TARGET_COUNT: u64 = 256;

/// Calls of distinct copies of the example ERC-20 in turn, with no call data (each reverts
/// "unknown selector" after its dispatcher ran): the module of every call is in neither the warm
/// pool nor the memory cache, so the node loads its artifact from disk (or compiles it, when the
/// artifact is not there either). Run on an engine with an artifact folder, as a node's, and a
/// memory cache of one module: an attacker cycling through more codes than a node keeps in
/// memory, at most `v2`'s 255 new codes a transaction, makes every call such a load; this makes
/// the same loads with fewer codes. Every call is a transaction's first into its code, so under
/// `v2` each pays the code-load charge.
pub fn uncached_call_case(id: &'static str, stresses: &'static str) -> WasmCase {
    WasmCase {
        unroll: 1,
        min_n: 16,
        max_n: 250,
        imports: r#"(import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))"#,
        // The target address 0x7d01_0000 + i (i < 512), big-endian in its last four bytes.
        body: "(i32.store (i32.const 80) (i32.or (i32.or (i32.const 0x017d) (i32.shl (i32.and (local.get $i) (i32.const 255)) (i32.const 24))) (i32.shl (i32.and (i32.shr_u (local.get $i) (i32.const 8)) (i32.const 1)) (i32.const 16))))
  (local.set $q (call $call (i64.const 1000000) (i32.const 64) (i32.const 256) (i32.const 0) (i32.const 0)))",
        ..case(id, stresses, "")
    }
}

/// The uncached-call cases: (id, what, whether the targets are [`tiny_functions_runtime`]
/// rather than the example ERC-20).
pub const UNCACHED_CASES: [(&str, &str, bool); 2] = [
    (
        "host-call-uncached",
        "calls of distinct ERC-20s, each a transaction's first into its code (every module loaded from the artifact folder)",
        false,
    ),
    (
        "host-call-uncached-tiny-functions",
        "as host-call-uncached, into 24 KB modules of tiny functions (the most machine code and unwind entries per byte)",
        true,
    ),
];

/// A runtime of as many tiny functions as fit in the largest code a chain accepts: the shape
/// whose module is largest per byte of wasm, so slowest to load.
pub fn tiny_functions_runtime() -> Vec<u8> {
    let module = |count: u32| {
        let tiny: String = (0..count)
            .map(|i| {
                format!("(func (param i32) (result i32) (i32.add (local.get 0) (i32.const {i})))")
            })
            .collect();
        wat::parse_str(format!(
            r#"(module (memory (export "memory") 1) (func (export "main")) {tiny})"#
        ))
        .unwrap_or_default()
    };
    let mut count = 2_000;
    while module(count + 100).len() <= rewasm_primitives::consensus::MAX_CODE_SIZE - 32 {
        count += 100;
    }
    module(count)
}

/// Installs [`UNCACHED_TARGET_COUNT`] copies of `runtime`, each made distinct by a salt.
pub fn install_uncached_targets(chain: &mut RewasmChain, runtime: &[u8]) {
    for k in 0..UNCACHED_TARGET_COUNT {
        let code = salted(runtime, u32::try_from(k).unwrap_or(u32::MAX));
        chain.install(H160::from_low_u64_be(UNCACHED_TARGETS + k), &code);
    }
}

/// A contract that returns at once; `salt` makes its code (and so its module) distinct.
fn returning_contract(salt: u64) -> Vec<u8> {
    let wat = format!(
        r#"(module (memory (export "memory") 1)
             (global $salt i64 (i64.const {salt}))
             (func (export "main")))"#
    );
    wat::parse_str(wat).unwrap_or_default()
}

/// Installs the contracts the call cases call.
pub fn install_helpers(chain: &mut RewasmChain) {
    chain.install(H160::from_low_u64_be(WARM_TARGET), &returning_contract(0));
    for k in 0..COLD_TARGET_COUNT {
        let code = returning_contract(k + 1);
        chain.install(H160::from_low_u64_be(COLD_TARGETS + k), &code);
    }
}

/// Every rewasm case. Pointer chases stop at 512 KiB, the most memory a `v2` frame may hold
/// (`docs/GAS.md` has the chase through 1, 2 and 8 MiB from runs without that cap).
pub fn wasm_cases() -> Vec<WasmCase> {
    let mut cases = vec![
        WasmCase {
            unroll: 1,
            ..case("loop", "an empty loop: loop, br_if, br and the meter's check per iteration", "")
        },
        case("const", "i64.const into a local", "(local.set $x (i64.const 7))"),
        case("local-copy", "local.get / local.set", "(local.set $p (local.get $q))"),
        WasmCase {
            prelude: "(global $g (mut i64) (i64.const 0))",
            ..case(
                "global",
                "global.get / global.set",
                "(global.set $g (i64.add (global.get $g) (local.get $y)))",
            )
        },
        case(
            "add-chain",
            "dependent i64.add",
            "(local.set $x (i64.add (local.get $x) (local.get $y)))",
        ),
        case(
            "alu-mix",
            "rotl, xor, shl",
            "(local.set $x (i64.rotl (i64.xor (local.get $x) (i64.shl (local.get $y) (i64.const 3))) (i64.const 7)))",
        ),
        case(
            "mul-chain",
            "dependent i64.mul",
            "(local.set $x (i64.mul (local.get $x) (local.get $y)))",
        ),
        case(
            "div-chain",
            "dependent i64.div_u with a 62-bit quotient",
            "(local.set $x (i64.div_u (i64.xor (local.get $y) (local.get $x)) (i64.const 3)))",
        ),
        case(
            "rem-chain",
            "dependent i64.rem_s",
            "(local.set $x (i64.rem_s (i64.xor (local.get $y) (local.get $x)) (i64.const 7)))",
        ),
        case(
            "div32-chain",
            "dependent i32.div_s",
            "(local.set $q (i32.div_s (i32.xor (local.get $q) (i32.const 0x7fffffff)) (i32.const 3)))",
        ),
        case(
            "select",
            "select",
            "(local.set $x (select (local.get $y) (local.get $x) (local.get $q)))",
        ),
        WasmCase {
            body: concat!(
                xorshift!(),
                "(if (i32.wrap_i64 (i64.and (local.get $x) (i64.const 1)))
    (then (local.set $q (i32.add (local.get $q) (i32.const 1)))))"
            ),
            ..case("branch-random", "an if the predictor cannot guess (after xorshift)", "")
        },
        WasmCase {
            body: concat!(
                xorshift!(),
                "(block $a (block $b (block $c (block $d (block $e (block $f (block $g (block $h
    (br_table $a $b $c $d $e $f $g $h (i32.wrap_i64 (i64.and (local.get $x) (i64.const 7))))
  ) ) ) ) ) ) ) )"
            ),
            ..case("br-table-random", "br_table with a random index of 8", "")
        },
        WasmCase {
            prelude: "(func $f (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))",
            ..case("call", "call of a tiny function", "(local.set $x (call $f (local.get $x)))")
        },
        WasmCase {
            prelude: "(func $g (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64) (local.get 15))",
            ..case(
                "call-16-params",
                "call with 16 arguments",
                "(local.set $x (call $g (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $x) (local.get $y)))",
            )
        },
        WasmCase {
            prelude: "(type $t (func (param i64) (result i64)))
  (table 8 funcref)
  (elem (i32.const 0) $f0 $f1 $f2 $f3 $f4 $f5 $f6 $f7)
  (func $f0 (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
  (func $f1 (param i64) (result i64) (i64.add (local.get 0) (i64.const 2)))
  (func $f2 (param i64) (result i64) (i64.add (local.get 0) (i64.const 3)))
  (func $f3 (param i64) (result i64) (i64.add (local.get 0) (i64.const 4)))
  (func $f4 (param i64) (result i64) (i64.add (local.get 0) (i64.const 5)))
  (func $f5 (param i64) (result i64) (i64.add (local.get 0) (i64.const 6)))
  (func $f6 (param i64) (result i64) (i64.add (local.get 0) (i64.const 7)))
  (func $f7 (param i64) (result i64) (i64.add (local.get 0) (i64.const 8)))",
            body: concat!(
                xorshift!(),
                "(local.set $y (call_indirect (type $t) (local.get $y) (i32.wrap_i64 (i64.and (local.get $x) (i64.const 7)))))"
            ),
            ..case("call-indirect-random", "call_indirect to one of 8 functions at random", "")
        },
        WasmCase {
            prelude: "(func $r (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.add (call $r (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))
      (else (i32.const 0))))",
            unroll: 1,
            ..case("recursion", "100-deep recursion", "(local.set $q (call $r (i32.const 100)))")
        },
        case(
            "load-l1",
            "i64.load from one cached address",
            "(local.set $x (i64.add (local.get $x) (i64.load (local.get $p))))",
        ),
        chase!("load-chase-64k", 1, 1024, 1023),
        chase!("load-chase-256k", 4, 4096, 4095),
        chase!("load-chase-512k", 8, 8192, 8191),
        WasmCase {
            pages: 8,
            ..case(
                "store-random-512k",
                "stores to random cache lines of 512 KiB (the most a `v2` frame may hold)",
                "(local.set $p (i32.and (i32.add (i32.mul (local.get $p) (i32.const 1103515245)) (i32.const 12345)) (i32.const 0x7ffc0)))
  (i32.store (local.get $p) (local.get $q))",
            )
        },
        case(
            "memory-fill-0",
            "memory.fill of 0 bytes",
            "(memory.fill (local.get $p) (i32.const 0) (i32.const 0))",
        ),
        WasmCase {
            pages: 2,
            unroll: 1,
            ..case(
                "memory-copy-64k",
                "memory.copy of 64 KiB",
                "(memory.copy (i32.const 65536) (i32.const 0) (i32.const 65536))",
            )
        },
        case("memory-size", "memory.size", "(local.set $q (memory.size))"),
        WasmCase {
            unroll: 1,
            // From the 4 free pages to at most the frame's 8.
            pages: 4,
            max_n: 4,
            ..case(
                "memory-grow-touch",
                "memory.grow by one page, then a write to each of its 16 4 KiB pages",
                "(local.set $a (i32.shl (memory.grow (i32.const 1)) (i32.const 16)))
  (local.set $q (i32.const 0))
  (block $w (loop $t
    (br_if $w (i32.ge_u (local.get $q) (i32.const 65536)))
    (i32.store8 (i32.add (local.get $a) (local.get $q)) (i32.const 1))
    (local.set $q (i32.add (local.get $q) (i32.const 4096)))
    (br $t)))",
            )
        },
    ];
    cases.extend(host_cases());
    cases
}

/// The host-function cases.
fn host_cases() -> Vec<WasmCase> {
    let host = |id, stresses, imports, body| WasmCase {
        imports,
        ..case(id, stresses, body)
    };
    vec![
        host(
            "host-get-call-data-size",
            "the cheapest host call (no memory access)",
            r#"(import "ethereum" "getCallDataSize" (func $size (result i32)))"#,
            "(local.set $q (call $size))",
        ),
        host(
            "host-get-caller",
            "a host call writing 20 bytes",
            r#"(import "ethereum" "getCaller" (func $caller (param i32)))"#,
            "(call $caller (i32.const 64))",
        ),
        host(
            "host-get-gas-left",
            "getGasLeft",
            r#"(import "ethereum" "getGasLeft" (func $left (result i64)))"#,
            "(local.set $x (call $left))",
        ),
        host(
            "host-call-data-copy-0",
            "callDataCopy of 0 bytes",
            r#"(import "ethereum" "callDataCopy" (func $copy (param i32 i32 i32)))"#,
            "(call $copy (i32.const 64) (i32.const 0) (i32.const 0))",
        ),
        host(
            "host-keccak256-0",
            "rewasm.keccak256 of 0 bytes",
            r#"(import "rewasm" "keccak256" (func $keccak (param i32 i32 i32)))"#,
            "(call $keccak (i32.const 64) (i32.const 0) (i32.const 128))",
        ),
        WasmCase {
            unroll: 1,
            ..host(
                "host-keccak256-4k",
                "rewasm.keccak256 of 4 KiB",
                r#"(import "rewasm" "keccak256" (func $keccak (param i32 i32 i32)))"#,
                "(call $keccak (i32.const 1024) (i32.const 4096) (i32.const 128))",
            )
        },
        host(
            "host-storage-load",
            "storageLoad of a slot never written (a new key each time)",
            r#"(import "ethereum" "storageLoad" (func $load (param i32 i32)))"#,
            concat!(fresh_key!(), "(call $load (i32.const 64) (i32.const 128))"),
        ),
        host(
            "host-storage-store-new",
            "storageStore of a new non-zero slot (a new key each time)",
            r#"(import "ethereum" "storageStore" (func $store (param i32 i32)))"#,
            concat!(fresh_key!(), "(call $store (i32.const 64) (i32.const 64))"),
        ),
        host(
            "host-balance",
            "getExternalBalance of an account never seen (a new address each time)",
            r#"(import "ethereum" "getExternalBalance" (func $balance (param i32 i32)))"#,
            concat!(fresh_key!(), "(call $balance (i32.const 64) (i32.const 128))"),
        ),
        host(
            "host-storage-load-warm",
            "storageLoad of one slot, again and again (warm after the first)",
            r#"(import "ethereum" "storageLoad" (func $load (param i32 i32)))"#,
            "(call $load (i32.const 0) (i32.const 128))",
        ),
        host(
            "host-storage-store-warm",
            "storageStore of a new value into one slot each time (a slot already changed)",
            r#"(import "ethereum" "storageStore" (func $store (param i32 i32)))"#,
            concat!(fresh_key!(), "(call $store (i32.const 0) (i32.const 64))"),
        ),
        host(
            "host-balance-warm",
            "getExternalBalance of one account, again and again (warm after the first)",
            r#"(import "ethereum" "getExternalBalance" (func $balance (param i32 i32)))"#,
            "(call $balance (i32.const 0) (i32.const 128))",
        ),
        host(
            "host-external-code-size",
            "getExternalCodeSize of an account never seen",
            r#"(import "ethereum" "getExternalCodeSize" (func $size (param i32) (result i32)))"#,
            concat!(fresh_key!(), "(local.set $q (call $size (i32.const 64)))"),
        ),
        host(
            "host-block-hash",
            "getBlockHash",
            r#"(import "ethereum" "getBlockHash" (func $hash (param i64 i32) (result i32)))"#,
            "(local.set $q (call $hash (i64.const 0) (i32.const 128)))",
        ),
        host(
            "host-log-0",
            "log with no topic and no data",
            r#"(import "ethereum" "log" (func $log (param i32 i32 i32 i32 i32 i32 i32)))"#,
            "(call $log (i32.const 64) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))",
        ),
        WasmCase {
            unroll: 1,
            ..host(
                "host-call-empty-account",
                "call of an account without code (a new address each time)",
                r#"(import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))"#,
                "(i64.store (i32.const 64) (i64.add (local.get $x) (i64.const 0x10000)))
  (local.set $x (i64.add (local.get $x) (i64.const 1)))
  (local.set $q (call $call (i64.const 100000) (i32.const 64) (i32.const 256) (i32.const 0) (i32.const 0)))",
            )
        },
        WasmCase {
            unroll: 1,
            setup: "(i32.store (i32.const 80) (i32.const 0x127a))",
            ..host(
                "host-call-warm",
                "call of a contract that returns at once (a warm instance)",
                r#"(import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))"#,
                "(local.set $q (call $call (i64.const 100000) (i32.const 64) (i32.const 256) (i32.const 0) (i32.const 0)))",
            )
        },
        WasmCase {
            unroll: 1,
            // Fewer calls would cycle through few enough contracts for the pool to keep them.
            min_n: 2 * COLD_TARGET_COUNT as u32,
            ..host(
                "host-call-cold",
                "call of 128 distinct contracts in turn (every call misses the warm pool)",
                r#"(import "ethereum" "call" (func $call (param i64 i32 i32 i32 i32) (result i32)))"#,
                "(i32.store (i32.const 80) (i32.or (i32.const 0x017c) (i32.shl (i32.and (local.get $i) (i32.const 127)) (i32.const 24))))
  (local.set $q (call $call (i64.const 100000) (i32.const 64) (i32.const 256) (i32.const 0) (i32.const 0)))",
            )
        },
        WasmCase {
            unroll: 1,
            // (module (memory (export "memory") 1) (func (export "main"))): 48 bytes.
            prelude: r#"(data (i32.const 1024) "\00asm\01\00\00\00\01\04\01\60\00\00\03\02\01\00\05\03\01\00\01\07\11\02\06memory\02\00\04main\00\00\0a\04\01\02\00\0b")"#,
            ..host(
                "host-create",
                "create running the smallest init code (deposits no code)",
                r#"(import "ethereum" "create" (func $create (param i32 i32 i32 i32) (result i32)))"#,
                "(local.set $q (call $create (i32.const 256) (i32.const 1024) (i32.const 48) (i32.const 128)))",
            )
        },
    ]
}

/// An EVM calibration case: a loop of `n` iterations (`n` is the first call-data word), each
/// running `body` `unroll` times with the remaining count on top of the stack.
#[derive(Clone, Debug)]
pub struct EvmCase {
    pub id: &'static str,
    pub stresses: &'static str,
    pub body: Vec<u8>,
    pub unroll: usize,
}

mod op {
    pub(super) const STOP: u8 = 0x00;
    pub(super) const ADD: u8 = 0x01;
    pub(super) const MUL: u8 = 0x02;
    pub(super) const SUB: u8 = 0x03;
    pub(super) const DIV: u8 = 0x04;
    pub(super) const ISZERO: u8 = 0x15;
    pub(super) const SHA3: u8 = 0x20;
    pub(super) const BALANCE: u8 = 0x31;
    pub(super) const CALLDATALOAD: u8 = 0x35;
    pub(super) const EXTCODESIZE: u8 = 0x3b;
    pub(super) const POP: u8 = 0x50;
    pub(super) const MLOAD: u8 = 0x51;
    pub(super) const MSTORE: u8 = 0x52;
    pub(super) const SLOAD: u8 = 0x54;
    pub(super) const SSTORE: u8 = 0x55;
    pub(super) const JUMP: u8 = 0x56;
    pub(super) const JUMPI: u8 = 0x57;
    pub(super) const GAS: u8 = 0x5a;
    pub(super) const JUMPDEST: u8 = 0x5b;
    pub(super) const PUSH1: u8 = 0x60;
    pub(super) const PUSH2: u8 = 0x61;
    pub(super) const PUSH32: u8 = 0x7f;
    pub(super) const DUP1: u8 = 0x80;
    pub(super) const DUP6: u8 = 0x85;
    pub(super) const SWAP1: u8 = 0x90;
    pub(super) const LOG0: u8 = 0xa0;
    pub(super) const CALL: u8 = 0xf1;
}

impl EvmCase {
    /// The bytecode: `n` from the call data, the loop, `STOP`.
    pub fn code(&self) -> Vec<u8> {
        use op::*;
        let body = self.body.repeat(self.unroll);
        let head = [PUSH1, 0, CALLDATALOAD];
        let top = head.len();
        // JUMPDEST DUP1 ISZERO PUSH2 end JUMPI body PUSH1 1 SWAP1 SUB PUSH2 top JUMP JUMPDEST STOP
        let end = top + 7 + body.len() + 8;
        let mut code = head.to_vec();
        code.extend([JUMPDEST, DUP1, ISZERO, PUSH2]);
        code.extend(u16::try_from(end).unwrap_or(u16::MAX).to_be_bytes());
        code.push(JUMPI);
        code.extend(body);
        code.extend([PUSH1, 1, SWAP1, SUB, PUSH2]);
        code.extend(u16::try_from(top).unwrap_or(u16::MAX).to_be_bytes());
        code.extend([JUMP, JUMPDEST, STOP]);
        code
    }
}

fn evm(id: &'static str, stresses: &'static str, body: &[u8], unroll: usize) -> EvmCase {
    EvmCase {
        id,
        stresses,
        body: body.to_vec(),
        unroll,
    }
}

/// Every EVM case (revm, Cancun prices).
pub fn evm_cases() -> Vec<EvmCase> {
    use op::*;
    let mut div = vec![PUSH1, 3, PUSH32];
    div.extend([0xff; 32]);
    div.extend([DIV, POP]);
    vec![
        evm(
            "loop",
            "the loop alone (JUMPDEST, DUP1, ISZERO, JUMPI, SUB, JUMP)",
            &[],
            1,
        ),
        evm("add", "ADD", &[PUSH1, 3, PUSH1, 5, ADD, POP], UNROLL),
        evm("mul", "MUL of the counter", &[DUP1, DUP1, MUL, POP], UNROLL),
        evm("div", "256-bit DIV", &div, UNROLL),
        evm(
            "mstore-mload",
            "MSTORE then MLOAD",
            &[DUP1, PUSH1, 0, MSTORE, PUSH1, 0, MLOAD, POP],
            UNROLL,
        ),
        evm(
            "keccak-32",
            "KECCAK256 of 32 bytes",
            &[PUSH1, 32, PUSH1, 0, SHA3, POP],
            UNROLL,
        ),
        evm(
            "keccak-4k",
            "KECCAK256 of 4 KiB",
            &[PUSH2, 0x10, 0x00, PUSH1, 0, SHA3, POP],
            1,
        ),
        evm(
            "sload-cold",
            "SLOAD of a new slot each time",
            &[DUP1, SLOAD, POP],
            1,
        ),
        evm(
            "sload-warm",
            "SLOAD of one slot",
            &[PUSH1, 0, SLOAD, POP],
            UNROLL,
        ),
        evm(
            "sstore-new",
            "SSTORE of a new non-zero slot",
            &[DUP1, DUP1, SSTORE],
            1,
        ),
        evm(
            "balance-cold",
            "BALANCE of a new account",
            &[DUP1, BALANCE, POP],
            1,
        ),
        evm(
            "extcodesize-cold",
            "EXTCODESIZE of a new account",
            &[DUP1, EXTCODESIZE, POP],
            1,
        ),
        evm(
            "call-empty-cold",
            "CALL of a new account without code",
            &[
                PUSH1, 0, PUSH1, 0, PUSH1, 0, PUSH1, 0, PUSH1, 0, DUP6, PUSH2, 0x10, 0x00, ADD,
                PUSH2, 0xff, 0xff, CALL, POP,
            ],
            1,
        ),
        evm(
            "log0",
            "LOG0 without data",
            &[PUSH1, 0, PUSH1, 0, LOG0],
            UNROLL,
        ),
        evm("gas", "GAS", &[GAS, POP], UNROLL),
    ]
}

/// `code` with a custom section holding `salt`, so that its hash (and its cache entries) differ.
pub fn salted(code: &[u8], salt: u32) -> Vec<u8> {
    let name = b"rewasm.salt";
    let mut section = vec![0u8];
    // A custom section: id 0, size, name length, name, payload (the salt).
    let size = 1 + name.len() + 4;
    section.push(u8::try_from(size).unwrap_or(u8::MAX));
    section.push(u8::try_from(name.len()).unwrap_or(u8::MAX));
    section.extend_from_slice(name);
    section.extend_from_slice(&salt.to_le_bytes());
    [code, &section].concat()
}

/// Modules whose compile (validation, instrumentation, singlepass, loading) is slowest per
/// byte, and the example ERC-20's init code: (id, what, code).
pub fn compile_cases(erc20_init: &[u8]) -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let module =
        |body: String| wat::parse_str(format!("(module (memory 1) {body})")).unwrap_or_default();
    let tiny: String = (0..3000)
        .map(|i| format!("(func (param i32) (result i32) (i32.add (local.get 0) (i32.const {i})))"))
        .collect();
    let straight: String = (0..20_000)
        .map(|i| {
            format!(
                "(local.set $x (i64.xor (i64.mul (local.get $x) (i64.const {i})) (i64.const 7)))"
            )
        })
        .collect();
    let branches: String = (0..8_000)
        .map(|i| {
            format!(
                "(block (br_if 0 (i32.eq (local.get $x) (i32.const {i}))) (local.set $x (i32.add (local.get $x) (i32.const 1))))"
            )
        })
        .collect();
    let targets = "0 ".repeat(1000);
    let tables: String = (0..100)
        .map(|_| format!("(block (br_table {targets} (local.get $x)))"))
        .collect();
    vec![
        (
            "compile-tiny-functions",
            "compiling 3000 tiny functions",
            module(tiny),
        ),
        (
            "compile-straight-line",
            "compiling one long straight-line function",
            module(format!("(func (local $x i64) {straight})")),
        ),
        (
            "compile-branches",
            "compiling 8000 nested blocks with branches",
            module(format!("(func (local $x i32) {branches})")),
        ),
        (
            "compile-br-tables",
            "compiling 100 br_tables of 1000 targets",
            module(format!("(func (local $x i32) {tables})")),
        ),
        (
            "compile-data-64k",
            "validating a module of one 64 KiB data segment",
            wat::parse_str(format!(
                r#"(module (memory 1) (data (i32.const 0) "{}"))"#,
                "\\2a".repeat(65_536)
            ))
            .unwrap_or_default(),
        ),
        (
            "compile-erc20-init",
            "compiling the example ERC-20's init code",
            erc20_init.to_vec(),
        ),
    ]
}
