//! Gas, the frame, the transaction, the block and other accounts: the read-only functions.
//!
//! Each charges its fixed gas first and then reads its memory arguments and writes its result, as
//! Hera does. (Only the order of the charge relative to a *result* matters; a charge and a bad
//! pointer both trap.)

use crate::gas;
use crate::host::{Gas, Host, HostExit, Memory};

use super::{Eei, i32_result, i64_result};

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'_, H, M, G> {
    /// `useGas(i64 amount)`: charges `amount`; a negative amount traps.
    pub fn use_gas(&mut self, amount: i64) -> Result<(), HostExit> {
        let amount = u64::try_from(amount).map_err(|_| HostExit::InvalidArgument {
            function: "useGas",
            reason: "negative gas",
        })?;
        self.gas.charge(amount)
    }

    /// `getGasLeft() → i64`: charges 2, then returns what is left after that charge.
    pub fn get_gas_left(&mut self) -> Result<i64, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i64::try_from(self.gas.left()).unwrap_or(i64::MAX))
    }

    /// `getAddress(i32 resultOffset)`: the frame's account (20 bytes).
    pub fn get_address(&mut self, result_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let address = self.host.frame().address;
        self.write(result_offset, address.as_bytes())
    }

    /// `getExternalBalance(i32 addressOffset, i32 resultOffset)`: charges 400, reads the
    /// address (under [`gas::StateAccess`]: reads it, then charges its warm or cold price),
    /// writes its balance as u128 LE; a balance of 2^128 or more traps.
    pub fn get_external_balance(
        &mut self,
        address_offset: i32,
        result_offset: i32,
    ) -> Result<(), HostExit> {
        let address = self.charge_account(gas::BALANCE, 0, address_offset)?;
        let balance = self.host.balance(&address);
        self.write_u128("getExternalBalance", balance, result_offset)
    }

    /// `getBlockHash(i64 number, i32 resultOffset) → i32`: charges 800; returns 0 and writes the
    /// 32-byte hash, or returns 1 and leaves memory untouched when the block is not one of the
    /// 256 most recent. `number` is passed to the host as its bits (a negative number is a huge
    /// one, never available). A zero hash counts as unavailable, as in Hera.
    pub fn get_block_hash(&mut self, number: i64, result_offset: i32) -> Result<i32, HostExit> {
        self.gas.charge(gas::BLOCK_HASH)?;
        #[allow(clippy::cast_sign_loss)]
        let number = number as u64;
        match self.host.block_hash(number) {
            Some(hash) if !hash.is_zero() => {
                self.write(result_offset, hash.as_bytes())?;
                Ok(0)
            }
            _ => Ok(1),
        }
    }

    /// `getCallDataSize() → i32`.
    pub fn get_call_data_size(&mut self) -> Result<i32, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i32_result(self.host.frame().input.len()))
    }

    /// `getCaller(i32 resultOffset)`: 20 bytes.
    pub fn get_caller(&mut self, result_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let caller = self.host.frame().caller;
        self.write(result_offset, caller.as_bytes())
    }

    /// `getCallValue(i32 resultOffset)`: u128 LE; a value of 2^128 or more traps.
    pub fn get_call_value(&mut self, result_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let value = self.host.frame().value;
        self.write_u128("getCallValue", value, result_offset)
    }

    /// `getCodeSize() → i32`: the size of the running code as stored in state.
    pub fn get_code_size(&mut self) -> Result<i32, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i32_result(self.host.frame().code.len()))
    }

    /// `getBlockCoinbase(i32 resultOffset)`: 20 bytes.
    pub fn get_block_coinbase(&mut self, result_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let coinbase = self.host.block().coinbase;
        self.write(result_offset, coinbase.as_bytes())
    }

    /// `getBlockDifficulty(i32 resultOffset)`: u256 LE (32 bytes).
    pub fn get_block_difficulty(&mut self, result_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let difficulty = self.host.block().difficulty.to_little_endian();
        self.write(result_offset, &difficulty)
    }

    /// `getExternalCodeSize(i32 addressOffset) → i32`: charges 700, then reads the address
    /// (under [`gas::StateAccess`]: reads it, then charges its warm or cold price).
    pub fn get_external_code_size(&mut self, address_offset: i32) -> Result<i32, HostExit> {
        let address = self.charge_account(gas::EXT_CODE, 0, address_offset)?;
        Ok(i32_result(self.host.code(&address).len()))
    }

    /// `getBlockGasLimit() → i64`.
    pub fn get_block_gas_limit(&mut self) -> Result<i64, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i64_result(self.host.block().gas_limit))
    }

    /// `getTxGasPrice(i32 valueOffset)`: u128 LE; a price of 2^128 or more traps.
    pub fn get_tx_gas_price(&mut self, value_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let price = self.host.tx().gas_price;
        self.write_u128("getTxGasPrice", price, value_offset)
    }

    /// `getBlockNumber() → i64`.
    pub fn get_block_number(&mut self) -> Result<i64, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i64_result(self.host.block().number))
    }

    /// `getTxOrigin(i32 resultOffset)`: 20 bytes.
    pub fn get_tx_origin(&mut self, result_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let origin = self.host.tx().origin;
        self.write(result_offset, origin.as_bytes())
    }

    /// `getReturnDataSize() → i32`: the size of the return-data buffer.
    pub fn get_return_data_size(&mut self) -> Result<i32, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i32_result(self.return_data.len()))
    }

    /// `getBlockTimestamp() → i64`.
    pub fn get_block_timestamp(&mut self) -> Result<i64, HostExit> {
        self.gas.charge(gas::BASE)?;
        Ok(i64_result(self.host.block().timestamp))
    }
}
