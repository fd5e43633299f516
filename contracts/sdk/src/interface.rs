//! Calling other contracts through a typed interface: [`macro@crate::interface`].
//!
//! ```text
//! #[interface]
//! pub trait Erc20 {
//!     fn balance_of(&self, owner: Address) -> U256;              // a static call
//!     fn transfer(&mut self, to: Address, value: U256) -> bool;  // a call
//! }
//!
//! let balance = Erc20::at(token).balance_of(owner)?;
//! Erc20::at(token).with_gas(100_000).transfer(to, value)?;
//! ```
//!
//! Each method ABI-encodes its arguments behind the function's selector (computed at compile
//! time, as `#[contract]` computes a function's), makes the call, and decodes the callee's
//! output as the declared return type. A callee that reverts, fails or answers something that
//! does not decode gives a [`CallError`]; a contract function returning `Result<T, CallError>`
//! passes a callee's revert data on unchanged with `?`, so a client sees the innermost reason.

use alloc::string::String;
use alloc::vec::Vec;

use crate::abi::{self, Decode, DecodeError};
use crate::eei::{self, CallResult, CallStatus};
use crate::{Address, RevertData, RevertReason, U256};

/// Why a call through an interface did not give its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// The callee reverted, with this revert data (`Error(string)`, a custom error, or none).
    Reverted(RevertData),
    /// The callee failed: it trapped, ran out of gas, or could not be called.
    Failed,
    /// The callee's output does not decode as the declared return type.
    Decode(DecodeError),
    /// The address has no code: the call "succeeded" with nothing (Solidity checks this too).
    NoCode,
}

impl CallError {
    /// The callee's revert data (empty unless it reverted).
    pub fn data(&self) -> &[u8] {
        match self {
            Self::Reverted(RevertData(data)) => data,
            _ => &[],
        }
    }

    /// The callee's `Error(string)` reason, if it reverted with one.
    pub fn reason(&self) -> Option<String> {
        let data = self.data();
        if data.get(..4) != Some(&crate::ERROR_SELECTOR[..]) {
            return None;
        }
        abi::decode::<String>(data.get(4..)?).ok()
    }
}

/// Reverting with a `CallError` passes a revert on unchanged (the innermost reason reaches the
/// client), and reverts with `Error("call failed")` or the decoding error otherwise.
impl RevertReason for CallError {
    fn revert(self) -> ! {
        match self {
            Self::Reverted(data) => data.revert(),
            Self::Failed => crate::revert_with("call failed"),
            Self::Decode(error) => error.revert(),
            Self::NoCode => crate::revert_with("call to an account without code"),
        }
    }
}

/// Where and how an interface calls: the address, the gas it forwards and the value it sends.
/// The handles [`macro@crate::interface`] generates wrap one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Callee {
    /// The contract called.
    pub address: Address,
    /// Gas forwarded (all that may be, by default: [`eei::ALL_GAS`]).
    pub gas: u64,
    /// Value sent with calls that are not static.
    pub value: U256,
    /// Calls every method statically (`callStatic`), also those taking `&mut self`.
    pub force_static: bool,
}

impl Callee {
    /// Calls to `address` with all the gas and no value.
    pub const fn at(address: Address) -> Self {
        Self {
            address,
            gas: eei::ALL_GAS,
            value: U256::zero(),
            force_static: false,
        }
    }

    /// Calls with `data`: statically when `read_only` (or forced), else with the value; the
    /// output decoded as `T`.
    pub fn call<T: Decode>(&self, data: &[u8], read_only: bool) -> Result<T, CallError> {
        let result = if read_only || self.force_static {
            eei::call_static(self.gas, &self.address, data)
        } else {
            eei::call(self.gas, &self.address, self.value, data)
        };
        let output = outcome(result)?;
        // Only an empty answer needs the check: code that answered something exists.
        if output.is_empty() && eei::external_code_size(&self.address) == 0 {
            return Err(CallError::NoCode);
        }
        abi::decode::<T>(&output).map_err(CallError::Decode)
    }
}

fn outcome(result: CallResult) -> Result<Vec<u8>, CallError> {
    match result.status {
        CallStatus::Success => Ok(result.return_data),
        CallStatus::Revert => Err(CallError::Reverted(RevertData(result.return_data))),
        CallStatus::Failure => Err(CallError::Failed),
    }
}
