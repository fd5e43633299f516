//! The precompiled contracts: known vectors (go-ethereum's `core/vm/testdata/precompiles` and the
//! standard digests), ecrecover's input rules, prices, out-of-gas, and properties over arbitrary
//! input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use k256::ecdsa::SigningKey;
use primitive_types::{H160, U256};
use proptest::prelude::*;
use rewasm_executor::precompiles::{Precompile, PrecompileOutcome, precompile_at, run};
use sha3::{Digest, Keccak256};

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn address(byte: u8) -> H160 {
    H160::from_low_u64_be(u64::from(byte))
}

/// secp256k1's group order n.
fn order() -> U256 {
    U256::from_big_endian(&hex(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
    ))
}

fn word(value: U256) -> [u8; 32] {
    value.to_big_endian()
}

fn ecrecover_input(hash: &[u8], v: U256, r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut input = hash.to_vec();
    input.extend_from_slice(&word(v));
    input.extend_from_slice(r);
    input.extend_from_slice(s);
    input
}

fn ecrecover(input: &[u8]) -> Vec<u8> {
    match run(&address(1), input, 3000) {
        Some(PrecompileOutcome::Success { output, gas_used }) => {
            assert_eq!(gas_used, 3000);
            output
        }
        other => panic!("ecrecover did not succeed: {other:?}"),
    }
}

fn padded_address(addr: &str) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    out.extend_from_slice(&hex(addr));
    out
}

const HASH: &str = "456e9aea5e197a1f1af7a3e85a3212fa4049a3ba34c2289b4c860fc0b0c64ef3";
const R: &str = "9242685bf161793cc25603c231bc2f568eb630ea16aa137d2664ac8038825608";
const S: &str = "4f8ae3bd7535248d0bd448298cc2e2071e56992d0774dc340c368ae950852ada";
const SIGNER: &str = "7156526fbd7a3c72969b54f64e42c10fbb768c8a";

fn known_input() -> Vec<u8> {
    ecrecover_input(&hex(HASH), U256::from(28), &hex(R), &hex(S))
}

// ---- ecrecover --------------------------------------------------------------------------------

#[test]
fn ecrecover_known_vector() {
    assert_eq!(ecrecover(&known_input()), padded_address(SIGNER));
}

#[test]
fn ecrecover_geth_vectors() {
    // go-ethereum core/vm/testdata/precompiles/ecRecover.json.
    let cases: &[(&str, &str, &str)] = &[
        (
            "CallEcrecoverUnrecoverableKey",
            "a8b53bdf3306a35a7103ab5504a0c9b492295564b6202b1942a84ef300107281\
             000000000000000000000000000000000000000000000000000000000000001b\
             3078356531653033663533636531386237373263636230303933666637316633\
             6635336635633735623734646362333161383561613862383839326234653862\
             1122334455667788991011121314151617181920212223242526272829303132",
            "",
        ),
        (
            "ValidKey",
            "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c\
             000000000000000000000000000000000000000000000000000000000000001c\
             73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f\
             eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549",
            "000000000000000000000000a94f5374fce5edbc8e2a8697c15331677e6ebf0b",
        ),
        (
            "InvalidHighV-bits-1",
            "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c\
             100000000000000000000000000000000000000000000000000000000000001c\
             73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f\
             eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549",
            "",
        ),
        (
            "InvalidHighV-bits-2",
            "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c\
             000000000000000000000000000000000000001000000000000000000000001c\
             73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f\
             eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549",
            "",
        ),
        (
            "InvalidHighV-bits-3",
            "18c547e4f7b0f325ad1e56f57e26c745b09a3e503d86e00e5255ff7f715d3d1c\
             000000000000000000000000000000000000001000000000000000000000011c\
             73b1693892219d736caba55bdb67216e485557ea6b6af75f37096c9aa6a5a75f\
             eeb940b1d03b21e36b0e47e79769f095fe2ab855bd91e3a38756b7d75a9c4549",
            "",
        ),
    ];
    for (name, input, expected) in cases {
        assert_eq!(ecrecover(&hex(input)), hex(expected), "{name}");
    }
}

#[test]
fn ecrecover_rejects_v_other_than_27_or_28() {
    for v in [0u64, 1, 26, 29, 27 + 256, 28 + 256] {
        let input = ecrecover_input(&hex(HASH), U256::from(v), &hex(R), &hex(S));
        assert!(ecrecover(&input).is_empty(), "v = {v}");
    }
    // 28 with a nonzero high byte.
    let mut input = known_input();
    input[32] = 1;
    assert!(ecrecover(&input).is_empty());
    // The other parity is a valid input: it recovers some other key, not the signer.
    let input = ecrecover_input(&hex(HASH), U256::from(27), &hex(R), &hex(S));
    let output = ecrecover(&input);
    assert!(output.is_empty() || output != padded_address(SIGNER));
}

