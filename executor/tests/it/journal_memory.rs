//! The journal's memory grows with the number of operations, not with operations × slots
//! written (issue 13, finding 2): a contract that wrote thousands of slots and then made cheap
//! calls (each moving a zero value, so each changing two balances) used to copy its whole slot
//! map into the undo record on every balance change, gigabytes in one transaction.
//!
//! Measured, not modelled: this test binary counts the bytes its own thread allocates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use primitive_types::{H160, H256, U256};
use proptest::prelude::*;
use rewasm_executor::journal::Journal;
use rewasm_executor::{Account, BasicAccount, InMemoryState};

/// The system allocator, counting what each thread allocates.
struct Counting;

thread_local! {
    static ALLOCATED: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the count is a side effect.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATED.try_with(|count| count.set(count.get() + layout.size() as u64));
        // SAFETY: the caller's layout contract is passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATED.try_with(|count| count.set(count.get() + new_size as u64));
        // SAFETY: the caller's contract is passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocated() -> u64 {
    ALLOCATED.with(Cell::get)
}

fn address(n: u64) -> H160 {
    H160::from_low_u64_be(0x1000 + n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// After `slots` storage writes, the transfers allocate memory linear in the number of
    /// operations (the undo record's vector may double once, which counts all earlier
    /// entries). The old journal allocated a copy of the slot map per balance change: about
    /// 100 bytes × slots × transfers, 30 MB for 300 transfers at 1 000 slots.
    #[test]
    fn balance_changes_after_many_slot_writes_cost_constant_memory(
        slots in 500u64..2_000,
        transfers in 100u64..600,
    ) {
        let mut base = InMemoryState::default();
        base.accounts.insert(address(0), Account {
            basic: BasicAccount { balance: U256::from(1_000_000u64), ..BasicAccount::default() },
            ..Account::default()
        });
        let mut journal = Journal::new(&base);
        for key in 0..slots {
            journal.set_storage(&address(0), H256::from_low_u64_be(key), H256::repeat_byte(1)).unwrap();
        }
        let before = allocated();
        for _ in 0..transfers {
            let checkpoint = journal.checkpoint();
            prop_assert!(journal.transfer(&address(0), &address(1), U256::zero()).unwrap());
            if transfers % 3 == 0 {
                journal.revert_to(checkpoint);
            }
        }
        let bytes = allocated() - before;
        let operations = slots + transfers;
        prop_assert!(
            bytes < 512 * operations,
            "{bytes} bytes for {transfers} transfers after {slots} slots"
        );
    }
}
