//! `eth_subscribe` / `eth_unsubscribe` over WebSocket: `newHeads`, `logs` and
//! `newPendingTransactions`, delivered as geth delivers them (`eth_subscription` notifications,
//! one header, log or transaction hash each).
//!
//! Each subscription is a task reading the node's broadcast channels. A subscriber too slow to
//! keep up skips what it missed (logged) rather than making the node buffer for it; a closed
//! connection or an `eth_unsubscribe` ends the task. Matching a new block's logs against a
//! filter (up to 1000 addresses and 4 x 1000 topics, for every log of the block) runs on the
//! blocking pool, so many log subscriptions cannot stall the async workers that serve every
//! connection. How many subscriptions a connection may hold is the server's
//! `max_subscriptions_per_connection`.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jsonrpsee::RpcModule;
use jsonrpsee::core::server::{PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink};
use jsonrpsee::server::IdProvider;
use jsonrpsee::types::{Params, SubscriptionId};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::RpcContext;
use super::error::{METHOD_NOT_FOUND, RpcError};
use super::json::{self, LogPosition};
use super::params::{self, Args, LogCriteria};
use crate::chain::TxLocation;
use crate::node::NewBlock;

/// geth-style identifiers for filters and subscriptions: `0x` and up to 32 hex digits, leading
/// zeros trimmed. They come from a per-process random SipHash key over a counter: unique in the
/// process and not guessable from one another, which is all a dev node's ids need.
#[derive(Debug)]
pub struct HexIds {
    keys: RandomState,
    counter: AtomicU64,
}

impl Default for HexIds {
    fn default() -> Self {
        Self {
            keys: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }
}

impl HexIds {
    /// The next id.
    pub fn next(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let half = |lane: u8| {
            let mut hasher = self.keys.build_hasher();
            hasher.write_u64(count);
            hasher.write_u8(lane);
            hasher.finish()
        };
        let digits = format!("{:016x}{:016x}", half(0), half(1));
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            "0x0".to_string()
        } else {
            format!("0x{trimmed}")
        }
    }
}

impl IdProvider for HexIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Str(self.next().into())
    }
}

/// What a subscription delivers.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    NewHeads,
    Logs(Arc<LogCriteria>),
    PendingTransactions,
}

fn parse_kind(params: &Params<'_>) -> Result<Kind, RpcError> {
    let args = Args::parse(params.as_str(), 2)?;
    let name = args.required(0, params::string)?;
    match name.as_str() {
        "newHeads" => Ok(Kind::NewHeads),
        "newPendingTransactions" => Ok(Kind::PendingTransactions),
        "logs" => {
            let criteria = args
                .optional(1, params::filter)?
                .map(|filter| filter.criteria)
                .unwrap_or_default();
            criteria.check()?;
            Ok(Kind::Logs(Arc::new(criteria)))
        }
        other => Err(RpcError::new(
            METHOD_NOT_FOUND,
            format!("no {other:?} subscription in eth namespace"),
        )),
    }
}

/// How often a subscription also looks whether it was closed. `closed()` should wake it at
/// once, but a task that did not see its unsubscribe for over 30 s was observed (in
/// `rpc::filters_and_subscriptions_are_bounded`, cause not found); the look bounds how long a
/// connection's subscription slot can stay taken after an `eth_unsubscribe`.
const CLOSED_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Registers `eth_subscribe` and `eth_unsubscribe`.
pub fn register(
    module: &mut RpcModule<RpcContext>,
) -> Result<(), jsonrpsee::server::RegisterMethodError> {
    module.register_subscription(
        "eth_subscribe",
        "eth_subscription",
        "eth_unsubscribe",
        |params, pending, context, _| async move {
            match parse_kind(&params) {
                Ok(kind) => serve(kind, pending, context).await,
                Err(error) => pending.reject(error).await,
            }
        },
    )?;
    Ok(())
}

