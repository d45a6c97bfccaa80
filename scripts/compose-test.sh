#!/usr/bin/env bash
# The containerized deployment, run for real: builds the project's Dockerfile and starts its docker-compose.yml
# on this machine's Docker engine, breaks it, and checks what reached the CSV; then one table of the steps.
#   scripts/compose-test.sh          every step (see docs/testing.md, "The deployment test", for how long it takes)
#
# - Installs what is missing from Debian's packages (docker.io, docker-compose, mmdebstrap, iptables) and the
#   project's tools (scripts/setup.sh). When no Docker engine answers, it starts a dockerd of its own, with its
#   data and socket under $COMPOSE_TEST_STATE (default ~/.cache/price-monitor/compose-test), and stops it at the
#   end, also on failure or Ctrl-C. The images built stay there for the next run.
# - Images that are not here and cannot be pulled (no registry answers on the project's machines) are built as
#   stand-ins under the names the project's files use, each again only when its inputs change:
#   debian:bookworm-slim (mmdebstrap), rust:1.95-bookworm (this machine's toolchain, tools/stand-ins/rust) and
#   apache/kafka (the jars of tools/kafka/pom.xml, tools/stand-ins/kafka). This machine's CA bundle goes into
#   them, for networks that re-sign HTTPS. Kafka UI has no stand-in: where its image is missing, the stack runs
#   without it.
# - The project's files as they are, with tools/compose-test/prices-stub.yml laid over them: a web server on the
#   compose network serves the test's price file in place of porssisahko.net. Every port is a free one.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
state=${COMPOSE_TEST_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/price-monitor/compose-test}
project=price-monitor-test
label=net.electricity-price-monitor.stand-in

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { echo "compose-test.sh: $*" >&2; exit 1; }

# --- What is missing -----------------------------------------------------------------------------------------

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v iptables >/dev/null || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
  say "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
scripts/setup.sh --browser
export PATH="$HOME/.cargo/bin:$PATH"
if docker compose version >/dev/null 2>&1; then compose_cli=(docker compose); else compose_cli=(docker-compose); fi

# --- The steps' table, printed at the end whatever happened --------------------------------------------------

rows=()
step_started=0
step_name=''
begin() {
  step_name=$1
  step_started=$SECONDS
  say "$step_name"
}
passed() {
  rows+=("$step_name|passed|$((SECONDS - step_started)) s|${1:-}")
  step_name=''
}
table() {
  [ -n "$step_name" ] && rows+=("$step_name|FAILED|$((SECONDS - step_started)) s|")
  step_name=''
  echo
  { echo "step|result|time|figures"; printf '%s\n' "${rows[@]}"; } | column -t -s '|'
}

# --- The engine ----------------------------------------------------------------------------------------------

our_dockerd=''
stop_dockerd() {
  [ -n "$our_dockerd" ] || return 0
  say "stopping the dockerd this test started"
  kill -TERM "$our_dockerd" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$our_dockerd" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$our_dockerd" 2>/dev/null || true
  our_dockerd=''
}

stack_up=''
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e # whatever fails here, the dockerd is stopped
  if [ -n "$stack_up" ]; then
    if [ "$status" != 0 ]; then
      echo "the app's last log lines:" >&2
      compose logs --no-color --tail 30 app >&2 2>/dev/null || true
    fi
    say "removing the test's stack"
    compose --profile replicas down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  table
  stop_dockerd
  [ -n "${work:-}" ] && rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$state"
