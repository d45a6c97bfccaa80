#!/bin/sh
# Runs a class of the Kafka jars: `kafka-run-class.sh CLASS ARGS…`. The broker (kafka.Kafka) logs INFO to
# standard output with the heap of KAFKA_HEAP_OPTS; a tool logs warnings to standard error with a small heap.
class=$1
shift
if [ "$class" = kafka.Kafka ]; then
  # shellcheck disable=SC2086 # the options are lists of words
  exec java ${KAFKA_HEAP_OPTS:--Xmx1G -Xms1G} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    ${KAFKA_OPTS:-} -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.yaml -cp '/opt/kafka/libs/*' "$class" "$@"
fi
# shellcheck disable=SC2086
exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true ${KAFKA_OPTS:-} \
  -Dlog4j2.configurationFile=/etc/kafka/docker/tools-log4j2.yaml -cp '/opt/kafka/libs/*' "$class" "$@"
