//! The eWASM GeneralStateTests from ../shared/conformance.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod statetests;
