#!/usr/bin/env bash
# The real-client tests: web3.py (pytest), ethers v6 and viem (node --test) against a freshly started
# `rewasm node --dev`, with the example ERC-20 built from source. Proves that unchanged Python
# and JavaScript tooling deploys, calls, transacts and reads events on rewasm. On the dev node a
# headless Chromium (Debian's `chromium`, installed when missing) also loads a page from another
# origin that reads and transacts through the node's CORS answers (browser.test.mjs).
#
#   bash scripts/client-tests.sh            # against a dev node
#   bash scripts/client-tests.sh --network  # against node 1 of `rewasm testnet --validators 4`
#
# Needs python3 (with venv), node and npm; installs the pinned client libraries into a venv at
# $REWASM_VENV (default $HOME/.cache/rewasm-venv) and into chain-node/tests/clients/js/node_modules
# (git-ignored). Every exchange goes through spec/record_proxy.py, and spec/check_responses.py
# validates each answer against the JSON-RPC specification's result schemas
# (../shared/conformance/execution-apis, or $REWASM_SHARED/conformance/...); test_spec_methods.py
# calls the methods the other suites do not, so every specified method is answered. Ends with
# `clients: N passed, M failed`; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rewasm-target}"
CLIENTS="$ROOT/chain-node/tests/clients"
VENV="${REWASM_VENV:-$HOME/.cache/rewasm-venv}"
STARTUP_TIMEOUT=60
SUITE_TIMEOUT=600

NETWORK=""
[ "${1:-}" = "--network" ] && NETWORK=1

SPEC="${REWASM_SHARED:-$ROOT/../shared}/conformance/execution-apis"

