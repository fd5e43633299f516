//! Every EEI function against its semantics: bounds, gas order, static mode, traps.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod functions;
