//! The crate graph of `docs/ARCHITECTURE.md`, enforced over `cargo metadata`'s resolved graph.
//!
//! Each workspace crate names the workspace crates it may depend on (normal and build
//! dependencies; dev-dependencies are free, so tests may use any helper). On top of that, a few
//! external crates must stay out of the closure of crates that must not need them: the store,
//! the primitives and the EEI do not link wasmer; the wasm machine and the state transition do
//! not link RocksDB. A new edge fails here until the table and the document change together.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use crate::common;
use std::collections::{BTreeMap, BTreeSet};

/// Each workspace crate and the workspace crates its normal and build dependencies may name.
const ALLOWED: &[(&str, &[&str])] = &[
    ("rewasm-primitives", &[]),
    ("rewasm-eei", &["rewasm-primitives"]),
    ("rewasm-vm", &["rewasm-primitives", "rewasm-eei"]),
    (
        "rewasm-executor",
        &["rewasm-primitives", "rewasm-eei", "rewasm-vm"],
    ),
    ("rewasm-store", &["rewasm-primitives"]),
    (
        "rewasm-node",
        &[
            "rewasm-primitives",
            "rewasm-eei",
            "rewasm-vm",
            "rewasm-executor",
            "rewasm-store",
        ],
    ),
    ("rewasm-consensus", &["rewasm-primitives", "rewasm-node"]),
    (
        "rewasm-contract-build",
        &[
            "rewasm-primitives",
            "rewasm-eei",
            "rewasm-vm",
            "rewasm-executor",
        ],
    ),
    (
        "rewasm-statetest",
        &[
            "rewasm-primitives",
            "rewasm-eei",
            "rewasm-vm",
            "rewasm-executor",
        ],
    ),
    (
        "rewasm",
        &[
            "rewasm-node",
            "rewasm-consensus",
            "rewasm-contract-build",
            "rewasm-statetest",
            "rewasm-executor",
            "rewasm-vm",
            "rewasm-eei",
            "rewasm-primitives",
        ],
    ),
    ("rewasm-sdk-macros", &[]),
    ("rewasm-sdk", &["rewasm-sdk-macros"]),
    // Tools: they measure or check the crates above and may use any of them; nothing above may
    // use a tool.
    (
        "rewasm-spec-tests",
        &[
            "rewasm-primitives",
            "rewasm-eei",
            "rewasm-vm",
            "rewasm-executor",
        ],
    ),
    (
        "rewasm-bench",
        &[
            "rewasm-bench-kernels",
            "rewasm-primitives",
            "rewasm-eei",
            "rewasm-vm",
            "rewasm-executor",
            "rewasm-store",
            "rewasm-node",
        ],
    ),
    ("rewasm-bench-kernels", &[]),
    (
        "rewasm-fuzz-checks",
        &[
            "rewasm-primitives",
            "rewasm-eei",
            "rewasm-vm",
            "rewasm-executor",
            "rewasm-store",
            "rewasm-node",
        ],
    ),
    ("rewasm-test-support", &[]),
];

/// External crates that must not be in a crate's dependency closure (normal and build).
const FORBIDDEN_CLOSURE: &[(&str, &[&str])] = &[
    ("rewasm-primitives", &["wasmer", "librocksdb-sys"]),
    ("rewasm-eei", &["wasmer", "librocksdb-sys"]),
    ("rewasm-store", &["wasmer", "wasmparser"]),
    ("rewasm-vm", &["librocksdb-sys"]),
    ("rewasm-executor", &["librocksdb-sys"]),
    ("rewasm-contract-build", &["librocksdb-sys"]),
    ("rewasm-statetest", &["librocksdb-sys"]),
    // The node is the same with or without a network: consensus and libp2p stay in their crate.
    ("rewasm-node", &["libp2p", "arc-malachitebft-engine"]),
];

struct Graph {
    /// Package id → name.
    names: BTreeMap<String, String>,
    /// Package id → ids of its normal and build dependencies.
    deps: BTreeMap<String, Vec<String>>,
    /// Ids of the workspace members.
    members: Vec<String>,
}

fn metadata() -> Graph {
    let metadata = common::cargo_metadata();
    let names = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let deps = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let ids = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|kind| kind["kind"].as_str() != Some("dev"))
                })
                .map(|dep| dep["pkg"].as_str().unwrap().to_string())
                .collect();
            (node["id"].as_str().unwrap().to_string(), ids)
        })
        .collect();
    let members = metadata["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect();
    Graph {
        names,
        deps,
        members,
    }
}

impl Graph {
    fn id_of(&self, name: &str) -> &str {
        self.members
            .iter()
            .find(|id| self.names[*id] == name)
            .unwrap_or_else(|| panic!("{name} is not a workspace member"))
    }

    fn direct(&self, id: &str) -> BTreeSet<&str> {
        self.deps[id]
            .iter()
            .map(|dep| self.names[dep].as_str())
            .collect()
    }

    fn closure(&self, id: &str) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(next) = stack.pop() {
            for dep in &self.deps[next] {
                if seen.insert(self.names[dep].as_str()) {
                    stack.push(dep);
                }
            }
        }
        seen
    }
}

#[test]
fn workspace_crates_depend_only_on_what_the_architecture_allows() {
    let graph = metadata();
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(name, deps)| (*name, deps.iter().copied().collect()))
        .collect();
    // The graph is read right: the executor names the vm.
    assert!(
        graph
            .direct(graph.id_of("rewasm-executor"))
            .contains("rewasm-vm")
    );
    let mut violations = Vec::new();
    for id in &graph.members {
        let name = graph.names[id].as_str();
        let Some(may) = allowed.get(name) else {
            violations.push(format!("{name} is not in the architecture table"));
            continue;
        };
        for dep in graph.direct(id) {
            if dep.starts_with("rewasm") && !may.contains(dep) {
                violations.push(format!("{name} → {dep}"));
            }
        }
    }
    assert!(violations.is_empty(), "forbidden edges: {violations:#?}");
}

#[test]
fn no_crate_links_what_its_job_does_not_need() {
    let graph = metadata();
    // The graph is read right: the node does link both.
    let node = graph.closure(graph.id_of("rewasm-node"));
    assert!(node.contains("wasmer") && node.contains("librocksdb-sys"));
    let mut violations = Vec::new();
    for (name, forbidden) in FORBIDDEN_CLOSURE {
        let closure = graph.closure(graph.id_of(name));
        for crate_name in *forbidden {
            if closure.contains(crate_name) {
                violations.push(format!("{name} reaches {crate_name}"));
            }
        }
    }
    assert!(violations.is_empty(), "{violations:#?}");
}
