//! A persisted, incremental hexary Merkle-Patricia trie (Yellow Paper appendix D).
//!
//! Why this exists: the reference trie in `rewasm_primitives::trie` builds a root from the
//! whole key set, which costs O(state) per block. Here nodes live content-addressed in a
//! [`NodeSource`] (the store's `trie_nodes` column family: keccak(node RLP) → node RLP), and an
//! update loads only the nodes on the paths it changes: O(changed keys × depth) reads, and the
//! same number of new nodes to write.
//!
//! Nodes are never overwritten or deleted (the key is the content's hash), so every root ever
//! committed stays readable: that is what historical state reads rely on.
//!
//! The encoding is Ethereum's exactly, so roots equal the reference's:
//!
//! - leaf `[hp(rest of path, leaf), value]`, extension `[hp(shared nibbles), child]`,
//!   branch `[child_0, …, child_15, value]`;
//! - a child whose RLP is shorter than 32 bytes is embedded in its parent (and not stored on its
//!   own), a longer one is referenced by its keccak-256; the root is always hashed, and always
//!   stored, even when short;
//! - deleting a key collapses the trie back to the canonical shape for the remaining keys: a
//!   branch left with one child and no value merges into that child's path (becoming an
//!   extension or a leaf), a branch left with only a value becomes a leaf, and an extension whose
//!   child became an extension or a leaf absorbs its path.
//!
//! An update works on an in-memory tree whose untouched subtrees stay unloaded
//! ([`Node::Stored`]); a subtree loaded but left unchanged is put back as the reference it was,
//! so committing re-encodes and re-hashes only the changed nodes.
//!
//! Recursion depth is bounded by twice the key's nibble count; the store's keys are 32-byte
//! hashes (64 nibbles).

use alloy_rlp::EMPTY_STRING_CODE;
use primitive_types::H256;
use rewasm_primitives::rlp::{RlpItem, decode_item};
use rewasm_primitives::trie::{hex_prefix, list};
use rewasm_primitives::{EMPTY_ROOT, keccak256};

use super::StoreError;

/// Where trie nodes are read from: node hash → node RLP.
pub trait NodeSource {
    /// The RLP of the node whose keccak-256 is `hash`, if stored.
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError>;
}

impl<S: std::hash::BuildHasher> NodeSource for std::collections::HashMap<H256, Vec<u8>, S> {
    fn node(&self, hash: &H256) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.get(hash).cloned())
    }
}

/// The result of [`update`]: the new root and the nodes it needs that may not be stored yet.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrieCommit {
    /// The new root ([`EMPTY_ROOT`] for an empty trie).
    pub root: H256,
    /// New nodes as (keccak of the RLP, RLP). Storing a node that is already there is harmless:
    /// the key is the content's hash.
    pub nodes: Vec<(H256, Vec<u8>)>,
}

/// A node of the in-memory tree an update works on.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// A stored node not loaded (yet): its hash.
    Stored(H256),
    Leaf {
        path: Vec<u8>,
        value: Vec<u8>,
    },
    Extension {
        path: Vec<u8>,
        child: Box<Node>,
    },
    Branch {
        children: Box<[Option<Node>; 16]>,
        value: Option<Vec<u8>>,
    },
}

/// The value stored under `key` in the trie with this root; `None` when absent.
pub fn get(
    source: &impl NodeSource,
    root: &H256,
    key: &[u8],
) -> Result<Option<Vec<u8>>, StoreError> {
    if *root == EMPTY_ROOT {
        return Ok(None);
    }
    let path = nibbles(key);
    let mut rest = path.as_slice();
    let mut node = load(source, root)?;
    loop {
        node = match node {
            Node::Stored(hash) => load(source, &hash)?,
            Node::Leaf { path, value } => {
                return Ok((path == rest).then_some(value));
            }
            Node::Extension { path, child } => match rest.strip_prefix(path.as_slice()) {
                Some(tail) => {
                    rest = tail;
                    *child
                }
                None => return Ok(None),
            },
            Node::Branch {
                mut children,
                value,
            } => match rest.split_first() {
                None => return Ok(value),
                Some((&nibble, tail)) => {
                    rest = tail;
                    match children.get_mut(usize::from(nibble)).and_then(Option::take) {
                        Some(child) => child,
                        None => return Ok(None),
                    }
                }
            },
        };
    }
}

