//! What contracts printed through module `debug` (dev chains only): kept per transaction, beside
//! its receipt, for the node's log, `rewasm run` and traces (`debug_traceTransaction`). Not part of the chain, and bounded:
//! a contract that prints in a loop pays gas for every line but the node keeps at most
//! [`MAX_DEBUG_LINES`] lines and [`MAX_DEBUG_BYTES`] bytes of them.

use primitive_types::H160;

/// The most lines kept per transaction.
pub const MAX_DEBUG_LINES: usize = 1_024;
/// The most bytes of text kept per transaction (a longer line is cut at a character boundary).
pub const MAX_DEBUG_BYTES: usize = 64 * 1024;

/// One line a contract printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugLine {
    /// The account of the frame that printed (for `callCode` / `callDelegate`, the caller's).
    pub address: H160,
    /// The frame's call depth (0: the transaction's own call).
    pub depth: u32,
    /// The text.
    pub text: String,
}

/// A transaction's printed lines, bounded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DebugOutput {
    /// The lines kept, in order.
    pub lines: Vec<DebugLine>,
    /// Lines dropped (or cut) past the bounds.
    pub dropped: u64,
    bytes: usize,
}

impl DebugOutput {
    /// Keeps `line` if the bounds allow, cut to the bytes left.
    pub(crate) fn push(&mut self, mut line: DebugLine) {
        let room = MAX_DEBUG_BYTES.saturating_sub(self.bytes);
        if self.lines.len() >= MAX_DEBUG_LINES || room == 0 {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        if line.text.len() > room {
            let mut cut = room;
            while !line.text.is_char_boundary(cut) {
                cut -= 1;
            }
            line.text.truncate(cut);
            self.dropped = self.dropped.saturating_add(1);
        }
        self.bytes += line.text.len();
        self.lines.push(line);
    }

    /// Whether nothing was printed.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.dropped == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(text: &str) -> DebugLine {
        DebugLine {
            address: H160::zero(),
            depth: 0,
            text: text.to_string(),
        }
    }

    #[test]
    fn lines_and_bytes_are_bounded() {
        let mut output = DebugOutput::default();
        assert!(output.is_empty());
        for _ in 0..MAX_DEBUG_LINES + 5 {
            output.push(line("x"));
        }
        assert_eq!(output.lines.len(), MAX_DEBUG_LINES);
        assert_eq!(output.dropped, 5);

        let mut output = DebugOutput::default();
        output.push(line(&"é".repeat(MAX_DEBUG_BYTES)));
        assert_eq!(output.lines[0].text.len(), MAX_DEBUG_BYTES);
        assert_eq!(output.dropped, 1);
        output.push(line("more"));
        assert_eq!((output.lines.len(), output.dropped), (1, 2));
    }
}