if ! docker info >/dev/null 2>&1; then
  export DOCKER_HOST="unix://$state/docker.sock"
  if [ -f "$state/dockerd.pid" ] && kill -0 "$(cat "$state/dockerd.pid")" 2>/dev/null; then
    say "stopping a dockerd an earlier run left"
    earlier=$(cat "$state/dockerd.pid")
    kill -TERM "$earlier" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$earlier" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$earlier" 2>/dev/null || true
  fi
  say "starting a dockerd of its own (data in $state/docker, log in $state/dockerd.log)"
  dockerd --data-root "$state/docker" --exec-root "$state/run" --pidfile "$state/dockerd.pid" \
    --host "$DOCKER_HOST" >"$state/dockerd.log" 2>&1 &
  our_dockerd=$!
  for _ in $(seq 1 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || { tail -n 20 "$state/dockerd.log" >&2; fail "dockerd did not start"; }
fi

# --- Images: the real ones where they are or can be pulled, else stand-ins -----------------------------------

sha() { sha256sum | cut -c1-16; }

# Whether IMAGE is usable as it is: a real one (no stand-in label), or a stand-in built from INPUTS.
image_current() {
  local made
  made=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null) || return 1
  [ -z "$made" ] || [ "$made" = '<no value>' ] || [ "$made" = "$2" ]
}

# Makes IMAGE usable: kept, pulled, or built as a stand-in by the function BUILD from INPUTS (a digest).
ensure_image() {
  local image=$1 inputs=$2 build=$3 started=$SECONDS
  if image_current "$image" "$inputs"; then
    echo "$image: here already"
  elif docker pull -q "$image" >/dev/null 2>&1; then
    echo "$image: pulled"
  else
    echo "$image: cannot be pulled here; building a stand-in"
    "$build" "$image" "$inputs"
    echo "$image: stand-in built in $((SECONDS - started)) s"
  fi
}

# A minimal Debian 12 made by mmdebstrap, slimmed as the official image is (no manuals, docs or locales), with
# this machine's CA bundle in the place update-ca-certificates keeps it from.
# Like the official image, apt keeps no packages or caches after an install (its /etc/apt/apt.conf.d/docker-clean).
docker_clean='DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";'
export docker_clean
debian_rootfs() {
  local tar=$1
  mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --customize-hook='mkdir -p "$1/usr/share/man/man1" "$1/usr/local/share/ca-certificates" "$1/etc/ssl/certs"' \
    --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/usr/local/share/ca-certificates/this-machine.crt"' \
    --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1/etc/ssl/certs/ca-certificates.crt"' \
    --customize-hook='printf "%s\n" "$docker_clean" >"$1/etc/apt/apt.conf.d/docker-clean"' \
    --customize-hook='echo "Acquire::Languages \"none\";" >"$1/etc/apt/apt.conf.d/docker-no-languages"' \
    --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/log/*' \
    bookworm "$tar" "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" </dev/null
}

build_debian() {
  mmdebstrap_out=$(mktemp -d)
  debian_rootfs "$mmdebstrap_out/rootfs.tar"
  docker import --change "LABEL $label=$2" --change 'CMD ["bash"]' "$mmdebstrap_out/rootfs.tar" "$1" >/dev/null
  rm -rf "$mmdebstrap_out"
}

# This machine's Rust 1.95 toolchain (wasm32 target included, documentation left out) as the official image
# lays it out.
build_rust() {
  local context sysroot toolchain=1.95.0-x86_64-unknown-linux-gnu
  rustc --version | grep -q '^rustc 1\.95\.' || fail "the rust:1.95 stand-in needs Rust 1.95 here, not $(rustc --version)"
  context=$(mktemp -d -p "$state")
  sysroot=$(rustc --print sysroot)
  mkdir -p "$context/rustup/toolchains" "$context/cargo/bin"
  cp -al "$sysroot" "$context/rustup/toolchains/$toolchain" 2>/dev/null || cp -a "$sysroot" "$context/rustup/toolchains/$toolchain"
  rm -rf "$context/rustup/toolchains/$toolchain/share/doc"
  printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n' "$toolchain" >"$context/rustup/settings.toml"
  cp "$(command -v rustup)" "$context/cargo/bin/rustup"
  for proxy in cargo rustc rustdoc rustfmt cargo-fmt cargo-clippy clippy-driver; do
    ln -s rustup "$context/cargo/bin/$proxy"
  done
  cp tools/stand-ins/rust/Dockerfile "$context/"
  docker build -q --label "$label=$2" -t "$1" "$context" >/dev/null
  rm -rf "$context"
}

