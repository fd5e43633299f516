//! The primitives against the official RLP and trie vectors.
//!
//! One integration-test binary per crate (each links the crate once); one module per subject.

mod rlp_conformance;
mod trie_conformance;
