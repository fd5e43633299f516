//! Procedural macros of `rewasm-sdk`; use them through `rewasm_sdk` (`rewasm_sdk::contract`, …),
//! whose documentation describes them in full.
//!
//! Everything a contract's ABI needs is computed here, at compile time on the host: function
//! selectors and event topics (keccak256 with the `sha3` crate), Solidity signatures from the
//! Rust argument types, and the ABI JSON text.

use proc_macro::TokenStream;
use quote::quote;
use syn::{ItemImpl, ItemStruct, LitStr, parse_macro_input};

mod contract;
mod event;
mod interface;
mod sol;

/// Turns an `impl` block of a unit struct into a Solidity-ABI contract.
///
/// ```text
/// pub struct Token;                                    // a unit struct
///
/// #[contract(events(Transfer, Approval))]              // events listed join the ABI JSON
/// impl Token {
///     #[constructor] pub fn new(&mut self, supply: U256) { ... }
///     pub fn balance_of(&self, owner: Address) -> U256 { ... }          // balanceOf(address), view
///     pub fn transfer(&mut self, to: Address, v: U256) -> Result<bool, &'static str> { ... }
///     #[payable] pub fn deposit(&mut self) { ... }                       // payable
///     pub fn add(a: u64, b: u64) -> u64 { a + b }                        // no receiver: pure
///     #[name = "symbol"] pub fn token_symbol(&self) -> String { ... }   // explicit ABI name
///     #[receive] pub fn receive(&mut self) { ... }        // empty call data (always payable)
///     #[fallback] pub fn fallback(&mut self, data: Vec<u8>) -> Vec<u8> { ... }
///     fn helper(&self) { ... }                             // not `pub`: not exported
/// }
/// ```
///
/// **Functions.** Every `pub fn` (and every fn with `#[payable]` or `#[name]`) is an ABI
/// function. Its Solidity name is the Rust name in lowerCamelCase (`balance_of` → `balanceOf`,
/// `transfer_from` → `transferFrom`) unless `#[name = "..."]` says otherwise; its selector is
/// the first four bytes of keccak256 of `name(type1,type2,...)`, computed at compile time, with
/// Rust types mapped as in `rewasm_sdk::abi` (`u8`..`u128` → `uint8`..`uint128`, `U256` →
/// `uint256`, `i8`..`i128` → `intN`, `bool`, `Address`/`H160` → `address`, `H256` and `[u8; 32]`
/// → `bytes32`, `[u8; N]` → `bytesN`, `Vec<u8>` → `bytes`, `String` → `string`, `Vec<T>` → `T[]`,
/// tuples → tuples). Arguments must be owned
/// (they are decoded from the call data). Two functions with the same selector are a compile
/// error.
///
/// **State mutability.** No receiver → `pure`; `&self` → `view`; `&mut self` → `nonpayable`;
/// `#[payable]` (with `&mut self`) → `payable`. Like Solidity, every function that is not
/// payable reverts when called with value. (`view` is what the ABI says; it is not enforced.)
///
/// **Return values.** `T` is ABI-encoded as the function's outputs and passed to `finish`; a
/// tuple `(A, B)` is two outputs; `()` returns nothing. `Result<T, E>` returns `T` on `Ok` and
/// reverts on `Err`: `E` is any `rewasm_sdk::RevertReason` (`&str` and `String` revert with
/// `Error(string)`, `RevertData` with raw bytes, e.g. a custom error).
///
/// **Reverts made by the dispatcher** (all `Error(string)`): `"unknown selector"` (no function
/// matches and there is no fallback; also for call data shorter than 4 bytes, and empty call data
/// without `#[receive]`/`#[fallback]`), `"function is not payable"`, and the `abi: ...` reason of
/// arguments that do not decode. Nothing traps on bad call data.
///
/// **Constructor.** At most one `#[constructor]` fn (any name, `&mut self` or no receiver,
/// returning `()` or `Result<(), E>`; `#[payable]` allowed). Its arguments are decoded from the
/// constructor call data (the bytes deploy tools append after the init code).
///
/// **receive / fallback.** `#[receive]`: no arguments, no result, always payable; runs when the
/// call data is empty. `#[fallback]` (optionally `#[payable]`): takes nothing or the whole call
/// data (`Vec<u8>`) and returns nothing or raw output bytes (`Vec<u8>`, not ABI-encoded) — what a
/// proxy needs; runs when no selector matches.
///
/// **What it generates.** The impl block unchanged (minus these attributes); an implementation
/// of `rewasm_sdk::Contract` (`dispatch`, `deploy`, `abi_json`); on wasm32 the exported entry
/// points `main` (dispatch) and `deploy` (constructor: decodes, runs it and returns; `rewasm
/// build` turns it into the init code); and the standard Solidity ABI JSON — constructor,
/// functions, fallback, receive, then the listed events — as the custom section `rewasm.abi`.
///
/// The generated code names the SDK as `::rewasm_sdk`: depend on it under that name.
#[proc_macro_attribute]
pub fn contract(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = parse_macro_input!(item as ItemImpl);
    let result =
        contract::ContractArgs::parse(attr.into()).and_then(|args| contract::expand(args, item));
    match result {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Turns a struct with named fields (or a unit struct) into a Solidity event.
///
/// ```text
/// #[event]
/// pub struct Transfer {
///     #[indexed] pub from: Address,
///     #[indexed] pub to: Address,
///     pub value: U256,
/// }
/// Transfer { from, to, value }.emit();
/// ```
///
/// Implements `rewasm_sdk::Event`: `SIGNATURE` (`"Transfer(address,address,uint256)"`, field
/// types mapped as for `#[contract]`), `TOPIC0` (its keccak256, computed at compile time),
/// `ABI_JSON` (the event's ABI entry; list the event in `#[contract(events(...))]` to include it
/// in the contract's ABI) and `emit`, also available as an inherent `emit(&self)`. The log's
/// topics are `TOPIC0` then the `#[indexed]` fields in order (at most 3; value types as their
/// 32-byte word, `String`/`Vec<u8>` as the keccak256 of their bytes, as Solidity does); its data
/// is the ABI encoding of the other fields. ABI parameter names are the field names in
/// lowerCamelCase.
#[proc_macro_attribute]
pub fn event(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = parse_macro_input!(item as ItemStruct);
    match event::expand(attr.into(), item) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Declares another contract's functions, as a trait, and generates a handle that calls them.
///
/// ```text
/// #[interface]
/// pub trait Erc20 {
///     fn balance_of(&self, owner: Address) -> U256;              // balanceOf(address), static
///     fn transfer(&mut self, to: Address, value: U256) -> bool;  // transfer(...), a call
///     #[name = "symbol"] fn ticker(&self) -> String;             // explicit ABI name
/// }
///
/// let balance = Erc20::at(token).balance_of(owner)?;
/// Erc20::at(token).with_gas(100_000).with_value(v).transfer(to, value)?;
/// ```
///
/// The trait is not emitted: in its place comes a `Copy` struct of the same name with `at`,
/// `address`, `with_gas`, `with_value`, `static_call`, and one method per function returning
/// `Result<T, rewasm_sdk::interface::CallError>`. Names, selectors and types map as for
/// `#[contract]` (`balance_of` → `balanceOf`, selectors computed at compile time). `&self`
/// functions are called with `callStatic`, `&mut self` ones with `call` (and the value).
#[proc_macro_attribute]
pub fn interface(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = parse_macro_input!(item as syn::ItemTrait);
    match interface::expand(attr.into(), item) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// `selector!("transfer(address,uint256)")`: the 4-byte selector as a `[u8; 4]`, computed at
/// compile time.
#[proc_macro]
pub fn selector(input: TokenStream) -> TokenStream {
    let signature = parse_macro_input!(input as LitStr);
    let bytes = sol::selector(&signature.value());
    quote! { [#(#bytes),*] }.into()
}

/// `keccak!("Transfer(address,address,uint256)")`: keccak256 of the string's bytes as a
/// `[u8; 32]`, computed at compile time.
#[proc_macro]
pub fn keccak(input: TokenStream) -> TokenStream {
    let text = parse_macro_input!(input as LitStr);
    let bytes = sol::keccak256(text.value().as_bytes());
    quote! { [#(#bytes),*] }.into()
}