build_kafka() {
  local context
  context=$(mktemp -d -p "$state")
  cp -a tools/stand-ins/kafka/. "$context/"
  cp -a tools/kafka/target/lib "$context/libs"
  docker build -q --label "$label=$2" -t "$1" "$context" >/dev/null
  rm -rf "$context"
}

begin "images: real ones, or stand-ins"
kafka_image=$(awk '/^x-kafka-node:/ { node = 1 } node && /image:/ { print $2; exit }' docker-compose.yml)
ensure_image debian:bookworm-slim "$({ declare -f debian_rootfs; echo "$docker_clean"; cat /etc/ssl/certs/ca-certificates.crt; } | sha)" build_debian
base=$(docker image inspect -f '{{.Id}}' debian:bookworm-slim)
ensure_image rust:1.95-bookworm "$({ echo "$base"; rustc -vV; cat tools/stand-ins/rust/Dockerfile; } | sha)" build_rust
ensure_image "$kafka_image" "$({ echo "$base"; ls -l tools/kafka/target/lib; cat tools/stand-ins/kafka/*; } | sha)" build_kafka
ui_image=$(awk '/^  kafka-ui:/ { ui = 1 } ui && /image:/ { print $2; exit }' docker-compose.yml)
if docker image inspect "$ui_image" >/dev/null 2>&1 || docker pull -q "$ui_image" >/dev/null 2>&1; then
  with_ui=kafka-ui
else
  with_ui=''
  echo "$ui_image: cannot be pulled here and has no stand-in: the stack runs without Kafka UI"
fi
passed "debian, rust, kafka${with_ui:+, kafka-ui}"

# --- The stack, on free ports, with the stub as its price source ---------------------------------------------

work=$(mktemp -d)
export PRICES_STUB_DIR="$work/www"
free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
APP_PORT=$(free_port) KAFKA_HOST_PORT=$(free_port) KAFKA_2_HOST_PORT=$(free_port) KAFKA_3_HOST_PORT=$(free_port)
KAFKA_UI_PORT=$(free_port) KAFKA_UI_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export APP_PORT KAFKA_HOST_PORT KAFKA_2_HOST_PORT KAFKA_3_HOST_PORT KAFKA_UI_PORT KAFKA_UI_PASSWORD
# Not a .env a person may keep beside docker-compose.yml (BIND_ADDRESS=0.0.0.0, say): the defaults, or cluster.env.
: >"$work/none.env"
env_file=(--env-file "$work/none.env")
overlay=()
compose() {
  "${compose_cli[@]}" "${env_file[@]}" -p "$project" -f docker-compose.yml "${overlay[@]}" \
    -f tools/compose-test/prices-stub.yml "$@"
}
services=(kafka app $with_ui)

