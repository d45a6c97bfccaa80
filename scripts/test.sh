#!/usr/bin/env bash
# Runs every test: unit tests, the pipeline against Apache Kafka (brokers started through scripts/kafka.sh),
# the docker-compose check, the browser tests in headless Chromium and scripts/run.sh itself. Installs what is
# missing first. The fault suite is scripts/faults.sh (CI runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

# cargo-leptos and wasm-bindgen-cli are needed only for the browser build, after the Rust tests. Where they are
# missing (a fresh machine: 7 minutes of compiling), they compile meanwhile, in a process group of their own at
# the lowest priority: the setup's downloads and the tests, which mostly wait on brokers, leave them the CPU.
mkdir -p target
tools_log=target/rust-tools.log
setsid nice -n 19 scripts/rust-tools.sh cargo-leptos wasm-bindgen-cli >"$tools_log" 2>&1 &
tools=$!
# What runs in the background runs in process groups of its own, stopped with the script however it ends.
groups=("$tools")
stop_groups() { for group in "${groups[@]}"; do kill -- -"$group" 2>/dev/null || kill "$group" 2>/dev/null || true; done; }
trap stop_groups EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
scripts/setup.sh --browser --without-rust-tools
setup=$((SECONDS - started))

# The tests are built as cargo-leptos builds a debug server: with the flag it adds to RUSTFLAGS (with different
# flags, each compiles all 546 crates of its own; flags set in a Cargo config's build.rustflags would be replaced
# here and kept by cargo-leptos: set them in RUSTFLAGS instead), and with the output name it sets, which Leptos
# reads at compile time. The server's crates then compile once for both (the server turns on the features the
# tests' dev-dependencies turn on: server/Cargo.toml), and cargo-leptos compiles the WebAssembly alone.
# cargo-leptos is given RUSTFLAGS as they came: it adds the flag itself.
build_flags="${RUSTFLAGS:+$RUSTFLAGS }--cfg erase_components"
LEPTOS_OUTPUT_NAME=$(sed -n 's/^output-name *= *"\(.*\)"$/\1/p' Cargo.toml | head -n 1)
if [[ -z $LEPTOS_OUTPUT_NAME ]]; then
    echo "test.sh: Cargo.toml's [[workspace.metadata.leptos]] names no output-name" >&2
    exit 1
fi
export LEPTOS_OUTPUT_NAME

# Each step says how long it took: the setup-included total has a goal of 20 minutes (docs/performance.md).
step() {
    local name=$1 began=$SECONDS
    shift
    echo "==> $name"
    "$@"
    echo "==> $name: $((SECONDS - began)) s"
}

rust_tests() { RUSTFLAGS="$build_flags" cargo test -p app -p server "$@"; }

# Every test target of app and server by name, from Cargo's own list.
test_targets() {
    cargo metadata --no-deps --format-version 1 | node -e '
      let json = "";
      process.stdin.on("data", (d) => (json += d)).on("end", () => {
        for (const p of JSON.parse(json).packages) {
          if (p.name !== "app" && p.name !== "server") continue;
          for (const t of p.targets) if (t.kind.includes("test")) console.log(t.name);
        }
      });'
}

# The integration tests mostly wait (on brokers starting, an alert's retries, a consumer's next poll), so they
# run in two lanes at once: the two longest test files, about four minutes between them, beside all the rest.
long=(alerts secure_kafka)
rust_test_lanes() {
    local rest=() name lane status=0 log=target/test-lane.log
    for name in $(test_targets); do
        [[ " ${long[*]} " == *" $name "* ]] || rest+=(--test "$name")
    done
    RUSTFLAGS="$build_flags" setsid cargo test -p app -p server "${long[@]/#/--test=}" >"$log" 2>&1 &
    lane=$!
    groups+=("$lane")
    rust_tests --lib --bins "${rest[@]}" || status=1
    rust_tests --doc || status=1
    wait "$lane" || status=1
    echo "--- the second lane: ${long[*]} ---"
    cat "$log"
    return "$status"
}

step "cargo test --no-run (compiling app and server with their tests)" rust_tests --no-run
step "cargo test (app, server: unit and integration tests, in two lanes)" rust_test_lanes
rust_tools() {
    local status=0
    wait "$tools" || status=$?
    cat "$tools_log"
    return "$status"
}
step "cargo-leptos and wasm-bindgen-cli (built beside the tests where missing)" rust_tools
step "cargo leptos build (server binary and WebAssembly bundle)" cargo leptos build

# The browser tests' files run two at a time, each with a broker and a server of its own on free ports, but for
# run_script's: scripts/run.sh builds the site again, and cargo-leptos empties it first, so that one runs alone.
browser_tests() {
    local status=0 files=()
    for file in end2end/*.test.mjs; do [[ $file == */run_script.test.mjs ]] || files+=("$file"); done
    node --test --test-concurrency=2 "${files[@]}" || status=1
    node --test end2end/run_script.test.mjs || status=1
    return "$status"
}
step "browser tests (headless Chromium)" browser_tests

total=$((SECONDS - started))
tests=$((total - setup))
echo "==> done in $((total / 60)) min $((total % 60)) s: setup $((setup / 60)) min $((setup % 60)) s (cargo-leptos and" \
    "wasm-bindgen-cli apart), tests $((tests / 60)) min $((tests % 60)) s (builds included, and the wait for those two)"
