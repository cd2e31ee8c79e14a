# PostgreSQL 15 (+ hypopg) for the tests: installed from Debian's packages if missing, started
# on 127.0.0.1 in a temporary data directory, stopped by stop_postgres. Sourced by .ci/run.

PG_PORT=${PG_PORT:-54329}
PG_BIN=/usr/lib/postgresql/15/bin

install_postgres() {
  if [ ! -x "$PG_BIN/initdb" ] || [ ! -f /usr/share/postgresql/15/extension/hypopg.control ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-hypopg
  fi
}

start_postgres() {
  PG_DATA=$(mktemp -d /tmp/hotpath-pg.XXXXXX)
  chown postgres:postgres "$PG_DATA"
  # initdb and the server refuse to run as root.
  su postgres -s /bin/sh -c "$PG_BIN/initdb -D '$PG_DATA' -A trust -U hotpath >/dev/null"
  su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PG_DATA' -l '$PG_DATA/server.log' -w -t 60 \
    -o \"-h 127.0.0.1 -p $PG_PORT -k '$PG_DATA' -c fsync=off -c shared_buffers=128MB\" start >/dev/null"
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U hotpath -d postgres -qc "CREATE DATABASE hotpath_test" >/dev/null
  export HOTPATH_POSTGRES_HOST=127.0.0.1 HOTPATH_POSTGRES_PORT=$PG_PORT HOTPATH_POSTGRES_USER=hotpath HOTPATH_POSTGRES_DATABASE=hotpath_test
  echo "PostgreSQL 15 running on 127.0.0.1:$PG_PORT (data in $PG_DATA)"
}

stop_postgres() {
  if [ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA" ]; then
    su postgres -s /bin/sh -c "$PG_BIN/pg_ctl -D '$PG_DATA' -m fast -w stop >/dev/null" || true
    rm -rf "$PG_DATA"
  fi
}
