//! A full ERC-20 token with Solidity's storage layout, so block explorers and
//! `eth_getStorageAt` see what they would see for an OpenZeppelin token:
//! slot 0 `mapping(address => uint256) balances`, slot 1 `mapping(address => mapping(address =>
//! uint256)) allowances`, slot 2 `totalSupply`, slot 3 `name`, slot 4 `symbol`.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

const BALANCES: StorageMap<Address, U256> = StorageMap::new(0);
const ALLOWANCES: StorageMap<Address, StorageMap<Address, U256>> = StorageMap::new(1);
const TOTAL_SUPPLY: StorageValue<U256> = StorageValue::new(2);
const NAME: StorageString = StorageString::new(3);
const SYMBOL: StorageString = StorageString::new(4);

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
        if to == Address::zero() {
            return Err("ERC20: transfer to the zero address");
        }
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

    fn set_allowance(owner: Address, spender: Address, value: U256) {
        ALLOWANCES.at(&owner).set(&spender, value);
        Approval { owner, spender, value }.emit();
    }
}

#[contract(events(Transfer, Approval))]
impl Token {
    /// Mints `supply` to the deployer.
    #[constructor]
    pub fn new(&mut self, name: String, symbol: String, supply: U256) {
        NAME.set(&name);
        SYMBOL.set(&symbol);
        TOTAL_SUPPLY.set(supply);
        let owner = eei::caller();
        BALANCES.set(&owner, supply);
        Transfer { from: Address::zero(), to: owner, value: supply }.emit();
    }

    pub fn name(&self) -> String {
        NAME.get()
    }

    pub fn symbol(&self) -> String {
        SYMBOL.get()
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
        Self::set_allowance(eei::caller(), spender, value);
        true
    }

    pub fn transfer_from(&mut self, from: Address, to: Address, value: U256) -> Result<bool, &'static str> {
        let spender = eei::caller();
        let allowed = ALLOWANCES.at(&from).get(&spender);
        if allowed < value {
            return Err("ERC20: insufficient allowance");
        }
        if allowed != U256::MAX {
            Self::set_allowance(from, spender, allowed - value);
        }
        Self::move_tokens(from, to, value)?;
        Ok(true)
    }
}
