//! Host-function gas, Byzantium schedule as Hera (the eWASM reference VM) charges it.
//!
//! These are consensus constants: the eWASM state tests were filled with exactly these numbers, so
//! changing one changes results. Each [`crate::HostFunction::base_gas`] is one of them; the
//! variable parts are charged by the host function itself, from the constants below.

use primitive_types::H256;

/// Simple getters (`getAddress`, `getCaller`, `getBlockNumber`, ...).
pub const BASE: u64 = 2;
/// Fixed part of the memory copies (`callDataCopy`, `codeCopy`, `returnDataCopy`).
pub const COPY: u64 = 3;
/// Per 32-byte word copied, charged on top of the fixed part (rounded up).
pub const COPY_PER_WORD: u64 = 3;
/// `getExternalBalance`.
pub const BALANCE: u64 = 400;
/// `getBlockHash`.
pub const BLOCK_HASH: u64 = 800;
/// `getExternalCodeSize` and the fixed part of `externalCodeCopy`.
pub const EXT_CODE: u64 = 700;
/// Fixed part of `call`, `callCode`, `callDelegate`, `callStatic`.
pub const CALL: u64 = 700;
/// Added to a call that transfers a non-zero value.
pub const CALL_VALUE: u64 = 9_000;
/// Added to a value-carrying `call` whose target account does not exist.
pub const CALL_NEW_ACCOUNT: u64 = 25_000;
/// Gas the callee receives for free when a call carries value.
pub const CALL_STIPEND: u64 = 2_300;
/// `storageLoad`.
pub const STORAGE_LOAD: u64 = 200;
/// `storageStore` over a non-zero slot, or of a zero value.
pub const STORAGE_STORE_RESET: u64 = 5_000;
/// `storageStore` of a non-zero value into a zero slot.
pub const STORAGE_STORE_SET: u64 = 20_000;
/// Refund for clearing a storage slot (applied by the transaction, capped at half the gas used).
pub const STORAGE_CLEAR_REFUND: u64 = 15_000;
/// Fixed part of `create`.
pub const CREATE: u64 = 32_000;
/// Fixed part of `log`.
pub const LOG: u64 = 375;
/// Per topic of `log`.
pub const LOG_TOPIC: u64 = 375;
/// Per data byte of `log`.
pub const LOG_DATA_BYTE: u64 = 8;
/// Fixed part of `selfDestruct`.
pub const SELF_DESTRUCT: u64 = 5_000;
/// Added to `selfDestruct` when the beneficiary does not exist.
pub const SELF_DESTRUCT_NEW_ACCOUNT: u64 = 25_000;
/// Refund for a self-destruct (applied by the transaction, capped at half the gas used).
pub const SELF_DESTRUCT_REFUND: u64 = 24_000;
/// `finish`, `revert`, and `useGas` before its argument.
pub const ZERO: u64 = 0;
/// Fixed part of `rewasm.keccak256`: the EVM's `KECCAK256` (30).
pub const KECCAK256: u64 = 30;
/// Per 32-byte word hashed by `rewasm.keccak256` (rounded up): the EVM's 6.
pub const KECCAK256_PER_WORD: u64 = 6;

/// Prices of bulk work the host does for a contract that Hera's schedule left free: copying a
/// nested call's input or a create's init code out of memory, copying a frame's output, and
/// validating and compiling new code. Without them a contract makes the host copy up to all of
/// its memory, or validate and compile half a megabyte of init code, for a flat 700 or 32 000.
/// The eWASM state tests were filled without these charges, so their schedule uses
/// [`HostPrices::REFERENCE`]; a chain's schedule sets them (consensus: they are part of the
/// gas schedule and its hash).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HostPrices {
    /// Per 32-byte word (rounded up) of call input (`call*`) and init code (`create`) read from
    /// memory, charged before the copy.
    pub input_per_word: u64,
    /// Per 32-byte word (rounded up) of output read by `finish` and `revert`, charged before the
    /// copy.
    pub output_per_word: u64,
    /// Per byte of the code section (the function bodies) of init code a create (a
    /// transaction's or `create`'s) validates and compiles, charged from the create's gas before
    /// the code is compiled.
    pub code_per_byte: u64,
    /// Per byte of the rest of the init code (data segments, custom sections, the other
    /// sections), which is parsed and validated but not compiled.
    pub init_byte: u64,
    /// Added to the fixed part of `call`, `callCode`, `callDelegate`, `callStatic` and `create`:
    /// what starting a frame costs the host beyond the EVM's work (taking or making an
    /// instance of the callee's module, and giving it back).
    pub frame_start: u64,
    /// What a call pays the first time a transaction runs a contract's code, and how many
    /// contracts' code one transaction may run; `None` in Hera's schedule and the first one.
    pub code_loads: Option<CodeLoads>,
    /// Warm and cold state access (EIP-2929) and storage writes priced against the value at the
    /// transaction's start (EIP-2200, with EIP-3529's refunds); `None` in Hera's schedule and
    /// the first one, which keep Byzantium's flat prices.
    pub state_access: Option<StateAccess>,
}

