#!/usr/bin/env bash
# Starts a rewasm dev node on a fresh machine in one step: installs the build prerequisites,
# builds the release binary (the first build of rocksdb and wasmer takes 10–20 minutes) and runs
# `rewasm node --dev` with its data in the default folder ($XDG_DATA_HOME/rewasm or
# ~/.local/share/rewasm), JSON-RPC on http://127.0.0.1:8545. Extra arguments go to `rewasm node`,
# e.g. `bash scripts/node.sh --block-time 2 --http.port 8546`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rewasm-target}"
bash scripts/setup.sh
cargo build --release --locked -p rewasm
exec "$CARGO_TARGET_DIR/release/rewasm" node --dev "$@"
