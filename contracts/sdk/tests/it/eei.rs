//! The safe EEI wrappers against the host mock: environment reads, bounds-checked copies, calls
//! and creates through handlers, the precompiles, logs, reverts rolling back state.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use k256::ecdsa::SigningKey;
use rewasm_sdk::eei::{self, CallResult, CallStatus};
use rewasm_sdk::testing::{self, CallKind, Outcome};
use rewasm_sdk::{Address, H256, U256, crypto, emit_event, keccak};

#[test]
fn environment_reads() {
    testing::reset();
    testing::with_env(|env| {
        env.caller = Address::repeat_byte(1);
        env.origin = Address::repeat_byte(2);
        env.address = Address::repeat_byte(3);
        env.value = U256::from(7);
        env.block_number = 99;
        env.timestamp = 1234;
        env.gas_left = 5000;
        env.gas_limit = 6000;
        env.coinbase = Address::repeat_byte(4);
        env.difficulty = U256::from(8);
        env.gas_price = U256::from(9);
        env.balances
            .insert(Address::repeat_byte(5), U256::from(u128::MAX));
        env.block_hashes.insert(98, H256::repeat_byte(6));
        env.codes.insert(Address::repeat_byte(5), vec![1, 2, 3]);
    });
    assert_eq!(eei::caller(), Address::repeat_byte(1));
    assert_eq!(eei::tx_origin(), Address::repeat_byte(2));
    assert_eq!(eei::address(), Address::repeat_byte(3));
    assert_eq!(eei::call_value(), U256::from(7));
    assert!(!eei::call_value_is_zero());
    assert_eq!(eei::block_number(), 99);
    assert_eq!(eei::timestamp(), 1234);
    assert_eq!(eei::gas_left(), 5000);
    assert_eq!(eei::block_gas_limit(), 6000);
    assert_eq!(eei::coinbase(), Address::repeat_byte(4));
    assert_eq!(eei::difficulty(), U256::from(8));
    assert_eq!(eei::gas_price(), U256::from(9));
    assert_eq!(
        eei::balance(&Address::repeat_byte(5)),
        U256::from(u128::MAX)
    );
    assert_eq!(eei::balance(&Address::zero()), U256::zero());
    assert_eq!(eei::block_hash(98), Some(H256::repeat_byte(6)));
    assert_eq!(eei::block_hash(97), None);
    assert_eq!(eei::block_hash(u64::MAX), None);
    assert_eq!(eei::external_code_size(&Address::repeat_byte(5)), 3);
    let mut code = [0u8; 2];
    assert!(eei::external_code_copy(
        &Address::repeat_byte(5),
        1,
        &mut code
    ));
    assert_eq!(code, [2, 3]);
    assert!(!eei::external_code_copy(
        &Address::repeat_byte(5),
        2,
        &mut code
    ));
    eei::use_gas(10);
    assert_eq!(testing::with_env(|env| env.gas_used), 10);
}

#[test]
fn copies_are_bounds_checked_instead_of_trapping() {
    testing::reset();
    testing::with_env(|env| env.calldata = vec![1, 2, 3, 4, 5]);
    assert_eq!(eei::calldata_size(), 5);
    assert_eq!(eei::calldata(), vec![1, 2, 3, 4, 5]);
    let mut buf = [0u8; 3];
    assert!(eei::calldata_copy(2, &mut buf));
    assert_eq!(buf, [3, 4, 5]);
    assert!(!eei::calldata_copy(3, &mut buf), "past the end");
    assert!(
        !eei::calldata_copy(usize::MAX, &mut buf),
        "overflowing range"
    );
    assert!(
        eei::calldata_copy(5, &mut []),
        "an empty copy at the end is fine"
    );
    assert!(!eei::return_data_copy(0, &mut buf));
    assert!(!eei::code_copy(0, &mut buf));
    assert_eq!(eei::return_data(), Vec::<u8>::new());
}

#[test]
fn calls_go_through_the_handler() {
    testing::reset();
    let target = Address::repeat_byte(0x77);
    testing::set_call_handler(move |request| {
        assert_eq!(request.to, target);
        match request.kind {
            CallKind::Call => CallResult {
                status: CallStatus::Success,
                return_data: [&request.data[..], &request.value.low_u64().to_be_bytes()].concat(),
            },
            CallKind::Static => CallResult {
                status: CallStatus::Revert,
                return_data: b"no".to_vec(),
            },
            CallKind::Delegate | CallKind::CallCode => CallResult {
                status: CallStatus::Failure,
                return_data: Vec::new(),
            },
        }
    });
    let result = eei::call(eei::ALL_GAS, &target, U256::from(3), b"hi");
    assert!(result.is_success());
    assert_eq!(result.return_data, b"hi\0\0\0\0\0\0\0\x03");
    assert_eq!(eei::return_data(), result.return_data);
    let result = eei::call_static(1000, &target, b"x");
    assert_eq!(result.status, CallStatus::Revert);
    assert_eq!(result.return_data, b"no");
    assert_eq!(
        eei::call_delegate(1000, &target, b"").status,
        CallStatus::Failure
    );
    assert_eq!(
        eei::call_code(1000, &target, U256::zero(), b"").status,
        CallStatus::Failure
    );
    // A revert in the callee passes its data on; a failure becomes Error("call failed").
    let out = testing::run(|| {
        eei::call_static(1000, &target, b"").unwrap_or_revert();
    });
    assert_eq!(out, Outcome::Revert(b"no".to_vec()));
    let out = testing::run(|| {
        eei::call_delegate(1000, &target, b"").unwrap_or_revert();
    });
    assert_eq!(out.revert_reason().as_deref(), Some("call failed"));
    // Value beyond 128 bits reverts (the EEI carries 128-bit values).
    let out = testing::run(|| {
        eei::call(0, &target, U256::MAX, b"");
    });
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("value does not fit in 128 bits")
    );
}

