#!/usr/bin/env bash
# Installs what the project needs and this machine lacks; what is there already is left alone.
#   scripts/setup.sh            tools to build and run: wasm32 target, cargo-leptos, wasm-bindgen-cli,
#                               npm packages, kafka-dev-broker
#   scripts/setup.sh --browser  the same, and Debian's chromium for the browser tests
# Everything comes from crates.io, npm and Debian's packages; nothing is downloaded from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

apt_install() {
  step "apt-get install $*"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 0.3.10 is the last cargo-leptos that builds with Rust 1.95; no_downloads makes it use the tools on PATH.
if ! cargo leptos --version 2>/dev/null | grep -q ' 0\.3\.10$'; then
  step "cargo install cargo-leptos 0.3.10"
  cargo install cargo-leptos --locked --version 0.3.10 --features no_downloads
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock. Not --locked: its own lock file
# names a crate version the registry no longer serves.
wasm_bindgen_version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wasm_bindgen_version" ]; then
  step "cargo install wasm-bindgen-cli $wasm_bindgen_version"
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

if ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
# ECharts (copied into public/vendor by the postinstall script), playwright-core, binaryen's wasm-opt.
if [ ! -f public/vendor/echarts.min.js ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

# The Kafka-protocol broker for local runs and tests. It needs nightly Rust and about 12 minutes to build,
# so it is built once and installed into ~/.cargo/bin, and again only when its version changes.
broker_version=$(awk -F'"' '/^version = / { print $2; exit }' tools/kafka-dev-broker/Cargo.toml)
if [ "$(kafka-dev-broker --version 2>/dev/null)" != "kafka-dev-broker $broker_version" ]; then
  step "cargo +nightly install kafka-dev-broker (tools/kafka-dev-broker, about 12 minutes)"
  cargo +nightly install --locked --path tools/kafka-dev-broker
fi

if [ "${1:-}" = "--browser" ] && ! [ -x /usr/bin/chromium ]; then
  apt_install chromium
fi
step "tools ready"
