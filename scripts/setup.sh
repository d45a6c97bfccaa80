#!/usr/bin/env bash
# Installs what the project needs and this machine lacks; what is there already is left alone.
#   scripts/setup.sh            tools to build and run: wasm32 target, cargo-leptos, wasm-bindgen-cli, the npm
#                               packages, Java 17+ and Maven, the Apache Kafka jars, OpenSSL (librdkafka's TLS)
#   scripts/setup.sh --browser  the same, and Debian's chromium for the browser tests
#   scripts/setup.sh --without-rust-tools   all but cargo-leptos and wasm-bindgen-cli (scripts/test.sh builds
#                               them itself, beside the Rust tests, with scripts/rust-tools.sh)
# Everything comes from crates.io, npm, Maven Central and Debian's packages; nothing from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

browser='' rust_tools=1
for option; do
  case "$option" in
    --browser) browser=1 ;;
    --without-rust-tools) rust_tools='' ;;
    *) echo "usage: scripts/setup.sh [--browser] [--without-rust-tools]" >&2; exit 2 ;;
  esac
done

apt_install() {
  step "apt-get install $*"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Debian's packages first: the Kafka jars and npm need them, and they do not compete with the compiler for CPU.
java_major=$(java -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }')
if [ "${java_major:-0}" -lt 17 ]; then
  # Debian 12 has 17; later releases only newer ones, which run Kafka 4 as well.
  apt_install openjdk-17-jre-headless || apt_install default-jre-headless
fi
command -v mvn >/dev/null || apt_install maven
command -v npm >/dev/null || apt_install nodejs npm
command -v column >/dev/null || apt_install bsdextrautils # the fault suite's table
# librdkafka is built with TLS (SASL_SSL, SSL) against Debian's OpenSSL; kafka.sh --secure makes certificates.
pkg-config --exists openssl 2>/dev/null || apt_install libssl-dev pkg-config
command -v openssl >/dev/null || apt_install openssl
# The alerts' MQTT tests run a broker of their own (scripts/mosquitto.sh).
command -v mosquitto >/dev/null || apt_install mosquitto mosquitto-clients
if [ -n "$browser" ] && ! [ -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# The Apache Kafka broker's jars (tools/kafka/pom.xml), from Maven Central into tools/kafka/target/lib, and
# ECharts, playwright-core and binaryen's wasm-opt from npm: both download while the Rust tools compile below
# (or beside, in scripts/test.sh).
scripts/kafka.sh --fetch &
jars=$!
# The bundle is also made again when the list of what it keeps (frontend/js/echarts.js) or how it is built
# (scripts/build-vendor.mjs) has changed.
if [ ! -f public/vendor/echarts.js ] || [ ! -f node_modules/.package-lock.json ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || [ frontend/js/echarts.js -nt public/vendor/echarts.js ] \
  || [ scripts/build-vendor.mjs -nt public/vendor/echarts.js ]; then
  step "npm ci"
  npm ci --no-audit --no-fund --loglevel=error &
  npm=$!
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

[ -z "$rust_tools" ] || scripts/rust-tools.sh cargo-leptos wasm-bindgen-cli

wait "$jars" || { echo "fetching the Kafka jars failed" >&2; exit 1; }
if [ -n "${npm:-}" ]; then wait "$npm" || { echo "npm ci failed" >&2; exit 1; }; fi
step "tools ready"