/// The proof of `key` in the trie with this root (EIP-1186, as geth's `Prove`): the RLP of every
/// stored node on the key's path from the root, in order; nodes embedded in their parent are in
/// the parent's RLP. For an absent key the path ends where the key's nibbles leave the trie, so
/// the proof shows the absence. Empty for the empty trie.
pub fn prove(
    source: &impl NodeSource,
    root: &H256,
    key: &[u8],
) -> Result<Vec<Vec<u8>>, StoreError> {
    let mut proof = Vec::new();
    if *root == EMPTY_ROOT {
        return Ok(proof);
    }
    let path = nibbles(key);
    let mut rest = path.as_slice();
    let mut node = Node::Stored(*root);
    loop {
        node = match node {
            Node::Stored(hash) => {
                let (rlp, loaded) = load_with_rlp(source, &hash)?;
                proof.push(rlp);
                loaded
            }
            Node::Leaf { .. } => return Ok(proof),
            Node::Extension { path, child } => match rest.strip_prefix(path.as_slice()) {
                Some(tail) => {
                    rest = tail;
                    *child
                }
                None => return Ok(proof),
            },
            Node::Branch { mut children, .. } => match rest.split_first() {
                None => return Ok(proof),
                Some((&nibble, tail)) => {
                    rest = tail;
                    match children.get_mut(usize::from(nibble)).and_then(Option::take) {
                        Some(child) => child,
                        None => return Ok(proof),
                    }
                }
            },
        };
    }
}

/// Applies `entries` in order to the trie with root `root`: `Some(value)` sets the key, `None`
/// (or an empty value, which a trie cannot hold) deletes it; a later entry for the same key wins.
/// Nothing is written: the caller stores [`TrieCommit::nodes`].
pub fn update<K: AsRef<[u8]>>(
    source: &impl NodeSource,
    root: H256,
    entries: impl IntoIterator<Item = (K, Option<Vec<u8>>)>,
) -> Result<TrieCommit, StoreError> {
    let mut tree = (root != EMPTY_ROOT).then_some(Node::Stored(root));
    for (key, value) in entries {
        let path = nibbles(key.as_ref());
        tree = match value.filter(|value| !value.is_empty()) {
            Some(value) => Some(insert(source, tree, &path, value)?.0),
            None => match tree {
                Some(node) => delete(source, node, &path)?.0,
                None => None,
            },
        };
    }
    let mut nodes = Vec::new();
    let root = match tree {
        None => EMPTY_ROOT,
        Some(Node::Stored(hash)) => hash,
        Some(node) => {
            let rlp = encode(&node, &mut nodes);
            let hash = keccak256(&rlp);
            nodes.push((hash, rlp));
            hash
        }
    };
    Ok(TrieCommit { root, nodes })
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|&b| [b >> 4, b & 0x0f]).collect()
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn concat(first: &[u8], second: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(first.len() + second.len());
    out.extend_from_slice(first);
    out.extend_from_slice(second);
    out
}

fn empty_children() -> Box<[Option<Node>; 16]> {
    Box::new(std::array::from_fn(|_| None))
}

/// Puts `node` under `path` into a fresh branch: as the branch's value when the path ends here
/// (only a leaf can), else as child `path[0]`, shortened by that nibble.
fn place(children: &mut [Option<Node>; 16], value: &mut Option<Vec<u8>>, path: &[u8], node: Node) {
    match path.split_first() {
        None => {
            if let Node::Leaf { value: v, .. } = node {
                *value = Some(v);
            }
        }
        Some((&nibble, tail)) => {
            let shortened = match node {
                Node::Leaf { value, .. } => Node::Leaf {
                    path: tail.to_vec(),
                    value,
                },
                Node::Extension { child, .. } if tail.is_empty() => *child,
                Node::Extension { child, .. } => Node::Extension {
                    path: tail.to_vec(),
                    child,
                },
                other => other,
            };
            if let Some(slot) = children.get_mut(usize::from(nibble)) {
                *slot = Some(shortened);
            }
        }
    }
}

