//! The node's Prometheus metrics.
//!
//! One registry per node, rendered in the OpenMetrics text format at `GET /metrics` on the RPC
//! port. Block metrics are recorded by the miner as each block commits; the pool gauges and the
//! head number are refreshed when the page is rendered, because counting the pool's pending and
//! queued transactions reads every sender's nonce and is not worth doing on every submission.
//!
//! RPC latency is labelled by method. Only registered method names are ever used as labels (the
//! server records a call after it is routed), so a client cannot grow the label set by calling
//! made-up methods.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use rewasm_store::MemoryUsage;

use super::allocator;

/// The label set of the per-method RPC metrics.
type MethodLabel = [(&'static str, &'static str); 1];

/// Builds an RPC latency histogram (100 µs to about 3.3 s).
fn rpc_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// The Prometheus content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Every metric the node exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    head: Gauge,
    blocks: Counter,
    transactions: Counter,
    gas: Counter,
    block_transactions: Histogram,
    block_gas: Histogram,
    execute: Histogram,
    commit: Histogram,
    host_failures: Counter,
    host_dropped: Counter,
    pool_pending: Gauge,
    pool_queued: Gauge,
    store_cache: Gauge,
    store_memtables: Gauge,
    store_table_readers: Gauge,
    allocator_in_use: Gauge,
    allocator_free: Gauge,
    rpc_latency: Family<MethodLabel, Histogram, fn() -> Histogram>,
    rpc_errors: Family<MethodLabel, Counter>,
    brief_calls: Family<OutcomeLabel, Counter>,
}

/// The label set of [`Metrics::brief_call`]'s counter.
type OutcomeLabel = [(&'static str, &'static str); 1];

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every metric at zero.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let head = Gauge::default();
        let blocks = Counter::default();
        let transactions = Counter::default();
        let gas = Counter::default();
        let block_transactions = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        let block_gas = Histogram::new(exponential_buckets(21_000.0, 2.0, 12));
        let execute = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        let commit = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        let host_failures = Counter::default();
        let host_dropped = Counter::default();
        let pool_pending = Gauge::default();
        let pool_queued = Gauge::default();
        let store_cache = Gauge::default();
        let store_memtables = Gauge::default();
        let store_table_readers = Gauge::default();
        let allocator_in_use = Gauge::default();
        let allocator_free = Gauge::default();
        let rpc_latency: Family<MethodLabel, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(rpc_histogram);
        let rpc_errors = Family::<MethodLabel, Counter>::default();
        let brief_calls = Family::<OutcomeLabel, Counter>::default();

        registry.register(
            "rewasm_head_block_number",
            "Number of the head block",
            head.clone(),
        );
        registry.register(
            "rewasm_blocks_mined",
            "Blocks this node has sealed and committed",
            blocks.clone(),
        );
        registry.register(
            "rewasm_transactions_mined",
            "Transactions included in sealed blocks",
            transactions.clone(),
        );
        registry.register(
            "rewasm_gas_used",
            "Gas used by the transactions of sealed blocks",
            gas.clone(),
        );
        registry.register(
            "rewasm_block_transactions",
            "Transactions per sealed block",
            block_transactions.clone(),
        );
        registry.register(
            "rewasm_block_gas_used",
            "Gas used per sealed block",
            block_gas.clone(),
        );
        registry.register_with_unit(
            "rewasm_store_block_cache",
            "Bytes in the store's block cache (data, index and filter blocks), at most --db.cache",
            Unit::Bytes,
            store_cache.clone(),
        );
        registry.register_with_unit(
            "rewasm_store_memtables",
            "Bytes in the store's memtables, at most about --db.write-buffer",
            Unit::Bytes,
            store_memtables.clone(),
        );
        registry.register_with_unit(
            "rewasm_store_table_readers",
            "Bytes held by the readers of the store's open table files, outside the block cache",
            Unit::Bytes,
            store_table_readers.clone(),
        );
        registry.register_with_unit(
            "rewasm_allocator_in_use",
            "Bytes the C allocator has handed out and not had back (glibc's mallinfo2)",
            Unit::Bytes,
            allocator_in_use.clone(),
        );
        registry.register_with_unit(
            "rewasm_allocator_free",
            "Bytes freed to the C allocator that it keeps in its arenas instead of returning them",
            Unit::Bytes,
            allocator_free.clone(),
        );
        registry.register_with_unit(
            "rewasm_block_execution",
            "Time to execute a block's transactions and seal its header",
            Unit::Seconds,
            execute.clone(),
        );
        registry.register_with_unit(
            "rewasm_block_commit",
            "Time to write a sealed block to the store",
            Unit::Seconds,
            commit.clone(),
        );
        registry.register(
            "rewasm_block_host_failures",
            "Block builds abandoned because executing a transaction failed the node itself",
            host_failures.clone(),
        );
        registry.register(
            "rewasm_txpool_host_failure_drops",
            "Transactions dropped from the pool for failing the node's executor repeatedly",
            host_dropped.clone(),
        );
        registry.register(
            "rewasm_txpool_pending",
            "Pooled transactions executable now",
            pool_pending.clone(),
        );
        registry.register(
            "rewasm_txpool_queued",
            "Pooled transactions waiting behind a nonce gap",
            pool_queued.clone(),
        );
        registry.register_with_unit(
            "rewasm_rpc_request_duration",
            "JSON-RPC call latency by method",
            Unit::Seconds,
            rpc_latency.clone(),
        );
        registry.register(
            "rewasm_rpc_errors",
            "JSON-RPC calls answered with an error, by method",
            rpc_errors.clone(),
        );
        registry.register(
            "rewasm_rpc_brief_calls",
            "eth_call runs tried on a request thread with brief gas, by outcome: answered, or run again in full",
            brief_calls.clone(),
        );
        Self {
            registry,
            head,
            blocks,
            transactions,
            gas,
            block_transactions,
            block_gas,
            execute,
            commit,
            host_failures,
            host_dropped,
            pool_pending,
            pool_queued,
            store_cache,
            store_memtables,
            store_table_readers,
            allocator_in_use,
            allocator_free,
            rpc_latency,
            rpc_errors,
            brief_calls,
        }
    }

    /// Records a committed block.
    pub fn block_mined(
        &self,
        number: u64,
        transactions: usize,
        gas_used: u64,
        execute: Duration,
        commit: Duration,
    ) {
        self.set_head(number);
        self.blocks.inc();
        self.transactions
            .inc_by(u64::try_from(transactions).unwrap_or(u64::MAX));
        self.gas.inc_by(gas_used);
        self.block_transactions.observe(transactions as f64);
        self.block_gas.observe(gas_used as f64);
        self.execute.observe(execute.as_secs_f64());
        self.commit.observe(commit.as_secs_f64());
    }

    /// Records a block build abandoned on a host failure, and whether its transaction was
    /// dropped for it.
    pub fn host_failure(&self, dropped: bool) {
        self.host_failures.inc();
        if dropped {
            self.host_dropped.inc();
        }
    }

    /// Sets the head block number.
    pub fn set_head(&self, number: u64) {
        self.head.set(i64::try_from(number).unwrap_or(i64::MAX));
    }

    /// Sets the pool gauges.
    pub fn set_pool(&self, pending: usize, queued: usize) {
        self.pool_pending
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
        self.pool_queued
            .set(i64::try_from(queued).unwrap_or(i64::MAX));
    }

    /// Sets the store's memory gauges.
    pub fn set_store_memory(&self, usage: &MemoryUsage) {
        self.store_cache.set(gauge_value(usage.block_cache));
        self.store_memtables.set(gauge_value(usage.memtables));
        self.store_table_readers
            .set(gauge_value(usage.table_readers));
    }

    /// Sets the C allocator's gauges.
    pub fn set_allocator(&self, stats: &allocator::Stats) {
        self.allocator_in_use.set(gauge_value(stats.in_use));
        self.allocator_free.set(gauge_value(stats.free));
    }

    /// Records one JSON-RPC call of `method`.
    pub fn rpc_call(&self, method: &'static str, latency: Duration, failed: bool) {
        let label = [("method", method)];
        self.rpc_latency
            .get_or_create(&label)
            .observe(latency.as_secs_f64());
        if failed {
            self.rpc_errors.get_or_create(&label).inc();
        }
    }

    /// Records a brief `eth_call` run: its answer given, or the call run again in full.
    pub fn brief_call(&self, answered: bool) {
        let outcome = if answered { "answered" } else { "rerun" };
        self.brief_calls
            .get_or_create(&[("outcome", outcome)])
            .inc();
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an encoding error would leave a partial page, which
        // is still the best answer to give a scraper.
        if let Err(error) = encode(&mut out, &self.registry) {
            tracing::warn!(%error, "encoding metrics");
        }
        out
    }
}

