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

# cargo test runs with the flag cargo-leptos adds to a debug build, so that the two share every compiled
# dependency: with different flags, each compiles all 546 crates of its own.
rust_tests() { RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg erase_components" cargo test -p app -p server "$@"; }

# The integration tests mostly wait (on brokers starting, an alert's retries, a consumer's next poll), so they
# run in two lanes at once: the two longest test files, about four minutes between them, beside all the rest.
long=(alerts secure_kafka)
rust_test_lanes() {
    local rest=() name lane status=0 log=target/test-lane.log
    for file in server/tests/*.rs; do
        name=$(basename "$file" .rs)
        [[ " ${long[*]} " == *" $name "* ]] || rest+=(--test "$name")
    done
    rust_tests "${long[@]/#/--test=}" >"$log" 2>&1 &
    lane=$!
    rust_tests --lib --bins "${rest[@]}" || status=1
    rust_tests --doc || status=1
    wait "$lane" || status=1
    echo "--- the second lane: ${long[*]} ---"
    cat "$log"
    return "$status"
}

step "cargo test --no-run (compiling app and server with their tests)" rust_tests --no-run
step "cargo test (app, server: unit and integration tests, in two lanes)" rust_test_lanes
step "cargo leptos build (server binary and WebAssembly bundle)" cargo leptos build
step "browser tests (headless Chromium)" node --test --test-concurrency=1 end2end/

tests=$((SECONDS - started - setup))
echo "==> done: setup $((setup / 60)) min $((setup % 60)) s, tests (builds included) $((tests / 60)) min $((tests % 60)) s"
