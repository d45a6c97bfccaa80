#!/usr/bin/env bash
# Builds the Rust tools the project is built with, each unless it is there at the right version:
#   scripts/rust-tools.sh cargo-leptos        cargo-leptos 0.3.10, which uses the tools on PATH (no downloads)
#   scripts/rust-tools.sh wasm-bindgen-cli    wasm-bindgen-cli at exactly the wasm-bindgen of Cargo.lock
# scripts/setup.sh builds both (scripts/test.sh in the background, beside the Rust tests); the Dockerfile's
# build stage one per layer, so that a new Cargo.lock does not build cargo-leptos again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Build tools need not be fast, only built fast: no optimisation, no LTO. cargo-leptos then compiles in about
# 6 minutes instead of 15 or more on 2 cores, and runs no slower that anyone notices (it mostly waits for cargo).
fast_install() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=true cargo install --quiet "$@"
}

for tool in "$@"; do
  case "$tool" in
    cargo-leptos)
      # 0.3.10 is the last cargo-leptos that builds with Rust 1.95; no_downloads makes it use the tools on PATH.
      if ! cargo leptos --version 2>/dev/null | grep -q ' 0\.3\.10$'; then
        step "cargo install cargo-leptos 0.3.10 (the longest step of a first setup)"
        fast_install cargo-leptos --locked --version 0.3.10 --features no_downloads
      fi
      ;;
    wasm-bindgen-cli)
      # Not --locked: its own lock file names a crate version the registry no longer serves.
      version=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
      if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
        step "cargo install wasm-bindgen-cli $version"
        fast_install wasm-bindgen-cli --version "$version" --force
      fi
      ;;
    *)
      echo "rust-tools.sh: unknown tool $tool (cargo-leptos or wasm-bindgen-cli)" >&2
      exit 2
      ;;
  esac
done