#[test]
fn creates_go_through_the_handler() {
    testing::reset();
    assert_eq!(
        eei::create(U256::zero(), b"code").unwrap_err().status,
        CallStatus::Failure,
        "no handler: failure"
    );
    testing::set_create_handler(|value, code| {
        if code == b"bad" {
            Err(CallResult {
                status: CallStatus::Revert,
                return_data: b"reason".to_vec(),
            })
        } else {
            Ok(Address::from_low_u64_be(value.low_u64()))
        }
    });
    assert_eq!(
        eei::create(U256::from(5), b"code"),
        Ok(Address::from_low_u64_be(5))
    );
    assert!(eei::return_data().is_empty());
    let failure = eei::create(U256::zero(), b"bad").unwrap_err();
    assert_eq!(failure.status, CallStatus::Revert);
    assert_eq!(failure.return_data, b"reason");
}

#[test]
fn precompiles_run_natively_in_the_mock() {
    testing::reset();
    assert_eq!(crypto::keccak256(b""), keccak!(""));
    assert_eq!(
        hex::encode(crypto::sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex::encode(crypto::ripemd160(b"abc")),
        "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"
    );
    // ecrecover of a signature made with k256.
    let key = SigningKey::from_slice(&[0x42; 32]).unwrap();
    let public = key.verifying_key().to_encoded_point(false);
    let signer = Address::from_slice(&crypto::keccak256(&public.as_bytes()[1..])[12..]);
    let hash = keccak!("message");
    let (signature, recovery) = key.sign_prehash_recoverable(&hash).unwrap();
    let bytes = signature.to_bytes();
    let (r, s) = bytes.split_at(32);
    let r: [u8; 32] = r.try_into().unwrap();
    let s: [u8; 32] = s.try_into().unwrap();
    let v = 27 + u8::from(recovery.is_y_odd());
    assert_eq!(crypto::ecrecover(&hash, v, &r, &s), Some(signer));
    assert_ne!(crypto::ecrecover(&hash, 27 + 28 - v, &r, &s), Some(signer));
    assert_eq!(crypto::ecrecover(&hash, 29, &r, &s), None);
    assert_eq!(crypto::ecrecover(&hash, v, &[0u8; 32], &s), None);
}

#[test]
fn logs_and_rollback() {
    testing::reset();
    let topic0 = keccak!("Ping(uint256)");
    let out = testing::run(|| {
        eei::storage_store(&[1u8; 32], &[2u8; 32]);
        emit_event(&topic0, &[[3u8; 32]], b"data");
        eei::finish(b"done");
    });
    assert_eq!(out, Outcome::Success(b"done".to_vec()));
    assert_eq!(testing::storage_at(&[1u8; 32]), [2u8; 32]);
    let logs = testing::take_logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].topics, vec![topic0, [3u8; 32]]);
    assert_eq!(logs[0].data, b"data");

    let out = testing::run(|| {
        eei::storage_store(&[1u8; 32], &[9u8; 32]);
        eei::log(&[], b"x");
        eei::revert(b"nope");
    });
    assert_eq!(out, Outcome::Revert(b"nope".to_vec()));
    assert_eq!(testing::storage_at(&[1u8; 32]), [2u8; 32], "rolled back");
    assert!(testing::take_logs().is_empty(), "rolled back");

    // More than 4 topics / 3 indexed: a revert with a reason, not a trap.
    let out = testing::run(|| eei::log(&[[0u8; 32]; 5], b""));
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("log: more than 4 topics")
    );
    let out = testing::run(|| emit_event(&topic0, &[[0u8; 32]; 4], b""));
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("event: more than 3 indexed parameters")
    );

    // Self-destruct ends the frame successfully and records the beneficiary.
    let out = testing::run(|| eei::self_destruct(&Address::repeat_byte(9)));
    assert_eq!(out, Outcome::Success(Vec::new()));
    assert_eq!(
        testing::with_env(|env| env.self_destructed),
        Some(Address::repeat_byte(9))
    );
}

#[test]
fn revert_with_and_panics() {
    testing::reset();
    let out = testing::run(|| rewasm_sdk::revert_with("because"));
    assert_eq!(out.revert_reason().as_deref(), Some("because"));
    assert_eq!(out.decode::<U256>(), Err("because".to_string()));
    let out = testing::run(|| panic!("static message"));
    assert_eq!(out.revert_reason().as_deref(), Some("static message"));
    let out = testing::run(|| {
        let _ = U256::MAX + U256::one();
    });
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("arithmetic operation overflow")
    );
    assert_eq!(testing::decode_error_string(b"junk"), None);
}
