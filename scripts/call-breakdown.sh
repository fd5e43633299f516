#!/usr/bin/env bash
# Where an `eth_call`'s round trip goes: `perf trace` of a release `rewasm node --dev` and the
# load generator beside it, each call split at the node's read of the request and its write of
# the answer (docs/NODE.md, "Where a busy call's time goes now").
#
#   bash scripts/call-breakdown.sh [busy|idle] [SENDERS]   # default: busy 16
#
# busy: calls timed while SENDERS writers submit ERC-20 transfers back to back; idle: calls
# alone. Needs the release binaries (`cargo build --release -p rewasm -p rewasm-bench`), `perf`
# and the right to trace (root, or kernel.perf_event_paranoid <= -1). Tracing adds about 30 µs
# to each call; compare the phases with each other, not with the benchmark's figures.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-busy}"
senders="${2:-16}"
target="${CARGO_TARGET_DIR:-$HOME/.cache/rewasm-target}"
rewasm="$target/release/rewasm"
bench="$target/release/rewasm-bench"
for tool in "$rewasm" "$bench"; do
  [ -x "$tool" ] || { echo "call-breakdown: $tool is missing; build the release binaries" >&2; exit 1; }
done
command -v perf >/dev/null || { echo "call-breakdown: perf is missing (Debian: linux-perf)" >&2; exit 1; }
case "$mode" in
  busy) load=(--transfers 300 --calls 200 --busy-calls 60000) ;;
  idle) load=(--transfers 300 --calls 60000 --busy-calls 0) ;;
  *) echo "call-breakdown: mode is busy or idle, not $mode" >&2; exit 1 ;;
esac

work="$(mktemp -d)"
node_pid=""
trap 'if [ -n "$node_pid" ]; then kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
"$rewasm" build contracts/examples/erc20 --out "$work/wasm" >/dev/null
port=$((20000 + RANDOM % 20000))
"$rewasm" node --dev --datadir "$work/data" --http.port "$port" >"$work/node.log" 2>&1 &
node_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$port" && break
  sleep 0.1
done
"$bench" load --url "http://127.0.0.1:$port" --init "$work/wasm/erc20.deploy.wasm" \
  --senders "$senders" "${load[@]}" >"$work/load.out" 2>&1 &
bench_pid=$!
# The busy phase starts once its transfers are signed (seconds, with the machine's speed), and
# the load generator says so; the idle calls follow the 300 transfers within a second or two.
sleep 1
if [ "$mode" = busy ]; then
  for _ in $(seq 600); do
    grep -q '^busy calls:' "$work/load.out" && break
    kill -0 "$bench_pid" 2>/dev/null || break
    sleep 0.1
  done
  sleep 0.5
else
  sleep 2
fi
if ! kill -0 "$bench_pid" 2>/dev/null; then
  echo "call-breakdown: the load ended before it could be traced; its output:" >&2
  cat "$work/load.out" >&2
  exit 1
fi
ls "/proc/$bench_pid/task" >"$work/client-threads"
timeout -s INT 2 perf trace -e recvfrom,writev -p "$node_pid,$bench_pid" -o "$work/trace" 2>/dev/null || true
wait "$bench_pid"
tail -1 "$work/load.out"

python3 - "$work/trace" "$work/client-threads" <<'EOF'
import re, sys

LINE = re.compile(r'^\s*([\d.]+) \(\s*([\d.]*)\s*(?:ms)?\): \S+/(\d+) (\w+)\(fd: (\d+)[^)]*\)\s*= (\d+)')
client = {int(t) for t in open(sys.argv[2]).read().split()}
events = []
for line in open(sys.argv[1]):
    m = LINE.match(line)
    if m:
        t, dur, tid, call, fd, size = m.groups()
        events.append((float(t), float(dur or 0), int(tid), call, int(fd), int(size)))
events.sort()
# A call's request is a few hundred bytes, a transfer's more than 450; answers are alike.
calls = [e for e in events if e[2] in client and 100 < e[5] < 450]
node = [e for e in events if e[2] not in client and 100 < e[5] < 450]
reads = [e for e in node if e[3] == 'recvfrom']
writes = [e for e in node if e[3] == 'writev']
rows = []
for i, sent in enumerate(calls):
    if sent[3] != 'writev':
        continue
    answer = next((e for e in calls[i + 1:i + 3] if e[3] == 'recvfrom'), None)
    if answer is None:
        break
    start, end = sent[0], answer[0] + answer[1]
    read = [e for e in reads if start - 0.005 <= e[0] <= end and e[5] == sent[5]]
    if len(read) != 1:
        continue
    write = [e for e in writes if read[0][0] <= e[0] <= end and e[4] == read[0][4] and e[5] == answer[5]]
    if len(write) != 1:
        continue
    written = write[0][0] + write[0][1]
    rows.append((end - start, read[0][0] - start, written - read[0][0], end - written))
rows.sort()
n = len(rows)
print(f"{n} calls matched")
print(f"{'calls':14} {'client write -> node reads':>27} {'node reads -> answers':>22} {'node answers -> client reads':>29} {'total':>8}")
for label, lo, hi in [('p40-60', 0.4, 0.6), ('p90-98', 0.9, 0.98), ('slowest 2%', 0.98, 1.0)]:
    band = rows[int(n * lo):int(n * hi)]
    if band:
        mean = lambda k: sum(r[k] for r in band) / len(band) * 1000
        print(f"{label:14} {mean(1):24.0f} µs {mean(2):19.0f} µs {mean(3):26.0f} µs {mean(0):5.0f} µs")
EOF
