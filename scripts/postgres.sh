#!/usr/bin/env bash
# Runs the PostgreSQL backend's tests against a real server: installs
# PostgreSQL 15 from Debian if missing, builds pgvector 0.8.0 from Debian
# trixie's source package (no binary exists for PostgreSQL 15 in bookworm;
# see ../shared/reference/deps.md §4) and caches the build, starts a
# throw-away cluster on 127.0.0.1 and a free port, runs the contract suites
# (Store, graph and archive, consolidation state, replica, keys, users,
# OAuth, upload history), the parity test against SQLite, the fault tests,
# hybrid sync through a PostgreSQL remote and the commands' tests (every
# command, curation, two daemons on one database, a daemon whose server
# stops and starts), and
# removes the cluster on exit. The two go test runs go one after the other:
# the fault tests stop the server.
#
#   scripts/postgres.sh            install if needed, then test
#   scripts/postgres.sh install    install only
#
# Works non-interactively (CI=true, no stdin). Installing needs root; the
# cluster runs as the `postgres` system user when run as root (PostgreSQL
# refuses to run as root), else as the current user. Environment:
#   PGVECTOR_CACHE  where the built extension is kept (default ~/.cache/mcp-memory)
#   GO_TEST_FLAGS   extra flags for go test (default -count=1)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$HOME/go/bin:$PATH
export DEBIAN_FRONTEND=noninteractive

PG_MAJOR=15
PGVECTOR_VERSION=0.8.0
PGVECTOR_DEB=0.8.0-1 # trixie's source package, as probed in deps.md §4
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_LIB=/usr/lib/postgresql/$PG_MAJOR/lib
PG_EXT=/usr/share/postgresql/$PG_MAJOR/extension
CACHE=${PGVECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mcp-memory}/pgvector-$PGVECTOR_VERSION-pg$PG_MAJOR

log() { printf '== %s\n' "$*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# install_postgres installs the server and contrib (unaccent) from Debian.
install_postgres() {
  if [[ -x $PG_BIN/initdb && -f $PG_EXT/unaccent.control ]]; then
    return
  fi
  log "installing postgresql-$PG_MAJOR from Debian"
  as_root apt-get update -qq
  as_root apt-get install -y -qq "postgresql-$PG_MAJOR" postgresql-contrib >/dev/null
}

# install_pgvector puts the extension in place: from the cache when a
# previous run built it, else built from trixie's source package.
install_pgvector() {
  if [[ -f $PG_EXT/vector--$PGVECTOR_VERSION.sql && -f $PG_LIB/vector.so ]]; then
    return
  fi
  if [[ ! -f $CACHE/lib/vector.so ]]; then
    build_pgvector
  fi
  log "installing pgvector $PGVECTOR_VERSION from $CACHE"
  as_root install -m 0755 "$CACHE/lib/vector.so" "$PG_LIB/vector.so"
  as_root install -m 0644 "$CACHE"/ext/* "$PG_EXT/"
}

# build_pgvector follows deps.md §4: a deb-src line for trixie (sources
# only, so no trixie binary can be installed), the build dependencies from
# bookworm, apt-get source, dpkg-source -x, make. The built files go to the
# cache.
build_pgvector() {
  log "building pgvector $PGVECTOR_VERSION from Debian trixie's source package"
  local list=/etc/apt/sources.list.d/trixie-src.sources
  if [[ ! -f $list ]]; then
    as_root tee "$list" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  as_root apt-get update -qq
  as_root apt-get install -y -qq "postgresql-server-dev-$PG_MAJOR" dpkg-dev make gcc >/dev/null
  local src
  src=$(mktemp -d)
  (
    cd "$src"
    apt-get source --download-only "pgvector=$PGVECTOR_DEB" >/dev/null 2>&1 ||
      apt-get source --download-only pgvector >/dev/null
    # apt-get checked the files against the signed Sources index.
    dpkg-source --no-check -x pgvector_*.dsc pgvector >/dev/null
    make -s -C pgvector PG_CONFIG="$PG_BIN/pg_config" >/dev/null
    mkdir -p "$src/stage"
    make -s -C pgvector PG_CONFIG="$PG_BIN/pg_config" DESTDIR="$src/stage" install >/dev/null
  )
  mkdir -p "$CACHE/lib" "$CACHE/ext"
  cp "$src/stage$PG_LIB/vector.so" "$CACHE/lib/"
  cp "$src/stage$PG_EXT"/vector* "$CACHE/ext/"
  rm -rf "$src"
}

# free_port prints a TCP port nothing listens on at 127.0.0.1.
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
  echo "no free port found" >&2
  return 1
}

install_postgres
install_pgvector
if [[ ${1:-} == install ]]; then
  exit 0
fi

# The cluster: a temporary directory owned by the user it runs as.
run_as=()
if [[ $(id -u) -eq 0 ]]; then
  run_as=(runuser -u postgres --)
fi
PGDATA=$(mktemp -d /tmp/memory-pg.XXXXXX)
chmod 0755 "$PGDATA"
if [[ ${#run_as[@]} -gt 0 ]]; then chown postgres: "$PGDATA"; fi
port=$(free_port)
cleanup() {
  "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$PGDATA/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA"
}
trap cleanup EXIT INT TERM

log "starting a throw-away cluster on 127.0.0.1:$port"
"${run_as[@]}" "$PG_BIN/initdb" -D "$PGDATA/data" -U memory -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync=off: the cluster is thrown away; a process crash (the fault tests
# stop the server with -m immediate) still loses nothing committed.
opts="-c listen_addresses=127.0.0.1 -p $port -k $PGDATA -c fsync=off -c max_connections=200"
start_cmd="${run_as[*]} $PG_BIN/pg_ctl -D $PGDATA/data -l $PGDATA/log -w -o '$opts' start"
stop_cmd="${run_as[*]} $PG_BIN/pg_ctl -D $PGDATA/data -m immediate -w stop"
eval "$start_cmd" >/dev/null
"${run_as[@]}" "$PG_BIN/psql" -q -h 127.0.0.1 -p "$port" -U memory -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE memory_test" >/dev/null
"${run_as[@]}" "$PG_BIN/psql" -q -h 127.0.0.1 -p "$port" -U memory -d memory_test -v ON_ERROR_STOP=1 \
  -c "CREATE EXTENSION vector" -c "CREATE EXTENSION unaccent" -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'" -At

export MCP_MEMORY_TEST_POSTGRES_URL="postgres://memory@127.0.0.1:$port/memory_test?sslmode=disable"
# The fault tests stop and start the server with these commands.
export MCP_MEMORY_TEST_POSTGRES_STOP=$stop_cmd
export MCP_MEMORY_TEST_POSTGRES_START=$start_cmd

log "go test ./postgres/... (Store, auth, OAuth and upload-history suites, parity with SQLite, faults)"
# shellcheck disable=SC2086
go test ${GO_TEST_FLAGS:--count=1} ./postgres/...
log "go test ./hybrid -run Postgres (two machines converge through a PostgreSQL remote)"
# shellcheck disable=SC2086
go test ${GO_TEST_FLAGS:--count=1} -run Postgres ./hybrid/
log "go test ./cmd/memory -run Postgres (every command, curation, hybrid with a PostgreSQL remote, two daemons on one database, server down at start and mid-run)"
# shellcheck disable=SC2086
go test ${GO_TEST_FLAGS:--count=1} -run Postgres ./cmd/memory/
log "postgres tests done"
