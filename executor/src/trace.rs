//! Call traces: every frame a transaction runs — its own call or create, the nested calls and
//! creates, precompile calls — with what went in and came out, as geth's `callTracer` reports
//! them (`debug_traceTransaction`, `debug_traceCall`, `rewasm trace`). Recorded only when asked
//! ([`crate::ExecutionOptions::trace_calls`]); an untraced execution pays one `Option` check per
//! frame.
//!
//! A call or create the EEI refuses before it starts (the depth limit, a balance that cannot
//! pay the value, too many codes loaded) is a failed frame with no gas used, as geth shows one;
//! a refused create shows no init code (the EEI reads it only after those checks).
//!
//! A frame's logs are the ones it emitted itself, each with its position among the frame's
//! nested calls (geth's `position`); a frame that failed or reverted keeps none, nor do the
//! frames under it, since none of them are in the receipt. A trace holds at most
//! [`MAX_TRACED_FRAMES`] frames: gas bounds how many a transaction can run, but not tightly
//! enough for the memory of a call with the RPC gas cap.

use primitive_types::{H160, U256};
use rewasm_eei::{CallKind, CallStatus};
use rewasm_primitives::LogEntry;

/// The most frames one trace records; later frames run but are not recorded
/// ([`CallFrame::untraced`] counts them on the root).
pub const MAX_TRACED_FRAMES: usize = 100_000;

/// The most bytes of inputs and outputs one trace keeps (a frame's data past it is left out,
/// and [`CallFrame::untraced_bytes`] on the root counts it): gas prices data by the word, not
/// tightly enough to bound what a call with the RPC gas cap could make a trace hold.
pub const MAX_TRACED_BYTES: usize = 16 << 20;

/// How a frame was entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// `call` (and a transaction's own call).
    Call,
    /// `callCode`.
    CallCode,
    /// `callDelegate`.
    DelegateCall,
    /// `callStatic`.
    StaticCall,
    /// `create` (and a transaction's own create).
    Create,
}

impl FrameKind {
    /// geth's name of the frame type (`CALL`, `DELEGATECALL`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Call => "CALL",
            Self::CallCode => "CALLCODE",
            Self::DelegateCall => "DELEGATECALL",
            Self::StaticCall => "STATICCALL",
            Self::Create => "CREATE",
        }
    }

    pub(crate) fn of_call(kind: CallKind) -> Self {
        match kind {
            CallKind::Call => Self::Call,
            CallKind::CallCode => Self::CallCode,
            CallKind::Delegate => Self::DelegateCall,
            CallKind::Static => Self::StaticCall,
        }
    }
}

/// A log a frame emitted, and how many of the frame's nested calls came before it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracedLog {
    /// The log.
    pub log: LogEntry,
    /// Its place among the frame's calls: the number of calls the frame had made before it.
    pub position: usize,
}

/// One frame of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFrame {
    /// How it was entered.
    pub kind: FrameKind,
    /// The account that called or created (for `callDelegate` and `callCode`, the account whose
    /// code made the call).
    pub from: H160,
    /// The callee (the account whose code runs), or the created account; `None` for a create
    /// that made no account.
    pub to: Option<H160>,
    /// Value sent; `None` for `callDelegate` and `callStatic`, which send none.
    pub value: Option<U256>,
    /// Gas the frame was given (the transaction's gas limit for its own frame).
    pub gas: u64,
    /// Gas it used (the transaction's gas used, after refunds, for its own frame).
    pub gas_used: u64,
    /// Call data, or init code.
    pub input: Vec<u8>,
    /// Return or revert data; for a create that succeeded, the code it deployed (as geth).
    pub output: Vec<u8>,
    /// How it ended.
    pub status: CallStatus,
    /// Why it failed (a trap, out of gas, a failed transfer or deposit), when it did.
    pub failure: Option<String>,
    /// The logs it emitted itself (none when it failed or reverted).
    pub logs: Vec<TracedLog>,
    /// The frames it entered, in order.
    pub calls: Vec<CallFrame>,
    /// Frames run under this one but not recorded, past [`MAX_TRACED_FRAMES`] (the root only).
    pub untraced: u64,
    /// Bytes of input and output left out, past [`MAX_TRACED_BYTES`] (the root only).
    pub untraced_bytes: u64,
}

