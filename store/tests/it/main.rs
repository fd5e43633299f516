//! The RocksDB store: commits, crash atomicity, reads at old roots, typed read errors.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod store;
