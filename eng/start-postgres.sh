#!/usr/bin/env bash
# Installs (once) and starts a throw-away PostgreSQL 15 + pgvector server for the tests of Llm.Stack.Postgres.
#
#   eval "$(eng/start-postgres.sh)"      # installs what is missing, starts a server, exports LLMSTACK_POSTGRES
#   dotnet test tests/Llm.Stack.Connectors.Tests -c Release
#   eng/start-postgres.sh --stop "$LLMSTACK_POSTGRES_DATA"
#
# The server listens on 127.0.0.1 only, on a free port, with its data in a new temporary folder, and trusts local
# connections (it is a test server: never point it at data you keep). Standard output carries only the `export`
# lines; progress goes to standard error.
#
# Installing needs root (apt-get): postgresql-15 and postgresql-server-dev-15 from the machine's Debian release, and
# pgvector built from the Debian source package of the next release (Debian 12 has no pgvector package). The source
# is fetched with a private apt state (its own sources list, derived at run time from this machine's configured
# Debian mirror, and its own lists and cache), so the machine's apt configuration is never changed. The built
# extension is cached under ${LLMSTACK_CACHE:-~/.cache/llmstack}, so a later install on the same machine only copies it.
set -euo pipefail

pg_version=15
pg_bin=/usr/lib/postgresql/$pg_version/bin
next_suite=trixie

log() { echo "start-postgres: $*" >&2; }

if [ "${1:-}" = "--stop" ]; then
  data=${2:?usage: start-postgres.sh --stop DATA_DIR}
  if [ -f "$data/db/postmaster.pid" ]; then
    if [ "$(id -u)" = 0 ]; then
      runuser -u postgres -- "$pg_bin/pg_ctl" -D "$data/db" -m fast -w stop >&2 || true
    else
      "$pg_bin/pg_ctl" -D "$data/db" -m fast -w stop >&2 || true
    fi
  fi
  rm -rf "$data"
  exit 0
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    log "installing needs root: run this script as root once, or install postgresql-$pg_version and pgvector yourself"
    exit 1
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update >&2; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y --no-install-recommends "$@" >&2
}

# PostgreSQL itself and what building an extension needs.
if [ ! -x "$pg_bin/postgres" ] || [ ! -x "$pg_bin/pg_config" ] || [ ! -f "/usr/include/postgresql/$pg_version/server/postgres.h" ] \
  || ! command -v gcc >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1; then
  log "installing postgresql-$pg_version, postgresql-server-dev-$pg_version, gcc, make"
  apt_install "postgresql-$pg_version" "postgresql-server-dev-$pg_version" gcc make ca-certificates
fi

ext_dir=$("$pg_bin/pg_config" --sharedir)/extension
if [ ! -f "$ext_dir/vector.control" ]; then
  cache=${LLMSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmstack}/pgvector-pg$pg_version
  build=$(ls -d "$cache"/pgvector-*/ 2>/dev/null | head -n 1 || true)
  if [ -z "$build" ] || [ ! -f "$build/vector.so" ]; then
    # The Debian mirror this machine already uses: the first URI that serves its own release's main suite.
    codename=$(. /etc/os-release && echo "${VERSION_CODENAME:?}")
    mirror=$(
      {
        for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] || continue; awk -v s="$codename" '
          /^[[:space:]]*$/ { if (uri != "" && ok) { print uri; exit } uri = ""; ok = 0; next }
          tolower($1) == "uris:" { uri = $2 }
          tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
          END { if (uri != "" && ok) print uri }' "$f"; done
        for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] || continue; awk -v s="$codename" '
          $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == s) print $i }' "$f"; done
      } | head -n 1 || true
    )
    if [ -z "$mirror" ]; then
      log "no apt source for '$codename' found in /etc/apt/sources.list*: cannot fetch the pgvector source"
      exit 1
    fi
    log "fetching the pgvector source package of Debian '$next_suite' from this machine's Debian mirror"
    apt_state=$(mktemp -d)
    mkdir -p "$apt_state/lists/partial" "$apt_state/archives/partial" "$apt_state/parts"
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    echo "deb-src [signed-by=$keyring] $mirror $next_suite main" >"$apt_state/sources.list"
    apt_private=(-o "Dir::Etc::SourceList=$apt_state/sources.list" -o "Dir::Etc::SourceParts=$apt_state/parts"
      -o "Dir::State::Lists=$apt_state/lists" -o "Dir::Cache::Archives=$apt_state/archives"
      -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
    apt-get "${apt_private[@]}" update >&2
    mkdir -p "$cache"
    (cd "$apt_state" && apt-get "${apt_private[@]}" source --download-only pgvector >&2)
    orig=$(ls "$apt_state"/pgvector_*.orig.tar.* | head -n 1)
    rm -rf "$cache"/pgvector-*
    tar -xf "$orig" -C "$cache"
    rm -rf "$apt_state"
    build=$(ls -d "$cache"/pgvector-*/ | head -n 1)
    log "building $(basename "$build") against PostgreSQL $pg_version"
    make -C "$build" PG_CONFIG="$pg_bin/pg_config" OPTFLAGS="" >&2
  fi
  log "installing $(basename "$build") into PostgreSQL $pg_version"
  as_root make -C "$build" PG_CONFIG="$pg_bin/pg_config" OPTFLAGS="" install >&2
fi

# A free port on 127.0.0.1 (bash's /dev/tcp connects when something listens); pg_ctl fails if another process takes
# it first, and the next candidate is tried.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

data=$(mktemp -d "${TMPDIR:-/tmp}/llmstack-pg.XXXXXX")
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres: "$data"; fi
chmod 700 "$data"
run_pg "$pg_bin/initdb" -D "$data/db" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
started=0
for port in $(shuf -i 20000-60000 -n 20); do
  port_free "$port" || continue
  if run_pg "$pg_bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$data' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null; then
    started=1
    break
  fi
done
if [ "$started" = 0 ]; then
  log "the server did not start; its log:"
  cat "$data/server.log" >&2 || true
  exit 1
fi
run_pg "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "CREATE EXTENSION IF NOT EXISTS vector" >&2
log "PostgreSQL $pg_version with pgvector $(run_pg "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'") on 127.0.0.1:$port"

# The data folder is a PostgreSQL data folder inside the temp folder; --stop takes the temp folder.
echo "export LLMSTACK_POSTGRES='Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres'"
echo "export LLMSTACK_POSTGRES_DATA='$data'"
