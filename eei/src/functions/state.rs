//! Storage, logs and the ends of a frame: `storageLoad`, `storageStore`, `log`, `finish`,
//! `revert`, `selfDestruct`.

use primitive_types::H256;

use crate::gas;
use crate::host::{Gas, Host, HostExit, Memory};

use super::{Eei, ptr, usize_from};

/// The most topics a log may carry.
const MAX_TOPICS: u32 = 4;

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'_, H, M, G> {
    /// `storageLoad(i32 pathOffset, i32 resultOffset)`: charges 200, reads the 32-byte key,
    /// writes the 32-byte value. Under [`gas::StateAccess`]: reads the key, then charges the
    /// slot's warm or cold price (EIP-2929).
    pub fn storage_load(&mut self, path_offset: i32, result_offset: i32) -> Result<(), HostExit> {
        let value = self.load_slot(path_offset)?;
        self.write(result_offset, value.as_bytes())
    }

    /// The slot named by the 32 bytes at `path_offset`, charged as `storageLoad` charges it.
    pub(super) fn load_slot(&mut self, path_offset: i32) -> Result<H256, HostExit> {
        let key = match self.host.prices().state_access {
            None => {
                self.gas.charge(gas::STORAGE_LOAD)?;
                self.read_bytes32(path_offset)?
            }
            Some(access) => {
                let key = self.read_bytes32(path_offset)?;
                let price = access.slot(self.host.access_slot(&key));
                self.gas.charge(price)?;
                key
            }
        };
        Ok(self.host.storage_load(&key))
    }

    /// `storageStore(i32 pathOffset, i32 valueOffset)`, in Hera's order: charge 5000 → static
    /// check → read key and value → read the current value → charge 15000 more when the slot is
    /// zero and the new value is not (20000 in all) → register the 15000 refund when a non-zero
    /// slot is cleared → write. Everything that can fail comes before the write, so a store that
    /// runs out of gas leaves nothing behind. Under [`gas::StateAccess`]:
    /// [`Self::storage_store_net`].
    pub fn storage_store(&mut self, path_offset: i32, value_offset: i32) -> Result<(), HostExit> {
        if let Some(access) = self.host.prices().state_access {
            return self.storage_store_net(&access, path_offset, value_offset);
        }
        self.gas.charge(gas::STORAGE_STORE_RESET)?;
        self.ensure_not_static("storageStore")?;
        let key = self.read_bytes32(path_offset)?;
        let value = self.read_bytes32(value_offset)?;
        let current = self.host.storage_load(&key);
        if current.is_zero() && !value.is_zero() {
            self.gas
                .charge(gas::STORAGE_STORE_SET - gas::STORAGE_STORE_RESET)?;
        }
        if !current.is_zero() && value.is_zero() {
            self.host.add_refund(gas::STORAGE_CLEAR_REFUND);
        }
        let _previous = self.host.storage_store(&key, &value);
        Ok(())
    }

    /// `storageStore` priced as since Berlin (EIP-2200's net metering with EIP-2929's cold
    /// surcharge and EIP-3529's refunds): static check → with 2300 gas or less left, out of gas
    /// (EIP-2200: a value transfer's stipend can never write) → read key and value → the cold
    /// surcharge when the slot is new to the transaction → [`gas::StateAccess::store`] by the
    /// slot's original and current values → the refund change → write.
    fn storage_store_net(
        &mut self,
        access: &gas::StateAccess,
        path_offset: i32,
        value_offset: i32,
    ) -> Result<(), HostExit> {
        self.ensure_not_static("storageStore")?;
        if self.gas.left() <= gas::CALL_STIPEND {
            return Err(HostExit::OutOfGas);
        }
        let key = self.read_bytes32(path_offset)?;
        let value = self.read_bytes32(value_offset)?;
        let cold = match self.host.access_slot(&key) {
            gas::Access::Warm => 0,
            gas::Access::Cold => access.cold_slot,
        };
        let current = self.host.storage_load(&key);
        let original = if current == value {
            current
        } else {
            self.host.original_storage(&key)
        };
        let (price, refund) = access.store(&original, &current, &value);
        self.gas
            .charge(price.checked_add(cold).ok_or(HostExit::OutOfGas)?)?;
        if refund.add > 0 {
            self.host.add_refund(refund.add);
        }
        if refund.sub > 0 {
            self.host.sub_refund(refund.sub);
        }
        let _previous = self.host.storage_store(&key, &value);
        Ok(())
    }

    /// `log(i32 dataOffset, i32 dataLength, i32 numberOfTopics, i32 topic1 .. topic4)`, in Hera's
    /// order: charge 375 + 375 × numberOfTopics + 8 × dataLength (with the count and length as
    /// given, before either is checked) → static check → more than 4 topics traps → read the
    /// used topics (32 bytes each; unused topic offsets are ignored) → read the data → emit.
    #[allow(
        clippy::too_many_arguments,
        reason = "the import's seven wasm parameters"
    )]
    pub fn log(
        &mut self,
        data_offset: i32,
        data_length: i32,
        number_of_topics: i32,
        topic1: i32,
        topic2: i32,
        topic3: i32,
        topic4: i32,
    ) -> Result<(), HostExit> {
        let count = ptr(number_of_topics);
        // At most 375 + 375 × (2^32 − 1) + 8 × (2^32 − 1) < 2^41: no overflow, but checked anyway.
        let cost = gas::LOG_TOPIC
            .checked_mul(u64::from(count))
            .and_then(|topics| topics.checked_add(gas::LOG))
            .and_then(|fixed| {
                gas::LOG_DATA_BYTE
                    .checked_mul(u64::from(ptr(data_length)))
                    .and_then(|data| fixed.checked_add(data))
            })
            .ok_or(HostExit::OutOfGas)?;
        self.gas.charge(cost)?;
        self.ensure_not_static("log")?;
        if count > MAX_TOPICS {
            return Err(HostExit::InvalidArgument {
                function: "log",
                reason: "more than 4 topics",
            });
        }
        let mut topics = Vec::with_capacity(4);
        for offset in [topic1, topic2, topic3, topic4]
            .into_iter()
            .take(usize_from(count))
        {
            topics.push(self.read_bytes32(offset)?);
        }
        let data = self.read_bytes(data_offset, data_length)?;
        self.host.log(topics, data);
        Ok(())
    }

    /// `finish(i32 dataOffset, i32 dataLength)`: no gas under Hera's schedule (a chain's charges
    /// [`gas::HostPrices::output_per_word`] first); reads the output (bounds-checked even when
    /// empty) and ends the frame successfully.
    pub fn finish(&mut self, data_offset: i32, data_length: i32) -> Result<(), HostExit> {
        self.charge_output(data_length)?;
        let data = self.read_bytes(data_offset, data_length)?;
        Err(HostExit::Finish(data))
    }

    /// `revert(i32 dataOffset, i32 dataLength)`: no gas under Hera's schedule (a chain's charges
    /// [`gas::HostPrices::output_per_word`] first); reads the output (bounds-checked even
    /// when empty) and ends the frame, its state changes undone and its unused gas returned.
    pub fn revert(&mut self, data_offset: i32, data_length: i32) -> Result<(), HostExit> {
        self.charge_output(data_length)?;
        let data = self.read_bytes(data_offset, data_length)?;
        Err(HostExit::Revert(data))
    }

    /// Charges [`gas::HostPrices::output_per_word`] for the output about to be copied.
    fn charge_output(&mut self, data_length: i32) -> Result<(), HostExit> {
        let price = self.host.prices().output_per_word;
        self.gas
            .charge(gas::HostPrices::words(price, u64::from(ptr(data_length))))
    }

    /// `selfDestruct(i32 addressOffset)`, in Hera's order: charge 5000 → static check → read the
    /// beneficiary → charge 25000 when the beneficiary is not alive (`Host::is_alive`, Hera's
    /// `account_exists`; Hera does *not* also require the destroyed account's balance to be
    /// non-zero, unlike the EVM's EIP-161 rule, and neither do we) → `Host::self_destruct`
    /// (which owns the 24000 refund, once per account) → end the frame successfully. Under
    /// [`gas::StateAccess`] a cold beneficiary adds its cold price before the 25000 check
    /// (EIP-2929), and the host refunds nothing (EIP-3529).
    pub fn self_destruct(&mut self, address_offset: i32) -> Result<(), HostExit> {
        self.gas.charge(gas::SELF_DESTRUCT)?;
        self.ensure_not_static("selfDestruct")?;
        let beneficiary = self.read_address(address_offset)?;
        if let Some(access) = self.host.prices().state_access
            && self.host.access_account(&beneficiary) == gas::Access::Cold
        {
            self.gas.charge(access.cold_account)?;
        }
        if !self.host.is_alive(&beneficiary) {
            self.gas.charge(gas::SELF_DESTRUCT_NEW_ACCOUNT)?;
        }
        self.host.self_destruct(&beneficiary);
        Err(HostExit::SelfDestruct)
    }
}
