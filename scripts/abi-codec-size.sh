#!/usr/bin/env bash
# The SDK's ABI codec against alloy-sol-types in a contract (issue devex, item 7: keep the SDK's
# no_std codec unless an alloy crate does the job at equal or smaller contract size).
#
#   bash scripts/abi-codec-size.sh
#
# Builds bench/contracts/codec-sdk and codec-alloy (one token-shaped dispatcher, four functions
# with static and dynamic arguments, on each codec) with `rewasm build`, as a contract developer
# would; runs the same four calls on both with `rewasm run` and fails unless they answer alike;
# prints each runtime's size and each call's gas.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rewasm-target}"
bash scripts/setup.sh >/dev/null
# The binary the workspace test build makes (`cargo build -p rewasm` would unify features
# differently and rebuild wasmer and rocksdb).
cargo test --workspace --locked --no-run >/dev/null 2>&1 || cargo test --workspace --locked --no-run
REWASM="$CARGO_TARGET_DIR/debug/rewasm"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for crate in codec-sdk codec-alloy; do
  "$REWASM" build "bench/contracts/$crate" --out "$out" >/dev/null 2>&1 \
    || "$REWASM" build "bench/contracts/$crate" --out "$out"
done

word() { printf '%064x' "$1"; }
text() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | awk '{ printf "%-64s", $0 }' | tr ' ' 0; }
alice="00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8"
declare -A calls=(
  ["name()"]="06fdde03"
  ["balanceOf(address)"]="70a08231$alice"
  ["transfer(address,uint256)"]="a9059cbb$alice$(word 100)"
  ["totalLength(string[])"]="ad70be72$(word 32)$(word 2)$(word 64)$(word 128)$(word 3)$(text abc)$(word 2)$(text hi)"
)
printf '%-28s %14s %14s\n' "" "rewasm-sdk" "alloy-sol-types"
printf '%-28s %12s B %12s B\n' "runtime size" \
  "$(stat -c %s "$out/codec_sdk.wasm")" "$(stat -c %s "$out/codec_alloy.wasm")"
for call in "name()" "balanceOf(address)" "transfer(address,uint256)" "totalLength(string[])"; do
  gas=()
  answers=()
  for contract in codec_sdk codec_alloy; do
    result="$("$REWASM" run --code "$out/$contract.wasm" --input "${calls[$call]}")"
    answers+=("$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["output"])' <<<"$result")")
    gas+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)["gasUsed"])' <<<"$result")")
  done
  if [ "${answers[0]}" != "${answers[1]}" ]; then
    echo "abi-codec-size: $call answers differ: ${answers[0]} / ${answers[1]}" >&2
    exit 1
  fi
  printf '%-28s %10s gas %10s gas\n' "$call" "${gas[0]}" "${gas[1]}"
done