/// A byte count as a gauge's value (saturating).
fn gauge_value<N: TryInto<i64>>(bytes: N) -> i64 {
    bytes.try_into().unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_metric_with_its_values() {
        let metrics = Metrics::new();
        metrics.block_mined(
            7,
            3,
            63_000,
            Duration::from_millis(2),
            Duration::from_millis(1),
        );
        metrics.set_pool(4, 2);
        metrics.set_store_memory(&MemoryUsage {
            block_cache: 1024,
            memtables: 2048,
            table_readers: 512,
        });
        metrics.set_allocator(&allocator::Stats {
            in_use: 4096,
            free: 256,
        });
        metrics.host_failure(false);
        metrics.host_failure(true);
        metrics.rpc_call("eth_blockNumber", Duration::from_micros(150), false);
        metrics.rpc_call("eth_call", Duration::from_millis(3), true);
        let page = metrics.render();
        for line in [
            "rewasm_head_block_number 7",
            "rewasm_blocks_mined_total 1",
            "rewasm_transactions_mined_total 3",
            "rewasm_gas_used_total 63000",
            "rewasm_block_transactions_count 1",
            "rewasm_block_gas_used_sum 63000.0",
            "rewasm_block_execution_seconds_count 1",
            "rewasm_block_commit_seconds_count 1",
            "rewasm_block_host_failures_total 2",
            "rewasm_txpool_host_failure_drops_total 1",
            "rewasm_txpool_pending 4",
            "rewasm_txpool_queued 2",
            "rewasm_store_block_cache_bytes 1024",
            "rewasm_store_memtables_bytes 2048",
            "rewasm_store_table_readers_bytes 512",
            "rewasm_allocator_in_use_bytes 4096",
            "rewasm_allocator_free_bytes 256",
            "rewasm_rpc_request_duration_seconds_count{method=\"eth_blockNumber\"} 1",
            "rewasm_rpc_request_duration_seconds_count{method=\"eth_call\"} 1",
            "rewasm_rpc_errors_total{method=\"eth_call\"} 1",
            "# EOF",
        ] {
            assert!(page.contains(line), "missing {line:?} in\n{page}");
        }
        assert!(!page.contains("rewasm_rpc_errors_total{method=\"eth_blockNumber\"}"));
    }
}
