//! Module `debug`: printing from a contract, as the eWASM reference VM's debug namespace did,
//! on dev chains only ([`crate::HostModules::debug`]; every other chain's validator rejects the
//! imports).
//!
//! The text is not part of the chain: it goes to [`Host::debug_print`], which the executor
//! keeps beside the transaction for the node's log, `rewasm run` and traces. The gas is, as for
//! every host function, charged before anything is read, so a dev chain's blocks replay with
//! the same gas; the prices are those of the EEI functions doing the same reads (`BASE` plus
//! `W(length)` for memory, `storageLoad`'s for a slot).

use crate::gas;
use crate::host::{Gas, Host, HostExit, Memory};

use super::{Eei, charge_copy, ptr};

/// The most bytes of one print that are formatted: the executor keeps 64 KiB of text per
/// transaction, so formatting more would be work for nothing.
const MAX_PRINTED_BYTES: usize = 64 * 1024;

/// The part of `bytes` that is formatted.
fn shown(bytes: &[u8]) -> &[u8] {
    bytes.get(..MAX_PRINTED_BYTES).unwrap_or(bytes)
}

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'_, H, M, G> {
    /// `debug.print32(i32 value)`: 2; prints the value as unsigned decimal and hex.
    pub fn print32(&mut self, value: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let bits = ptr(value);
        self.host.debug_print(format!("{bits} (0x{bits:08x})"));
        Ok(())
    }

    /// `debug.print64(i64 value)`: 2; prints the value as unsigned decimal and hex.
    pub fn print64(&mut self, value: i64) -> Result<(), HostExit> {
        self.gas.charge(gas::BASE)?;
        let bits = u64::from_ne_bytes(value.to_ne_bytes());
        self.host.debug_print(format!("{bits} (0x{bits:016x})"));
        Ok(())
    }

    /// `debug.printMem(i32 offset, i32 length)`: 2 + W(length); prints the bytes as UTF-8 text
    /// (what `rewasm_sdk::debug!` formats), invalid sequences replaced.
    pub fn print_mem(&mut self, offset: i32, length: i32) -> Result<(), HostExit> {
        charge_copy(self.gas, gas::BASE, ptr(length))?;
        let bytes = self.read_bytes(offset, length)?;
        self.host
            .debug_print(String::from_utf8_lossy(shown(&bytes)).into_owned());
        Ok(())
    }

    /// `debug.printMemHex(i32 offset, i32 length)`: 2 + W(length); prints the bytes as `0x` hex.
    pub fn print_mem_hex(&mut self, offset: i32, length: i32) -> Result<(), HostExit> {
        charge_copy(self.gas, gas::BASE, ptr(length))?;
        let bytes = self.read_bytes(offset, length)?;
        self.host
            .debug_print(format!("0x{}", hex::encode(shown(&bytes))));
        Ok(())
    }

    /// `debug.printStorage(i32 pathOffset)`: as `storageLoad`; prints the frame's slot as text.
    pub fn print_storage(&mut self, path_offset: i32) -> Result<(), HostExit> {
        let value = self.load_slot(path_offset)?;
        let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
        self.host.debug_print(text);
        Ok(())
    }

    /// `debug.printStorageHex(i32 pathOffset)`: as `storageLoad`; prints the slot as `0x` hex.
    pub fn print_storage_hex(&mut self, path_offset: i32) -> Result<(), HostExit> {
        let value = self.load_slot(path_offset)?;
        self.host.debug_print(format!("{value:?}"));
        Ok(())
    }
}
