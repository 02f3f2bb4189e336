#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests (scripts/test.sh, stage
# e2e-pg; the unit tests with ECSD_TEST_PG): initdb in a temporary folder,
# listening on 127.0.0.1 only, on a free port.
#
#   scripts/pg-test.sh up NAME    starts it; prints its URI, postgresql://postgres@127.0.0.1:PORT
#   scripts/pg-test.sh down NAME  stops it (immediate) and removes the folder
#   scripts/pg-test.sh stop NAME   stops it as a crash would (immediate), keeping its data
#   scripts/pg-test.sh start NAME  starts it again on the same port
#   scripts/pg-test.sh standby NAME PRIMARY
#                                  a streaming standby of server PRIMARY (pg_basebackup -R),
#                                  application_name NAME (for synchronous_standby_names);
#                                  prints its URI; `down NAME` removes it
#
# PostgreSQL refuses to run as root: when run as root, the server runs as
# the user postgres (the Debian package's). Trust authentication, fsync off
# (a crash of the server process loses no commit, one of the machine may):
# a test server on loopback whose data is thrown away, never a real one.
set -euo pipefail
cmd=${1:-} name=${2:-}
[ -n "$cmd" ] && [ -n "$name" ] || { echo "usage: $0 up|down|stop|start|promote NAME, standby NAME PRIMARY" >&2; exit 2; }
case $name in *[!A-Za-z0-9_-]*) echo "pg-test: NAME must be letters, digits, - and _" >&2; exit 2 ;; esac
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bindir/initdb" ] || { echo "pg-test: no PostgreSQL server (scripts/setup.sh installs postgresql-15)" >&2; exit 1; }
dir=/tmp/ecsd-pg-$name
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
up)
    if [ -f "$dir/port" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")"
        exit 0
    fi
    rm -rf "$dir"
    mkdir -m 0700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --locale=C --encoding=UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 32MB
fsync = off
full_page_writes = off
max_pred_locks_per_transaction = 256
CONF
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port"
    ;;
down)
    [ -d "$dir/data" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
standby)
    primary=${3:-}
    [ -f "/tmp/ecsd-pg-$primary/port" ] || { echo "pg-test: no server $primary" >&2; exit 1; }
    rm -rf "$dir"
    mkdir -m 0700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$bindir/pg_basebackup" -D "$dir/data" -R -X stream -c fast \
        -d "host=127.0.0.1 port=$(cat "/tmp/ecsd-pg-$primary/port") user=postgres application_name=$name" \
        >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
port = $port
unix_socket_directories = '$dir'
CONF
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "postgresql://postgres@127.0.0.1:$port"
    ;;
promote)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -w -t 30 promote >/dev/null
    ;;
stop)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
start)
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
        { cat "$dir/server.log" >&2; exit 1; }
    ;;
*)
    echo "usage: $0 up|down|stop|start|promote NAME, standby NAME PRIMARY" >&2; exit 2 ;;
esac
