#!/usr/bin/env bash
# Runs a single-node Apache Kafka broker (KRaft: broker and controller in one JVM) in the foreground until
# SIGTERM or Ctrl-C:
#
#   scripts/kafka.sh --port PORT --data DIR [--controller-port PORT]
#   scripts/kafka.sh --fetch      only fetch the jars (scripts/setup.sh does this)
#
# Clients connect to 127.0.0.1:PORT; it is ready when that port accepts connections. The controller listens on
# --controller-port, by default the one it used before in DIR, or else PORT+1. DIR keeps everything (the
# topics' logs, committed offsets, the cluster's metadata): it is formatted on first use only and reused after
# a restart or a kill -9. The jars come from Maven Central through tools/kafka/pom.xml, fetched once.
# KAFKA_HEAP_OPTS overrides the heap (default: 128 MB growing to 512 MB, plenty for a 2-core machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() { echo "usage: scripts/kafka.sh --port PORT --data DIR [--controller-port PORT] | --fetch" >&2; exit 2; }
fail() { echo "kafka.sh: $*" >&2; exit 1; }

port='' data='' controller_port='' fetch_only=''
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=${2:-}; shift 2 || usage ;;
    --data) data=${2:-}; shift 2 || usage ;;
    --controller-port) controller_port=${2:-}; shift 2 || usage ;;
    --fetch) fetch_only=1; shift ;;
    -h | --help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) usage ;;
  esac
done
[ -n "$fetch_only" ] || { [ -n "$port" ] && [ -n "$data" ]; } || usage

# The jars, copied once from Maven's cache into tools/kafka/target/lib, and again when pom.xml changes. The
# lock keeps brokers started side by side (tests) from fetching over each other.
lib="$root/tools/kafka/target/lib"
mkdir -p "$root/tools/kafka/target"
exec 9>"$root/tools/kafka/target/.fetch.lock"
flock 9
if [ ! -f "$lib/.complete" ] || [ "$root/tools/kafka/pom.xml" -nt "$lib/.complete" ]; then
  command -v mvn >/dev/null || fail "Maven is missing: run scripts/setup.sh"
  echo "kafka.sh: fetching the Kafka jars (tools/kafka/pom.xml)" >&2
  rm -rf "$lib"
  mvn -q -B -f "$root/tools/kafka/pom.xml" dependency:copy-dependencies >&2 || fail "fetching the Kafka jars failed"
  touch "$lib/.complete"
fi
exec 9>&-
[ -z "$fetch_only" ] || exit 0

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }
is_port "$port" || fail "--port $port is not a port number (1-65535)"

mkdir -p "$data"
data=$(cd "$data" && pwd)
logs="$data/log"
# The controller's address is part of the cluster's metadata: a restart keeps the one it had.
if [ -z "$controller_port" ] && [ -f "$data/controller.port" ]; then
  controller_port=$(cat "$data/controller.port")
fi
controller_port=${controller_port:-$((port + 1))}
is_port "$controller_port" || fail "--controller-port $controller_port is not a port number (1-65535)"
[ "$controller_port" != "$port" ] || fail "the controller needs a port of its own, not $port"

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
in_use "$port" && fail "port $port is already in use on 127.0.0.1 (another Kafka?); choose another --port"
in_use "$controller_port" && fail "the controller's port $controller_port is already in use on 127.0.0.1; choose another --controller-port"

command -v java >/dev/null || fail "Java is missing: run scripts/setup.sh"

# The broker's own scripts use G1 with short pauses; the heap is sized for a small machine.
read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
jvm=(java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true -Dlog4j2.configurationFile="$root/tools/kafka/log4j2.properties" -cp "$lib/*")

# Written anew on every start, so a changed PORT takes effect; the data stays where it is.
cat >"$data/server.properties" <<EOF
# Written by scripts/kafka.sh on every start.
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
log.dirs=$logs
# One node: every internal topic has one replica, and needs only that one in sync.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
# After a kill -9 the controller refuses the restarted broker until the old registration expires: 4 s, not 9.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
# A consumer joining an empty group gets its partitions at once instead of after 3 s.
group.initial.rebalance.delay.ms=0
# The app creates its topic with the partitions it wants, as in docker-compose.yml.
auto.create.topics.enable=false
EOF

if [ ! -f "$logs/meta.properties" ]; then
  cluster_id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid)
  "${jvm[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$data/server.properties" >&2 \
    || fail "formatting $logs failed"
  echo "$controller_port" >"$data/controller.port"
fi

# exec: SIGTERM reaches the JVM itself, which shuts down cleanly.
exec "${jvm[@]}" kafka.Kafka "$data/server.properties"
