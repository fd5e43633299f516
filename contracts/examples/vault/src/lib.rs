//! A vault for one ERC-20: a deposit pulls the tokens in with `transferFrom` (the depositor
//! approves the vault first), a withdrawal sends them back with `transfer`. Both call the token
//! through a typed interface (`#[interface]`), and a token's revert — too small an allowance or
//! balance — reaches the caller unchanged, with the token's own reason.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::interface::CallError;
use rewasm_sdk::prelude::*;
use rewasm_sdk::{interface, revert_with};

/// The token functions the vault calls.
#[interface]
pub trait Erc20 {
    fn balance_of(&self, owner: Address) -> U256;
    fn transfer(&mut self, to: Address, value: U256) -> bool;
    fn transfer_from(&mut self, from: Address, to: Address, value: U256) -> bool;
}

const TOKEN: StorageValue<Address> = StorageValue::new(0);
const DEPOSITS: StorageMap<Address, U256> = StorageMap::new(1);

#[derive(Debug)]
pub struct Vault;

#[contract]
impl Vault {
    #[constructor]
    pub fn new(&mut self, token: Address) {
        TOKEN.set(token);
    }

    /// The token it holds.
    pub fn token(&self) -> Address {
        TOKEN.get()
    }

    /// What `owner` has deposited and not withdrawn.
    pub fn deposited(&self, owner: Address) -> U256 {
        DEPOSITS.get(&owner)
    }

    /// The vault's balance, as the token reports it.
    pub fn holdings(&self) -> Result<U256, CallError> {
        Erc20::at(TOKEN.get()).balance_of(eei::address())
    }

    /// Pulls `amount` from the caller (who approved the vault for it).
    pub fn deposit(&mut self, amount: U256) -> Result<(), CallError> {
        let from = eei::caller();
        if !Erc20::at(TOKEN.get()).transfer_from(from, eei::address(), amount)? {
            revert_with("vault: the token refused the transfer");
        }
        DEPOSITS.set(&from, DEPOSITS.get(&from) + amount);
        Ok(())
    }

    /// Sends `amount` of the caller's deposit back.
    pub fn withdraw(&mut self, amount: U256) -> Result<(), CallError> {
        let to = eei::caller();
        let held = DEPOSITS.get(&to);
        if held < amount {
            revert_with("vault: withdrawal exceeds the deposit");
        }
        DEPOSITS.set(&to, held - amount);
        if !Erc20::at(TOKEN.get()).transfer(to, amount)? {
            revert_with("vault: the token refused the transfer");
        }
        Ok(())
    }
}
