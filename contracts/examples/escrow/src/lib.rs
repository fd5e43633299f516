//! An escrow: the deployer deposits value for a beneficiary; an arbiter either releases it to
//! the beneficiary or refunds the depositor.
#![cfg_attr(target_arch = "wasm32", no_std)]

use rewasm_sdk::prelude::*;

const DEPOSITOR: StorageValue<Address> = StorageValue::new(0);
const BENEFICIARY: StorageValue<Address> = StorageValue::new(1);
const ARBITER: StorageValue<Address> = StorageValue::new(2);
/// 0 open, 1 released, 2 refunded.
const STATE: StorageValue<u8> = StorageValue::new(3);

#[event]
#[derive(Debug)]
pub struct Settled {
    #[indexed]
    pub to: Address,
    pub amount: U256,
}

#[derive(Debug)]
pub struct Escrow;

impl Escrow {
    fn settle(to: Address, state: u8) -> Result<(), &'static str> {
        if eei::caller() != ARBITER.get() {
            return Err("escrow: only the arbiter");
        }
        if STATE.get() != 0 {
            return Err("escrow: already settled");
        }
        STATE.set(state);
        let amount = eei::balance(&eei::address());
        if !eei::call(eei::ALL_GAS, &to, amount, &[]).is_success() {
            return Err("escrow: payment failed");
        }
        Settled { to, amount }.emit();
        Ok(())
    }
}

#[contract(events(Settled))]
impl Escrow {
    #[constructor]
    #[payable]
    pub fn new(&mut self, beneficiary: Address, arbiter: Address) {
        DEPOSITOR.set(eei::caller());
        BENEFICIARY.set(beneficiary);
        ARBITER.set(arbiter);
    }

    /// The value held.
    pub fn amount(&self) -> U256 {
        eei::balance(&eei::address())
    }

    /// 0 open, 1 released, 2 refunded.
    pub fn state(&self) -> u8 {
        STATE.get()
    }

    /// Pays the beneficiary (arbiter only).
    pub fn release(&mut self) -> Result<(), &'static str> {
        Self::settle(BENEFICIARY.get(), 1)
    }

    /// Pays the depositor back (arbiter only).
    pub fn refund(&mut self) -> Result<(), &'static str> {
        Self::settle(DEPOSITOR.get(), 2)
    }
}
