//! The soak in CI: a minute of writers, readers, WebSocket subscribers and malformed requests
//! against a node, then every acknowledged transfer's receipt and the token's supply checked.

use rewasm_bench::node_bench::NodeProcess;
use rewasm_bench::soak::{self, SoakLoad};

use crate::smoke::{artifacts, heavy, rewasm_binary, target_dir};

#[test]
fn a_minute_of_mixed_and_hostile_load_loses_nothing_and_refuses_only_the_malformed() {
    let _alone = heavy();
    let rewasm = rewasm_binary(&target_dir());
    let work = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let result = runtime
        .block_on(async {
            let node = NodeProcess::start_dev(&rewasm, work.path()).await?;
            soak::run(
                &node.url,
                node.pid(),
                &artifacts().erc20_deploy,
                SoakLoad::default(),
            )
            .await
        })
        .unwrap();
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert!(result.transfers > 0, "{result:?}");
    assert!(result.reads > 0, "{result:?}");
    assert!(result.notifications > 0, "{result:?}");
    assert!(result.refused > 0, "{result:?}");
    assert!(result.rss_kib.len() >= 30, "{:?}", result.rss_kib);
    assert_eq!(result.store_kib.len(), result.rss_kib.len());
    assert!(
        result.store_kib.iter().any(|sample| sample.memtables > 0),
        "{:?}",
        result.store_kib
    );
}
