#!/usr/bin/env bash
# Runs Apache Kafka in KRaft mode (each node a broker and a controller in one JVM) in the foreground until
# SIGTERM or Ctrl-C:
#
#   scripts/kafka.sh --port PORT --data DIR [--controller-port PORT]     one node
#   scripts/kafka.sh --nodes 3 --port PORT --data DIR                    a three-node cluster
#   scripts/kafka.sh --fetch      only fetch the jars (scripts/setup.sh does this)
#
# One node: clients connect to 127.0.0.1:PORT; it is ready when that port accepts connections. The controller
# listens on --controller-port, by default the one it used before in DIR, or else PORT+1. DIR keeps everything
# (the topics' logs, committed offsets, the cluster's metadata): it is formatted on first use only and reused
# after a restart or a kill -9.
# A cluster of N nodes: node i listens on PORT+i-1 for clients and PORT+N+i-1 for the controllers' quorum, and
# keeps its data in DIR/node-i (its log in DIR/node-i/broker.log). Clients bootstrap from all N ports. The
# internal topics have N replicas (at most 3), and writes with acks=all need 2 of them in sync.
# A node of a cluster can also be run alone (as the tests do, to kill one):
#   --node-id I --voters 1@127.0.0.1:C1,2@127.0.0.1:C2,... --cluster-id ID
# Secured (one node): --secure DIR listens on PORT for SASL_SSL only (SCRAM-SHA-256 and SCRAM-SHA-512), and with
# --mtls-port P also on P for TLS with a client certificate required. DIR gets, on first use: a CA (ca.crt), the
# broker's certificate for 127.0.0.1 and localhost, a client certificate (client.crt, client.key), the SCRAM user
# "monitor" with a random password (monitor.password), and client.env, the app's settings to reach the broker
# (`set -a; . DIR/client.env; set +a`). The users are created when DIR's data is formatted (KRaft's
# --add-scram): give --secure on the first start of a --data folder. The controller stays on loopback, unsecured.
# The jars come from Maven Central through tools/kafka/pom.xml, fetched once. KAFKA_HEAP_OPTS overrides the
# heap of each node (default: 128 MB growing to 512 MB, plenty for a 2-core machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

usage() {
  echo "usage: scripts/kafka.sh [--nodes N | --secure DIR [--mtls-port PORT]] --port PORT --data DIR [--controller-port PORT] | --fetch" >&2
  exit 2
}
fail() { echo "kafka.sh: $*" >&2; exit 1; }

