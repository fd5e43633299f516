#!/usr/bin/env bash
# Regenerates docs/BENCHMARKS.md and docs/bench/*.png: rewasm against what users would pick
# instead (revm, anvil), an interpreter (wasmi) and the physical limit (native Rust), as ratios
# taken side by side in one run. See bench/src/lib.rs for what is measured.
#
#   bash scripts/bench.sh            # the full run (about 10-15 minutes on 2 cores)
#   BENCH_QUICK=1 bash scripts/bench.sh   # a smoke run with tiny sizes (writes the same files)
#
# Installs what it needs: scripts/setup.sh (clang, the wasm32 target), Debian's fonts-dejavu-core
# (plot labels), node/npm if missing, and the npm peers (solc, anvil) into
# bench/solidity/node_modules (git-ignored). Exits non-zero if any benchmark's correctness check
# fails (both ERC-20s must end with the same balances, every kernel runner must agree).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rewasm-target}"
QUICK="${BENCH_QUICK:-}"
started="$(date +%s)"

step() { printf '\n== %s ==\n' "$1" >&2; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: installing ${missing[*]}" >&2
    sudo_if_needed apt-get update -qq
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
wasm="$work/wasm"
results="$work/results"
mkdir -p "$wasm" "$results"

step "setup"
bash scripts/setup.sh
apt_install fonts-dejavu-core
command -v npm >/dev/null && command -v node >/dev/null || apt_install nodejs npm

step "npm peers (solc, anvil) into bench/solidity/node_modules"
(cd bench/solidity && npm ci --no-audit --no-fund --loglevel=error)
anvil="$(find "$ROOT/bench/solidity/node_modules/@foundry-rs" -path '*/bin/anvil' -type f | head -n 1)"
[ -x "$anvil" ] || { echo "bench: no anvil binary in bench/solidity/node_modules" >&2; exit 1; }

step "Solidity peers (solc)"
(cd bench/solidity && node compile.mjs)
if ! git diff --quiet -- bench/solidity/out 2>/dev/null; then
  echo "bench: note: the committed solc output in bench/solidity/out was stale and has been rewritten" >&2
fi

step "build (release)"
nice -n 10 cargo build --release --locked -p rewasm --bin rewasm -p rewasm-bench --bin rewasm-bench
REWASM="$CARGO_TARGET_DIR/release/rewasm"
BENCH="$CARGO_TARGET_DIR/release/rewasm-bench"

step "contracts"
nice -n 10 "$REWASM" build contracts/examples/erc20 --out "$wasm" >&2
# The kernels compute, so they are built for speed (larger code, fewer instructions), as a
# developer of such a contract would; the ERC-20 is built for size, the default.
nice -n 10 "$REWASM" build bench/contracts/kernels-contract --optimize speed --out "$wasm" >&2
# The plain kernel module: `rewasm build`'s flags, the workspace's opt-level 3.
RUSTFLAGS="-C link-arg=-zstack-size=32768 -C target-feature=-multivalue" nice -n 10 \
  cargo build --release --locked --target wasm32-unknown-unknown \
  --manifest-path bench/contracts/Cargo.toml -p kernels-raw \
  --target-dir "$CARGO_TARGET_DIR/bench-contracts"
cp "$CARGO_TARGET_DIR/bench-contracts/wasm32-unknown-unknown/release/kernels_raw.wasm" "$wasm/"

if [ -n "$QUICK" ]; then
  vm_args=(--quick); node_args=(--senders 2,4 --transfers 40 --calls 100 --busy-calls 100 --rounds 1)
  network_args=(--senders 2 --transfers 20 --samples 8)
  scaling_args=(--accounts 1000,10000 --samples 5 --chunk 5000)
else
  vm_args=(); node_args=(--senders 4,16 --transfers 1000 --calls 2000 --busy-calls 1000 --rounds 3)
  network_args=(--senders 4 --transfers 250 --samples 40)
  scaling_args=(--accounts 1000,10000,100000,1000000 --samples 20 --chunk 100000)
fi

step "in-process: ERC-20, kernels, per-call and metering overhead"
"$BENCH" vm --wasm "$wasm" --solidity bench/solidity/out --out "$results/vm.json" "${vm_args[@]}"

step "gas against time: adversarial calibration under v2, revm's exchange rate"
"$BENCH" calibrate --wasm "$wasm" --solidity bench/solidity/out --out "$results/calibration.json"

step "node: rewasm node --dev vs anvil over JSON-RPC"
"$BENCH" node --rewasm "$REWASM" --anvil "$anvil" --wasm "$wasm" --solidity bench/solidity/out \
  --out "$results/node.json" "${node_args[@]}"

step "network: 4 validators (rewasm testnet) on this machine"
"$BENCH" network --rewasm "$REWASM" --validators 4 --wasm "$wasm" --solidity bench/solidity/out \
  --out "$results/network.json" "${network_args[@]}"

step "scaling: block commit vs accounts in state"
"$BENCH" scaling --out "$results/scaling.json" "${scaling_args[@]}"

step "report"
mkdir -p docs/bench
command="bash scripts/bench.sh"
[ -n "$QUICK" ] && command="BENCH_QUICK=1 bash scripts/bench.sh"
"$BENCH" report --results "$results" --out docs/BENCHMARKS.md --plots docs/bench \
  --command "$command" --seconds "$(( $(date +%s) - started ))"
cp "$results/run.json" docs/bench/run.json
echo "bench: done in $(( $(date +%s) - started )) s; see docs/BENCHMARKS.md" >&2
