//! Merkle-Patricia trie roots (Yellow Paper, appendix D), computed from a whole key/value set.
//!
//! A key is read as a path of 4-bit nibbles, high nibble first. The trie over a set of paths is
//! built from three kinds of node, each serialised with RLP:
//!
//! - leaf `[hp(rest of path, leaf), value]`: one entry below this point;
//! - extension `[hp(shared nibbles, not leaf), child]`: every entry below shares those nibbles;
//! - branch `[child_0, ..., child_15, value]`: entries diverge at this nibble; `value` is the
//!   entry whose path ends exactly here, or the empty string.
//!
//! `hp` is the hex-prefix encoding ([`hex_prefix`]). A child is referenced inline by its RLP when
//! that RLP is shorter than 32 bytes, otherwise by the keccak-256 of it (a 32-byte string); an
//! absent child is the empty string. The root hash is keccak-256 of the root node's RLP, whatever
//! its length, and the empty trie's root is [`EMPTY_ROOT`] = keccak(rlp("")).
//!
//! Construction here is by sorting: the entries go into a `BTreeMap`, and the node over a sorted
//! run of paths sharing a prefix of `depth` nibbles is built recursively. That is exact for the
//! in-memory maps this layer commits to (storage, accounts, transactions, receipts); an
//! incremental, persisted trie can be checked against it.
//!
//! Entries are applied in iteration order: a later entry for the same key replaces an earlier one,
//! and an entry with an empty value deletes the key (a trie never stores an empty value), which
//! is how the `TrieTests` vectors express deletion.
//!
//! Recursion depth is bounded by twice the longest key's nibble count (an extension is always
//! followed by a branch or a leaf); keys here are hashes or short RLP indices.

use std::collections::BTreeMap;

use alloy_rlp::{BufMut, EMPTY_STRING_CODE, Header};
use primitive_types::H256;

use super::keccak256;

/// Root of the empty trie: keccak-256 of `rlp("") = 0x80`,
/// `0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421`.
pub const EMPTY_ROOT: H256 = H256([
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
]);

/// Root of the trie mapping each key, as given, to its value.
///
/// Later entries replace earlier ones for the same key; an empty value deletes the key.
pub fn trie_root<K: AsRef<[u8]>, V: AsRef<[u8]>>(
    entries: impl IntoIterator<Item = (K, V)>,
) -> H256 {
    root_of(apply(
        entries
            .into_iter()
            .map(|(key, value)| (key.as_ref().to_vec(), value)),
    ))
}

/// Root of the "secure" trie: each key is replaced by its keccak-256 before insertion, as the
/// state and storage tries do (so paths are uniformly 64 nibbles and cannot be crafted deep).
///
/// Later entries replace earlier ones for the same key; an empty value deletes the key.
pub fn secure_trie_root<K: AsRef<[u8]>, V: AsRef<[u8]>>(
    entries: impl IntoIterator<Item = (K, V)>,
) -> H256 {
    root_of(apply(entries.into_iter().map(|(key, value)| {
        (keccak256(key.as_ref()).0.to_vec(), value)
    })))
}

/// Hex-prefix encoding (Yellow Paper appendix C) of a nibble path: the first nibble carries the
/// leaf flag (2) and the odd-length flag (1); an odd path's first nibble shares that byte, an even
/// path is preceded by a zero nibble.
///
/// Each element of `nibbles` must be below 16 (higher bits are dropped).
pub fn hex_prefix(nibbles: &[u8], leaf: bool) -> Vec<u8> {
    let flag: u8 = if leaf { 2 } else { 0 };
    let mut out = Vec::with_capacity(nibbles.len() / 2 + 1);
    let rest = match nibbles.split_first() {
        Some((&first, rest)) if nibbles.len() % 2 == 1 => {
            out.push(((flag + 1) << 4) | (first & 0x0f));
            rest
        }
        _ => {
            out.push(flag << 4);
            nibbles
        }
    };
    for pair in rest.chunks_exact(2) {
        if let [high, low] = pair {
            out.push(((high & 0x0f) << 4) | (low & 0x0f));
        }
    }
    out
}

/// Applies the entries in order to a map: insert, replace, or delete on an empty value.
fn apply<V: AsRef<[u8]>>(
    entries: impl Iterator<Item = (Vec<u8>, V)>,
) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut map = BTreeMap::new();
    for (key, value) in entries {
        let value = value.as_ref();
        if value.is_empty() {
            map.remove(&key);
        } else {
            map.insert(key, value.to_vec());
        }
    }
    map
}

fn root_of(map: BTreeMap<Vec<u8>, Vec<u8>>) -> H256 {
    if map.is_empty() {
        return EMPTY_ROOT;
    }
    // Nibble order is byte order, so the map's order is the order of the paths.
    let entries: Vec<(Vec<u8>, &[u8])> = map
        .iter()
        .map(|(key, value)| (nibbles(key), value.as_slice()))
        .collect();
    keccak256(&node(&entries, 0))
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|&b| [b >> 4, b & 0x0f]).collect()
}