/// State access priced as the EVM has since Berlin and London.
///
/// A read of state the transaction has not touched yet may miss every cache and go to the
/// store's disk; Byzantium's flat 200 for `storageLoad` (or 400 for a balance) buys about
/// 2.6 µs at the time one gas buys elsewhere, well below such a read. The first access to an
/// account or a slot in a transaction pays the cold price, later ones the warm price
/// (EIP-2929); which ones are warm is undone with the frame that touched them. A storage write
/// is priced by the slot's value at the transaction's start and its current one (EIP-2200's
/// net metering), and clearing a slot refunds [`StateAccess::clear_refund`]; refunds are
/// capped at a fifth of the gas used, and a self-destruct refunds nothing (EIP-3529).
///
/// Which accounts start warm (EIP-2929, EIP-2930, EIP-3651): the sender, the target (or the
/// created account), the precompiles, the block's coinbase and the transaction's access list
/// with its slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StateAccess {
    /// The first access to an account: a balance, a code size or copy, a call's target, a
    /// self-destruct's beneficiary (EIP-2929's 2 600).
    pub cold_account: u64,
    /// The first access to a storage slot (2 100).
    pub cold_slot: u64,
    /// Any later access (100), and a storage write that changes nothing or a slot already
    /// changed in this transaction.
    pub warm: u64,
    /// A write of a non-zero value to a slot that was zero at the start of the transaction and
    /// still is (20 000).
    pub store_set: u64,
    /// A write to a slot that was non-zero at the start and is unchanged so far (2 900: 5 000
    /// less the cold read).
    pub store_reset: u64,
    /// Refunded for clearing a slot that was non-zero at the start (4 800, EIP-3529).
    pub clear_refund: u64,
    /// Refunds are capped at the gas used divided by this (5, EIP-3529).
    pub max_refund_quotient: u64,
}

impl StateAccess {
    /// Berlin's access prices with London's refunds.
    pub const LONDON: Self = Self {
        cold_account: 2_600,
        cold_slot: 2_100,
        warm: 100,
        store_set: 20_000,
        store_reset: 2_900,
        clear_refund: 4_800,
        max_refund_quotient: 5,
    };

    /// An account access: [`Self::warm`] or [`Self::cold_account`].
    pub const fn account(&self, access: Access) -> u64 {
        match access {
            Access::Warm => self.warm,
            Access::Cold => self.cold_account,
        }
    }

    /// A storage read: [`Self::warm`] or [`Self::cold_slot`].
    pub const fn slot(&self, access: Access) -> u64 {
        match access {
            Access::Warm => self.warm,
            Access::Cold => self.cold_slot,
        }
    }

