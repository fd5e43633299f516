#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests, and the external conformance
# suites. This is the command the README names and `.ci/run` runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rewasm-target}"
export CARGO_TERM_COLOR=never
# A one-shot build gains nothing from incremental compilation, which would also keep gigabytes of
# session data per crate in the target folder.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
# The external suites: shared/ beside the clone, or wherever REWASM_SHARED points.
SHARED="$(cd "${REWASM_SHARED:-../shared}" && pwd)"
export REWASM_SHARED="$SHARED"
log="$(mktemp -d)"
started=$SECONDS

# Each step's wall time, for the summary (cold and warm runs are compared in the issue notes).
timings=""
step_started=$SECONDS
step_name=""
end_step() {
  if [ -n "$step_name" ]; then
    timings="${timings}$(printf '  %-52s %5d s' "$step_name" $((SECONDS - step_started)))"$'\n'
  fi
}
step() {
  end_step
  step_name="$1"
  step_started=$SECONDS
  printf '\n== %s ==\n' "$1"
}

step "setup"
bash scripts/setup.sh

step "format"
cargo fmt --all -- --check

step "clippy"
# `--profile test`: the build scripts (RocksDB's C++ above all) then are the very units the test
# build below runs, instead of a second set built for the `dev` profile (see Cargo.toml).
cargo clippy --workspace --all-targets --locked --profile test -- -D warnings

set +e
step "unit, integration and property tests"
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log/cargo-test.txt"
test_status=${PIPESTATUS[0]}

step "WebAssembly core suite ($SHARED/conformance/wasm-core)"
cargo run -q -p rewasm-spec-tests --locked -- wasm-core "$SHARED/conformance/wasm-core" 2>&1 | tee "$log/wasm-core.txt"
core_status=${PIPESTATUS[0]}

step "real clients: web3.py, ethers and viem against rewasm node"
bash scripts/client-tests.sh 2>&1 | tee "$log/clients.txt"
clients_status=${PIPESTATUS[0]}

step "real clients: the same against a node of a 4-validator network"
bash scripts/client-tests.sh --network 2>&1 | tee "$log/clients-network.txt"
network_status=${PIPESTATUS[0]}

step "fuzzing: every cargo-fuzz target for ${FUZZ_SECONDS:-60} s (nightly)"
# The fuzz build links the RocksDB archive the stable build above already compiled (same
# librocksdb-sys version in both lockfiles) instead of compiling RocksDB a second time.
rocksdb_archive=$(ls -t "$CARGO_TARGET_DIR"/debug/build/librocksdb-sys-*/out/librocksdb.a 2>/dev/null | head -n 1 || true)
if [ -n "$rocksdb_archive" ]; then
  ROCKSDB_LIB_DIR="$(dirname "$rocksdb_archive")" ROCKSDB_STATIC=1 bash scripts/fuzz.sh 2>&1 | tee "$log/fuzz.txt"
else
  bash scripts/fuzz.sh 2>&1 | tee "$log/fuzz.txt"
fi
fuzz_status=${PIPESTATUS[0]}
set -e

step "summary"
printf 'step times:\n%s' "$timings"
read -r tests_passed tests_failed tests_ignored < <(
  awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i; if ($(i+1) ~ /^ignored/) g += $i } }
       END { print p + 0, f + 0, g + 0 }' "$log/cargo-test.txt")
core_line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/wasm-core.txt" | tail -1 || true)
read -r core_passed core_failed core_skipped < <(echo "${core_line:-0 passed, 0 failed, 0 skipped}" | awk '{ print $1, $3, $5 }')
echo "cargo test:        $tests_passed passed, $tests_failed failed, $tests_ignored ignored (child-process helpers)"
echo "wasm core suite:   ${core_line:-did not report}"
clients_line=$(grep -E '^clients: [0-9]+ passed, [0-9]+ failed' "$log/clients.txt" | tail -1 || true)
read -r clients_passed clients_failed < <(echo "${clients_line:-clients: 0 passed, 0 failed}" | awk '{ print $2, $4 }')
echo "real clients:      ${clients_line:-did not report}"
network_line=$(grep -E '^clients: [0-9]+ passed, [0-9]+ failed' "$log/clients-network.txt" | tail -1 || true)
read -r network_passed network_failed < <(echo "${network_line:-clients: 0 passed, 0 failed}" | awk '{ print $2, $4 }')
echo "clients, network:  ${network_line:-did not report}"
fuzz_line=$(grep -E '^fuzz: [0-9]+ targets clean, [0-9]+ failed' "$log/fuzz.txt" | tail -1 || true)
fuzz_failed=$(echo "${fuzz_line:-fuzz: 0 targets clean, 0 failed}" | awk '{ print $5 }')
echo "fuzzing:           ${fuzz_line:-did not report}"
echo "time:              $((SECONDS - started)) s"
total_failed=$((tests_failed + core_failed + clients_failed + network_failed + fuzz_failed))
if [ "$test_status" -ne 0 ] || [ "$core_status" -ne 0 ] || [ "$clients_status" -ne 0 ] || [ "$network_status" -ne 0 ] || [ "$fuzz_status" -ne 0 ] || [ -z "$core_line" ] || [ -z "$clients_line" ] || [ -z "$network_line" ] || [ -z "$fuzz_line" ]; then
  total_failed=$((total_failed > 0 ? total_failed : 1))
fi
echo "$((tests_passed + core_passed + clients_passed + network_passed)) passed, $total_failed failed, ${core_skipped:-0} skipped"
[ "$total_failed" -eq 0 ]