async fn serve(kind: Kind, pending: PendingSubscriptionSink, context: Arc<RpcContext>) {
    match kind {
        Kind::PendingTransactions => {
            let mut hashes = context.node.subscribe_transactions();
            let Ok(sink) = pending.accept().await else {
                return;
            };
            loop {
                let hash = tokio::select! {
                    () = sink.closed() => return,
                    () = tokio::time::sleep(CLOSED_CHECK) => {
                        if sink.is_closed() {
                            return;
                        }
                        continue;
                    }
                    received = hashes.recv() => received,
                };
                match hash {
                    Ok(hash) => {
                        if !send(&sink, &Value::String(json::hash(&hash))).await {
                            return;
                        }
                    }
                    Err(RecvError::Lagged(skipped)) => {
                        tracing::debug!(skipped, "pending transaction subscriber fell behind");
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        }
        Kind::NewHeads | Kind::Logs(_) => {
            let mut blocks = context.node.subscribe_blocks();
            let Ok(sink) = pending.accept().await else {
                return;
            };
            loop {
                let block = tokio::select! {
                    () = sink.closed() => return,
                    () = tokio::time::sleep(CLOSED_CHECK) => {
                        if sink.is_closed() {
                            return;
                        }
                        continue;
                    }
                    received = blocks.recv() => received,
                };
                match block {
                    Ok(block) => {
                        let messages = match &kind {
                            Kind::Logs(criteria) => {
                                let criteria = Arc::clone(criteria);
                                let matched = tokio::task::spawn_blocking(move || {
                                    matching_logs(&block, &criteria)
                                })
                                .await;
                                match matched {
                                    Ok(messages) => messages,
                                    Err(error) => {
                                        tracing::error!(%error, "matching a block's logs");
                                        return;
                                    }
                                }
                            }
                            _ => vec![Value::Object(json::header(
                                &block.block.header,
                                &block.block.hash,
                            ))],
                        };
                        for message in &messages {
                            if !send(&sink, message).await {
                                return;
                            }
                        }
                    }
                    Err(RecvError::Lagged(skipped)) => {
                        tracing::debug!(skipped, "block subscriber fell behind");
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        }
    }
}

/// Sends one notification; false when the subscription is gone.
async fn send(sink: &SubscriptionSink, value: &Value) -> bool {
    match serde_json::value::to_raw_value(value) {
        Ok(raw) => sink.send(SubscriptionMessage::from(raw)).await.is_ok(),
        Err(error) => {
            tracing::error!(%error, "serialising a notification");
            false
        }
    }
}

/// The logs of a new block that `criteria` matches, with their block positions.
fn matching_logs(new: &NewBlock, criteria: &LogCriteria) -> Vec<Value> {
    let block = &new.block;
    let mut out = Vec::new();
    for (index, (tx, receipt)) in block.transactions.iter().zip(&new.receipts).enumerate() {
        let location = TxLocation {
            block_number: block.header.number,
            block_hash: block.hash,
            block_timestamp: block.header.timestamp,
            index: index as u64,
        };
        for (offset, entry) in receipt.logs.iter().enumerate() {
            if criteria.matches(entry) {
                out.push(json::log(
                    entry,
                    &LogPosition {
                        block_number: location.block_number,
                        block_hash: location.block_hash,
                        tx_hash: tx.hash,
                        tx_index: location.index,
                        log_index: receipt.first_log_index.saturating_add(offset as u64),
                    },
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_trimmed_hex_and_distinct() {
        let ids = HexIds::default();
        let first = ids.next();
        let second = ids.next();
        assert_ne!(first, second);
        for id in [&first, &second] {
            let digits = id.strip_prefix("0x").unwrap();
            assert!(!digits.is_empty() && digits.len() <= 32);
            assert!(digits.len() == 1 || !digits.starts_with('0'));
            assert!(digits.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn subscription_kinds_are_checked() {
        let heads = Params::new(Some(r#"["newHeads"]"#));
        assert_eq!(parse_kind(&heads).unwrap(), Kind::NewHeads);
        let logs = Params::new(Some(
            r#"["logs", {"address": "0x1111111111111111111111111111111111111111"}]"#,
        ));
        assert!(matches!(parse_kind(&logs).unwrap(), Kind::Logs(c) if c.addresses.len() == 1));
        let unknown = parse_kind(&Params::new(Some(r#"["syncing"]"#))).unwrap_err();
        assert_eq!(unknown.code, -32601);
        assert_eq!(
            unknown.message,
            "no \"syncing\" subscription in eth namespace"
        );
        let missing = parse_kind(&Params::new(Some("[]"))).unwrap_err();
        assert_eq!(missing.message, "missing value for required argument 0");
    }
}
