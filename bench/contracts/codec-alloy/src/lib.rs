//! `codec-sdk`'s dispatcher with alloy-sol-types as the ABI codec (`SolValue`): the same four
//! functions, the same storage, only the decoding and encoding differ
//! (`scripts/abi-codec-size.sh` compares the two sizes).
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolValue;
use rewasm_sdk::eei;

const TRANSFER: u32 = 0xa905_9cbb; // transfer(address,uint256)
const BALANCE_OF: u32 = 0x70a0_8231; // balanceOf(address)
const NAME: u32 = 0x06fd_de03; // name()
const TOTAL_LENGTH: u32 = 0xad70_be72; // totalLength(string[])

fn slot(owner: &Address) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[12..].copy_from_slice(owner.as_slice());
    key
}

fn bad_arguments() -> ! {
    rewasm_sdk::revert_with("abi: bad arguments")
}

/// Dispatches on the selector.
pub fn dispatch() {
    let calldata = eei::calldata();
    let (selector, args) = match calldata.split_first_chunk::<4>() {
        Some((selector, args)) => (u32::from_be_bytes(*selector), args),
        None => eei::revert(&[]),
    };
    match selector {
        TRANSFER => {
            let (to, amount) =
                <(Address, U256)>::abi_decode_params(args).unwrap_or_else(|_| bad_arguments());
            eei::storage_store(&slot(&to), &amount.to_be_bytes::<32>());
            eei::finish(&(true,).abi_encode_params())
        }
        BALANCE_OF => {
            let (owner,) =
                <(Address,)>::abi_decode_params(args).unwrap_or_else(|_| bad_arguments());
            let balance = U256::from_be_bytes(eei::storage_load(&slot(&owner)));
            eei::finish(&(balance,).abi_encode_params())
        }
        NAME => eei::finish(&(String::from("rewasm token"),).abi_encode_params()),
        TOTAL_LENGTH => {
            let (names,) =
                <(Vec<String>,)>::abi_decode_params(args).unwrap_or_else(|_| bad_arguments());
            let total: usize = names.iter().map(String::len).sum();
            eei::finish(&(U256::from(total),).abi_encode_params())
        }
        _ => eei::revert(&[]),
    }
}

/// The entry point.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn main() {
    dispatch()
}