impl CallFrame {
    /// A frame just entered.
    pub(crate) fn entered(
        kind: FrameKind,
        from: H160,
        to: Option<H160>,
        value: Option<U256>,
        gas: u64,
        input: &[u8],
    ) -> Self {
        Self {
            kind,
            from,
            to,
            value,
            gas,
            gas_used: 0,
            input: input.to_vec(),
            output: Vec::new(),
            status: CallStatus::Success,
            failure: None,
            logs: Vec::new(),
            calls: Vec::new(),
            untraced: 0,
            untraced_bytes: 0,
        }
    }

    /// Drops the logs of this frame and every frame under it (they are not in the receipt).
    fn forget_logs(&mut self) {
        self.logs.clear();
        for call in &mut self.calls {
            call.forget_logs();
        }
    }
}

/// How a frame ended, for [`CallTracer::exit`].
pub(crate) struct FrameEnd {
    pub status: CallStatus,
    pub gas_used: u64,
    pub output: Vec<u8>,
    pub failure: Option<String>,
    /// A create's new account.
    pub created: Option<H160>,
}

/// The frames of one execution, as they are entered and left.
#[derive(Debug, Default)]
pub(crate) struct CallTracer {
    open: Vec<CallFrame>,
    root: Option<CallFrame>,
    recorded: usize,
    /// Frames entered past the bound, still open (their exits are not recorded either).
    skipped_open: usize,
    untraced: u64,
    /// Bytes of data kept so far, and left out.
    kept_bytes: usize,
    untraced_bytes: u64,
}

impl CallTracer {
    pub(crate) fn enter(&mut self, frame: CallFrame) {
        if self.skipped_open > 0 || self.recorded >= MAX_TRACED_FRAMES {
            self.skipped_open += 1;
            self.untraced = self.untraced.saturating_add(1);
            return;
        }
        self.recorded += 1;
        let mut frame = frame;
        frame.input = self.keep(frame.input);
        self.open.push(frame);
    }

    /// `data` if the byte budget has room for it, else nothing (counted).
    fn keep(&mut self, data: Vec<u8>) -> Vec<u8> {
        match self.kept_bytes.checked_add(data.len()) {
            Some(total) if total <= MAX_TRACED_BYTES => {
                self.kept_bytes = total;
                data
            }
            _ => {
                self.untraced_bytes = self.untraced_bytes.saturating_add(data.len() as u64);
                Vec::new()
            }
        }
    }

    pub(crate) fn log(&mut self, log: &LogEntry) {
        if self.skipped_open > 0 {
            return;
        }
        if let Some(frame) = self.open.last_mut() {
            let position = frame.calls.len();
            frame.logs.push(TracedLog {
                log: log.clone(),
                position,
            });
        }
    }

    pub(crate) fn exit(&mut self, end: FrameEnd) {
        if self.skipped_open > 0 {
            self.skipped_open -= 1;
            return;
        }
        let Some(mut frame) = self.open.pop() else {
            return;
        };
        frame.status = end.status;
        frame.gas_used = end.gas_used;
        frame.output = self.keep(end.output);
        frame.failure = end.failure;
        if frame.kind == FrameKind::Create {
            frame.to = end.created;
        }
        if end.status != CallStatus::Success {
            frame.forget_logs();
        }
        match self.open.last_mut() {
            Some(parent) => parent.calls.push(frame),
            None => self.root = Some(frame),
        }
    }

    /// The root frame, once the transaction's own frame has ended.
    pub(crate) fn finish(self) -> Option<CallFrame> {
        self.root.map(|mut root| {
            root.untraced = self.untraced;
            root.untraced_bytes = self.untraced_bytes;
            root
        })
    }
}