    /// The gas of a storage write of `new` into a slot holding `current` that held `original`
    /// when the transaction started, without the cold surcharge, and the change to the refund
    /// counter (EIP-2200 with EIP-3529's prices).
    pub fn store(&self, original: &H256, current: &H256, new: &H256) -> (u64, RefundChange) {
        if current == new {
            return (self.warm, RefundChange::default());
        }
        if original == current {
            if original.is_zero() {
                return (self.store_set, RefundChange::default());
            }
            let refund = if new.is_zero() { self.clear_refund } else { 0 };
            return (
                self.store_reset,
                RefundChange {
                    add: refund,
                    sub: 0,
                },
            );
        }
        let mut change = RefundChange::default();
        if !original.is_zero() {
            if current.is_zero() {
                change.sub = self.clear_refund;
            } else if new.is_zero() {
                change.add = self.clear_refund;
            }
        }
        if original == new {
            let restored = if original.is_zero() {
                self.store_set
            } else {
                self.store_reset
            };
            change.add = change
                .add
                .saturating_add(restored.saturating_sub(self.warm));
        }
        (self.warm, change)
    }
}

/// Whether an account or a slot had been accessed by the transaction before (EIP-2929).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Warm,
    Cold,
}

/// What a storage write adds to and takes from the transaction's refund counter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RefundChange {
    pub add: u64,
    pub sub: u64,
}

/// Loading a contract's module for a transaction (`call`, `callCode`, `callDelegate` and
/// `callStatic` into code the transaction has not run yet; the code, not the address, counts,
/// and the transaction's own target is loaded before it starts).
///
/// A node keeps the modules of recently called code in memory, but which ones is its own
/// business, not the chain's; a call into code it must read from its artifact store takes
/// up to 100× the time of one into a module it holds, in proportion to the module's size
/// (`host-call-uncached` in `docs/GAS.md`). The first call into each code pays
/// [`CodeLoads::price`], and the executor holds every module a transaction loaded until it
/// ends, so later calls into the same code are warm in fact and not only in price.
/// [`CodeLoads::max_per_transaction`] bounds what it holds: a call into one more code fails, as
/// a call beyond the depth limit does. The transaction's own target pays
/// [`CodeLoads::target_price`] before it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodeLoads {
    /// Gas for the first call into a code in a transaction, on top of the call's own price.
    pub cold: u64,
    /// And per byte of that code.
    pub cold_per_byte: u64,
    /// What of its target's load a transaction's base gas (21 000) already pays for.
    pub target_allowance: u64,
    /// How many codes one transaction may run, its own target included.
    pub max_per_transaction: u32,
}

impl HostPrices {
    /// Hera's schedule: none of these charges.
    pub const REFERENCE: Self = Self {
        input_per_word: 0,
        output_per_word: 0,
        code_per_byte: 0,
        init_byte: 0,
        frame_start: 0,
        code_loads: None,
        state_access: None,
    };

    /// `per_word` × ceil(`len` / 32), saturating.
    pub const fn words(per_word: u64, len: u64) -> u64 {
        len.div_ceil(32).saturating_mul(per_word)
    }
}

impl CodeLoads {
    /// The first call into `len` bytes of code in a transaction: `cold` + `cold_per_byte` ×
    /// `len`, saturating.
    pub const fn price(&self, len: u64) -> u64 {
        self.cold
            .saturating_add(self.cold_per_byte.saturating_mul(len))
    }

    /// Loading the transaction's own target, `len` bytes of code: [`Self::price`] less
    /// [`Self::target_allowance`].
    pub const fn target_price(&self, len: u64) -> u64 {
        self.price(len).saturating_sub(self.target_allowance)
    }
}

/// The gas of `rewasm.keccak256` over `len` bytes: 30 + 6 per word (rounded up), saturating.
pub const fn keccak256(len: u64) -> u64 {
    KECCAK256.saturating_add(len.div_ceil(32).saturating_mul(KECCAK256_PER_WORD))
}

/// `W(len)` of the EEI: [`COPY_PER_WORD`] × ceil(len / 32). Cannot overflow for any `u64` length
/// (ceil(len / 32) < 2^59); the multiplication saturates anyway so a future constant cannot wrap.
pub const fn copy_words(len: u64) -> u64 {
    len.div_ceil(32).saturating_mul(COPY_PER_WORD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_words_rounds_up() {
        assert_eq!(copy_words(0), 0);
        assert_eq!(copy_words(1), 3);
        assert_eq!(copy_words(32), 3);
        assert_eq!(copy_words(33), 6);
        assert_eq!(copy_words(u64::MAX), (u64::MAX / 32 + 1) * 3);
    }
}
