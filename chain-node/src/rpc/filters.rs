//! Log queries and the polled filters (`eth_newFilter`, `eth_newBlockFilter`,
//! `eth_newPendingTransactionFilter`, `eth_getFilterChanges`).
//!
//! A log query walks the block range, skips every block whose header bloom rules the filter
//! out, and reads only the remaining blocks' logs; the range and the number of results are
//! bounded so one call cannot make the node read the whole chain or build an unbounded answer.
//!
//! Block and log filters remember the first block they have not reported yet and read the chain
//! when polled, so an installed filter costs nothing between polls. A pending-transaction filter
//! holds a receiver on the node's broadcast of pooled transactions; if it is polled too rarely
//! the oldest hashes are skipped rather than buffered without bound. Filters not polled for
//! [`FILTER_TIMEOUT`] are removed, as geth removes them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use primitive_types::H256;
use rewasm_primitives::LogEntry;
use serde_json::Value;
use tokio::sync::broadcast;

use super::error::{LIMIT_EXCEEDED, RpcError};
use super::json::{self, LogPosition};
use super::params::{BlockTag, FilterArgs, LogCriteria};
use crate::chain::{Bloom, Chain};

/// geth's filter timeout: a filter not polled for this long is uninstalled.
pub const FILTER_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// How many topic positions a filter may constrain (an Ethereum log has at most four topics).
pub const MAX_TOPICS: usize = 4;
/// Most addresses one filter may list (geth's `maxAddresses`): matching a log costs a lookup
/// among them, for every log of every block a query or subscription reads.
pub const MAX_ADDRESSES: usize = 1000;
/// Most alternatives one topic position may list (geth's `maxSubTopics`).
pub const MAX_SUB_TOPICS: usize = 1000;
/// Most filters installed at once (all connections together). A log filter keeps its criteria
/// (at most ~150 KB with the limits above) until it is uninstalled or expires, so this bounds
/// what idle filters can hold.
pub const MAX_FILTERS: usize = 1000;

/// The bounds of one log query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogLimits {
    /// Blocks one query may span.
    pub max_block_range: u64,
    /// Logs one query may return.
    pub max_results: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        Self {
            max_block_range: 10_000,
            max_results: 10_000,
        }
    }
}

impl LogCriteria {
    /// Whether `log` matches.
    pub fn matches(&self, log: &LogEntry) -> bool {
        if !self.addresses.is_empty() && self.addresses.binary_search(&log.address).is_err() {
            return false;
        }
        if self.topics.len() > log.topics.len()
            && self
                .topics
                .iter()
                .skip(log.topics.len())
                .any(Option::is_some)
        {
            return false;
        }
        self.topics.iter().zip(&log.topics).all(|(wanted, topic)| {
            wanted
                .as_ref()
                .is_none_or(|any| any.binary_search(topic).is_ok())
        })
    }

    /// Whether a block with `bloom` may hold a matching log (false: certainly not).
    pub fn may_match(&self, bloom: &Bloom) -> bool {
        let address_ok = self.addresses.is_empty()
            || self
                .addresses
                .iter()
                .any(|address| bloom.may_contain(address.as_bytes()));
        address_ok
            && self.topics.iter().flatten().all(|alternatives| {
                alternatives
                    .iter()
                    .any(|topic| bloom.may_contain(topic.as_bytes()))
            })
    }

    /// Refuses more topic positions than a log can have, or more addresses or topic
    /// alternatives than [`MAX_ADDRESSES`] / [`MAX_SUB_TOPICS`], with geth's texts. The parser
    /// ([`super::params::filter`]) refuses them first; this guards criteria built otherwise.
    pub fn check(&self) -> Result<(), RpcError> {
        self.check_limits().map_err(RpcError::server)
    }

    /// [`LogCriteria::check`]'s reason, as text.
    pub fn check_limits(&self) -> Result<(), &'static str> {
        if self.addresses.len() > MAX_ADDRESSES {
            return Err(EXCEED_MAX_ADDRESSES);
        }
        if self.topics.len() > MAX_TOPICS
            || self
                .topics
                .iter()
                .flatten()
                .any(|alternatives| alternatives.len() > MAX_SUB_TOPICS)
        {
            return Err(EXCEED_MAX_TOPICS);
        }
        Ok(())
    }
}

