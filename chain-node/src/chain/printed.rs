//! What contracts print through module `debug` (dev chains only: genesis `devMode`) goes to the
//! node's log, beside the transaction hash (or `eth_call`'s target), at `info`: a developer
//! running `rewasm node --dev` sees it where the node's other messages are. The executor keeps
//! at most [`rewasm_executor::debug::MAX_DEBUG_LINES`] lines per execution; what it dropped is
//! counted in a warning. The text is escaped (`escape_debug`): a contract cannot start a log
//! line of its own with a newline.

use primitive_types::{H160, H256};
use rewasm_executor::DebugOutput;

/// The lines a transaction's contracts printed, each with the transaction's hash.
pub(crate) fn log_transaction(hash: &H256, printed: &DebugOutput) {
    for line in &printed.lines {
        tracing::info!(tx = ?hash, contract = ?line.address, depth = line.depth, "debug: {}", line.text.escape_debug());
    }
    if printed.dropped > 0 {
        tracing::warn!(tx = ?hash, dropped = printed.dropped, "debug: output past the bounds dropped");
    }
}

/// The lines an `eth_call`'s contracts printed, each with the call's target.
pub(crate) fn log_call(to: Option<H160>, printed: &DebugOutput) {
    for line in &printed.lines {
        tracing::info!(call_to = ?to, contract = ?line.address, depth = line.depth, "debug: {}", line.text.escape_debug());
    }
    if printed.dropped > 0 {
        tracing::warn!(call_to = ?to, dropped = printed.dropped, "debug: output past the bounds dropped");
    }
}
