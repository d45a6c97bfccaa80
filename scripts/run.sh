#!/usr/bin/env bash
# Sets up what is missing and runs the whole system: a Kafka broker (kafka-dev-broker, unless
# KAFKA_BOOTSTRAP_SERVERS names one), the producer watching data/latest-prices.json, the consumer writing
# data/electricity_prices.csv, and the dashboard at http://127.0.0.1:8501. Ctrl-C stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  export KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:9092
  if (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null; then
    echo "==> something already listens on 127.0.0.1:9092: using it as the Kafka broker"
  else
    echo "==> starting kafka-dev-broker on $KAFKA_BOOTSTRAP_SERVERS (in memory: it forgets everything when stopped)"
    kafka-dev-broker --listen "$KAFKA_BOOTSTRAP_SERVERS" &
    broker=$!
    trap 'kill $broker 2>/dev/null; wait $broker 2>/dev/null' EXIT
  fi
fi

echo "==> building and starting the app; the dashboard will be at http://127.0.0.1:8501"
cargo leptos serve
