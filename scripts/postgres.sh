#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite, owned by nothing but DIR.
#
#   scripts/postgres.sh start DIR   # prints postgres://postgres@127.0.0.1:PORT/postgres
#   scripts/postgres.sh stop DIR
#
# `start` installs Debian's postgresql package when initdb/pg_ctl are missing
# (without its default cluster), creates a cluster in DIR/data owned by the
# `postgres` user when run as root (initdb refuses root), and starts it on a
# free loopback port (the one it had before, when started again) with its
# socket in DIR. Local and loopback connections are trusted: the cluster is
# for tests only and listens on 127.0.0.1 alone.
# Durability is left as in production (fsync on). Both commands are idempotent.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 start|stop DIR"
action=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
data=$dir/data
superuser=postgres

# The directory holding initdb and pg_ctl, installing them if needed.
bin_dir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$found" ] && [ -x "$found/initdb" ] && [ -x "$found/pg_ctl" ]; then
    echo "$found"
    return
  fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v pg_ctl)"
    return
  fi
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed: run as root to install it, or apt-get install postgresql"
  echo "postgres.sh: installing PostgreSQL (Debian's postgresql package)" >&2
  # No default cluster or service: the tests bring their own cluster.
  mkdir -p /etc/postgresql-common
  if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    echo 'create_main_cluster = false' >>/etc/postgresql-common/createcluster.conf
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] || die "the postgresql package installed no server binaries"
  echo "$found"
}

# Runs a server command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

url() { echo "postgres://$superuser@127.0.0.1:$(cat "$dir/port")/postgres"; }

start() {
  if running && [ -f "$dir/port" ]; then
    url
    return
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"
    if [ "$(id -u)" -eq 0 ]; then
      id postgres >/dev/null 2>&1 || die "no postgres user (it comes with the postgresql package)"
      chown postgres: "$dir"
      chmod 700 "$dir"
    fi
    as_owner "$bin/initdb" -D "$data" -U "$superuser" --auth=trust --encoding=UTF8 \
      --locale=C --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      die "initdb failed (the postgres user needs access to $dir)"
    }
  fi
  local port tries
  for tries in 1 2 3 4 5; do
    # A cluster started again keeps its port, so clients that knew it (a
    # service left running across a database restart) reconnect.
    if [ "$tries" -eq 1 ] && [ -f "$dir/port" ]; then
      port=$(cat "$dir/port")
    else
      port=$(free_port)
    fi
    if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" \
      start >/dev/null; then
      echo "$port" >"$dir/port"
      url
      return
    fi
    echo "postgres.sh: could not start on port $port (attempt $tries)" >&2
  done
  tail -n 20 "$dir/server.log" >&2 || true
  die "the cluster in $data did not start"
}

stop() {
  if running; then
    as_owner "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null
  fi
}

case "$action" in
  start) bin=$(bin_dir); start ;;
  stop)
    if [ -f "$data/PG_VERSION" ]; then
      bin=$(bin_dir)
      stop
    fi
    ;;
  *) die "usage: $0 start|stop DIR" ;;
esac
