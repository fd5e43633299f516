//! The `rewasm` binary: its commands, crash safety, faults of the disk and the process, attacks on a running node, networks of
//! validators, the examples, licences.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod architecture;
mod attacks;
mod build_cli;
mod client_cli;
mod common;
mod crash;
mod example_gas;
mod examples;
mod faults;
mod licences;
mod network;
mod new_cli;
mod node_cli;
mod run_cli;
mod validate_cli;
