//! Replays every committed fuzz input through the same checks the fuzz targets run: the seed
//! corpora (`fuzz/corpus/<target>/`) and the minimised inputs of fixed bugs
//! (`fuzz/regressions/<target>/`). A check panics on a broken property, so a failing input
//! fails this test with the file's name and the check's message.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};

use rewasm_fuzz_checks::Target;

/// `fuzz/`, read when the test runs (a shared target folder may hold a binary built in
/// another checkout, whose compile-time path would point there).
fn fuzz_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("..")
}

/// The files directly in `dir`, sorted; none when it does not exist.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: Target) -> usize {
    let mut count = 0;
    for folder in ["corpus", "regressions"] {
        for path in inputs(&fuzz_dir().join(folder).join(target.name())) {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target.check(&data));
            if let Err(panic) = outcome {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("{}: {message}", path.display());
            }
            count += 1;
        }
    }
    count
}

#[test]
fn validate_corpus() {
    assert!(replay(Target::Validate) > 0, "no validate corpus");
}

#[test]
fn execute_corpus() {
    assert!(replay(Target::Execute) > 0, "no execute corpus");
}

#[test]
fn differential_corpus() {
    assert!(replay(Target::Differential) > 0, "no differential corpus");
}

#[test]
fn host_calls_corpus() {
    assert!(replay(Target::HostCalls) > 0, "no host_calls corpus");
}

#[test]
fn tx_decode_corpus() {
    assert!(replay(Target::TxDecode) > 0, "no tx_decode corpus");
}

#[test]
fn rlp_corpus() {
    assert!(replay(Target::Rlp) > 0, "no rlp corpus");
}

#[test]
fn jsonrpc_corpus() {
    assert!(replay(Target::JsonRpc) > 0, "no jsonrpc corpus");
}

/// Every target has a corpus folder, and every corpus folder belongs to a target.
#[test]
fn corpus_folders_match_the_targets() {
    let mut found: Vec<String> = std::fs::read_dir(fuzz_dir().join("corpus"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    found.sort();
    let mut expected: Vec<String> = Target::ALL.iter().map(|t| t.name().to_string()).collect();
    expected.sort();
    assert_eq!(found, expected);
}