container() { compose ps -q "$1"; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}no healthcheck, {{.State.Status}}{{end}}' "$(container "$1")"; }
# Waits up to SECONDS for COMMAND to succeed: `within SECONDS WHAT COMMAND...`.
within() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what: not within $limit s"
    sleep 1
  done
}
# Healthy by their healthchecks; a service without one (Kafka UI) running.
healthy() {
  local service status
  for service; do
    status=$(health "$service")
    [ "$status" = healthy ] || [ "$status" = 'no healthcheck, running' ] || return 1
  done
}
get() { curl -fsS --max-time 10 "http://127.0.0.1:$APP_PORT$1"; }
csv() { docker exec "$(container app)" cat /app/data/electricity_prices.csv; }
prices() { node tools/compose-test/prices.mjs "$1" "$work"; }
# The stub's newest prices are the app's price file's (which also names its source): fetched.
fetched() {
  docker exec "$(container app)" cat /app/data/latest-prices.json | node -e '
    const fs = require("fs");
    // In time order: the stub lists its slots newest first, the app writes them oldest first.
    const slots = (text) => JSON.parse(text).prices.map((p) => [p.startDate, p.endDate, p.price].join(" ")).sort();
    const [got, want] = [slots(fs.readFileSync(0, "utf8")), slots(fs.readFileSync(process.argv[1], "utf8"))];
    process.exit(got.join() === want.join() ? 0 : 1);' "$PRICES_STUB_DIR/v2/latest-prices.json"
}
# Waits until the CSV holds every revision the stub served, each once; fails at once on a duplicate.
csv_figures=''
wait_for_csv() {
  local deadline=$((SECONDS + $1)) figures rows expected lost duplicated
  while :; do
    figures=$(csv 2>/dev/null | prices check) && { csv_figures=$figures; return 0; }
    IFS='|' read -r rows expected lost duplicated <<<"$figures"
    [ "${duplicated:-0}" = 0 ] || fail "the CSV has $duplicated duplicated row(s) ($rows rows, $expected expected)"
    [ "$SECONDS" -lt "$deadline" ] || fail "the CSV lacks $lost of $expected expected rows after $1 s"
    sleep 1
  done
}
rows_text() {
  local rows expected lost duplicated
  IFS='|' read -r rows expected lost duplicated <<<"$csv_figures"
  echo "$rows rows of $expected, $lost lost, $duplicated duplicated"
}
# The spot price of now, on the page and in the API: the stub's.
shows_now() {
  local want api page
  want=$(prices now)
  api=$(get /api/v1/now | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).spot))')
  page=$(get / | grep -o 'Current price</span><span class="stat-value">[-0-9.]*' | grep -o '[-0-9.]*$')
  node -e 'const [w, a, p] = process.argv.slice(1).map(Number); process.exit(Math.abs(w - a) < 1e-9 && Math.abs(w - p) <= 0.005 + 1e-9 ? 0 : 1)' "$want" "$api" "$page"
}
# Kafka's own tools, in the container of SERVICE, through the listener the other containers use (the host's
# listener advertises a host port, which is not reachable from inside).
kafka_tool() { docker exec "$(container "$1")" "/opt/kafka/bin/$2" --bootstrap-server localhost:19092 "${@:3}"; }
topic_end() {
  kafka_tool kafka kafka-get-offsets.sh --topic electricity-prices 2>/dev/null | awk -F: '{ sum += $3; n++ } END { if (n) print sum; else exit 1 }'
}
# No message of the topic waits for the consumer group.
caught_up() {
  kafka_tool kafka kafka-consumer-groups.sh --describe --group electricity-price-consumer 2>/dev/null \
    | awk '$2 == "electricity-prices" { seen = 1; if ($6 != "0") lag = 1 } END { exit !(seen && !lag) }'
}

begin "build: the Dockerfile, as docker-compose.yml builds it"
compose build >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; fail "the build failed"; }
# Compose names the image after the project and the service: price-monitor-test_app (1.x) or -app (2.x).
size=$(docker images --format '{{.ID}}' --filter "reference=${project}_app" --filter "reference=${project}-app" \
  | head -n 1 | xargs docker image inspect -f '{{.Size}}')
passed "app image $((size / 1000000)) MB"

begin "up: every service healthy, the image's HEALTHCHECK too"
prices write >/dev/null
stack_up=1
up() { compose up -d "${services[@]}" >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up failed"; }; }
up
within 240 "kafka and app healthy" healthy "${services[@]}"
passed "${services[*]} healthy"

begin "the dashboard shows the stub's prices (page, /api/v1/now), /readyz 200"
wait_for_csv 120
within 60 "/readyz answering 200" get /readyz
within 30 "the page and /api/v1/now showing the stub's price of now" shows_now
passed "$(rows_text)"

begin "the release build's charts fill their boxes (Chromium at 1366×900 and 390×844, no resize)"
node end2end/charts-fill.mjs "http://127.0.0.1:$APP_PORT/" >"$work/charts.log" 2>&1 \
  || { cat "$work/charts.log" >&2; fail "a chart is not as wide as its box"; }
passed "$(paste -sd ';' "$work/charts.log")"

begin "a changed price reaches the CSV and the page"
prices write >/dev/null
within 60 "the app fetching the changed file" fetched
wait_for_csv 60
within 30 "the page and /api/v1/now showing the changed price" shows_now
passed "$(rows_text)"

begin "Kafka killed while prices change, then started: every revision once"
kafka_id=$(container kafka) # a stopped container is not listed by every Compose
docker kill "$kafka_id" >/dev/null
for _ in 1 2 3; do
  prices write >/dev/null
  # Fetched every 2 s; the bound leaves room for a machine busy with other builds.
  within 120 "the app fetching a revision while Kafka is down" fetched
done
docker start "$kafka_id" >/dev/null
back=$SECONDS
wait_for_csv 180
passed "3 revisions while down; $(rows_text); in the CSV $((SECONDS - back)) s after the start"

begin "down, then up with the volumes kept: the CSV and the topic survive, no row twice"
end_before=$(topic_end)
compose down >/dev/null 2>&1
up
within 240 "kafka and app healthy again" healthy "${services[@]}"
# The producer sends its whole file again at start: those messages arrive, and add no row.
topic_reached() { [ "$(topic_end)" -ge "$1" ]; }
within 120 "the producer's messages of the restart on the topic" topic_reached $((end_before + 192))
within 120 "the consumer caught up" caught_up
wait_for_csv 10
passed "topic end $end_before -> $(topic_end); $(rows_text)"

begin "the app runs as a user of its own, on a read-only root file system"
app=$(container app)
uid=$(docker exec "$app" id -u)
[ "$uid" != 0 ] || fail "the app runs as root"
[ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$app")" = true ] || fail "the root file system is writable"
docker exec "$app" sh -c ': >/app/probe' 2>/dev/null && fail "/app is writable"
written=$(docker exec "$app" ls /app/data | tr '\n' ' ')
passed "uid $uid; writes only /app/data: $written"

begin "two dashboard replicas (--profile replicas --scale replica=2) answer /api/v1/prices as the app does"
replicas() { compose --profile replicas "$@"; }
replicas up -d --scale replica=2 replica >"$work/replicas.log" 2>&1 \
  || { cat "$work/replicas.log" >&2; fail "starting the replicas failed"; }
as_the_app() {
  local expected port index
  expected=$(get /api/v1/prices) || return 1
  for index in 1 2; do
    port=$(replicas port --index "$index" replica 8501) || return 1
    [ "$(curl -fsS --max-time 10 "http://127.0.0.1:${port##*:}/api/v1/prices")" = "$expected" ] || return 1
  done
}
within 180 "both replicas answering /api/v1/prices as the app" as_the_app
prices write >/dev/null
within 60 "the app fetching the changed file" fetched
wait_for_csv 60
within 30 "both replicas answering with the changed price" as_the_app
replicas rm -sfv replica >/dev/null 2>&1 || fail "removing the replicas failed"
passed "two replicas, each its own group and log, agree with the app before and after a change"

begin "three Kafka nodes (cluster.env): healthy, three replicas, the leader killed, prices still arrive"
compose down -v >/dev/null 2>&1
rm -rf "$work/revisions.json" "$PRICES_STUB_DIR"
prices write >/dev/null
env_file=(--env-file cluster.env)
services=(kafka kafka-2 kafka-3 app $with_ui)
up
within 300 "three nodes and the app healthy" healthy "${services[@]}"
wait_for_csv 120
described=$(kafka_tool kafka kafka-topics.sh --describe --topic electricity-prices)
grep -q 'ReplicationFactor: 3' <<<"$described" || fail "the topic has not three replicas: $described"
grep -q 'min.insync.replicas=2' <<<"$described" || fail "the topic's min.insync.replicas is not 2: $described"
leader=$(grep -o 'Leader: [0-9]*' <<<"$described" | head -n 1 | cut -d' ' -f2)
node=$([ "$leader" = 1 ] && echo kafka || echo "kafka-$leader")
docker kill "$(container "$node")" >/dev/null
prices write >/dev/null
within 60 "the app fetching a revision with $node down" fetched
wait_for_csv 120
passed "3 replicas, min ISR 2; leader $node killed; $(rows_text)"

begin "Kafka with a login (--env-file secure.env): the app's prices arrive, a wrong login is refused"
compose down -v >/dev/null 2>&1
rm -rf "$work/revisions.json" "$PRICES_STUB_DIR"
prices write >/dev/null
KAFKA_APP_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n') KAFKA_BROKER_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export KAFKA_APP_PASSWORD KAFKA_BROKER_PASSWORD
# As a person runs it, Compose takes its files from secure.env's COMPOSE_FILE: the app logs in. (Read whole
# first: grep -q quitting early would end the config by SIGPIPE, which pipefail reports.)
secure_config=$("${compose_cli[@]}" --env-file secure.env -p "$project" config 2>"$work/config.log") \
  || { cat "$work/config.log" >&2; fail "docker compose --env-file secure.env config failed"; }
grep -q 'KAFKA_SASL_MECHANISM: PLAIN' <<<"$secure_config" \
  || fail "docker compose --env-file secure.env does not lay docker-compose.secure.yml over the stack"
# Here with the stub laid over them too, which needs the files named with -f (they take COMPOSE_FILE's place).
env_file=(--env-file secure.env)
overlay=()
IFS=: read -ra named <<<"$(sed -n 's/^COMPOSE_FILE=//p' secure.env)"
for file in "${named[@]}"; do [ "$file" = docker-compose.yml ] || overlay+=(-f "$file"); done
services=(kafka app $with_ui)
up
within 240 "kafka (healthy by a login) and app healthy" healthy "${services[@]}"
wait_for_csv 120
within 60 "/readyz answering 200" get /readyz
# Kafka's own client in the broker's container, with a login as a properties file.
login_tool() {
  docker exec "$(container kafka)" sh -c "printf '%s\n' 'security.protocol=SASL_PLAINTEXT' 'sasl.mechanism=PLAIN' \
    'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"monitor\" password=\"$1\";' \
    >/tmp/login.properties && timeout 60 /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:19092 \
    --command-config /tmp/login.properties --list"
}
topics=$(login_tool "$KAFKA_APP_PASSWORD" 2>&1) || fail "the app's login does not list the topics: $topics"
grep -qx electricity-prices <<<"$topics" || fail "the topic is not listed with the app's login: $topics"
refused=$(login_tool not-the-password 2>&1) && fail "a wrong password lists the topics: $refused"
grep -q 'Authentication failed' <<<"$refused" || fail "a wrong password fails, but not as a refused login: $refused"
# Read whole first: grep -q quitting early would end `compose logs` by SIGPIPE, which pipefail reports.
app_log=$(compose logs --no-color app 2>&1)
grep -qF -- "$KAFKA_APP_PASSWORD" <<<"$app_log" && fail "the app's log shows its password"
passed "SASL PLAIN on every client listener; $(rows_text); a wrong password refused"

begin "down -v leaves no container, network or volume"
compose down -v >/dev/null 2>&1
left=$(for kind in container network volume; do
  docker "$kind" ls -q --filter "label=com.docker.compose.project=$project"
done)
[ -z "$left" ] || fail "left behind: $left"
stack_up=''
passed
