//! `#[contract]` and `#[event]` on the host, against the mock EEI of `rewasm_sdk::testing`:
//! dispatch, argument decoding, return encoding, payable checks, reverts, events, the
//! constructor, fallback/receive, and the ABI JSON.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
// A contract's constructor is a `&mut self` method; `new` is its natural name.
#![allow(clippy::wrong_self_convention)]

use rewasm_sdk::prelude::*;
use rewasm_sdk::testing::{self, Outcome};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// An ERC-20.

const TOTAL_SUPPLY: StorageValue<U256> = StorageValue::new(0);
const BALANCES: StorageMap<Address, U256> = StorageMap::new(1);
const ALLOWANCES: StorageMap<Address, StorageMap<Address, U256>> = StorageMap::new(2);
const NAME: StorageString = StorageString::new(3);

#[event]
#[derive(Debug)]
pub struct Transfer {
    #[indexed]
    pub from: Address,
    #[indexed]
    pub to: Address,
    pub value: U256,
}

#[event]
#[derive(Debug)]
pub struct Approval {
    #[indexed]
    pub owner: Address,
    #[indexed]
    pub spender: Address,
    pub value: U256,
}

#[derive(Debug)]
pub struct Token;

impl Token {
    fn move_tokens(from: Address, to: Address, value: U256) -> Result<(), &'static str> {
        // One hash per balance for the read and the write.
        let from_balance = BALANCES.entry(&from);
        let balance = from_balance.get();
        if balance < value {
            return Err("ERC20: transfer amount exceeds balance");
        }
        from_balance.set(balance - value);
        let to_balance = BALANCES.entry(&to);
        to_balance.set(to_balance.get() + value);
        Transfer { from, to, value }.emit();
        Ok(())
    }
}

#[contract(events(Transfer, Approval))]
impl Token {
    #[constructor]
    pub fn new(&mut self, name: String, supply: U256) {
        NAME.set(&name);
        TOTAL_SUPPLY.set(supply);
        BALANCES.set(&eei::caller(), supply);
        Transfer {
            from: Address::zero(),
            to: eei::caller(),
            value: supply,
        }
        .emit();
    }

    pub fn name(&self) -> String {
        NAME.get()
    }

    pub fn decimals(&self) -> u8 {
        18
    }

    pub fn total_supply(&self) -> U256 {
        TOTAL_SUPPLY.get()
    }

    pub fn balance_of(&self, owner: Address) -> U256 {
        BALANCES.get(&owner)
    }

    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        ALLOWANCES.at(&owner).get(&spender)
    }

    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, &'static str> {
        Self::move_tokens(eei::caller(), to, value)?;
        Ok(true)
    }

    pub fn approve(&mut self, spender: Address, value: U256) -> bool {
        let owner = eei::caller();
        ALLOWANCES.at(&owner).set(&spender, value);
        Approval {
            owner,
            spender,
            value,
        }
        .emit();
        true
    }

    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<bool, String> {
        let spender = eei::caller();
        let allowed = ALLOWANCES.at(&from).get(&spender);
        if allowed < value {
            return Err(format!(
                "ERC20: insufficient allowance ({allowed} < {value})"
            ));
        }
        ALLOWANCES.at(&from).set(&spender, allowed - value);
        Self::move_tokens(from, to, value)?;
        Ok(true)
    }

    // Not `pub`: not part of the ABI.
    fn helper(&self) -> U256 {
        U256::one()
    }
}

fn call(data: Vec<u8>) -> Outcome {
    testing::call::<Token>(&data)
}

fn alice() -> Address {
    Address::repeat_byte(0xa1)
}
fn bob() -> Address {
    Address::repeat_byte(0xb0)
}

fn deploy_token() {
    testing::reset();
    testing::set_caller(alice());
    let out = testing::deploy::<Token>(&abi::encode(&("Test Token".to_string(), U256::from(1000))));
    assert_eq!(out, Outcome::Success(Vec::new()));
}

#[test]
fn erc20_flow() {
    deploy_token();
    let logs = testing::take_logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(
        logs[0].topics[0],
        keccak!("Transfer(address,address,uint256)")
    );
    assert_eq!(logs[0].topics[1], [0u8; 32]);
    assert_eq!(logs[0].data, abi::encode(&U256::from(1000)));

    let balance = |who: Address| {
        call(abi::encode_with_selector(
            selector!("balanceOf(address)"),
            &(who,),
        ))
        .decode::<U256>()
        .unwrap()
    };
    assert_eq!(balance(alice()), U256::from(1000));
    assert_eq!(
        call(selector!("totalSupply()").to_vec()).decode::<U256>(),
        Ok(U256::from(1000))
    );
    assert_eq!(
        call(selector!("decimals()").to_vec()).decode::<u8>(),
        Ok(18)
    );
    assert_eq!(
        call(selector!("name()").to_vec()).decode::<String>(),
        Ok("Test Token".to_string())
    );

    // transfer(address,uint256) → bool true, a Transfer log with the indexed addresses.
    let out = call(abi::encode_with_selector(
        [0xa9, 0x05, 0x9c, 0xbb],
        &(bob(), U256::from(300)),
    ));
    assert_eq!(out.decode::<bool>(), Ok(true));
    assert_eq!(out.data(), abi::encode(&true));
    assert_eq!(balance(alice()), U256::from(700));
    assert_eq!(balance(bob()), U256::from(300));
    let logs = testing::take_logs();
    assert_eq!(logs.len(), 1);
    assert_eq!(
        logs[0].topics,
        vec![
            keccak!("Transfer(address,address,uint256)"),
            abi::WordType::to_word(&alice()),
            abi::WordType::to_word(&bob()),
        ]
    );

    // Too much: reverts with the Err reason, state and logs rolled back.
    let out = call(abi::encode_with_selector(
        selector!("transfer(address,uint256)"),
        &(bob(), U256::from(701)),
    ));
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("ERC20: transfer amount exceeds balance")
    );
    assert_eq!(balance(alice()), U256::from(700));
    assert!(testing::take_logs().is_empty());

    // approve / allowance / transferFrom.
    let out = call(abi::encode_with_selector(
        selector!("approve(address,uint256)"),
        &(bob(), U256::from(50)),
    ));
    assert_eq!(out.decode::<bool>(), Ok(true));
    let allowance = call(abi::encode_with_selector(
        selector!("allowance(address,address)"),
        &(alice(), bob()),
    ));
    assert_eq!(allowance.decode::<U256>(), Ok(U256::from(50)));
    testing::set_caller(bob());
    let out = call(abi::encode_with_selector(
        selector!("transferFrom(address,address,uint256)"),
        &(alice(), bob(), U256::from(60)),
    ));
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("ERC20: insufficient allowance (50 < 60)")
    );
    let out = call(abi::encode_with_selector(
        selector!("transferFrom(address,address,uint256)"),
        &(alice(), bob(), U256::from(20)),
    ));
    assert_eq!(out.decode::<bool>(), Ok(true));
    assert_eq!(balance(bob()), U256::from(320));
    assert_eq!(Token.helper(), U256::one());
}

#[test]
fn dispatcher_reverts_with_reasons() {
    deploy_token();
    // Unknown selector, short call data, empty call data.
    for data in [vec![1, 2, 3, 4], vec![1], vec![]] {
        assert_eq!(
            call(data).revert_reason().as_deref(),
            Some("unknown selector")
        );
    }
    // Arguments that do not decode.
    let out = call(selector!("balanceOf(address)").to_vec());
    assert_eq!(out.revert_reason().as_deref(), Some("abi: data too short"));
    let mut data = abi::encode_with_selector(selector!("balanceOf(address)"), &(bob(),));
    data[4] = 1;
    assert_eq!(
        call(data).revert_reason().as_deref(),
        Some("abi: value out of range for its type")
    );
    // Value sent to a non-payable function (views included, as in Solidity).
    testing::set_value(U256::one());
    let out = call(selector!("totalSupply()").to_vec());
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("function is not payable")
    );
    // And to a non-payable constructor.
    let out = testing::deploy::<Token>(&abi::encode(&(String::new(), U256::one())));
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("function is not payable")
    );
    testing::set_value(U256::zero());
    // Bad constructor arguments.
    let out = testing::deploy::<Token>(&[0u8; 10]);
    assert_eq!(out.revert_reason().as_deref(), Some("abi: data too short"));
}

