//! Nested calls and creates: `call`, `callCode`, `callDelegate`, `callStatic`, `create`.
//!
//! All five return 0 (success), 1 (failure) or 2 (revert), [`CallStatus`] as `i32`.
//!
//! # The return-data buffer
//!
//! - Whenever the callee ran (whatever its status), the buffer becomes its output.
//! - When it never ran — the call stack is full (depth ≥ 1024) or the balance is too small — the
//!   function returns 1 and the buffer is left as it was, as in Hera (which returns before it
//!   touches the buffer). The EVM (geth) clears it in that case; Hera and the state tests do not.
//! - `create` that succeeds clears the buffer (the new code is not return data); a create that
//!   fails or reverts leaves the init code's output in it.

use primitive_types::U256;

use crate::gas;
use crate::host::{
    CallKind, CallMessage, CallStatus, CodeAccess, Gas, Host, HostExit, Memory, Refusal,
    RefusedFrame,
};

use super::{Eei, MAX_CALL_DEPTH, all_but_one_64th, ptr};

const FAILURE: i32 = CallStatus::Failure as i32;

impl<H: Host + ?Sized, M: Memory + ?Sized, G: Gas + ?Sized> Eei<'_, H, M, G> {
    /// `call(i64 gas, i32 addressOffset, i32 valueOffset, i32 dataOffset, i32 dataLength) → i32`.
    ///
    /// In this exact order (Hera's `eeiCall`): a negative `gas` traps → read the address and the
    /// u128 LE value → a non-zero value in static mode traps → charge the schedule's
    /// [`gas::HostPrices::input_per_word`] (none in Hera's) → read the data (not at all when
    /// `dataLength` is 0) → charge 700 (under [`gas::StateAccess`] the target's warm or cold
    /// price instead, marking it warm), plus the schedule's
    /// [`gas::HostPrices::frame_start`] → at depth ≥ 1024 return 1 → under a schedule with
    /// [`gas::CodeLoads`]: return 1 when the target's code would be one more than a
    /// transaction may run; when it is new to the transaction, charge its
    /// [`gas::CodeLoads::price`], then count it → if the value is non-zero:
    /// charge 9000, return 1 when the frame's balance is below the value (a balance of 2^128 or
    /// more traps), charge 25000 when the target is not alive → forward
    /// min(gas, left − left / 64) and charge it → the callee gets 2300 more when the value is
    /// non-zero → run → the buffer becomes the callee's output → refund the callee's unused gas.
    pub fn call(
        &mut self,
        gas: i64,
        address_offset: i32,
        value_offset: i32,
        data_offset: i32,
        data_length: i32,
    ) -> Result<i32, HostExit> {
        self.nested_call(
            "call",
            CallKind::Call,
            gas,
            address_offset,
            Some(value_offset),
            data_offset,
            data_length,
        )
    }

    /// `callCode(i64 gas, i32 addressOffset, i32 valueOffset, i32 dataOffset, i32 dataLength) →
    /// i32`: as [`Self::call`], but the target's code runs on this frame's account, so the 25000
    /// new-account charge never applies, and a value in static mode is not a violation (the
    /// value goes from the account to itself; EIP-214 forbids only `CALL` with value; Hera
    /// checks `call` only).
    pub fn call_code(
        &mut self,
        gas: i64,
        address_offset: i32,
        value_offset: i32,
        data_offset: i32,
        data_length: i32,
    ) -> Result<i32, HostExit> {
        self.nested_call(
            "callCode",
            CallKind::CallCode,
            gas,
            address_offset,
            Some(value_offset),
            data_offset,
            data_length,
        )
    }

    /// `callDelegate(i64 gas, i32 addressOffset, i32 dataOffset, i32 dataLength) → i32`: the
    /// target's code runs on this frame's account with this frame's caller and value. The message
    /// carries the frame's value (nothing is transferred): no 9000, no 25000, no balance check
    /// and no stipend.
    pub fn call_delegate(
        &mut self,
        gas: i64,
        address_offset: i32,
        data_offset: i32,
        data_length: i32,
    ) -> Result<i32, HostExit> {
        self.nested_call(
            "callDelegate",
            CallKind::Delegate,
            gas,
            address_offset,
            None,
            data_offset,
            data_length,
        )
    }

    /// `callStatic(i64 gas, i32 addressOffset, i32 dataOffset, i32 dataLength) → i32`: a call
    /// with value 0 whose callee (and everything below it) runs in static mode.
    pub fn call_static(
        &mut self,
        gas: i64,
        address_offset: i32,
        data_offset: i32,
        data_length: i32,
    ) -> Result<i32, HostExit> {
        self.nested_call(
            "callStatic",
            CallKind::Static,
            gas,
            address_offset,
            None,
            data_offset,
            data_length,
        )
    }

    /// `create(i32 valueOffset, i32 dataOffset, i32 dataLength, i32 resultOffset) → i32`.
    ///
    /// In this exact order (Hera's `eeiCreate`): charge 32000 (plus the schedule's
    /// [`gas::HostPrices::frame_start`]) → static mode traps → read the
    /// u128 LE value → at depth ≥ 1024 return 1 → return 1 when the frame's balance is below the
    /// value (a balance of 2^128 or more traps, even for value 0) → charge the schedule's
    /// [`gas::HostPrices::input_per_word`] (none in Hera's) → read the init code (not at
    /// all when `dataLength` is 0) → forward left − left / 64 and charge it → run → refund the
    /// unused gas → on success write the 20-byte address at `resultOffset` and clear the buffer;
    /// otherwise the buffer becomes the init code's output.
    pub fn create(
        &mut self,
        value_offset: i32,
        data_offset: i32,
        data_length: i32,
        result_offset: i32,
    ) -> Result<i32, HostExit> {
        self.gas.charge(self.frame_price(gas::CREATE))?;
        self.ensure_not_static("create")?;
        let value = self.read_u128(value_offset)?;
        let refuse = |eei: &mut Self, refusal| {
            let gas = all_but_one_64th(eei.gas.left());
            eei.host.refused(RefusedFrame {
                kind: None,
                to: None,
                value,
                gas,
                input: Vec::new(),
                refusal,
            });
            Ok(FAILURE)
        };
        if self.host.frame().depth >= MAX_CALL_DEPTH {
            return refuse(self, Refusal::Depth);
        }
        let account = self.host.frame().address;
        if self.balance_u128("create", &account)? < value.low_u128() {
            return refuse(self, Refusal::Balance);
        }
        self.charge_input(data_length)?;
        let init_code = self.read_input(data_offset, data_length)?;
        let forwarded = all_but_one_64th(self.gas.left());
        self.gas.charge(forwarded)?;
        let outcome = self.host.create(value, init_code, forwarded);
        self.gas.refund(outcome.gas_left.min(forwarded));
        match (outcome.status, outcome.address) {
            (CallStatus::Success, Some(address)) => {
                self.write(result_offset, address.as_bytes())?;
                self.return_data.clear();
                Ok(CallStatus::Success as i32)
            }
            // The host broke its contract. Trapping undoes this frame, the child's changes with
            // it, so the state stays consistent whatever the host did.
            (CallStatus::Success, None) => Err(HostExit::InvalidArgument {
                function: "create",
                reason: "the host reported success without an address",
            }),
            (status, _) => {
                *self.return_data = outcome.output;
                Ok(status as i32)
            }
        }
    }

    /// The fixed part of a call or create: the EEI's `base` plus the schedule's
    /// [`gas::HostPrices::frame_start`] (none in Hera's).
    fn frame_price(&self, base: u64) -> u64 {
        base.saturating_add(self.host.prices().frame_start)
    }

    /// Charges [`gas::HostPrices::input_per_word`] for the input about to be copied.
    fn charge_input(&mut self, data_length: i32) -> Result<(), HostExit> {
        let price = self.host.prices().input_per_word;
        self.gas
            .charge(gas::HostPrices::words(price, u64::from(ptr(data_length))))
    }

    /// The four calls; `value_offset` is `Some` for `call` and `callCode`.
    #[allow(
        clippy::too_many_arguments,
        reason = "the imports' parameters plus name and kind"
    )]
    fn nested_call(
        &mut self,
        function: &'static str,
        kind: CallKind,
        gas: i64,
        address_offset: i32,
        value_offset: Option<i32>,
        data_offset: i32,
        data_length: i32,
    ) -> Result<i32, HostExit> {
        let requested = u64::try_from(gas).map_err(|_| HostExit::InvalidArgument {
            function,
            reason: "negative gas",
        })?;
        let to = self.read_address(address_offset)?;
        let value = match value_offset {
            Some(offset) => self.read_u128(offset)?,
            None if kind == CallKind::Delegate => self.host.frame().value,
            None => U256::zero(),
        };
        // Only a value that leaves the account is a state change (EIP-214).
        let transfers_value = value_offset.is_some() && !value.is_zero();
        if kind == CallKind::Call && transfers_value {
            self.ensure_not_static("call with value")?;
        }
        self.charge_input(data_length)?;
        let input = self.read_input(data_offset, data_length)?;

        let base = match self.host.prices().state_access {
            None => gas::CALL,
            Some(access) => access.account(self.host.access_account(&to)),
        };
        self.gas.charge(self.frame_price(base))?;
        let refuse = |eei: &mut Self, refusal, input: Vec<u8>| {
            // What the callee would have had: the forwarded gas, and the stipend with value.
            let forwarded = requested.min(all_but_one_64th(eei.gas.left()));
            let gas = if transfers_value {
                forwarded.saturating_add(gas::CALL_STIPEND)
            } else {
                forwarded
            };
            eei.host.refused(RefusedFrame {
                kind: Some(kind),
                to: Some(to),
                value,
                gas,
                input,
                refusal,
            });
            Ok(FAILURE)
        };
        if self.host.frame().depth >= MAX_CALL_DEPTH {
            return refuse(self, Refusal::Depth, input);
        }
        if let Some(loads) = self.host.prices().code_loads {
            match self.host.code_access(&to) {
                CodeAccess::Warm => {}
                CodeAccess::Cold { len } => {
                    // Counted only once paid: a frame that runs out of gas here leaves the code
                    // new to the transaction, so the next call pays for the load again.
                    self.gas.charge(loads.price(len))?;
                    self.host.count_code(&to);
                }
                CodeAccess::OverLimit => return refuse(self, Refusal::CodeLoads, input),
            }
        }
        if transfers_value {
            self.gas.charge(gas::CALL_VALUE)?;
            let account = self.host.frame().address;
            if self.balance_u128(function, &account)? < value.low_u128() {
                return refuse(self, Refusal::Balance, input);
            }
            if kind == CallKind::Call && !self.host.is_alive(&to) {
                self.gas.charge(gas::CALL_NEW_ACCOUNT)?;
            }
        }
        let forwarded = requested.min(all_but_one_64th(self.gas.left()));
        self.gas.charge(forwarded)?;
        let callee_gas = if transfers_value {
            forwarded.saturating_add(gas::CALL_STIPEND)
        } else {
            forwarded
        };

        let outcome = self.host.call(CallMessage {
            kind,
            gas: callee_gas,
            to,
            value,
            input,
        });
        *self.return_data = outcome.output;
        // Never more than the callee was given, whatever the host reports.
        self.gas.refund(outcome.gas_left.min(callee_gas));
        Ok(outcome.status as i32)
    }
}
