//! The four copies: `callDataCopy`, `codeCopy`, `externalCodeCopy`, `returnDataCopy`.
//!
//! Each charges its whole cost (3 or 700, plus W(length) = 3 × ceil(length / 32)) before anything
//! else, then copies `length` bytes from `source[offset..offset + length]` to memory. A source
//! range that overflows `u32` or runs past the end of the source traps: there is no zero padding
//! (EIP-211's rule for return data, which Hera applies to all four). As in Hera that includes a
//! zero-length copy whose offset lies beyond the end of the source, with one exception Hera has
//! too: `externalCodeCopy` of zero bytes never traps on the source side (Hera checks the number of
//! bytes the host copied, and zero bytes are always copied).

use crate::gas;
use crate::host::{Gas, Host, HostExit, Memory};

use super::{Eei, charge_copy, ptr, usize_from};

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'_, H, M, G> {
    /// `callDataCopy(i32 resultOffset, i32 dataOffset, i32 length)`: 3 + W(length).
    pub fn call_data_copy(
        &mut self,
        result_offset: i32,
        data_offset: i32,
        length: i32,
    ) -> Result<(), HostExit> {
        charge_copy(self.gas, gas::COPY, ptr(length))?;
        let input = self.host.frame().input.clone();
        copy_into(
            self.memory,
            "callDataCopy",
            &input,
            ptr(data_offset),
            ptr(result_offset),
            ptr(length),
        )
    }

    /// `codeCopy(i32 resultOffset, i32 codeOffset, i32 length)`: 3 + W(length), from the running
    /// code as stored in state.
    pub fn code_copy(
        &mut self,
        result_offset: i32,
        code_offset: i32,
        length: i32,
    ) -> Result<(), HostExit> {
        charge_copy(self.gas, gas::COPY, ptr(length))?;
        let code = self.host.frame().code.clone();
        copy_into(
            self.memory,
            "codeCopy",
            &code,
            ptr(code_offset),
            ptr(result_offset),
            ptr(length),
        )
    }

    /// `externalCodeCopy(i32 addressOffset, i32 resultOffset, i32 codeOffset, i32 length)`:
    /// 700 + W(length), charged before the address is read (under [`gas::StateAccess`]: the
    /// account's warm or cold price + W(length), charged after).
    pub fn external_code_copy(
        &mut self,
        address_offset: i32,
        result_offset: i32,
        code_offset: i32,
        length: i32,
    ) -> Result<(), HostExit> {
        let words = gas::copy_words(u64::from(ptr(length)));
        let address = self.charge_account(gas::EXT_CODE, words, address_offset)?;
        let code = self.host.code(&address);
        // Hera: zero bytes copied always equals the zero bytes asked for, whatever the offset.
        let code_offset = if length == 0 { 0 } else { ptr(code_offset) };
        copy_into(
            self.memory,
            "externalCodeCopy",
            &code,
            code_offset,
            ptr(result_offset),
            ptr(length),
        )
    }

    /// `returnDataCopy(i32 resultOffset, i32 dataOffset, i32 length)`: 3 + W(length), from the
    /// return-data buffer.
    pub fn return_data_copy(
        &mut self,
        result_offset: i32,
        data_offset: i32,
        length: i32,
    ) -> Result<(), HostExit> {
        charge_copy(self.gas, gas::COPY, ptr(length))?;
        copy_into(
            self.memory,
            "returnDataCopy",
            self.return_data,
            ptr(data_offset),
            ptr(result_offset),
            ptr(length),
        )
    }
}

/// Copies `source[source_offset..source_offset + length]` to memory at `result_offset`; a range
/// that overflows or runs past the end of `source` traps.
fn copy_into<M: Memory + ?Sized>(
    memory: &mut M,
    function: &'static str,
    source: &[u8],
    source_offset: u32,
    result_offset: u32,
    length: u32,
) -> Result<(), HostExit> {
    let past_the_end = || HostExit::InvalidArgument {
        function,
        reason: "source range runs past the end of the source",
    };
    let end = source_offset.checked_add(length).ok_or_else(past_the_end)?;
    let bytes = source
        .get(usize_from(source_offset)..usize_from(end))
        .ok_or_else(past_the_end)?;
    memory.write(result_offset, bytes)
}