/// A branch at the point where two paths diverge after `shared` common nibbles, under an
/// extension over those nibbles if there are any.
fn split(shared: &[u8], a_path: &[u8], a: Node, b_path: &[u8], b: Node) -> Node {
    let mut children = empty_children();
    let mut value = None;
    place(&mut children, &mut value, a_path, a);
    place(&mut children, &mut value, b_path, b);
    let branch = Node::Branch { children, value };
    if shared.is_empty() {
        branch
    } else {
        Node::Extension {
            path: shared.to_vec(),
            child: Box::new(branch),
        }
    }
}

/// Sets `path` to `value` below `node`. Returns the new node and whether anything changed; an
/// unchanged node comes back as it was (a stored one unloaded).
fn insert(
    source: &impl NodeSource,
    node: Option<Node>,
    path: &[u8],
    value: Vec<u8>,
) -> Result<(Node, bool), StoreError> {
    let Some(node) = node else {
        return Ok((
            Node::Leaf {
                path: path.to_vec(),
                value,
            },
            true,
        ));
    };
    match node {
        Node::Stored(hash) => {
            let loaded = load(source, &hash)?;
            let (new, changed) = insert(source, Some(loaded), path, value)?;
            Ok(if changed {
                (new, true)
            } else {
                (Node::Stored(hash), false)
            })
        }
        Node::Leaf {
            path: leaf_path,
            value: old,
        } => {
            if leaf_path == path {
                let changed = old != value;
                return Ok((
                    Node::Leaf {
                        path: leaf_path,
                        value,
                    },
                    changed,
                ));
            }
            let shared = common_prefix(&leaf_path, path);
            let (prefix, old_rest) = leaf_path.split_at(shared);
            let new_rest = path.get(shared..).unwrap_or_default();
            let old_leaf = Node::Leaf {
                path: Vec::new(),
                value: old,
            };
            let new_leaf = Node::Leaf {
                path: Vec::new(),
                value,
            };
            Ok((split(prefix, old_rest, old_leaf, new_rest, new_leaf), true))
        }
        Node::Extension {
            path: ext_path,
            child,
        } => {
            let shared = common_prefix(&ext_path, path);
            let rest = path.get(shared..).unwrap_or_default();
            if shared == ext_path.len() {
                let (new_child, changed) = insert(source, Some(*child), rest, value)?;
                return Ok((
                    Node::Extension {
                        path: ext_path,
                        child: Box::new(new_child),
                    },
                    changed,
                ));
            }
            let (prefix, ext_rest) = ext_path.split_at(shared);
            let old = Node::Extension {
                path: Vec::new(),
                child,
            };
            let new_leaf = Node::Leaf {
                path: Vec::new(),
                value,
            };
            Ok((split(prefix, ext_rest, old, rest, new_leaf), true))
        }
        Node::Branch {
            mut children,
            value: here,
        } => match path.split_first() {
            None => {
                let changed = here.as_ref() != Some(&value);
                Ok((
                    Node::Branch {
                        children,
                        value: Some(value),
                    },
                    changed,
                ))
            }
            Some((&nibble, rest)) => {
                let mut changed = false;
                if let Some(slot) = children.get_mut(usize::from(nibble)) {
                    let (new_child, child_changed) = insert(source, slot.take(), rest, value)?;
                    *slot = Some(new_child);
                    changed = child_changed;
                }
                Ok((
                    Node::Branch {
                        children,
                        value: here,
                    },
                    changed,
                ))
            }
        },
    }
}