/// geth's error for too many topic positions or alternatives.
pub const EXCEED_MAX_TOPICS: &str = "exceed max topics";
/// geth's error for too many addresses.
pub const EXCEED_MAX_ADDRESSES: &str = "exceed max addresses";

/// Resolves a filter's block tag against the head (`latest`, `pending`, `safe` and `finalized`
/// are the head on a chain whose blocks are final when sealed).
pub fn resolve_tag(tag: BlockTag, head: u64) -> u64 {
    match tag {
        BlockTag::Earliest => 0,
        BlockTag::Number(number) => number,
        BlockTag::Latest | BlockTag::Pending | BlockTag::Safe | BlockTag::Finalized => head,
    }
}

/// The logs of blocks `from..=to` (clamped to the head) matching `criteria`, as JSON.
pub fn query_range(
    chain: &Chain,
    from: u64,
    to: u64,
    criteria: &LogCriteria,
    limits: LogLimits,
) -> Result<Vec<Value>, RpcError> {
    criteria.check()?;
    let head = chain.head().header.number;
    if from > to {
        return Err(RpcError::server("invalid block range params"));
    }
    let to = to.min(head);
    if from > to {
        return Ok(Vec::new());
    }
    if to - from >= limits.max_block_range {
        return Err(RpcError::new(
            LIMIT_EXCEEDED,
            format!("exceed maximum block range: {}", limits.max_block_range),
        ));
    }
    let mut out = Vec::new();
    for number in from..=to {
        let Some(header) = chain.header_by_number(number)? else {
            continue;
        };
        if !criteria.may_match(&header.logs_bloom) {
            continue;
        }
        block_matches(chain, number, header.hash(), criteria, limits, &mut out)?;
    }
    Ok(out)
}

/// The logs of one block (by hash) matching `criteria`.
pub fn query_block(
    chain: &Chain,
    block_hash: &H256,
    criteria: &LogCriteria,
    limits: LogLimits,
) -> Result<Vec<Value>, RpcError> {
    criteria.check()?;
    let number = chain
        .block_number(block_hash)?
        .ok_or_else(|| RpcError::server("unknown block"))?;
    let mut out = Vec::new();
    block_matches(chain, number, *block_hash, criteria, limits, &mut out)?;
    Ok(out)
}

fn block_matches(
    chain: &Chain,
    number: u64,
    block_hash: H256,
    criteria: &LogCriteria,
    limits: LogLimits,
    out: &mut Vec<Value>,
) -> Result<(), RpcError> {
    for (log_index, entry) in chain.block_logs(number)?.iter().enumerate() {
        if !criteria.matches(&entry.log) {
            continue;
        }
        if out.len() >= limits.max_results {
            return Err(RpcError::new(
                LIMIT_EXCEEDED,
                format!("query returned more than {} results", limits.max_results),
            ));
        }
        out.push(json::log(
            &entry.log,
            &LogPosition {
                block_number: number,
                block_hash,
                tx_hash: entry.tx_hash,
                tx_index: entry.tx_index,
                log_index: log_index as u64,
            },
        ));
    }
    Ok(())
}

/// `eth_getLogs`: by block hash, or over a range (defaults: the head).
pub fn get_logs(
    chain: &Chain,
    args: &FilterArgs,
    limits: LogLimits,
) -> Result<Vec<Value>, RpcError> {
    if let Some(block_hash) = &args.block_hash {
        return query_block(chain, block_hash, &args.criteria, limits);
    }
    let head = chain.head().header.number;
    let from = resolve_tag(args.from_block.unwrap_or(BlockTag::Latest), head);
    let to = resolve_tag(args.to_block.unwrap_or(BlockTag::Latest), head);
    query_range(chain, from, to, &args.criteria, limits)
}