#[test]
fn abi_json_is_standard_solidity_abi() {
    let abi: Value = serde_json::from_str(Token::abi_json()).unwrap();
    let entries = abi.as_array().unwrap();
    let find = |kind: &str, name: &str| {
        entries
            .iter()
            .find(|e| e["type"] == kind && (name.is_empty() || e["name"] == name))
            .unwrap_or_else(|| panic!("no {kind} {name} in {abi}"))
            .clone()
    };
    assert_eq!(
        find("constructor", ""),
        json!({"type": "constructor", "stateMutability": "nonpayable", "inputs": [
            {"name": "name", "type": "string"}, {"name": "supply", "type": "uint256"}]})
    );
    assert_eq!(
        find("function", "balanceOf"),
        json!({"type": "function", "name": "balanceOf", "stateMutability": "view",
               "inputs": [{"name": "owner", "type": "address"}],
               "outputs": [{"name": "", "type": "uint256"}]})
    );
    assert_eq!(
        find("function", "transferFrom"),
        json!({"type": "function", "name": "transferFrom", "stateMutability": "nonpayable",
               "inputs": [{"name": "from", "type": "address"}, {"name": "to", "type": "address"},
                          {"name": "value", "type": "uint256"}],
               "outputs": [{"name": "", "type": "bool"}]})
    );
    assert_eq!(
        find("function", "totalSupply")["outputs"][0]["type"],
        "uint256"
    );
    assert_eq!(
        find("event", "Transfer"),
        json!({"type": "event", "name": "Transfer", "anonymous": false, "inputs": [
            {"name": "from", "type": "address", "indexed": true},
            {"name": "to", "type": "address", "indexed": true},
            {"name": "value", "type": "uint256", "indexed": false}]})
    );
    assert_eq!(find("event", "Approval")["inputs"][1]["name"], "spender");
    let functions = entries.iter().filter(|e| e["type"] == "function").count();
    assert_eq!(functions, 8, "helper is not exported");
    assert!(!Token::abi_json().contains("helper"));
}