/// Removes `path` below `node`, collapsing what is left to the canonical shape. Returns the new
/// node (`None` when nothing is left) and whether anything changed.
fn delete(
    source: &impl NodeSource,
    node: Node,
    path: &[u8],
) -> Result<(Option<Node>, bool), StoreError> {
    match node {
        Node::Stored(hash) => {
            let loaded = load(source, &hash)?;
            let (new, changed) = delete(source, loaded, path)?;
            Ok(if changed {
                (new, true)
            } else {
                (Some(Node::Stored(hash)), false)
            })
        }
        Node::Leaf {
            path: leaf_path,
            value,
        } => {
            if leaf_path == path {
                Ok((None, true))
            } else {
                Ok((
                    Some(Node::Leaf {
                        path: leaf_path,
                        value,
                    }),
                    false,
                ))
            }
        }
        Node::Extension {
            path: ext_path,
            child,
        } => {
            let Some(rest) = path.strip_prefix(ext_path.as_slice()) else {
                return Ok((
                    Some(Node::Extension {
                        path: ext_path,
                        child,
                    }),
                    false,
                ));
            };
            let (new_child, changed) = delete(source, *child, rest)?;
            if !changed {
                return Ok((
                    new_child.map(|child| Node::Extension {
                        path: ext_path,
                        child: Box::new(child),
                    }),
                    false,
                ));
            }
            let new = new_child.map(|child| match child {
                Node::Extension { path, child } => Node::Extension {
                    path: concat(&ext_path, &path),
                    child,
                },
                Node::Leaf { path, value } => Node::Leaf {
                    path: concat(&ext_path, &path),
                    value,
                },
                other => Node::Extension {
                    path: ext_path,
                    child: Box::new(other),
                },
            });
            Ok((new, changed))
        }
        Node::Branch {
            mut children,
            mut value,
        } => {
            let changed = match path.split_first() {
                None => value.take().is_some(),
                Some((&nibble, rest)) => match children.get_mut(usize::from(nibble)) {
                    Some(slot) => match slot.take() {
                        Some(child) => {
                            let (new_child, changed) = delete(source, child, rest)?;
                            *slot = new_child;
                            changed
                        }
                        None => false,
                    },
                    None => false,
                },
            };
            if !changed {
                return Ok((Some(Node::Branch { children, value }), false));
            }
            Ok((collapse(source, children, value)?, true))
        }
    }
}

/// A branch after a deletion below it: kept if it still has two or more entries (children or
/// value), else replaced by what it degenerates to.
fn collapse(
    source: &impl NodeSource,
    mut children: Box<[Option<Node>; 16]>,
    value: Option<Vec<u8>>,
) -> Result<Option<Node>, StoreError> {
    let present: Vec<usize> = children
        .iter()
        .enumerate()
        .filter_map(|(index, child)| child.is_some().then_some(index))
        .collect();
    let only = match (present.as_slice(), value) {
        ([], None) => return Ok(None),
        ([], Some(value)) => {
            return Ok(Some(Node::Leaf {
                path: Vec::new(),
                value,
            }));
        }
        ([index], None) => *index,
        (_, value) => return Ok(Some(Node::Branch { children, value })),
    };
    let Some(child) = children.get_mut(only).and_then(Option::take) else {
        return Ok(None);
    };
    let nibble = u8::try_from(only).unwrap_or_default();
    Ok(Some(match child {
        // The merge depends on the child's kind, so a stored child is loaded; a branch stays
        // referenced by its hash (it does not change).
        Node::Stored(hash) => match load(source, &hash)? {
            loaded @ (Node::Leaf { .. } | Node::Extension { .. }) => prepend(nibble, loaded),
            Node::Branch { .. } | Node::Stored(_) => prepend(nibble, Node::Stored(hash)),
        },
        other => prepend(nibble, other),
    }))
}

