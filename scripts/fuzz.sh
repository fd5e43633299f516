#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for a fixed time and reports each one's speed and
# coverage; exits non-zero when any target crashes (a broken property panics).
#
#   FUZZ_SECONDS=60          seconds per target (libFuzzer's -max_total_time)
#   FUZZ_TARGETS="a b ..."   which targets (default: all seven)
#   FUZZ_JOBS=1              parallel libFuzzer workers per target (-fork)
#   FUZZ_TOOLCHAIN=nightly   the toolchain cargo-fuzz builds with (it needs nightly)
#
# Builds go to their own target folder, never the stable one: nightly artifacts and sanitizer
# flags would otherwise invalidate the stable build. New inputs libFuzzer finds go to a scratch
# corpus beside that folder; the committed seeds in fuzz/corpus/<target>/ are only read.
# A crash leaves its input in fuzz/artifacts/<target>/ (see fuzz/README.md to reproduce it).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${FUZZ_SECONDS:-60}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
targets="${FUZZ_TARGETS:-validate execute differential host_calls tx_decode rlp jsonrpc}"
jobs="${FUZZ_JOBS:-1}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/rewasm-fuzz-target}"
scratch="$CARGO_TARGET_DIR/fuzz-corpus"
logs="$CARGO_TARGET_DIR/fuzz-logs"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: installing cargo-fuzz"
    cargo +stable install cargo-fuzz --locked || { echo "fuzz: cannot install cargo-fuzz"; exit 2; }
fi
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "fuzz: toolchain $toolchain missing (rustup toolchain install $toolchain)"
    exit 2
fi

cd "$root/fuzz" || exit 2
# No sanitizer: the code under test is Rust (panics and overflow checks are the signal) and
# wasmer runs wasm on stacks of its own that AddressSanitizer cannot follow. Debug assertions
# and overflow checks stay on (cargo-fuzz's default).
echo "fuzz: building (${toolchain}, target dir ${CARGO_TARGET_DIR})"
if ! cargo "+$toolchain" fuzz build -s none; then
    echo "fuzz: build failed"
    exit 2
fi

mkdir -p "$logs"
clean=0
failed=0
failed_names=""
for target in $targets; do
    mkdir -p "$scratch/$target"
    log="$logs/$target.log"
    fork=()
    if [ "$jobs" -gt 1 ]; then
        fork=(-fork="$jobs")
    fi
    # The scratch corpus comes first: libFuzzer writes new inputs only to the first folder.
    cargo "+$toolchain" fuzz run -s none "$target" "$scratch/$target" "corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=60 -rss_limit_mb=4096 \
        "${fork[@]}" >"$log" 2>&1
    status=$?
    # libFuzzer's last status line ("#N DONE cov: C ft: F ... exec/s: E") and final stats.
    last="$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -n 1)"
    runs="$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | awk '{print $2}')"
    speed="$(grep -E '^stat::average_exec_per_sec' "$log" | tail -n 1 | awk '{print $2}')"
    cov="$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$last")"
    ft="$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$last")"
    if [ -z "$runs" ]; then
        runs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")"
    fi
    if [ -z "$speed" ]; then
        speed="$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$last")"
    fi
    if [ "$status" -eq 0 ]; then
        clean=$((clean + 1))
        verdict="clean"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $target"
        verdict="FAILED (exit $status; log $log; input in fuzz/artifacts/$target/)"
        grep -E 'panicked at|^thread .* panicked|SUMMARY|Test unit written' "$log" | head -n 5
    fi
    echo "fuzz: $target: ${runs:-?} runs, ${speed:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}: $verdict"
done

echo "fuzz: $clean targets clean, $failed failed${failed_names:+ (${failed_names# })}"
[ "$failed" -eq 0 ]