/// What an installed filter watches.
#[derive(Debug)]
enum Watch {
    /// New block hashes; `next` is the first block not yet reported.
    Blocks { next: u64 },
    /// Hashes of newly pooled transactions.
    PendingTransactions(broadcast::Receiver<H256>),
    /// Logs of new blocks matching the filter.
    Logs { args: FilterArgs, next: u64 },
}

#[derive(Debug)]
struct Installed {
    watch: Watch,
    last_poll: Instant,
}

/// One filter, locked while it is polled so each change is reported exactly once.
type Shared = Arc<Mutex<Installed>>;

/// The installed filters. The map's lock is held only to find, add or remove a filter; a poll
/// (which may read many blocks) holds only its own filter's lock.
#[derive(Debug)]
pub struct Filters {
    installed: Mutex<HashMap<String, Shared>>,
    timeout: Duration,
    max_filters: usize,
    ids: super::pubsub::HexIds,
}

impl Default for Filters {
    fn default() -> Self {
        Self::new(FILTER_TIMEOUT, MAX_FILTERS)
    }
}

fn not_found() -> RpcError {
    RpcError::server("filter not found")
}

impl Filters {
    /// No filters; each expires `timeout` after its last poll, and at most `max_filters` are
    /// installed at once.
    pub fn new(timeout: Duration, max_filters: usize) -> Self {
        Self {
            installed: Mutex::new(HashMap::new()),
            timeout,
            max_filters,
            ids: super::pubsub::HexIds::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Shared>> {
        self.installed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn get(&self, id: &str) -> Result<Shared, RpcError> {
        self.lock().get(id).cloned().ok_or_else(not_found)
    }

    /// Removes filters not polled since `now - timeout` (one being polled right now stays).
    pub fn expire(&self, now: Instant) {
        let timeout = self.timeout;
        self.lock().retain(|_, filter| {
            let last_poll = match filter.try_lock() {
                Ok(filter) => filter.last_poll,
                Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner().last_poll,
                Err(TryLockError::WouldBlock) => return true,
            };
            now.saturating_duration_since(last_poll) < timeout
        });
    }

    /// Installs a filter, unless [`Filters::new`]'s maximum is reached (expired ones are
    /// removed first, so the maximum frees itself as idle filters time out).
    fn install(&self, watch: Watch) -> Result<String, RpcError> {
        let now = Instant::now();
        self.expire(now);
        let mut installed = self.lock();
        if installed.len() >= self.max_filters {
            return Err(RpcError::new(
                LIMIT_EXCEEDED,
                format!("exceed max filters: {}", self.max_filters),
            ));
        }
        let id = self.ids.next();
        installed.insert(
            id.clone(),
            Arc::new(Mutex::new(Installed {
                watch,
                last_poll: now,
            })),
        );
        Ok(id)
    }

    /// A filter reporting blocks sealed after `head`.
    pub fn new_block_filter(&self, head: u64) -> Result<String, RpcError> {
        self.install(Watch::Blocks {
            next: head.saturating_add(1),
        })
    }

    /// A filter reporting transactions pooled from now on.
    pub fn new_pending_transaction_filter(
        &self,
        receiver: broadcast::Receiver<H256>,
    ) -> Result<String, RpcError> {
        self.install(Watch::PendingTransactions(receiver))
    }

    /// A filter reporting matching logs of blocks sealed after `head`.
    pub fn new_log_filter(&self, args: FilterArgs, head: u64) -> Result<String, RpcError> {
        args.criteria.check()?;
        self.install(Watch::Logs {
            args,
            next: head.saturating_add(1),
        })
    }

    /// Removes a filter; whether it existed.
    pub fn uninstall(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    /// The chain went back to block `head` (`evm_revert`, `anvil_reset`): filters report the
    /// blocks sealed from there on, which replace the ones they had seen.
    pub fn rewound(&self, head: u64) {
        for shared in self.lock().values() {
            let mut filter = shared.lock().unwrap_or_else(PoisonError::into_inner);
            if let Watch::Blocks { next } | Watch::Logs { next, .. } = &mut filter.watch {
                *next = (*next).min(head.saturating_add(1));
            }
        }
    }

    /// What the filter has seen since it was last polled, as JSON.
    pub fn changes(
        &self,
        id: &str,
        chain: &Chain,
        limits: LogLimits,
    ) -> Result<Vec<Value>, RpcError> {
        let now = Instant::now();
        self.expire(now);
        let shared = self.get(id)?;
        let mut filter = shared.lock().unwrap_or_else(PoisonError::into_inner);
        filter.last_poll = now;
        let head = chain.head().header.number;
        match &mut filter.watch {
            Watch::Blocks { next } => {
                let last = head.min(
                    next.saturating_add(limits.max_block_range)
                        .saturating_sub(1),
                );
                let mut hashes = Vec::new();
                for number in *next..=last {
                    if let Some(header) = chain.header_by_number(number)? {
                        hashes.push(Value::String(json::hash(&header.hash())));
                    }
                }
                *next = last.saturating_add(1).max(*next);
                Ok(hashes)
            }
            Watch::PendingTransactions(receiver) => {
                let mut hashes = Vec::new();
                while hashes.len() < limits.max_results {
                    match receiver.try_recv() {
                        Ok(hash) => hashes.push(Value::String(json::hash(&hash))),
                        Err(broadcast::error::TryRecvError::Lagged(skipped)) => {
                            tracing::debug!(skipped, "pending transaction filter fell behind");
                        }
                        Err(_) => break,
                    }
                }
                Ok(hashes)
            }
            Watch::Logs { args, next } => {
                if args.block_hash.is_some() {
                    // A filter on one block has nothing new to report after it is installed.
                    return Ok(Vec::new());
                }
                let from = args
                    .from_block
                    .map_or(*next, |tag| (*next).max(explicit_bound(tag, 0)));
                let to_bound = args
                    .to_block
                    .map_or(u64::MAX, |tag| explicit_bound(tag, u64::MAX));
                let last = head.min(to_bound).min(
                    from.saturating_add(limits.max_block_range)
                        .saturating_sub(1),
                );
                if from > last {
                    return Ok(Vec::new());
                }
                let logs = query_range(chain, from, last, &args.criteria, limits)?;
                *next = last.saturating_add(1);
                Ok(logs)
            }
        }
    }

    /// `eth_getFilterLogs`: every log the log filter matches over its whole range.
    pub fn logs(&self, id: &str, chain: &Chain, limits: LogLimits) -> Result<Vec<Value>, RpcError> {
        let now = Instant::now();
        self.expire(now);
        let args = {
            let shared = self.get(id)?;
            let mut filter = shared.lock().unwrap_or_else(PoisonError::into_inner);
            filter.last_poll = now;
            match &filter.watch {
                Watch::Logs { args, .. } => args.clone(),
                _ => return Err(not_found()),
            }
        };
        get_logs(chain, &args, limits)
    }

    /// How many filters are installed.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no filter is installed.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

/// A log filter's explicit block bound: a number or `earliest`; the moving tags (`latest`, …)
/// put no bound on what the filter reports as the chain grows, so they give `open`.
fn explicit_bound(tag: BlockTag, open: u64) -> u64 {
    match tag {
        BlockTag::Earliest => 0,
        BlockTag::Number(number) => number,
        _ => open,
    }
}

#[cfg(test)]
mod tests {
    use primitive_types::H160;

    use super::*;

    fn log(address: u8, topics: &[u8]) -> LogEntry {
        LogEntry {
            address: H160::repeat_byte(address),
            topics: topics.iter().map(|&t| H256::repeat_byte(t)).collect(),
            data: vec![1],
        }
    }

    #[test]
    fn criteria_match_addresses_and_topic_positions() {
        let any = LogCriteria::default();
        assert!(any.matches(&log(1, &[])));
        let by_address = LogCriteria {
            addresses: vec![H160::repeat_byte(1), H160::repeat_byte(2)],
            topics: vec![],
        };
        assert!(by_address.matches(&log(2, &[9])));
        assert!(!by_address.matches(&log(3, &[9])));
        let second_topic = LogCriteria {
            addresses: vec![],
            topics: vec![None, Some(vec![H256::repeat_byte(7), H256::repeat_byte(8)])],
        };
        assert!(second_topic.matches(&log(1, &[1, 8])));
        assert!(!second_topic.matches(&log(1, &[1, 9])));
        assert!(!second_topic.matches(&log(1, &[1])), "too few topics");
        let unsorted = LogCriteria::new(
            vec![
                H160::repeat_byte(9),
                H160::repeat_byte(2),
                H160::repeat_byte(9),
            ],
            vec![Some(vec![H256::repeat_byte(5), H256::repeat_byte(1)])],
        );
        assert_eq!(
            unsorted.addresses,
            vec![H160::repeat_byte(2), H160::repeat_byte(9)]
        );
        assert!(unsorted.matches(&log(9, &[1])) && unsorted.matches(&log(2, &[5])));
        assert!(!unsorted.matches(&log(3, &[1])) && !unsorted.matches(&log(9, &[3])));
        let trailing_wildcards = LogCriteria {
            addresses: vec![],
            topics: vec![Some(vec![H256::repeat_byte(1)]), None, None],
        };
        assert!(trailing_wildcards.matches(&log(1, &[1])));

        let bloom = Bloom::of_logs([&log(1, &[8])]);
        assert!(second_topic.may_match(&Bloom::of_logs([&log(1, &[1, 8])])));
        assert!(!by_address.may_match(&Bloom::of_logs([&log(3, &[])])));
        assert!(LogCriteria::default().may_match(&bloom));
        let five = LogCriteria {
            addresses: vec![],
            topics: vec![None; 5],
        };
        assert_eq!(five.check().unwrap_err().message, "exceed max topics");
        let many_alternatives = LogCriteria {
            addresses: vec![],
            topics: vec![Some(vec![H256::zero(); MAX_SUB_TOPICS + 1])],
        };
        assert_eq!(
            many_alternatives.check().unwrap_err().message,
            "exceed max topics"
        );
        let many_addresses = LogCriteria {
            addresses: vec![H160::zero(); MAX_ADDRESSES + 1],
            topics: vec![],
        };
        assert_eq!(
            many_addresses.check().unwrap_err().message,
            "exceed max addresses"
        );
    }

    #[test]
    fn installed_filters_are_capped_until_idle_ones_expire() {
        let filters = Filters::new(Duration::from_secs(300), 2);
        let first = filters.new_block_filter(0).unwrap();
        filters.new_block_filter(0).unwrap();
        let refused = filters.new_block_filter(0).unwrap_err();
        assert_eq!(
            (refused.code, refused.message.as_str()),
            (LIMIT_EXCEEDED, "exceed max filters: 2")
        );
        let refused = filters
            .new_log_filter(FilterArgs::default(), 0)
            .unwrap_err();
        assert_eq!(refused.code, LIMIT_EXCEEDED);
        assert!(filters.uninstall(&first));
        filters.new_block_filter(0).unwrap();
        // Idle past the timeout: both are removed when the next filter is installed.
        for filter in filters.lock().values() {
            filter.lock().unwrap().last_poll = Instant::now()
                .checked_sub(Duration::from_secs(301))
                .unwrap();
        }
        filters.new_block_filter(0).unwrap();
        assert_eq!(filters.len(), 1);
    }

    #[test]
    fn unpolled_filters_expire_and_polled_ones_stay() {
        let filters = Filters::new(Duration::from_secs(300), MAX_FILTERS);
        let old = filters.new_block_filter(0).unwrap();
        let fresh = filters.new_block_filter(0).unwrap();
        let later = Instant::now() + Duration::from_secs(200);
        filters.get(&fresh).unwrap().lock().unwrap().last_poll = later;
        filters.expire(Instant::now() + Duration::from_secs(301));
        assert!(!filters.uninstall(&old), "expired");
        assert!(filters.uninstall(&fresh), "polled recently, still there");
        assert!(filters.is_empty());
    }

    #[test]
    fn filter_ids_are_distinct_hex() {
        let filters = Filters::default();
        let a = filters.new_block_filter(0).unwrap();
        let b = filters.new_block_filter(0).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("0x") && a.len() > 2 && a.len() <= 34);
        assert_eq!(filters.len(), 2);
    }
}