/// `node` moved one nibble up, under `nibble`: a leaf or extension absorbs the nibble into its
/// path, anything else gets an extension over it.
fn prepend(nibble: u8, node: Node) -> Node {
    match node {
        Node::Leaf { path, value } => Node::Leaf {
            path: concat(&[nibble], &path),
            value,
        },
        Node::Extension { path, child } => Node::Extension {
            path: concat(&[nibble], &path),
            child,
        },
        other => Node::Extension {
            path: vec![nibble],
            child: Box::new(other),
        },
    }
}

// ---- encoding ---------------------------------------------------------------------------------

/// The node's RLP. Children of 32 bytes or more are hashed and pushed onto `new_nodes`.
fn encode(node: &Node, new_nodes: &mut Vec<(H256, Vec<u8>)>) -> Vec<u8> {
    match node {
        Node::Stored(hash) => string(hash.as_bytes()),
        Node::Leaf { path, value } => list(&[string(&hex_prefix(path, true)), string(value)]),
        Node::Extension { path, child } => list(&[
            string(&hex_prefix(path, false)),
            reference(child, new_nodes),
        ]),
        Node::Branch { children, value } => {
            let mut items = Vec::with_capacity(17);
            for child in children.iter() {
                items.push(match child {
                    None => vec![EMPTY_STRING_CODE],
                    Some(child) => reference(child, new_nodes),
                });
            }
            items.push(string(value.as_deref().unwrap_or_default()));
            list(&items)
        }
    }
}

/// How a parent refers to `child`: its hash, or its RLP inline when shorter than 32 bytes.
fn reference(child: &Node, new_nodes: &mut Vec<(H256, Vec<u8>)>) -> Vec<u8> {
    if let Node::Stored(hash) = child {
        return string(hash.as_bytes());
    }
    let rlp = encode(child, new_nodes);
    if rlp.len() < 32 {
        rlp
    } else {
        let hash = keccak256(&rlp);
        new_nodes.push((hash, rlp));
        string(hash.as_bytes())
    }
}

fn string(bytes: &[u8]) -> Vec<u8> {
    alloy_rlp::encode(bytes)
}

// ---- decoding ---------------------------------------------------------------------------------

/// Reads and decodes the stored node `hash`; its content must hash to its key.
fn load(source: &impl NodeSource, hash: &H256) -> Result<Node, StoreError> {
    load_with_rlp(source, hash).map(|(_, node)| node)
}

/// The stored node `hash`: its RLP and the node it encodes.
fn load_with_rlp(source: &impl NodeSource, hash: &H256) -> Result<(Vec<u8>, Node), StoreError> {
    let rlp = source
        .node(hash)?
        .ok_or(StoreError::MissingTrieNode { hash: *hash })?;
    if keccak256(&rlp) != *hash {
        return Err(corrupt(hash, "content hashes differently".to_string()));
    }
    let item = decode_item(&rlp).map_err(|error| corrupt(hash, error.to_string()))?;
    let node = node_from_item(item).map_err(|reason| corrupt(hash, reason))?;
    Ok((rlp, node))
}

fn corrupt(hash: &H256, reason: String) -> StoreError {
    StoreError::corrupt("trie_nodes", format!("node {hash:?}: {reason}"))
}

fn node_from_item(item: RlpItem) -> Result<Node, String> {
    let RlpItem::List(items) = item else {
        return Err("a node is a list, found a string".to_string());
    };
    match <[RlpItem; 2]>::try_from(items) {
        Ok([RlpItem::Bytes(encoded_path), second]) => {
            let (path, leaf) = decode_hex_prefix(&encoded_path)?;
            if leaf {
                match second {
                    RlpItem::Bytes(value) if !value.is_empty() => Ok(Node::Leaf { path, value }),
                    _ => Err("a leaf's value must be a non-empty string".to_string()),
                }
            } else if path.is_empty() {
                Err("an extension with an empty path".to_string())
            } else {
                match child_from_item(second)? {
                    Some(child) => Ok(Node::Extension {
                        path,
                        child: Box::new(child),
                    }),
                    None => Err("an extension without a child".to_string()),
                }
            }
        }
        Ok(_) => Err("a two-item node must start with its path".to_string()),
        Err(items) => {
            let items: [RlpItem; 17] = items
                .try_into()
                .map_err(|items: Vec<RlpItem>| format!("a node of {} items", items.len()))?;
            let [children @ .., value] = items;
            let value = match value {
                RlpItem::Bytes(value) => (!value.is_empty()).then_some(value),
                RlpItem::List(_) => return Err("a branch value must be a string".to_string()),
            };
            let mut decoded = empty_children();
            for (slot, child) in decoded.iter_mut().zip(children) {
                *slot = child_from_item(child)?;
            }
            Ok(Node::Branch {
                children: decoded,
                value,
            })
        }
    }
}

