#!/usr/bin/env bash
# A Mosquitto MQTT broker for the tests, in the foreground, its settings in a folder of its own:
#
#   scripts/mosquitto.sh PORT DIR [--login USER PASSWORD_FILE] [--tls]
#
# It listens on 127.0.0.1:PORT only and keeps nothing on disk. With --login, only USER with the password in
# PASSWORD_FILE may connect. With --tls, PORT takes TLS only, with a certificate for 127.0.0.1 and localhost
# signed by a CA made in DIR (openssl) the first time: clients trust DIR/ca.crt. Installed by
# scripts/setup.sh (Debian's mosquitto).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 PORT DIR [--login USER PASSWORD_FILE] [--tls]" >&2
  exit 2
fi
port=$1 dir=$2
shift 2
mkdir -p "$dir"
conf="$dir/mosquitto.conf"
cat >"$conf" <<CONF
listener $port 127.0.0.1
persistence false
log_dest stdout
log_type error
log_type warning
log_type notice
# Run as whoever started it (as root it would switch to the mosquitto user, who cannot read DIR).
user $(id -un)
CONF
login=false
while [ $# -gt 0 ]; do
  case $1 in
    --login)
      [ $# -ge 3 ] || { echo "--login needs USER and PASSWORD_FILE" >&2; exit 2; }
      : >"$dir/passwords"
      chmod 600 "$dir/passwords"
      # mosquitto_passwd reads the password twice from the terminal, or from -b's argument: the file keeps it
      # off the command line of a long-lived process at least.
      mosquitto_passwd -b "$dir/passwords" "$2" "$(cat "$3")"
      printf 'allow_anonymous false\npassword_file %s\n' "$dir/passwords" >>"$conf"
      login=true
      shift 3
      ;;
    --tls)
      if [ ! -f "$dir/ca.crt" ]; then
        (
          umask 077
          cd "$dir"
          ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
          openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=mosquitto.sh test CA" -keyout .ca.key -out ca.crt.new 2>/dev/null
          openssl req "${ec[@]}" -subj "/CN=localhost" -keyout server.key -out .server.csr 2>/dev/null
          printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >.server.ext
          openssl x509 -req -in .server.csr -CA ca.crt.new -CAkey .ca.key -CAcreateserial -days 3650 \
            -extfile .server.ext -out server.crt 2>/dev/null
          rm -f .server.csr .server.ext
          chmod 644 ca.crt.new
          mv ca.crt.new ca.crt
        )
      fi
      printf 'certfile %s/server.crt\nkeyfile %s/server.key\n' "$dir" "$dir" >>"$conf"
      shift
      ;;
    *)
      echo "unknown option $1; usage: $0 PORT DIR [--login USER PASSWORD_FILE] [--tls]" >&2
      exit 2
      ;;
  esac
done
$login || echo "allow_anonymous true" >>"$conf"
exec mosquitto -c "$conf"
