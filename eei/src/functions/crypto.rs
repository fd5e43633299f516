//! Module `rewasm`: host functions for work the EVM does in one opcode.

use rewasm_primitives::keccak256;

use crate::gas;
use crate::host::{Gas, Host, HostExit, Memory};

use super::{Eei, ptr};

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'_, H, M, G> {
    /// `rewasm.keccak256(i32 dataOffset, i32 dataLength, i32 resultOffset)`: charges 30 + 6 per
    /// 32-byte word of `dataLength` (rounded up, the EVM's `KECCAK256` price) → reads the data
    /// (bounds-checked even when empty) → writes the 32-byte Keccak-256 digest at
    /// `resultOffset`. The charge comes first, so a huge length runs out of gas before anything
    /// is read.
    pub fn keccak256(
        &mut self,
        data_offset: i32,
        data_length: i32,
        result_offset: i32,
    ) -> Result<(), HostExit> {
        self.gas
            .charge(gas::keccak256(u64::from(ptr(data_length))))?;
        let data = self.read_bytes(data_offset, data_length)?;
        let digest = keccak256(&data);
        self.write(result_offset, digest.as_bytes())
    }
}
