#!/usr/bin/env bash
# The benchmark: the release build against Apache Kafka (scripts/kafka.sh), then one table of every figure
# beside its goal. Figures vary with the machine and its load; nothing here fails on a missed goal.
#   scripts/bench.sh          every figure (about 10 minutes once built)
#   scripts/bench.sh NAME     the benchmarks of server/tests/bench.rs whose name contains NAME
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
# Lighthouse, for the page's scores: the benchmark's alone (the tests do without its 185 MB).
[ -d tools/lighthouse/node_modules ] || npm ci --prefix tools/lighthouse --no-audit --no-fund >/dev/null \
  || echo "Lighthouse could not be installed: the page's scores are left out"
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

echo "==> cargo leptos build --release --precompress (the binary and the site the benchmark serves)"
cargo leptos build --release --precompress
# cargo test builds a binary of its own over this one, without cargo-leptos' settings: keep a copy.
mkdir -p target/bench
cp target/release/price-monitor target/bench/price-monitor
export PRICE_MONITOR_BIN="$PWD/target/bench/price-monitor" LEPTOS_SITE_ROOT="$PWD/target/site" \
  LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=price-monitor LEPTOS_ENV=PROD

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "==> cargo test --release --test bench"
status=0
cargo test --release -p server --test bench -- --ignored --test-threads 1 --nocapture "${1:-}" 2>&1 | tee "$log" \
  || status=$?

wasm=$(ls target/site/pkg/*.wasm)
echo
{
  echo "figure|measured|goal"
  echo "release WebAssembly, gzip -9 (raw)|$(($(gzip -9c "$wasm" | wc -c) / 1000)) KB ($(($(wc -c <"$wasm") / 1000)) KB)|≤ 300 KB"
  echo "ECharts bundle, gzip -9 (raw)|$(($(gzip -9c target/site/vendor/echarts.js | wc -c) / 1000)) KB ($(($(wc -c <target/site/vendor/echarts.js) / 1000)) KB)|—"
  { grep -o 'BENCH-ROW|.*' "$log" || true; } | cut -d'|' -f2-
} | column -t -s '|'
exit "$status"
