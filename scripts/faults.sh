#!/usr/bin/env bash
# The fault suite: every scenario of server/tests/faults.rs against Apache Kafka (scripts/kafka.sh) and the
# release binary, then one table of what reached the CSV (and one of the alerts that reached their receivers).
# Fails when a revision or an alert is lost, a revision duplicated, an alert sent twice that was not under way at
# the kill (or sent again under another id), or a process dies that should not.
#   scripts/faults.sh            every scenario (about 7 minutes once built)
#   scripts/faults.sh NAME       the scenarios whose test name contains NAME
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "==> cargo test --release --test faults (the release binary against Apache Kafka)"
status=0
cargo test --release -p server --test faults -- --ignored --test-threads 1 --nocapture "${1:-}" 2>&1 | tee "$log" \
  || status=$?

echo
{
  echo "scenario|faults injected|revisions expected|rows|lost|duplicated|time to recover"
  { grep -o 'FAULT-ROW|.*' "$log" || true; } | cut -d'|' -f2- | sort
} | column -t -s '|'
if grep -q 'ALERT-ROW|' "$log"; then
  echo
  {
    echo "scenario|faults injected|deliveries expected|delivered|lost|sent twice|held at the kill|time to recover"
    grep -o 'ALERT-ROW|.*' "$log" | cut -d'|' -f2-
  } | column -t -s '|'
fi
if grep -q 'LOAD-ROW|' "$log"; then
  echo
  {
    echo "scenario|requests|errors|p50|p99|max|first load of the log"
    grep -o 'LOAD-ROW|.*' "$log" | cut -d'|' -f2-
  } | column -t -s '|'
fi
exit "$status"
