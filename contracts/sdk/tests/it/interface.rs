//! `#[interface]`: typed calls to another contract, through the mock's call handler: the
//! selector and arguments encoded, the result decoded, a static call for `&self`, gas and value
//! as asked, and reverts, failures and undecodable outputs as typed errors that a contract
//! passes on unchanged with `?`.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::cell::RefCell;
use std::rc::Rc;

use rewasm_sdk::eei::{CallResult, CallStatus};
use rewasm_sdk::interface::CallError;
use rewasm_sdk::testing::{self, CallKind, CallRequest};
use rewasm_sdk::{Address, U256, abi, contract, encode_error_string, interface, selector};

/// The part of an ERC-20 these tests call.
#[interface]
pub trait Token {
    fn balance_of(&self, owner: Address) -> U256;
    fn transfer(&mut self, to: Address, value: U256) -> bool;
    #[name = "symbol"]
    fn ticker(&self) -> String;
    fn burn(&mut self);
}

fn answer(status: CallStatus, return_data: Vec<u8>) -> CallResult {
    CallResult {
        status,
        return_data,
    }
}

const TOKEN: Address = Address::repeat_byte(0x70);

/// The mock's token account has code (a call to an account without any is an error).
fn token_has_code() {
    testing::with_env(|env| {
        env.codes.insert(TOKEN, vec![0x00]);
    });
}

#[test]
fn calls_encode_their_arguments_and_decode_their_results() {
    testing::reset();
    token_has_code();
    let seen: Rc<RefCell<Vec<CallRequest>>> = Rc::default();
    let log = Rc::clone(&seen);
    testing::set_call_handler(move |request| {
        log.borrow_mut().push(request.clone());
        let selector: [u8; 4] = request.data[..4].try_into().unwrap();
        let output = match selector {
            selector!("balanceOf(address)") => abi::encode(&U256::from(42)),
            selector!("transfer(address,uint256)") => abi::encode(&true),
            selector!("symbol()") => abi::encode(&"TKN".to_string()),
            _ => Vec::new(),
        };
        answer(CallStatus::Success, output)
    });
    let token = Token::at(TOKEN);
    let owner = Address::repeat_byte(1);
    assert_eq!(token.address(), TOKEN);
    assert_eq!(token.balance_of(owner), Ok(U256::from(42)));
    let paying = token.with_gas(50_000).with_value(U256::from(5));
    assert_eq!(paying.transfer(owner, U256::from(3)), Ok(true));
    assert_eq!(token.ticker(), Ok("TKN".to_string()));
    assert_eq!(token.burn(), Ok(()));
    assert_eq!(token.static_call().burn(), Ok(()));

    let seen = seen.borrow();
    let read = &seen[0];
    assert_eq!(
        (read.kind, read.to, read.value),
        (CallKind::Static, TOKEN, U256::zero())
    );
    assert_eq!(
        read.data,
        abi::encode_with_selector(selector!("balanceOf(address)"), &(owner,))
    );
    let sent = &seen[1];
    assert_eq!(
        (sent.kind, sent.gas, sent.value),
        (CallKind::Call, 50_000, U256::from(5))
    );
    assert_eq!(
        sent.data,
        abi::encode_with_selector(
            selector!("transfer(address,uint256)"),
            &(owner, U256::from(3))
        )
    );
    assert_eq!(seen[3].data, selector!("burn()").to_vec());
    assert_eq!(seen[3].kind, CallKind::Call);
    assert_eq!(
        seen[4].kind,
        CallKind::Static,
        "static_call forces a static call"
    );
    drop(seen);

    let nobody = Token::at(Address::repeat_byte(0x99));
    assert_eq!(nobody.burn(), Err(CallError::NoCode));
}

/// A token whose transfer reverts, symbol fails and balanceOf answers three bytes.
fn broken_token() {
    testing::set_call_handler(|request| {
        let selector: [u8; 4] = request.data[..4].try_into().unwrap();
        match selector {
            selector!("transfer(address,uint256)") => {
                answer(CallStatus::Revert, encode_error_string("token: too poor"))
            }
            selector!("symbol()") => answer(CallStatus::Failure, Vec::new()),
            _ => answer(CallStatus::Success, vec![1, 2, 3]),
        }
    });
}

#[test]
fn reverts_failures_and_bad_outputs_are_typed_errors() {
    testing::reset();
    broken_token();
    let token = Token::at(TOKEN);
    let reverted = token.transfer(Address::zero(), U256::one()).unwrap_err();
    assert_eq!(reverted.reason().as_deref(), Some("token: too poor"));
    assert_eq!(reverted.data(), &encode_error_string("token: too poor")[..]);
    assert_eq!(token.ticker(), Err(CallError::Failed));
    assert_eq!(CallError::Failed.reason(), None);
    assert!(matches!(
        token.balance_of(Address::zero()),
        Err(CallError::Decode(_))
    ));
}

/// Pays with the token at `token`, passing its errors on.
#[derive(Debug)]
pub struct Payer;

#[contract]
impl Payer {
    pub fn pay(&mut self, token: Address, to: Address) -> Result<bool, CallError> {
        Token::at(token).transfer(to, U256::one())
    }
}

#[test]
fn a_contract_passes_a_callee_revert_on_unchanged() {
    testing::reset();
    broken_token();
    let call = abi::encode_with_selector(
        selector!("pay(address,address)"),
        &(TOKEN, Address::repeat_byte(2)),
    );
    let out = testing::call::<Payer>(&call);
    assert!(!out.is_success());
    assert_eq!(out.data(), &encode_error_string("token: too poor")[..]);
    assert_eq!(out.revert_reason().as_deref(), Some("token: too poor"));
}