/// The RLP of the node over `entries`: non-empty, sorted, distinct paths that all share their
/// first `depth` nibbles.
fn node(entries: &[(Vec<u8>, &[u8])], depth: usize) -> Vec<u8> {
    match entries {
        [] => vec![EMPTY_STRING_CODE],
        [(path, value)] => {
            let rest = path.get(depth..).unwrap_or_default();
            list(&[string(&hex_prefix(rest, true)), string(value)])
        }
        [(first, _), .., (last, _)] => {
            // Sorted: the first and last paths share the longest prefix common to all.
            let first = first.get(depth..).unwrap_or_default();
            let last = last.get(depth..).unwrap_or_default();
            let shared = first.iter().zip(last).take_while(|(a, b)| a == b).count();
            if shared > 0 {
                let path = first.get(..shared).unwrap_or_default();
                list(&[
                    string(&hex_prefix(path, false)),
                    reference(node(entries, depth + shared)),
                ])
            } else {
                branch(entries, depth)
            }
        }
    }
}

fn branch(entries: &[(Vec<u8>, &[u8])], depth: usize) -> Vec<u8> {
    let mut rest = entries;
    let mut value: &[u8] = &[];
    // A path that ends here sorts before every path it prefixes.
    if let Some(((path, here), tail)) = rest.split_first()
        && path.len() == depth
    {
        value = here;
        rest = tail;
    }
    let mut items = Vec::with_capacity(17);
    for nibble in 0..16u8 {
        let count = rest
            .iter()
            .take_while(|(path, _)| path.get(depth) == Some(&nibble))
            .count();
        let (group, tail) = rest.split_at_checked(count).unwrap_or((rest, &[]));
        items.push(if group.is_empty() {
            vec![EMPTY_STRING_CODE]
        } else {
            reference(node(group, depth + 1))
        });
        rest = tail;
    }
    items.push(string(value));
    list(&items)
}

/// How a parent embeds a child node: its RLP inline when shorter than 32 bytes, else its hash.
fn reference(node_rlp: Vec<u8>) -> Vec<u8> {
    if node_rlp.len() < 32 {
        node_rlp
    } else {
        string(keccak256(&node_rlp).as_bytes())
    }
}

fn string(bytes: &[u8]) -> Vec<u8> {
    alloy_rlp::encode(bytes)
}

/// An RLP list whose items are already encoded.
pub fn list(encoded_items: &[Vec<u8>]) -> Vec<u8> {
    let payload_length = encoded_items.iter().map(Vec::len).sum();
    let header = Header {
        list: true,
        payload_length,
    };
    let mut out = Vec::with_capacity(header.length_with_payload());
    header.encode(&mut out);
    for item in encoded_items {
        out.put_slice(item);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn empty_root_is_keccak_of_empty_string_rlp() {
        assert_eq!(EMPTY_ROOT, keccak256(&[0x80]));
        assert_eq!(trie_root(Vec::<(Vec<u8>, Vec<u8>)>::new()), EMPTY_ROOT);
        assert_eq!(secure_trie_root([(b"k", b"")]), EMPTY_ROOT);
    }

    #[test]
    fn hex_prefix_examples() {
        // Yellow Paper appendix C / the classic examples.
        assert_eq!(hex_prefix(&[1, 2, 3, 4, 5], false), [0x11, 0x23, 0x45]);
        assert_eq!(
            hex_prefix(&[0, 1, 2, 3, 4, 5], false),
            [0x00, 0x01, 0x23, 0x45]
        );
        assert_eq!(
            hex_prefix(&[0, 0xf, 1, 0xc, 0xb, 8], true),
            [0x20, 0x0f, 0x1c, 0xb8]
        );
        assert_eq!(hex_prefix(&[0xf, 1, 0xc, 0xb, 8], true), [0x3f, 0x1c, 0xb8]);
        assert_eq!(hex_prefix(&[], true), [0x20]);
        assert_eq!(hex_prefix(&[], false), [0x00]);
    }

    #[test]
    fn single_leaf_by_hand() {
        // One entry "A" -> "x": the root node is the leaf [hp([4, 1], leaf), "x"]
        // = [0x20 0x41, 0x78] -> rlp c4 82 20 41 78; the root is its hash even though it is short.
        let root = trie_root([(b"A", b"x")]);
        assert_eq!(root, keccak256(&[0xc4, 0x82, 0x20, 0x41, 0x78]));
    }

    #[test]
    fn later_entries_win_and_empty_deletes() {
        let a = trie_root([(&b"k"[..], &b"1"[..]), (b"k", b"2")]);
        assert_eq!(a, trie_root([(b"k", b"2")]));
        let b = trie_root([(&b"k"[..], &b"1"[..]), (b"j", b"2"), (b"k", b"")]);
        assert_eq!(b, trie_root([(b"j", b"2")]));
    }
}