/// A child reference: empty string (none), a 32-byte hash, or an embedded node.
fn child_from_item(item: RlpItem) -> Result<Option<Node>, String> {
    match item {
        RlpItem::Bytes(bytes) if bytes.is_empty() => Ok(None),
        RlpItem::Bytes(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
            .map(|hash| Some(Node::Stored(H256(hash))))
            .map_err(|_| format!("a child reference of {} bytes", bytes.len())),
        list @ RlpItem::List(_) => node_from_item(list).map(Some),
    }
}

/// The inverse of `hex_prefix`: the nibbles and the leaf flag.
fn decode_hex_prefix(encoded: &[u8]) -> Result<(Vec<u8>, bool), String> {
    let (&first, rest) = encoded
        .split_first()
        .ok_or_else(|| "an empty hex-prefix path".to_string())?;
    let flag = first >> 4;
    if flag > 3 {
        return Err(format!("hex-prefix flag {flag}"));
    }
    let leaf = flag & 2 != 0;
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if flag & 1 != 0 {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err("an even hex-prefix path with a non-zero padding nibble".to_string());
    }
    path.extend(nibbles(rest));
    Ok((path, leaf))
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use proptest::prelude::*;
    use rewasm_primitives::{secure_trie_root, trie_root};

    use super::*;

    /// An in-memory node store that records every commit's nodes, as the store's batch does.
    #[derive(Default)]
    struct Memory {
        nodes: HashMap<H256, Vec<u8>>,
    }

    impl Memory {
        fn apply(&mut self, root: H256, entries: Batch) -> H256 {
            let commit = update(&self.nodes, root, entries).unwrap();
            for (hash, rlp) in commit.nodes {
                assert_eq!(keccak256(&rlp), hash);
                self.nodes.insert(hash, rlp);
            }
            commit.root
        }
    }

    /// Keys over a tiny alphabet and of varying length, so that paths share prefixes, end
    /// inside other paths (branch values) and produce every node kind.
    fn raw_key() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop::sample::select(vec![0x00u8, 0x01, 0x10, 0x11, 0xff]),
            0..4,
        )
    }

    /// Values from one byte (embedded nodes) to 40 (hashed ones); some empty (a delete).
    fn value() -> impl Strategy<Value = Option<Vec<u8>>> {
        prop_oneof![
            1 => Just(None),
            1 => Just(Some(Vec::new())),
            6 => prop::collection::vec(any::<u8>(), 1..40).prop_map(Some),
        ]
    }

    /// A batch of updates: key, and the value to set (`None` or empty: delete).
    type Batch = Vec<(Vec<u8>, Option<Vec<u8>>)>;

    fn batches(key: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<Batch>> {
        prop::collection::vec(prop::collection::vec((key, value()), 0..12), 1..8)
    }

    /// Applies the batches to the trie and to a map, checking the root after each against the
    /// reference, every key's value, and finally that deleting everything empties the trie.
    fn check(
        batches: Vec<Batch>,
        reference: impl Fn(&BTreeMap<Vec<u8>, Vec<u8>>) -> H256,
        path_of: impl Fn(&[u8]) -> Vec<u8>,
    ) -> Result<(), TestCaseError> {
        let mut memory = Memory::default();
        let mut model = BTreeMap::new();
        let mut root = EMPTY_ROOT;
        let mut history = Vec::new();
        for batch in batches {
            let entries: Vec<_> = batch
                .iter()
                .map(|(key, value)| (path_of(key), value.clone()))
                .collect();
            root = memory.apply(root, entries);
            for (key, value) in batch {
                match value.filter(|value| !value.is_empty()) {
                    Some(value) => model.insert(key, value),
                    None => model.remove(&key),
                };
            }
            prop_assert_eq!(root, reference(&model));
            for (key, value) in &model {
                let found = get(&memory.nodes, &root, &path_of(key)).unwrap();
                prop_assert_eq!(found.as_ref(), Some(value));
            }
            history.push((root, model.clone()));
        }
        // Old roots stay readable: nodes are only ever added.
        for (old_root, old_model) in &history {
            for (key, value) in old_model {
                let found = get(&memory.nodes, old_root, &path_of(key)).unwrap();
                prop_assert_eq!(found.as_ref(), Some(value));
            }
        }
        let deletes = model.keys().map(|key| (path_of(key), None)).collect();
        prop_assert_eq!(memory.apply(root, deletes), EMPTY_ROOT);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn raw_keys_match_the_reference(batches in batches(raw_key())) {
            check(batches, |model| trie_root(model.iter()), <[u8]>::to_vec)?;
        }

        #[test]
        fn hashed_keys_match_the_reference(
            batches in batches(prop::collection::vec(0u8..24, 1..2))
        ) {
            check(
                batches,
                |model| secure_trie_root(model.iter()),
                |key| keccak256(key).as_bytes().to_vec(),
            )?;
        }

        /// Insertion order and batching do not matter: one batch in any order, or one key per
        /// batch, reach the same root.
        #[test]
        fn order_and_batching_do_not_matter(
            set in prop::collection::btree_map(raw_key(), prop::collection::vec(any::<u8>(), 1..40), 0..20),
            seed in any::<u64>(),
        ) {
            let sorted: Vec<_> = set.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect();
            let mut shuffled = sorted.clone();
            // A deterministic shuffle from the seed.
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, usize::try_from(state % (i as u64 + 1)).unwrap());
            }
            let mut memory = Memory::default();
            let at_once = memory.apply(EMPTY_ROOT, sorted);
            let mut one_by_one = EMPTY_ROOT;
            for entry in shuffled {
                one_by_one = memory.apply(one_by_one, vec![entry]);
            }
            prop_assert_eq!(at_once, one_by_one);
            prop_assert_eq!(at_once, trie_root(set.iter()));
        }
    }

    #[test]
    fn unchanged_updates_write_nothing() {
        let mut memory = Memory::default();
        let entries = (0u8..50)
            .map(|i| (keccak256(&[i]).as_bytes().to_vec(), Some(vec![i; 3])))
            .collect();
        let root = memory.apply(EMPTY_ROOT, entries);
        // The same value again, and deleting an absent key: same root, no node to write.
        let commit = update(
            &memory.nodes,
            root,
            [
                (keccak256(&[7]).as_bytes().to_vec(), Some(vec![7; 3])),
                (keccak256(&[200]).as_bytes().to_vec(), None),
            ],
        )
        .unwrap();
        assert_eq!(commit.root, root);
        assert!(commit.nodes.is_empty());
    }

    #[test]
    fn a_short_root_is_stored_and_readable() {
        // One tiny entry: the root node is under 32 bytes but must still be stored by hash.
        let mut memory = Memory::default();
        let root = memory.apply(EMPTY_ROOT, vec![(vec![0x41], Some(b"x".to_vec()))]);
        assert_eq!(root, trie_root([(b"A", b"x")]));
        assert_eq!(
            get(&memory.nodes, &root, b"A").unwrap(),
            Some(b"x".to_vec())
        );
        assert_eq!(get(&memory.nodes, &root, b"B").unwrap(), None);
    }

    /// A proof starts at the root, each node is referenced by hash from the one before, and
    /// the last holds the value; an absent key's proof ends where its path leaves the trie.
    #[test]
    fn proofs_chain_from_the_root_to_the_value() {
        let mut memory = Memory::default();
        let entries: Batch = (0u8..200)
            .map(|i| (keccak256(&[i]).as_bytes().to_vec(), Some(vec![i; 33])))
            .collect();
        let root = memory.apply(EMPTY_ROOT, entries);
        let contains = |haystack: &[u8], needle: &[u8]| {
            haystack
                .windows(needle.len())
                .any(|window| window == needle)
        };
        for i in [0u8, 7, 199] {
            let proof = prove(&memory.nodes, &root, keccak256(&[i]).as_bytes()).unwrap();
            assert!(proof.len() >= 2, "{i}: {} nodes", proof.len());
            assert_eq!(keccak256(&proof[0]), root);
            for pair in proof.windows(2) {
                assert!(contains(&pair[0], keccak256(&pair[1]).as_bytes()));
            }
            assert!(contains(proof.last().unwrap(), &[i; 33]));
        }
        let absent = prove(&memory.nodes, &root, keccak256(&[250u8]).as_bytes()).unwrap();
        assert!(!absent.is_empty());
        assert_eq!(keccak256(&absent[0]), root);
        assert!(
            prove(&memory.nodes, &EMPTY_ROOT, b"any")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn missing_and_corrupt_nodes_are_typed_errors() {
        let empty: HashMap<H256, Vec<u8>> = HashMap::new();
        let unknown = H256::repeat_byte(0x42);
        assert!(matches!(
            get(&empty, &unknown, b"k").unwrap_err(),
            StoreError::MissingTrieNode { hash } if hash == unknown
        ));
        assert!(matches!(
            update(&empty, unknown, [(b"k", Some(vec![1]))]).unwrap_err(),
            StoreError::MissingTrieNode { hash } if hash == unknown
        ));
        // Content that does not hash to its key, and well-hashed bytes that are not a node.
        let mut bad = HashMap::new();
        bad.insert(unknown, vec![0xc0]);
        let not_a_node = vec![0x83, 1, 2, 3];
        let hash = keccak256(&not_a_node);
        bad.insert(hash, not_a_node);
        for root in [unknown, hash] {
            assert!(matches!(
                get(&bad, &root, b"k").unwrap_err(),
                StoreError::Corrupt {
                    column: "trie_nodes",
                    ..
                }
            ));
        }
    }

    #[test]
    fn decoding_round_trips_every_node_kind() {
        let mut memory = Memory::default();
        // Keys chosen for a branch with a value, an extension and leaves, with long values so
        // the nodes are stored, not embedded.
        let long = |b: u8| Some(vec![b; 40]);
        let root = memory.apply(
            EMPTY_ROOT,
            vec![
                (vec![0x12], long(1)),
                (vec![0x12, 0x34], long(2)),
                (vec![0x12, 0x35], long(3)),
                (vec![0x99, 0x00, 0x00], long(4)),
            ],
        );
        for rlp in memory.nodes.values() {
            let node = node_from_item(decode_item(rlp).unwrap()).unwrap();
            assert_eq!(&encode(&node, &mut Vec::new()), rlp);
        }
        assert!(memory.nodes.len() >= 4);
        assert_eq!(
            get(&memory.nodes, &root, &[0x12]).unwrap(),
            long(1),
            "the branch value"
        );
    }

    #[test]
    fn hex_prefix_round_trips() {
        for path in [vec![], vec![1], vec![1, 2], vec![0xf, 0, 3]] {
            for leaf in [false, true] {
                assert_eq!(
                    decode_hex_prefix(&hex_prefix(&path, leaf)).unwrap(),
                    (path.clone(), leaf)
                );
            }
        }
        assert!(decode_hex_prefix(&[]).is_err());
        assert!(decode_hex_prefix(&[0x40]).is_err());
        assert!(decode_hex_prefix(&[0x01]).is_err());
    }
}
