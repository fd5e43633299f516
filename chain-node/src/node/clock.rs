//! The dev chain's clock, which test frameworks move (`evm_increaseTime`,
//! `evm_setNextBlockTimestamp`, `anvil_mine`'s interval): the timestamp the next sealed block
//! asks for. Only the proposed timestamp changes, never the rules: a block is still sealed after
//! its parent ([`crate::chain::Chain::mine`]), and the timestamp is in its header, so
//! `rewasm verify` replays the chain as it was mined.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The latest timestamp the clock gives a block: far beyond any test's need, and far enough
/// below `u64::MAX` that every later block still has a later second.
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;

/// A [`DevClock`]'s settings at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockState {
    offset: i64,
    moved: bool,
    next: Option<u64>,
}

/// Seconds added to the wall clock (negative after a set timestamp behind it), and a timestamp
/// asked for the next block only.
#[derive(Debug, Default)]
pub struct DevClock {
    offset: AtomicI64,
    /// The offset was ever set: until then blocks take the chain's own wall clock.
    moved: AtomicBool,
    next: Mutex<Option<u64>>,
}

impl DevClock {
    /// Moves the clock `seconds` forward for every later block; the total moved so far (0 if
    /// a set timestamp left the clock behind the wall clock).
    pub fn increase(&self, seconds: u64) -> u64 {
        let seconds = i64::try_from(seconds).unwrap_or(i64::MAX);
        let before = self
            .offset
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                Some(offset.saturating_add(seconds))
            })
            .unwrap_or_else(|offset| offset);
        self.moved.store(true, Ordering::SeqCst);
        u64::try_from(before.saturating_add(seconds)).unwrap_or(0)
    }

    /// The next block asks for `timestamp`; later ones follow the clock from there, as anvil's
    /// and hardhat's do.
    pub fn set_next(&self, timestamp: u64) {
        *self.lock_next() = Some(timestamp);
    }

    /// The timestamp the next block asks for: the one set for it, else the wall clock moved by
    /// the offset; `None` while the clock was never touched (the chain then takes the wall
    /// clock itself).
    pub fn next_timestamp(&self) -> Option<u64> {
        if let Some(next) = *self.lock_next() {
            return Some(next.min(MAX_TIMESTAMP));
        }
        if !self.moved.load(Ordering::SeqCst) {
            return None;
        }
        let offset = self.offset.load(Ordering::SeqCst);
        let moved = i128::from(now()).saturating_add(i128::from(offset));
        Some(
            u64::try_from(moved.max(0))
                .unwrap_or(u64::MAX)
                .min(MAX_TIMESTAMP),
        )
    }

    /// A block was sealed asking for `asked`: a timestamp set for it is used up, unless another
    /// was set meanwhile (that one is for the next block), and the clock goes on from it.
    pub fn sealed(&self, asked: Option<u64>) {
        let mut next = self.lock_next();
        if let Some(timestamp) = next.map(|n| n.min(MAX_TIMESTAMP))
            && Some(timestamp) == asked
        {
            *next = None;
            let offset = i128::from(timestamp).saturating_sub(i128::from(now()));
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            self.offset.store(offset, Ordering::SeqCst);
            self.moved.store(true, Ordering::SeqCst);
        }
    }

    /// The clock's settings, to return to ([`DevClock::restore`]).
    pub fn save(&self) -> ClockState {
        ClockState {
            offset: self.offset.load(Ordering::SeqCst),
            moved: self.moved.load(Ordering::SeqCst),
            next: *self.lock_next(),
        }
    }

    /// Returns to settings [`DevClock::save`] gave (`evm_revert`).
    pub fn restore(&self, state: ClockState) {
        let mut next = self.lock_next();
        *next = state.next;
        self.offset.store(state.offset, Ordering::SeqCst);
        self.moved.store(state.moved, Ordering::SeqCst);
    }

    fn lock_next(&self) -> std::sync::MutexGuard<'_, Option<u64>> {
        self.next
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_timestamp_serves_one_block_and_the_offset_every_block() {
        let clock = DevClock::default();
        assert_eq!(
            clock.next_timestamp(),
            None,
            "untouched: the chain's wall clock"
        );
        clock.set_next(5_000_000_000);
        assert_eq!(clock.next_timestamp(), Some(5_000_000_000));
        assert_eq!(
            clock.next_timestamp(),
            Some(5_000_000_000),
            "asking does not use it up"
        );
        clock.set_next(6_000_000_000);
        clock.sealed(Some(5_000_000_000));
        assert_eq!(
            clock.next_timestamp(),
            Some(6_000_000_000),
            "set while sealing: kept"
        );
        clock.sealed(Some(6_000_000_000));
        let next = clock.next_timestamp().unwrap_or_default();
        assert!(
            (6_000_000_000..=6_000_000_001).contains(&next),
            "the clock goes on from the set timestamp: {next}"
        );
        clock.increase(60);
        let next = clock.next_timestamp().unwrap_or_default();
        assert!((6_000_000_060..=6_000_000_061).contains(&next), "{next}");
        clock.sealed(Some(next));
        assert!(clock.next_timestamp().is_some(), "the offset stays");
        clock.increase(u64::MAX);
        assert_eq!(clock.next_timestamp(), Some(MAX_TIMESTAMP));
    }

    #[test]
    fn the_offset_adds_to_the_wall_clock_and_a_past_timestamp_sets_it_back() {
        let clock = DevClock::default();
        assert_eq!(clock.increase(3_600), 3_600);
        assert_eq!(clock.increase(60), 3_660);
        let next = clock.next_timestamp().unwrap_or_default();
        assert!(next >= now() + 3_660 - 1 && next <= now() + 3_660, "{next}");
        let past = now() - 100;
        clock.set_next(past);
        clock.sealed(Some(past));
        let next = clock.next_timestamp().unwrap_or_default();
        assert!((past..=past + 1).contains(&next), "{next}");
        assert_eq!(
            clock.increase(0),
            0,
            "behind the wall clock: no total to report"
        );
    }
}
