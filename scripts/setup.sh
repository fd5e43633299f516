#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test rewasm. Idempotent: every step checks first.
#   - clang + libclang-dev: bindgen (rocksdb's build script) loads libclang at run time.
#   - the wasm32-unknown-unknown target: contracts are built for it.
#   - binaryen: `rewasm build` shrinks contracts with its `wasm-opt`.
set -euo pipefail

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in clang libclang-dev binaryen; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "setup: clang, libclang-dev and binaryen present"
fi

if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: wasm32-unknown-unknown present"
else
  echo "setup: adding wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi
