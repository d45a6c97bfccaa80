#!/usr/bin/env bash
# A Mosquitto MQTT broker for the tests, in the foreground, its settings in a folder of its own:
#
#   scripts/mosquitto.sh PORT DIR [--login USER PASSWORD_FILE]
#
# It listens on 127.0.0.1:PORT only and keeps nothing on disk. With --login, only USER with the password in
# PASSWORD_FILE may connect. Installed by scripts/setup.sh (Debian's mosquitto).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 PORT DIR [--login USER PASSWORD_FILE]" >&2
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
if [ "${1:-}" = "--login" ]; then
  [ $# -eq 3 ] || { echo "--login needs USER and PASSWORD_FILE" >&2; exit 2; }
  : >"$dir/passwords"
  chmod 600 "$dir/passwords"
  # mosquitto_passwd reads the password twice from the terminal, or from -b's argument: the file keeps it off
  # the command line of a long-lived process at least.
  mosquitto_passwd -b "$dir/passwords" "$2" "$(cat "$3")"
  printf 'allow_anonymous false\npassword_file %s\n' "$dir/passwords" >>"$conf"
else
  echo "allow_anonymous true" >>"$conf"
fi
exec mosquitto -c "$conf"
