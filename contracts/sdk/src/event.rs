//! Solidity-ABI events.
//!
//! A Solidity event `Transfer(address indexed from, address indexed to, uint256 value)` is a log
//! whose first topic is keccak256 of the signature `Transfer(address,address,uint256)`, whose next
//! topics are the indexed parameters (value types as their 32-byte word, `string`/`bytes` as the
//! keccak256 of their contents), and whose data is the ABI encoding of the other parameters. That
//! is what ethers' `contract.on("Transfer", …)` and `eth_getLogs` filters expect. Declare events
//! with [`macro@crate::event`]; [`emit_event`] is the building block underneath.

/// An event declared with [`macro@crate::event`].
pub trait Event {
    /// The Solidity signature, e.g. `"Transfer(address,address,uint256)"`.
    const SIGNATURE: &'static str;
    /// keccak256 of [`Self::SIGNATURE`]: the log's first topic.
    const TOPIC0: [u8; 32];
    /// The event's entry in the ABI JSON (one JSON object).
    const ABI_JSON: &'static str;
    /// Emits the log.
    fn emit(&self);
}

/// Emits a Solidity-style event: topics `[topic0, indexed...]` (at most 3 indexed; more reverts)
/// and `data` (the ABI encoding of the non-indexed parameters, e.g. `abi::encode(&(value,))`).
pub fn emit_event(topic0: &[u8; 32], indexed: &[[u8; 32]], data: &[u8]) {
    let mut topics = [[0u8; 32]; 4];
    let (first, rest) = topics.split_at_mut(1);
    if indexed.len() > rest.len() {
        crate::revert_with("event: more than 3 indexed parameters");
    }
    first.iter_mut().for_each(|t| *t = *topic0);
    rest.iter_mut().zip(indexed).for_each(|(d, s)| *d = *s);
    crate::eei::log(topics.get(..1 + indexed.len()).unwrap_or(&[]), data)
}
