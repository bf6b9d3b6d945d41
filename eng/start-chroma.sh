#!/usr/bin/env bash
# Installs (once) and starts a throw-away Chroma server for the tests of Llm.Stack.Chroma.
#
#   eval "$(eng/start-chroma.sh)"      # installs what is missing, starts a server, exports LLMSTACK_CHROMA
#   dotnet test tests/Llm.Stack.Connectors.Tests -c Release
#   eng/start-chroma.sh --restart "$LLMSTACK_CHROMA_DATA"   # stops and starts it again (same data, same port)
#   eng/start-chroma.sh --stop "$LLMSTACK_CHROMA_DATA"
#
# The server is the one inside the npm package `chromadb` 3.5.0 (its CLI runs the Chroma server, HTTP API v2). Its
# native binding is pinned by an npm `overrides` entry to chromadb-js-bindings-linux-x64-gnu 1.0.1: newer bindings need
# a newer glibc than Debian 12's. The packages are installed into ${LLMSTACK_CACHE:-~/.cache/llmstack}/chroma-3.5.0
# once; a later run on the same machine only starts the server. It listens on 127.0.0.1 only, on a free port, with its
# data in a new temporary folder. It is stopped with SIGINT (the server ignores SIGTERM). Standard output carries only
# the `export` lines; progress goes to standard error.
set -euo pipefail

chroma_version=3.5.0
bindings_version=1.0.1

log() { echo "start-chroma: $*" >&2; }

cache=${LLMSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/llmstack}/chroma-$chroma_version
cli=$cache/node_modules/chromadb/dist/cli.mjs

# Answers when GET /api/v2/heartbeat returns 200 (bash's /dev/tcp: no curl needed).
heartbeat() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /api/v2/heartbeat HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -n 1 <&3) 2>/dev/null || true)
  [[ "$reply" == *" 200"* ]]
}

stop() {
  local data=$1 pid
  [ -f "$data/server.pid" ] || return 0
  pid=$(cat "$data/server.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "the server (pid $pid) did not stop on SIGINT within 10 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$data/server.pid"
}

# Starts the server on the data folder and port; returns non-zero when it does not answer within 30 s.
start() {
  local data=$1 port=$2 pid
  # setsid and no inherited descriptors: the server outlives this script, and a $(…) around the script does not wait for it.
  setsid node "$cli" run --path "$data/db" --host 127.0.0.1 --port "$port" </dev/null >>"$data/server.log" 2>&1 &
  pid=$!
  echo "$pid" >"$data/server.pid"
  for _ in $(seq 1 300); do
    if heartbeat "$port"; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  stop "$data"
  return 1
}

case "${1:-}" in
  --stop)
    data=${2:?usage: start-chroma.sh --stop DATA_DIR}
    stop "$data"
    rm -rf "$data"
    exit 0
    ;;
  --restart)
    data=${2:?usage: start-chroma.sh --restart DATA_DIR}
    stop "$data"
    if ! start "$data" "$(cat "$data/port")"; then
      log "the server did not restart; its log:"
      tail -n 40 "$data/server.log" >&2 || true
      exit 1
    fi
    exit 0
    ;;
esac

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    log "installing Node.js needs root: run this script as root once, or install nodejs and npm yourself"
    exit 1
  fi
  log "installing nodejs and npm"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm >&2
fi

installed() {
  [ -f "$cli" ] \
    && grep -q "\"version\": \"$chroma_version\"" "$cache/node_modules/chromadb/package.json" \
    && grep -q "\"version\": \"$bindings_version\"" "$cache/node_modules/chromadb-js-bindings-linux-x64-gnu/package.json" 2>/dev/null
}
if ! installed; then
  log "installing chromadb $chroma_version (bindings pinned to $bindings_version) into $cache"
  mkdir -p "$cache"
  cat >"$cache/package.json" <<EOF
{
  "private": true,
  "dependencies": { "chromadb": "$chroma_version" },
  "overrides": { "chromadb-js-bindings-linux-x64-gnu": "$bindings_version" }
}
EOF
  (cd "$cache" && npm install --no-audit --no-fund --loglevel=error >&2)
  installed || { log "npm did not install chromadb $chroma_version with bindings $bindings_version into $cache"; exit 1; }
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

data=$(mktemp -d "${TMPDIR:-/tmp}/llmstack-chroma.XXXXXX")
started=0
for port in $(shuf -i 20000-60000 -n 20); do
  port_free "$port" || continue
  if start "$data" "$port"; then
    started=1
    break
  fi
done
if [ "$started" = 0 ]; then
  log "the server did not start; its log:"
  tail -n 40 "$data/server.log" >&2 || true
  rm -rf "$data"
  exit 1
fi
echo "$port" >"$data/port"
log "Chroma (npm chromadb $chroma_version, bindings $bindings_version) on 127.0.0.1:$port"

echo "export LLMSTACK_CHROMA='http://127.0.0.1:$port'"
echo "export LLMSTACK_CHROMA_DATA='$data'"
