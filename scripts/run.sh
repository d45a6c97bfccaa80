#!/usr/bin/env bash
# Sets up what is missing and runs the whole system: Apache Kafka (unless KAFKA_BOOTSTRAP_SERVERS names a
# broker), the fetcher keeping data/latest-prices.json current from porssisahko.net, the producer watching that
# file, the consumer writing data/electricity_prices.csv, and the dashboard at http://127.0.0.1:8501. Ctrl-C
# stops the app, then Kafka.
#
# SOURCE_URL names the source (porssisahko.net's v2 file by default); SOURCE_URL= (empty) fetches nothing and
# watches the price file alone. While the source cannot be reached and the price file has no price for now, or
# when nothing is fetched and there is no price file, the price file gets the shipped sample re-dated to
# yesterday, today and tomorrow, and the page says that it shows sample data.
#
# Kafka listens on 127.0.0.1:9092 (KAFKA_PORT) and keeps its data in data/kafka/ (KAFKA_DATA) across runs; its
# log goes to data/kafka/broker.log. The app's options (PRICE_FILE, CSV_PATH, LEPTOS_SITE_ADDR, ...) are read
# from the environment as usual: `target/debug/price-monitor --help` lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"

echo "==> cargo leptos build"
cargo leptos build

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

kafka=''
stop_kafka() {
  [ -n "$kafka" ] || return 0
  echo "==> stopping Kafka"
  kill -TERM "$kafka" 2>/dev/null || true
  wait "$kafka" 2>/dev/null || true
}
trap stop_kafka EXIT

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  port=${KAFKA_PORT:-9092}
  data=${KAFKA_DATA:-data/kafka}
  export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$port"
  if listening "$port"; then
    echo "==> something already listens on 127.0.0.1:$port: using it as the Kafka broker"
  else
    echo "==> starting Apache Kafka on 127.0.0.1:$port, data in $data/ (log: $data/broker.log)"
    mkdir -p "$data"
    # A session of its own: Ctrl-C reaches the app alone, and Kafka is stopped after it has finished.
    setsid scripts/kafka.sh --port "$port" --data "$data" >>"$data/broker.log" 2>&1 &
    kafka=$!
    started=$SECONDS
    until listening "$port"; do
      if ! kill -0 "$kafka" 2>/dev/null; then
        kafka=''
        echo "Kafka did not start:" >&2
        tail -n 5 "$data/broker.log" >&2
        exit 1
      fi
      sleep 0.2
    done
    echo "==> Kafka ready in $((SECONDS - started)) s"
  fi
fi

export SOURCE_URL=${SOURCE_URL-https://api.porssisahko.net/v2/latest-prices.json}
if [ -n "$SOURCE_URL" ]; then
  echo "==> the app fetches the prices from $SOURCE_URL (the re-dated sample while it cannot be reached)"
  export SAMPLE_WHEN_UNREACHABLE=true
else
  unset SOURCE_URL
  [ -e "${PRICE_FILE:-data/latest-prices.json}" ] || target/debug/price-monitor sample
fi

echo "==> starting the app; the dashboard will be at http://${LEPTOS_SITE_ADDR:-127.0.0.1:8501}"
# In the foreground: Ctrl-C stops it (it finishes its write, commits and exits), and then the trap stops Kafka.
LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg LEPTOS_OUTPUT_NAME=price-monitor LEPTOS_ENV=PROD \
  target/debug/price-monitor all