port='' data='' controller_port='' fetch_only='' nodes='' node_id=1 voters='' cluster_id='' secure='' mtls_port=''
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=${2:-}; shift 2 || usage ;;
    --data) data=${2:-}; shift 2 || usage ;;
    --controller-port) controller_port=${2:-}; shift 2 || usage ;;
    --nodes) nodes=${2:-}; shift 2 || usage ;;
    --node-id) node_id=${2:-}; shift 2 || usage ;;
    --voters) voters=${2:-}; shift 2 || usage ;;
    --cluster-id) cluster_id=${2:-}; shift 2 || usage ;;
    --secure) secure=${2:-}; shift 2 || usage ;;
    --mtls-port) mtls_port=${2:-}; shift 2 || usage ;;
    --fetch) fetch_only=1; shift ;;
    -h | --help) sed -n '2,27s/^# \{0,1\}//p' "$0"; exit 0 ;;
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
command -v java >/dev/null || fail "Java is missing: run scripts/setup.sh"
read -r -a heap <<<"${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
jvm=(java "${heap[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true -Dlog4j2.configurationFile="$root/tools/kafka/log4j2.properties" -cp "$lib/*")

# A cluster: this script once per node, each in the background, stopped together.
if [ -n "$nodes" ]; then
  [ -z "$secure" ] || fail "--secure runs one node; leave out --nodes"
  [[ "$nodes" =~ ^[1-9]$ ]] || fail "--nodes $nodes: give a number of nodes from 1 to 9"
  mkdir -p "$data"
  data=$(cd "$data" && pwd)
  [ -f "$data/cluster.id" ] || "${jvm[@]}" kafka.tools.StorageTool random-uuid >"$data/cluster.id"
  voters=''
  for i in $(seq 1 "$nodes"); do voters+="${voters:+,}$i@127.0.0.1:$((port + nodes + i - 1))"; done
  children=()
  stop_nodes() { kill -TERM "${children[@]}" 2>/dev/null || true; wait; }
  trap 'stop_nodes; exit 0' TERM INT
  for i in $(seq 1 "$nodes"); do
    mkdir -p "$data/node-$i"
    "$0" --port $((port + i - 1)) --controller-port $((port + nodes + i - 1)) --data "$data/node-$i" \
      --node-id "$i" --voters "$voters" --cluster-id "$(cat "$data/cluster.id")" >>"$data/node-$i/broker.log" 2>&1 &
    children+=($!)
  done
  echo "kafka.sh: $nodes nodes on 127.0.0.1:$port-$((port + nodes - 1)), logs in $data/node-*/broker.log" >&2
  # Waits for the first node to exit, then stops the rest: a cluster with a node gone is not what was asked.
  wait -n "${children[@]}" || true
  stop_nodes
  exit 1
fi

# --secure's files in $1, made once: a CA, the broker's certificate (and its PKCS12 keystore), a client
# certificate for mutual TLS, and random passwords. Kept on later starts, so clients keep trusting the broker.
secrets() {
  local dir=$1 days=3650
  [ -f "$dir/client.key" ] && return
  (
    umask 077
    cd "$dir"
    # Each step must succeed (set -e does not hold left of ||): client.key, the last, marks a complete folder.
    rand() { od -An -N18 -tx1 /dev/urandom | tr -d ' \n'; }
    ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    rand >.store.password && rand >.admin.password && rand >monitor.password \
      && openssl req -x509 "${ec[@]}" -days $days -subj "/CN=kafka.sh test CA" -keyout .ca.key -out ca.crt 2>/dev/null \
      && openssl req "${ec[@]}" -subj "/CN=localhost" -keyout .broker.key -out .broker.csr 2>/dev/null \
      && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kafka\n' >.broker.ext \
      && openssl x509 -req -in .broker.csr -CA ca.crt -CAkey .ca.key -CAcreateserial -days $days \
        -extfile .broker.ext -out .broker.crt 2>/dev/null \
      && openssl pkcs12 -export -in .broker.crt -inkey .broker.key -certfile ca.crt -name broker \
        -passout file:.store.password -out .broker.p12 \
      && openssl req "${ec[@]}" -subj "/CN=monitor" -keyout client.key.new -out .client.csr 2>/dev/null \
      && openssl x509 -req -in .client.csr -CA ca.crt -CAkey .ca.key -CAcreateserial -days $days \
        -out client.crt 2>/dev/null \
      && rm -f .broker.csr .client.csr .broker.ext \
      && mv client.key.new client.key
  ) || fail "making the certificates in $dir failed"
}

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

# The quorum: this node alone, or the voters of a cluster. Replicas of the internal topics: one per node, at
# most 3; writes with acks=all need 2 in sync once there are 2 or more.
if [ -n "$voters" ]; then
  [ -n "$cluster_id" ] || [ -f "$logs/meta.properties" ] || fail "--voters needs --cluster-id for the first start"
  quorum="controller.quorum.voters=$voters"
  replicas=$(tr ',' '\n' <<<"$voters" | wc -l)
  [ "$replicas" -le 3 ] || replicas=3
else
  quorum="controller.quorum.bootstrap.servers=127.0.0.1:$controller_port"
  replicas=1
fi
min_isr=$((replicas >= 2 ? 2 : 1))

# The listeners: PLAINTEXT, or with --secure SASL_SSL (and SSL with client certificates on --mtls-port).
listeners="PLAINTEXT://127.0.0.1:$port" protocols=PLAINTEXT:PLAINTEXT inter=PLAINTEXT security=''
add_scram=()
if [ -n "$secure" ]; then
  [ -z "$voters" ] || fail "--secure runs one node; leave out --voters"
  [ -z "$mtls_port" ] || is_port "$mtls_port" || fail "--mtls-port $mtls_port is not a port number (1-65535)"
  command -v openssl >/dev/null || fail "openssl is missing: run scripts/setup.sh"
  mkdir -p "$secure"
  secure=$(cd "$secure" && pwd)
  secrets "$secure"
  store_password=$(cat "$secure/.store.password") admin_password=$(cat "$secure/.admin.password")
  monitor_password=$(cat "$secure/monitor.password")
  listeners="SASL_SSL://127.0.0.1:$port${mtls_port:+,SSL://127.0.0.1:$mtls_port}"
  protocols="SASL_SSL:SASL_SSL${mtls_port:+,SSL:SSL}" inter=SASL_SSL
  jaas="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$admin_password\";"
  security="# --secure: SCRAM logins over TLS; the broker logs in to itself as admin.
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$jaas
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$secure/.broker.p12
ssl.keystore.password=$store_password
ssl.key.password=$store_password
ssl.truststore.type=PEM
ssl.truststore.location=$secure/ca.crt
listener.name.ssl.ssl.client.auth=required"
  add_scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$admin_password]"
    --add-scram "SCRAM-SHA-512=[name=monitor,password=$monitor_password]"
    --add-scram "SCRAM-SHA-256=[name=monitor,password=$monitor_password]")
  {
    echo "# The price monitor's settings for the broker of scripts/kafka.sh --secure"
    echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$port"
    echo 'KAFKA_SECURITY_PROTOCOL=SASL_SSL'
    echo 'KAFKA_SASL_MECHANISM=SCRAM-SHA-512'
    echo 'KAFKA_SASL_USERNAME=monitor'
    printf 'KAFKA_SASL_PASSWORD_FILE=%q\n' "$secure/monitor.password"
    printf 'KAFKA_SSL_CA_LOCATION=%q\n' "$secure/ca.crt"
  } >"$secure/client.env"