work="$(mktemp -d)"
node_pid=""
cleanup() {
  for pid in "${proxy_pid:-}" "$node_pid" "${refusing_pid:-}"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s ==\n' "$1"; }
die() {
  echo "client-tests: $*" >&2
  echo "clients: 0 passed, 1 failed"
  exit 1
}

for tool in python3 node npm; do
  command -v "$tool" >/dev/null || die "$tool is not installed (bash scripts/setup.sh)"
done
[ -d "$SPEC/eth" ] || die "no JSON-RPC specification at $SPEC (set REWASM_SHARED)"
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if [ -z "$NETWORK" ] && [ -z "${REWASM_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  step "install Debian's chromium (the browser test)"
  sudo_if_needed apt-get update -qq || die "apt-get update failed"
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || die "installing chromium failed"
fi

step "python client (web3.py) in $VENV"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" || die "cannot create a venv at $VENV (is python3-venv installed?)"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$CLIENTS/python/requirements.txt" || die "pip install failed"

step "javascript clients (ethers, viem) via npm ci"
(cd "$CLIENTS/js" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"

step "build rewasm and the ERC-20"
# The binary the workspace test build makes (a no-op right after `cargo test --workspace`):
# `cargo build -p rewasm` would unify features differently and rebuild wasmer and rocksdb.
cargo test --workspace --locked --no-run || die "cargo build failed"
REWASM="$CARGO_TARGET_DIR/debug/rewasm"
"$REWASM" build contracts/examples/erc20 --out "$work/erc20" || die "rewasm build of the ERC-20 failed"
# The vault calls the ERC-20 through the SDK's `#[interface]` (viem's nested-revert test).
"$REWASM" build contracts/examples/vault --out "$work/erc20" || die "rewasm build of the vault failed"

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
if [ -n "$NETWORK" ]; then
  step "start rewasm testnet --validators 4 (the clients use node 1)"
  # Four JSON-RPC ports from a free one, consensus ports 10 000 above them.
  base="$(free_port)"
  [ "$base" -lt 50000 ] || base=$((base - 20000))
  port=$((base + 1))
  "$REWASM" testnet --validators 4 --dir "$work/net" --http.port "$base" \
    --p2p.port $((base + 10000)) >"$work/testnet.log" 2>&1 &
  node_pid=$!
  node_logfile="$work/net/node1/node.log"
else
  step "start rewasm node --dev"
  port="$(free_port)"
  "$REWASM" node --dev --datadir "$work/data" --http.port "$port" >"$work/node.log" 2>&1 &
  node_pid=$!
  node_logfile="$work/node.log"
fi
url="http://127.0.0.1:$port"
node_log() {
  echo "---- node log ($node_logfile, last 80 lines) ----" >&2
  tail -n 80 "$node_logfile" >&2 || true
  echo "----" >&2
}
answers_chain_id() {
  python3 - "${1:-$url}" <<'EOF' 2>/dev/null
import json, sys, urllib.request
body = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
request = urllib.request.Request(sys.argv[1], data=body, headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=2) as response:
    sys.exit(0 if "result" in json.load(response) else 1)
EOF
}
started=$SECONDS
until answers_chain_id; do
  if ! kill -0 "$node_pid" 2>/dev/null; then
    node_log
    die "the node exited before answering eth_chainId on $url"
  fi
  if [ $((SECONDS - started)) -ge "$STARTUP_TIMEOUT" ]; then
    node_log
    die "the node did not answer eth_chainId on $url within $STARTUP_TIMEOUT s"
  fi
  sleep 0.2
done
echo "node answering on $url (pid $node_pid)"

refusing_pid=""
if [ -z "$NETWORK" ]; then
  step "start a second dev node that lists another origin for CORS (the browser test)"
  refusing_port="$(free_port)"
  "$REWASM" node --dev --datadir "$work/refusing" --http.port "$refusing_port" \
    --http.corsdomain "http://refused.invalid" >"$work/refusing.log" 2>&1 &
  refusing_pid=$!
  export REWASM_REFUSING_RPC_URL="http://127.0.0.1:$refusing_port"
  started=$SECONDS
  until answers_chain_id "$REWASM_REFUSING_RPC_URL"; do
    kill -0 "$refusing_pid" 2>/dev/null || die "the second node exited: $(tail -n 20 "$work/refusing.log")"
    [ $((SECONDS - started)) -lt "$STARTUP_TIMEOUT" ] || die "the second node did not answer"
    sleep 0.2
  done
fi

step "record every exchange (spec/record_proxy.py)"
proxy_port="$(free_port)"
"$VENV/bin/python" "$CLIENTS/spec/record_proxy.py" --listen "$proxy_port" --upstream "$url" \
  --record "$work/exchanges.jsonl" >"$work/proxy.log" 2>&1 &
proxy_pid=$!
proxy_url="http://127.0.0.1:$proxy_port"
started=$SECONDS
until answers_chain_id "$proxy_url"; do
  kill -0 "$proxy_pid" 2>/dev/null || die "the recording proxy exited: $(tail -n 20 "$work/proxy.log")"
  [ $((SECONDS - started)) -lt "$STARTUP_TIMEOUT" ] || die "the recording proxy did not answer"
  sleep 0.2
done
echo "clients talk to $proxy_url, relayed to $url"

export REWASM_RPC_URL="$proxy_url"
export REWASM_ARTIFACTS="$work/erc20"
# The dev node signs with the dev accounts (eth_sendTransaction, eth_sign); a network node
# holds no keys.
if [ -n "$NETWORK" ]; then export REWASM_DEV_ACCOUNTS=0; else export REWASM_DEV_ACCOUNTS=1; fi

set +e
step "pytest (web3.py)"
timeout "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest -p no:cacheprovider -v \
  --junitxml="$work/pytest.xml" "$CLIENTS/python"
py_status=$?

# One file at a time: viem's test client reverts and resets the chain, which must not happen
# under the ethers tests' feet.
node_test() {
  (cd "$CLIENTS/js" && timeout "$SUITE_TIMEOUT" node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$work/$1.xml" "$1.test.mjs")
}
step "node --test (ethers)"
node_test erc20
ethers_status=$?
step "node --test (viem)"
node_test viem
viem_status=$?
step "node --test (headless chromium)"
node_test browser
browser_status=$?
step "every answer against the JSON-RPC specification (spec/check_responses.py)"
"$VENV/bin/python" "$CLIENTS/spec/check_responses.py" --spec "$SPEC" \
  --record "$work/exchanges.jsonl" --require-all | tee "$work/spec.txt"
spec_status=${PIPESTATUS[0]}
set -e

# passed failed, from a JUnit XML report; "0 0" if there is none.
counts() {
  python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print(0, 0)
    sys.exit()
passed = failed = 0
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is None:
        passed += 1
print(passed, failed)
EOF
}
read -r py_passed py_failed < <(counts "$work/pytest.xml")
read -r ethers_passed ethers_failed < <(counts "$work/erc20.xml")
read -r viem_passed viem_failed < <(counts "$work/viem.xml")
read -r browser_passed browser_failed < <(counts "$work/browser.xml")
# A runner that failed without reporting a failed test (a crash, a timeout) still counts.
if [ "$py_status" -ne 0 ] && [ "$py_failed" -eq 0 ]; then py_failed=1; fi
if [ "$ethers_status" -ne 0 ] && [ "$ethers_failed" -eq 0 ]; then ethers_failed=1; fi
if [ "$viem_status" -ne 0 ] && [ "$viem_failed" -eq 0 ]; then viem_failed=1; fi
if [ "$browser_status" -ne 0 ] && [ "$browser_failed" -eq 0 ]; then browser_failed=1; fi
spec_failed=0
[ "$spec_status" -eq 0 ] || spec_failed=1
failed=$((py_failed + ethers_failed + viem_failed + browser_failed + spec_failed))
if [ "$failed" -gt 0 ]; then node_log; fi

step "summary"
echo "web3.py: $py_passed passed, $py_failed failed"
echo "ethers:  $ethers_passed passed, $ethers_failed failed"
echo "viem:    $viem_passed passed, $viem_failed failed"
echo "browser: $browser_passed passed, $browser_failed failed"
grep -m1 '^spec:' "$work/spec.txt" || echo "spec: no report"
passed=$((py_passed + ethers_passed + viem_passed + browser_passed))
echo "clients: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