#[test]
fn event_metadata() {
    assert_eq!(Transfer::SIGNATURE, "Transfer(address,address,uint256)");
    assert_eq!(
        Transfer::TOPIC0,
        keccak!("Transfer(address,address,uint256)")
    );
    assert_eq!(
        Approval::TOPIC0.to_vec(),
        hex::decode("8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925").unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// Everything else the macro supports.

#[event]
#[derive(Debug)]
pub struct Note {
    #[indexed]
    pub tag: String,
    #[indexed]
    pub id: u64,
    pub body: Vec<u8>,
    pub values: Vec<U256>,
}

#[event]
#[derive(Debug)]
pub struct Ping;

const RECEIVED: StorageValue<U256> = StorageValue::new(0);
const FALLBACK_CALLS: StorageValue<u32> = StorageValue::new(1);

#[derive(Debug)]
pub struct Kitchen;

#[contract(events(Note, Ping))]
impl Kitchen {
    #[constructor]
    #[payable]
    pub fn create(&mut self) -> Result<(), &'static str> {
        if eei::call_value() == U256::from(13) {
            return Err("unlucky");
        }
        Ok(())
    }

    /// No receiver: `pure`.
    pub fn add(a: u64, b: u64) -> u64 {
        a + b
    }

    pub fn pair(&self) -> (U256, String) {
        (U256::from(7), "seven".to_string())
    }

    pub fn nothing(&mut self) {}

    pub fn echo(
        &self,
        data: Vec<u8>,
        names: Vec<String>,
        point: (u8, i32),
    ) -> (Vec<u8>, Vec<String>, (u8, i32)) {
        (data, names, point)
    }

    pub fn bytes4_id(&self, id: [u8; 4], hash: H256) -> [u8; 4] {
        assert_eq!(hash, H256::repeat_byte(1));
        id
    }

    #[payable]
    pub fn deposit(&mut self) -> U256 {
        let total = RECEIVED.get() + eei::call_value();
        RECEIVED.set(total);
        total
    }

    #[name = "renamedFunction"]
    pub fn some_function(&self) -> bool {
        true
    }

    pub fn note(&mut self, tag: String, id: u64) {
        Note {
            tag,
            id,
            body: b"body".to_vec(),
            values: vec![U256::one()],
        }
        .emit();
        Ping.emit();
    }

    pub fn fail(&self, message: String) -> Result<u8, RevertData> {
        Err(RevertData(message.into_bytes()))
    }

    pub fn boom(&self, index: u64) -> u8 {
        let items = [1u8, 2, 3];
        items[usize::try_from(index).unwrap()]
    }

    #[receive]
    pub fn receive(&mut self) {
        RECEIVED.set(RECEIVED.get() + eei::call_value());
    }

    #[fallback]
    pub fn fallback(&mut self, data: Vec<u8>) -> Vec<u8> {
        FALLBACK_CALLS.set(FALLBACK_CALLS.get() + 1);
        let mut out = b"fallback:".to_vec();
        out.extend_from_slice(&data);
        out
    }
}

fn kitchen(data: Vec<u8>) -> Outcome {
    testing::call::<Kitchen>(&data)
}

#[test]
fn pure_view_tuples_and_dynamic_returns() {
    testing::reset();
    let out = kitchen(abi::encode_with_selector(
        selector!("add(uint64,uint64)"),
        &(2u64, 3u64),
    ));
    assert_eq!(out.decode::<u64>(), Ok(5));
    let out = kitchen(selector!("pair()").to_vec());
    // Several return values encode as the outputs tuple (not as one tuple parameter).
    assert_eq!(
        out.data(),
        abi::encode(&(U256::from(7), "seven".to_string()))
    );
    assert_eq!(
        out.decode::<(U256, String)>(),
        Ok((U256::from(7), "seven".to_string()))
    );
    assert_eq!(
        kitchen(selector!("nothing()").to_vec()),
        Outcome::Success(Vec::new())
    );
    let args = (
        vec![1u8, 2, 3],
        vec!["a".to_string(), "bc".to_string()],
        (255u8, -9i32),
    );
    let out = kitchen(abi::encode_with_selector(
        selector!("echo(bytes,string[],(uint8,int32))"),
        &args,
    ));
    assert_eq!(out.decode::<(Vec<u8>, Vec<String>, (u8, i32))>(), Ok(args));
    let out = kitchen(abi::encode_with_selector(
        selector!("bytes4Id(bytes4,bytes32)"),
        &([1u8, 2, 3, 4], H256::repeat_byte(1)),
    ));
    assert_eq!(out.decode::<[u8; 4]>(), Ok([1, 2, 3, 4]));
    assert_eq!(
        kitchen(selector!("renamedFunction()").to_vec()).decode::<bool>(),
        Ok(true)
    );
}

#[test]
fn payable_receive_and_fallback() {
    testing::reset();
    testing::set_value(U256::from(5));
    let out = kitchen(selector!("deposit()").to_vec());
    assert_eq!(out.decode::<U256>(), Ok(U256::from(5)));
    // Empty call data with value: receive.
    assert!(kitchen(Vec::new()).is_success());
    assert_eq!(RECEIVED.get(), U256::from(10));
    // A non-payable function still refuses value.
    assert_eq!(
        kitchen(selector!("pair()").to_vec())
            .revert_reason()
            .as_deref(),
        Some("function is not payable")
    );
    // The (non-payable) fallback refuses value too, and its state change is rolled back.
    let out = kitchen(vec![0xde, 0xad, 0xbe, 0xef, 1]);
    assert_eq!(
        out.revert_reason().as_deref(),
        Some("function is not payable")
    );
    testing::set_value(U256::zero());
    // Unknown selector: the fallback gets the whole call data and returns raw bytes.
    let out = kitchen(vec![0xde, 0xad, 0xbe, 0xef, 1]);
    assert_eq!(
        out,
        Outcome::Success(b"fallback:\xde\xad\xbe\xef\x01".to_vec())
    );
    let out = kitchen(vec![7]);
    assert_eq!(out, Outcome::Success(b"fallback:\x07".to_vec()));
    assert_eq!(FALLBACK_CALLS.get(), 2);
}

#[test]
fn errors_panics_and_payable_constructor() {
    testing::reset();
    let out = kitchen(abi::encode_with_selector(
        selector!("fail(string)"),
        &("raw".to_string(),),
    ));
    assert_eq!(out, Outcome::Revert(b"raw".to_vec()));
    // A panic reverts with Error(message) (the wasm32 panic handler does the same).
    let out = kitchen(abi::encode_with_selector(
        selector!("boom(uint64)"),
        &(7u64,),
    ));
    let reason = out.revert_reason().unwrap();
    assert!(reason.contains("index out of bounds"), "{reason}");
    assert_eq!(
        kitchen(abi::encode_with_selector(
            selector!("boom(uint64)"),
            &(1u64,)
        ))
        .decode::<u8>(),
        Ok(2)
    );
    testing::set_value(U256::from(12));
    assert!(testing::deploy::<Kitchen>(&[]).is_success());
    testing::set_value(U256::from(13));
    assert_eq!(
        testing::deploy::<Kitchen>(&[]).revert_reason().as_deref(),
        Some("unlucky")
    );
}

#[test]
fn events_with_dynamic_indexed_fields() {
    testing::reset();
    testing::take_logs();
    let out = kitchen(abi::encode_with_selector(
        selector!("note(string,uint64)"),
        &("memo".to_string(), 42u64),
    ));
    assert!(out.is_success());
    let logs = testing::take_logs();
    assert_eq!(logs.len(), 2);
    assert_eq!(
        logs[0].topics,
        vec![
            keccak!("Note(string,uint64,bytes,uint256[])"),
            keccak!("memo"),
            abi::WordType::to_word(&42u64),
        ]
    );
    assert_eq!(
        logs[0].data,
        abi::encode(&(b"body".to_vec(), vec![U256::one()]))
    );
    assert_eq!(logs[1].topics, vec![keccak!("Ping()")]);
    assert!(logs[1].data.is_empty());
}

#[test]
fn kitchen_abi_json() {
    let abi: Value = serde_json::from_str(Kitchen::abi_json()).unwrap();
    let entries = abi.as_array().unwrap();
    let by_name = |name: &str| {
        entries
            .iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {abi}"))
            .clone()
    };
    assert_eq!(by_name("add")["stateMutability"], "pure");
    assert_eq!(by_name("pair")["stateMutability"], "view");
    assert_eq!(
        by_name("pair")["outputs"],
        json!([{"name": "", "type": "uint256"}, {"name": "", "type": "string"}])
    );
    assert_eq!(by_name("deposit")["stateMutability"], "payable");
    assert_eq!(by_name("nothing")["outputs"], json!([]));
    assert_eq!(by_name("renamedFunction")["outputs"][0]["type"], "bool");
    assert_eq!(by_name("bytes4Id")["inputs"][0]["type"], "bytes4");
    assert_eq!(
        by_name("echo")["inputs"][2],
        json!({"name": "point", "type": "tuple", "components": [
            {"name": "", "type": "uint8"}, {"name": "", "type": "int32"}]})
    );
    assert_eq!(
        by_name("fail")["outputs"],
        json!([{"name": "", "type": "uint8"}])
    );
    assert_eq!(
        by_name("Note")["inputs"][0],
        json!({"name": "tag", "type": "string", "indexed": true})
    );
    assert_eq!(by_name("Ping")["inputs"], json!([]));
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"constructor"));
    assert!(kinds.contains(&"fallback") && kinds.contains(&"receive"));
    let constructor = &entries[0];
    assert_eq!(constructor["stateMutability"], "payable");
    let fallback = entries.iter().find(|e| e["type"] == "fallback").unwrap();
    assert_eq!(
        fallback,
        &json!({"type": "fallback", "stateMutability": "nonpayable"})
    );
    let receive = entries.iter().find(|e| e["type"] == "receive").unwrap();
    assert_eq!(
        receive,
        &json!({"type": "receive", "stateMutability": "payable"})
    );
}

// A contract without a constructor or events still deploys and has an ABI.
#[derive(Debug)]
pub struct Empty;

#[contract]
impl Empty {}

#[test]
fn empty_contract() {
    testing::reset();
    assert_eq!(Empty::abi_json(), "[]");
    assert_eq!(testing::deploy::<Empty>(&[]), Outcome::Success(Vec::new()));
    assert_eq!(
        testing::call::<Empty>(&[]).revert_reason().as_deref(),
        Some("unknown selector")
    );
}
