#!/usr/bin/env bash
# Shared set-up for scripts/up, scripts/test and scripts/bench: installs what is
# missing from Debian, runs a private Postgres on loopback under a directory of
# ours, and builds the server and web client. Source it; do not run it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

# apt_install PKG... : installs Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} (apt-get)"
  if [ "$(id -u)" -ne 0 ]; then echo "need root to apt-get install ${missing[*]}" >&2; return 1; fi
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# pg_bindir: the newest installed PostgreSQL server's bin directory.
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# free_port: an unused TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# pg_start DIR PORT: initialises (first time) and starts a private Postgres in
# DIR listening on 127.0.0.1:PORT only, owned by the postgres user (Postgres
# refuses to run as root). Creates the login role arena_app (password in
# DIR/app_password) the server connects as, so row-level security holds
# (migration 0019; the owner "arena" is a superuser and bypasses it). Sets
# DATABASE_URL and ARENA_MIGRATE_DATABASE_URL (the owner, database "arena")
# and ARENA_DATABASE_URL (arena_app, same database).
pg_start() {
  local dir="$1" port="$2" bin
  bin="$(pg_bindir)"
  mkdir -p "$dir"
  chown postgres:postgres "$dir"
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initialising Postgres in $dir/data"
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
    chown postgres:postgres "$dir/password"; chmod 600 "$dir/password"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U arena --pwfile="$dir/password" \
      --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  PG_STARTED=""
  if runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Another scripts/up already runs this Postgres: share it, and leave it to that run to stop.
    log "Postgres in $dir already running on 127.0.0.1:$port; reusing it"
  else
    log "starting Postgres on 127.0.0.1:$port"
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=256MB -c fsync=${ARENA_PG_FSYNC:-on}" start >/dev/null
    PG_STARTED=1
  fi
  local pw; pw="$(cat "$dir/password")"
  export PGPASSWORD="$pw"
  if ! psql -h 127.0.0.1 -p "$port" -U arena -d postgres -tAc "select 1 from pg_database where datname='arena'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$port" -U arena -d postgres -qc "create database arena" >/dev/null
  fi
  if [ ! -f "$dir/app_password" ]; then
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/app_password"
    chmod 600 "$dir/app_password"
  fi
  local apw; apw="$(cat "$dir/app_password")"
  # NOINHERIT: arena_app may SET ROLE arena_system but does not hold its rights otherwise.
  psql -h 127.0.0.1 -p "$port" -U arena -d postgres -qc "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'arena_app') THEN
        CREATE ROLE arena_app LOGIN NOINHERIT PASSWORD '$apw';
      ELSE
        ALTER ROLE arena_app LOGIN NOINHERIT PASSWORD '$apw';
      END IF; END \$\$" >/dev/null
  export DATABASE_URL="postgres://arena:${pw}@127.0.0.1:${port}/arena"
  export ARENA_MIGRATE_DATABASE_URL="$DATABASE_URL"
  export ARENA_DATABASE_URL="postgres://arena_app:${apw}@127.0.0.1:${port}/arena"
  PG_DIR="$dir"
}

# pg_urls DB: the owner's and arena_app's URLs of another database DB on the
# Postgres of pg_start, as "MIGRATE_URL APP_URL".
pg_urls() {
  echo "${DATABASE_URL%/arena}/$1 ${ARENA_DATABASE_URL%/arena}/$1"
}

# pg_stop DIR: fast shutdown of the Postgres that pg_start started (not one it reused).
pg_stop() {
  local dir="$1"
  [ -n "${PG_STARTED:-}" ] || return 0
  [ -f "$dir/data/postmaster.pid" ] || return 0
  runuser -u postgres -- "$(pg_bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# redis_start DIR PORT: starts a private redis-server (installed from Debian
# when missing) on 127.0.0.1:PORT only, without persistence, its PID in
# DIR/redis.pid and its log in DIR/redis.log. Sets REDIS_URL.
redis_start() {
  local dir="$1" port="$2"
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p "$dir"
  log "starting redis-server on 127.0.0.1:$port"
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir"
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  export REDIS_URL="redis://127.0.0.1:${port}/"
  REDIS_DIR="$dir"
}

# redis_stop DIR: stops the redis-server that redis_start started in DIR (by its PID file).
redis_stop() {
  local dir="$1" pid
  [ -f "$dir/redis.pid" ] || return 0
  pid="$(cat "$dir/redis.pid")"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$dir/redis.pid"
}

# web_deps: installs the web client's npm packages when they are missing or
# older than package-lock.json (npm keeps its own copy in node_modules).
web_deps() {
  ( cd "$REPO_ROOT/web-client" &&
    { [ node_modules/.package-lock.json -nt package-lock.json ] ||
      npm ci --no-audit --no-fund --loglevel=error; } )
}

# build_web: installs the web client's npm packages and builds it into web-client/dist.
build_web() {
  [ -f "$REPO_ROOT/web-client/package.json" ] || return 0
  log "building the web client"
  web_deps && ( cd "$REPO_ROOT/web-client" && npm run --silent build >/dev/null )
}

# haproxy_config FILE LISTEN NODE_ADDR... : writes an HAProxy configuration to
# FILE that listens on LISTEN (host:port) and spreads HTTP requests and
# WebSocket upgrades over the nodes (host:port each; leastconn, so long-lived
# gateway sockets even out), checks each node's /readyz every 2 s (two failures
# take it out, one success brings it back), retries a refused connection on
# another node, keeps upgraded WebSockets up to an hour of silence (timeout
# tunnel; the gateway heartbeats every 41 s) and replaces any client-sent
# X-Forwarded-For with the client's address (option forwardfor), which the
# nodes trust from a loopback peer (server/src/client_ip.rs). maxconn fits
# the open-file hard limit (two descriptors per proxied connection). HAProxy
# run with -db prints server state changes (node down/up) on stderr.
haproxy_config() {
  local file="$1" listen="$2" hard maxconn i=0 a
  shift 2
  hard="$(ulimit -Hn)"
  [ "$hard" = unlimited ] && hard=1048576
  maxconn=$(( (hard - 256) / 2 ))
  {
    cat <<CFG
# Generated by scripts/up (scripts/lib.sh haproxy_config); rewritten on every start.
global
  maxconn $maxconn

defaults
  mode http
  option redispatch
  retries 2
  timeout connect 5s
  timeout http-request 10s
  timeout queue 10s
  timeout client 65s
  timeout server 65s
  timeout tunnel 1h
  timeout client-fin 10s

frontend arena
  bind $listen
  maxconn $maxconn
  # Only the proxy's own entry reaches the nodes: they read the last one.
  http-request del-header X-Forwarded-For
  option forwardfor
  default_backend nodes

backend nodes
  balance leastconn
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter 2s fall 2 rise 1
CFG
    for a in "$@"; do
      i=$((i + 1))
      echo "  server node$i $a check"
    done
  } > "$file"
}
