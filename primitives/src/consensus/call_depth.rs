//! The call-depth limit (Yellow Paper, `CALL`/`CREATE`: 1024).
//!
//! The transaction's own frame is depth 0; `call*` and `create` from a frame at this depth do not
//! nest and return failure instead. (The wasm stack inside a frame has its own bound:
//! `rewasm_vm::limits`.)

/// The call depth at which `call*` and `create` stop nesting.
pub const MAX_CALL_DEPTH: u32 = 1024;
