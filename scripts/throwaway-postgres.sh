#!/usr/bin/env bash
# Sourced by test.sh: makes sure a PostgreSQL server is available for the PostgreSQL-backed tests.
# - CONCORD_TEST_POSTGRES already set: that server is used as it is.
# - Otherwise: installs PostgreSQL when it is missing (Debian/Ubuntu, needs root), starts a throwaway
#   cluster on 127.0.0.1 at a free port in a temporary folder, and exports CONCORD_TEST_POSTGRES.
#   concord_stop_postgres (called from test.sh's exit trap) stops it and removes the folder.
# Tests create and drop their own databases on that server.

concord_pg_dir=""
concord_pg_bin=""

concord_find_pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/pg_ctl" ]; then concord_pg_bin="$dir"; fi
  done
  if [ -z "$concord_pg_bin" ] && command -v pg_ctl >/dev/null 2>&1; then
    concord_pg_bin="$(dirname "$(command -v pg_ctl)")"
  fi
  [ -n "$concord_pg_bin" ]
}

concord_as_pg() {
  # initdb refuses to run as root; the server runs as the postgres user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

concord_start_postgres() {
  if [ -n "${CONCORD_TEST_POSTGRES:-}" ]; then
    echo "== PostgreSQL: using CONCORD_TEST_POSTGRES"
    return 0
  fi

  if ! concord_find_pg_bin; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "== PostgreSQL: installing (apt-get install postgresql)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y --no-upgrade postgresql >/dev/null 2>&1 \
        || { apt-get update >/dev/null 2>&1 && apt-get install -y --no-upgrade postgresql >/dev/null 2>&1; } \
        || { echo "test.sh: could not install PostgreSQL" >&2; return 1; }
      concord_find_pg_bin || { echo "test.sh: PostgreSQL installed but pg_ctl not found" >&2; return 1; }
    else
      echo "test.sh: PostgreSQL is not installed and cannot be installed here (needs root and apt-get)." >&2
      echo "test.sh: install it, or point CONCORD_TEST_POSTGRES at a server; the PostgreSQL tests will skip." >&2
      return 1
    fi
  fi

  concord_pg_dir="$(mktemp -d /tmp/concord-pg.XXXXXX)"
  chmod 755 "$concord_pg_dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$concord_pg_dir"; fi
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo 55432)"

  echo "== PostgreSQL: throwaway server on 127.0.0.1:$port ($concord_pg_bin)"
  if ! concord_as_pg "$concord_pg_bin/initdb" -D "$concord_pg_dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$concord_pg_dir/initdb.log" 2>&1; then
    cat "$concord_pg_dir/initdb.log" >&2
    return 1
  fi

  # Durability settings stay on: the crash tests kill silos, not the server, but nothing here fakes an fsync.
  if ! concord_as_pg "$concord_pg_bin/pg_ctl" -D "$concord_pg_dir/data" -l "$concord_pg_dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$concord_pg_dir -c max_connections=300" start >/dev/null; then
    cat "$concord_pg_dir/server.log" >&2
    return 1
  fi

  export CONCORD_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
}

concord_stop_postgres() {
  if [ -n "$concord_pg_dir" ] && [ -d "$concord_pg_dir/data" ]; then
    concord_as_pg "$concord_pg_bin/pg_ctl" -D "$concord_pg_dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    rm -rf "$concord_pg_dir"
  fi
}
