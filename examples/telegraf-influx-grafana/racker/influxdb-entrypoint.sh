#!/bin/sh
# InfluxDB 1.x from Debian's `influxdb` package, started the way the official
# influxdb:1.8 image starts it: on the first start (empty data volume) a
# private instance on 127.0.0.1 creates $INFLUXDB_DB and $INFLUXDB_ADMIN_USER,
# then the real server replaces this shell. INFLUXDB_* variables override the
# config file, as influxd itself reads them.
set -eu
config=/etc/influxdb/influxdb.conf
export INFLUXDB_REPORTING_DISABLED=${INFLUXDB_REPORTING_DISABLED:-true}
export INFLUXDB_DATA_QUERY_LOG_ENABLED=${INFLUXDB_DATA_QUERY_LOG_ENABLED:-false}

if [ ! -d /var/lib/influxdb/meta ] && [ -n "${INFLUXDB_DB:-}${INFLUXDB_ADMIN_USER:-}" ]; then
  INFLUXDB_HTTP_BIND_ADDRESS=127.0.0.1:8086 INFLUXDB_HTTP_LOG_ENABLED=false influxd -config "$config" &
  pid=$!
  tries=0
  until influx -execute 'SHOW DATABASES' >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ $tries -lt 150 ] || { echo "influxdb-init: influxd did not come up" >&2; exit 1; }
    sleep 0.2
  done
  [ -z "${INFLUXDB_DB:-}" ] || influx -execute "CREATE DATABASE \"$INFLUXDB_DB\""
  if [ -n "${INFLUXDB_ADMIN_USER:-}" ]; then
    influx -execute "CREATE USER \"$INFLUXDB_ADMIN_USER\" WITH PASSWORD '${INFLUXDB_ADMIN_PASSWORD:-}' WITH ALL PRIVILEGES"
  fi
  echo "influxdb-init: created ${INFLUXDB_DB:-no database} and ${INFLUXDB_ADMIN_USER:-no admin user}"
  kill "$pid"
  wait "$pid" || true
fi
exec influxd -config "$config"