#[test]
fn ecrecover_rejects_r_and_s_out_of_range() {
    let n = word(order());
    let n_plus_one = word(order() + 1);
    let max = [0xffu8; 32];
    let zero = [0u8; 32];
    let hash = hex(HASH);
    let v = U256::from(28);
    for (what, r, s) in [
        ("r = 0", &zero[..], &hex(S)[..]),
        ("s = 0", &hex(R)[..], &zero[..]),
        ("r = n", &n[..], &hex(S)[..]),
        ("s = n", &hex(R)[..], &n[..]),
        ("r = n + 1", &n_plus_one[..], &hex(S)[..]),
        ("s = n + 1", &hex(R)[..], &n_plus_one[..]),
        ("r = 2^256 - 1", &max[..], &hex(S)[..]),
        ("s = 2^256 - 1", &hex(R)[..], &max[..]),
    ] {
        assert!(
            ecrecover(&ecrecover_input(&hash, v, r, s)).is_empty(),
            "{what}"
        );
    }
}

#[test]
fn ecrecover_accepts_high_s() {
    // No low-s rule: (r, n - s) with the other v recovers the same key.
    let s = U256::from_big_endian(&hex(S));
    let high_s = word(order() - s);
    let input = ecrecover_input(&hex(HASH), U256::from(27), &hex(R), &high_s);
    assert_eq!(ecrecover(&input), padded_address(SIGNER));
    // With the original v it is a different (or no) key.
    let input = ecrecover_input(&hex(HASH), U256::from(28), &hex(R), &high_s);
    assert_ne!(ecrecover(&input), padded_address(SIGNER));
}

#[test]
fn ecrecover_short_input_is_zero_padded() {
    let full = known_input();
    for len in [0, 1, 31, 32, 63, 64, 65, 96, 97, 100, 127] {
        let mut padded = full[..len].to_vec();
        padded.resize(128, 0);
        assert_eq!(ecrecover(&full[..len]), ecrecover(&padded), "length {len}");
    }
    // Fewer than 97 bytes means s = 0: invalid, empty output, still charged 3000.
    assert!(ecrecover(&full[..96]).is_empty());
    assert!(ecrecover(&[]).is_empty());
    // A signature whose s ends in a zero byte still recovers when that byte is cut off.
    let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
    let signer = key_address(&key);
    let input = (0u32..)
        .map(|i| {
            let hash: [u8; 32] = Keccak256::digest(i.to_be_bytes()).into();
            signed_input(&key, &hash)
        })
        .find(|input| input[127] == 0)
        .unwrap();
    assert_eq!(ecrecover(&input[..127]), signer);
}

#[test]
fn ecrecover_ignores_input_past_128_bytes() {
    let mut input = known_input();
    input.extend_from_slice(&[0xab; 100]);
    assert_eq!(ecrecover(&input), padded_address(SIGNER));
    assert_eq!(Precompile::Ecrecover.gas_cost(input.len()), 3000);
}

fn key_address(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_encoded_point(false);
    let digest = Keccak256::digest(&point.as_bytes()[1..]);
    let mut out = vec![0u8; 12];
    out.extend_from_slice(&digest[12..]);
    out
}

fn signed_input(key: &SigningKey, hash: &[u8; 32]) -> Vec<u8> {
    let (signature, recovery_id) = key.sign_prehash_recoverable(hash).unwrap();
    assert!(!recovery_id.is_x_reduced());
    let v = 27 + u64::from(recovery_id.is_y_odd());
    let (r, s) = signature.split_bytes();
    ecrecover_input(hash, U256::from(v), &r, &s)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn ecrecover_recovers_own_signatures(secret in any::<[u8; 32]>(), hash in any::<[u8; 32]>()) {
        let key = SigningKey::from_slice(&secret);
        prop_assume!(key.is_ok());
        let key = key.unwrap();
        let signer = key_address(&key);
        let input = signed_input(&key, &hash);
        prop_assert_eq!(ecrecover(&input), signer.clone());

        // The high-s twin with the other parity recovers the same address.
        let s = U256::from_big_endian(&input[96..128]);
        let mut twin = input.clone();
        twin[63] = if input[63] == 27 { 28 } else { 27 };
        twin[96..128].copy_from_slice(&word(order() - s));
        prop_assert_eq!(ecrecover(&twin), signer);
    }

    #[test]
    fn ecrecover_never_panics_on_structured_input(
        hash in any::<[u8; 32]>(),
        v in prop_oneof![Just(27u8), Just(28u8), any::<u8>()],
        r in any::<[u8; 32]>(),
        s in any::<[u8; 32]>(),
        len in 0usize..160,
    ) {
        let mut input = ecrecover_input(&hash, U256::from(v), &r, &s);
        input.resize(len, 0x5a);
        let output = ecrecover(&input);
        prop_assert!(output.is_empty() || (output.len() == 32 && output[..12] == [0u8; 12]));
    }
}

// ---- hashes and identity ----------------------------------------------------------------------

fn execute(byte: u8, input: &[u8]) -> Vec<u8> {
    precompile_at(&address(byte)).unwrap().execute(input)
}

