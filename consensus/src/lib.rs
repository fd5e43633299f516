//! rewasm's multi-node network: blocks decided by Malachite, a Tendermint-style BFT consensus
//! engine, over libp2p. `docs/NETWORK.md` describes the design and why Malachite.
//!
//! - [`context`]: what consensus votes on (block hashes) and who votes (ed25519 validators);
//! - [`signing`]: keys and the bytes each kind of message signs;
//! - [`codec`]: the wire and write-ahead-log format of consensus messages;
//! - [`streaming`]: blocks cut into proposal parts and put back together;
//! - [`app`]: proposing, validating (by re-execution) and committing blocks;
//! - [`gossip`]: transactions reaching every pool;
//! - [`engine`]: starting and stopping it all for a node;
//! - [`keys`]: key files and the genesis validator set.

pub mod app;
pub mod codec;
pub mod context;
pub mod engine;
pub mod gossip;
pub mod keys;
pub mod signing;
pub mod streaming;

pub use app::Fault;
pub use engine::{Consensus, EngineConfig, EngineError, lan_timeouts};
pub use libp2p::{Multiaddr, multiaddr};
