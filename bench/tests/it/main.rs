//! The benchmark harness runs end to end on a tiny workload.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod smoke;
mod soak;