#[test]
fn sha256_vectors() {
    assert_eq!(
        execute(2, b""),
        hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    );
    assert_eq!(
        execute(2, b"abc"),
        hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
}

#[test]
fn ripemd160_vectors_are_left_padded() {
    assert_eq!(
        execute(3, b""),
        padded_address("9c1185a5c5e9fc54612808977ee8f548b2258d31")
    );
    assert_eq!(
        execute(3, b"abc"),
        padded_address("8eb208f7e05d987a9b044a8e98c6b087f15a0bfc")
    );
}

#[test]
fn keccak256_vectors() {
    assert_eq!(
        execute(9, b""),
        hex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    );
    assert_eq!(
        execute(9, b"abc"),
        hex("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")
    );
}

#[test]
fn identity_returns_its_input() {
    assert_eq!(execute(4, b""), b"");
    assert_eq!(execute(4, b"abc"), b"abc");
    let long: Vec<u8> = (0..=255).collect();
    assert_eq!(execute(4, &long), long);
}

// ---- gas --------------------------------------------------------------------------------------

#[test]
fn gas_for_0_1_32_33_bytes() {
    let table: [(Precompile, [u64; 4]); 5] = [
        (Precompile::Ecrecover, [3000, 3000, 3000, 3000]),
        (Precompile::Sha256, [60, 72, 72, 84]),
        (Precompile::Ripemd160, [600, 720, 720, 840]),
        (Precompile::Identity, [15, 18, 18, 21]),
        (Precompile::Keccak256, [60, 72, 72, 84]),
    ];
    for (precompile, costs) in table {
        for (len, cost) in [0usize, 1, 32, 33].into_iter().zip(costs) {
            assert_eq!(precompile.gas_cost(len), cost, "{precompile:?} {len}");
        }
    }
}

#[test]
fn out_of_gas_exactly_below_the_price() {
    for precompile in Precompile::ALL {
        for len in [0usize, 1, 32, 33, 128, 1000] {
            let input = vec![0x11; len];
            let cost = precompile.gas_cost(len);
            let at = precompile.address();
            assert_eq!(
                run(&at, &input, cost - 1),
                Some(PrecompileOutcome::OutOfGas),
                "{precompile:?} {len}"
            );
            assert_eq!(
                run(&at, &input, cost),
                Some(PrecompileOutcome::Success {
                    output: precompile.execute(&input),
                    gas_used: cost
                }),
                "{precompile:?} {len}"
            );
            // More gas than needed: only the price is used.
            assert_eq!(
                run(&at, &input, u64::MAX),
                Some(PrecompileOutcome::Success {
                    output: precompile.execute(&input),
                    gas_used: cost
                })
            );
        }
    }
    assert_eq!(run(&address(4), b"", 0), Some(PrecompileOutcome::OutOfGas));
}

// ---- addresses --------------------------------------------------------------------------------

#[test]
fn addresses() {
    let expected = [
        (1, Precompile::Ecrecover),
        (2, Precompile::Sha256),
        (3, Precompile::Ripemd160),
        (4, Precompile::Identity),
        (9, Precompile::Keccak256),
    ];
    for (byte, precompile) in expected {
        assert_eq!(precompile_at(&address(byte)), Some(precompile));
        assert_eq!(precompile.address(), address(byte));
    }
    for byte in [0u8, 5, 6, 7, 8, 0x0a, 0x10, 0xff] {
        assert_eq!(precompile_at(&address(byte)), None, "0x{byte:02x}");
        assert_eq!(run(&address(byte), b"abc", u64::MAX), None);
    }
    // Same low byte, nonzero high bytes: not a precompile.
    assert_eq!(
        precompile_at(&H160::from_low_u64_be(0x0100_0000_0000_0001)),
        None
    );
    let mut high = [0u8; 20];
    high[0] = 1;
    high[19] = 1;
    assert_eq!(precompile_at(&H160(high)), None);
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..400)) {
        for precompile in Precompile::ALL {
            let output = precompile.execute(&input);
            match precompile {
                Precompile::Ecrecover => prop_assert!(output.is_empty() || output.len() == 32),
                Precompile::Identity => prop_assert_eq!(&output, &input),
                Precompile::Ripemd160 => {
                    prop_assert_eq!(output.len(), 32);
                    prop_assert_eq!(&output[..12], &[0u8; 12]);
                }
                Precompile::Sha256 | Precompile::Keccak256 => prop_assert_eq!(output.len(), 32),
            }
        }
    }

    #[test]
    fn gas_is_monotone_in_length(
        a in prop_oneof![0usize..1000, any::<usize>()],
        b in prop_oneof![0usize..1000, any::<usize>()],
    ) {
        let (short, long) = (a.min(b), a.max(b));
        for precompile in Precompile::ALL {
            prop_assert!(precompile.gas_cost(short) <= precompile.gas_cost(long));
            prop_assert!(precompile.gas_cost(short) >= precompile.gas_cost(0));
        }
    }

    #[test]
    fn only_the_five_addresses_are_precompiles(bytes in any::<[u8; 20]>(), low in any::<u8>()) {
        prop_assert_eq!(precompile_at(&H160(bytes)).is_some(),
            bytes[..19] == [0u8; 19] && [1, 2, 3, 4, 9].contains(&bytes[19]));
        prop_assert_eq!(precompile_at(&address(low)).is_some(), [1, 2, 3, 4, 9].contains(&low));
    }
}