fi

# Written anew on every start, so a changed PORT takes effect; the data stays where it is. With --secure it
# holds the broker's passwords: for its owner only.
touch "$data/server.properties"
chmod 600 "$data/server.properties"
cat >"$data/server.properties" <<EOF
# Written by scripts/kafka.sh on every start.
process.roles=broker,controller
node.id=$node_id
listeners=$listeners,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=$listeners
listener.security.protocol.map=$protocols,CONTROLLER:PLAINTEXT
inter.broker.listener.name=$inter
controller.listener.names=CONTROLLER
$security
$quorum
log.dirs=$logs
# One replica per node (at most 3) of every internal topic; 2 in sync for a write once there are 2.
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
min.insync.replicas=$min_isr
default.replication.factor=$replicas
# After a kill -9 the controller refuses the restarted broker until the old registration expires: 4 s, not 9.
broker.session.timeout.ms=4000
broker.heartbeat.interval.ms=1000
# A consumer joining an empty group gets its partitions at once instead of after 3 s.
group.initial.rebalance.delay.ms=0
# The app creates its topic with the partitions it wants, as in docker-compose.yml.
auto.create.topics.enable=false
EOF

if [ ! -f "$logs/meta.properties" ]; then
  if [ -n "$voters" ]; then
    # Static voters: every node is formatted with the same cluster id and the same list.
    "${jvm[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$data/server.properties" >&2 \
      || fail "formatting $logs failed"
  else
    cluster_id=$("${jvm[@]}" kafka.tools.StorageTool random-uuid)
    "${jvm[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$data/server.properties" \
      "${add_scram[@]}" >&2 \
      || fail "formatting $logs failed"
  fi
  echo "$controller_port" >"$data/controller.port"
fi

# exec: SIGTERM reaches the JVM itself, which shuts down cleanly.
exec "${jvm[@]}" kafka.Kafka "$data/server.properties"
