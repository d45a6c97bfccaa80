#!/usr/bin/env bash
# Runs every test: unit tests, the pipeline against Apache Kafka (brokers started through scripts/kafka.sh),
# the docker-compose check, the browser tests in headless Chromium and scripts/run.sh itself. Installs what is
# missing first. The fault suite is scripts/faults.sh (CI runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
scripts/setup.sh --browser
setup=$((SECONDS - started))
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

# Each step says how long it took: the setup-included total has a goal of 20 minutes (docs/performance.md).
step() {
    local name=$1 began=$SECONDS
    shift
    echo "==> $name"
    "$@"
    echo "==> $name: $((SECONDS - began)) s"
}

step "cargo test (app, server: unit and integration tests)" cargo test -p app -p server
step "cargo leptos build (server binary and WebAssembly bundle)" cargo leptos build
step "browser tests (headless Chromium)" node --test --test-concurrency=1 end2end/

tests=$((SECONDS - started - setup))
echo "==> done: setup $((setup / 60)) min $((setup % 60)) s, tests (builds included) $((tests / 60)) min $((tests % 60)) s"
