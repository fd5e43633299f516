//! `rewasm new`: the crate it creates passes its own unit tests on the host, builds with
//! `rewasm build` into valid code, and a name that cannot be a crate, or a folder that exists,
//! is refused.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::process::Command;

fn rewasm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rewasm"))
}

fn succeeds(command: &mut Command) -> String {
    let output = command.output().expect("run");
    assert!(
        output.status.success(),
        "{command:?} failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_new_crate_tests_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let created = succeeds(rewasm().args(["new", "tally-ho", "--path"]).arg(dir.path()));
    assert!(created.contains("created"), "{created}");
    let root = dir.path().join("tally-ho");
    for file in ["Cargo.toml", "src/lib.rs", "README.md", ".gitignore"] {
        assert!(root.join(file).is_file(), "{file}");
    }
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    assert!(lib.contains("pub struct TallyHo;"), "{lib}");

    // The SDK's dependencies are shared through $CARGO_TARGET_DIR when it is set (as in CI).
    let tests = succeeds(Command::new(env!("CARGO")).arg("test").current_dir(&root));
    assert!(tests.contains("2 passed"), "{tests}");
    let printing = Command::new(env!("CARGO"))
        .args(["test", "--features", "debug"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(printing.status.success(), "{printing:?}");
    let dev = succeeds(
        rewasm()
            .arg("build")
            .arg(&root)
            .args(["--features", "debug", "--out"])
            .arg(dir.path().join("dev")),
    );
    assert!(dev.contains("deploys on dev chains only"), "{dev}");
    let out = dir.path().join("out");
    succeeds(rewasm().arg("build").arg(&root).arg("--out").arg(&out));
    for file in ["tally_ho.wasm", "tally_ho.deploy.wasm", "tally_ho.abi.json"] {
        assert!(out.join(file).is_file(), "{file}");
    }
    let abi = std::fs::read_to_string(out.join("tally_ho.abi.json")).unwrap();
    assert!(
        abi.contains("\"increment\"") && abi.contains("\"Changed\""),
        "{abi}"
    );

    let again = rewasm()
        .args(["new", "tally-ho", "--path"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));
}

#[test]
fn names_and_sdk_paths_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let bad = rewasm()
        .args(["new", "Bad Name", "--path"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a crate name"));
    let nowhere = rewasm()
        .args(["new", "fine", "--sdk"])
        .arg(dir.path())
        .arg("--path")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nowhere.stderr).contains("no rewasm SDK at"));
    assert!(!dir.path().join("fine").exists());
}
