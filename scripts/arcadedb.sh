#!/usr/bin/env bash
# A local ArcadeDB server with its Bolt plugin, for the Bolt target's tests and benchmarks.
#
#   scripts/arcadedb.sh start   installs arcadedb-jvm from PyPI into ~/.cache/learngraph (once),
#                               starts the server on free loopback ports, creates the database,
#                               and prints the variables to use it (also written to $STATE/env)
#   scripts/arcadedb.sh stop    stops it
#   scripts/arcadedb.sh restart kills the server (SIGKILL, as a crash would) and starts it again on
#                               the same ports and data, after RESTART_DELAY seconds (default 2)
#   scripts/arcadedb.sh run CMD runs CMD with the server started and the variables set, and stops
#                               the server afterwards, whatever CMD's outcome
#   scripts/arcadedb.sh layout DB N
#                               creates the graph's types in the empty database DB with N buckets
#                               each, chosen by server thread: parallel writers, each on its own
#                               connection, then append to and update pages of their own instead
#                               of conflicting on shared ones (BENCHMARKS.md, "Bolt"); the
#                               relationships that leave a learner are unidirectional, stored
#                               in the learner's edge list only, as the embedded target stores
#                               them forward only
#
# The server's files live in $STATE (default: a temporary folder, removed by stop); its heap is
# ARCADEDB_HEAP (default 2g), a quarter of which is its page cache.
set -euo pipefail

cache="${LEARNGRAPH_CACHE:-$HOME/.cache/learngraph}"
venv="$cache/arcadedb-venv"
version=26.11.1.dev2 # arcadedb-jvm: the version the Bolt tests were written against
state_file="$cache/arcadedb.state"

install() {
  if [ -x "$venv/bin/python" ] && "$venv/bin/pip" show arcadedb-jvm 2>/dev/null | grep -q "^Version: $version$"; then
    return
  fi
  command -v python3 >/dev/null || { echo "arcadedb.sh: python3 is needed" >&2; exit 1; }
  command -v curl >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
  }
  python3 -m venv "$venv" 2>/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  }
  "$venv/bin/pip" install --quiet --disable-pip-version-check "arcadedb-jvm==$version"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

password=learngraph-test

# Starts the JVM for the server in $STATE on the ports in $STATE/ports; waits until it answers.
launch() {
  local home http bolt
  home=$("$venv/bin/python" -c 'import arcadedb, os; print(os.path.dirname(arcadedb.__file__))')
  read -r http bolt <"$STATE/ports"
  # The JVM gets a modest heap: the tests share this machine with the compiler. It runs in $STATE,
  # where it writes its logs, whoever calls this.
  (
    cd "$STATE"
    # shellcheck disable=SC2086 # ARCADEDB_OPTS holds several options
    nohup "$home/jre/bin/java" -Xms256m -Xmx${ARCADEDB_HEAP:-2g} ${ARCADEDB_OPTS:-} \
      -Darcadedb.server.rootPath="$STATE" \
      -Darcadedb.server.databaseDirectory="$STATE/databases" \
      -Darcadedb.server.rootPassword="$password" \
      -Darcadedb.server.httpIncomingHost=127.0.0.1 \
      -Darcadedb.server.httpIncomingPort="$http" \
      -Darcadedb.bolt.host=127.0.0.1 \
      -Darcadedb.bolt.port="$bolt" \
      -Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin \
      -cp "$home/jars/*" com.arcadedb.server.ArcadeDBServer >"$STATE/server.log" 2>&1 &
    echo $! >"$STATE/pid"
  )
  for _ in $(seq 1 120); do
    if curl -sf -u "root:$password" "http://127.0.0.1:$http/api/v1/ready" >/dev/null 2>&1; then
      break
    fi
    if ! kill -0 "$(cat "$STATE/pid")" 2>/dev/null; then
      echo "arcadedb.sh: the server exited; its log:" >&2
      tail -20 "$STATE/server.log" >&2
      exit 1
    fi
    sleep 0.5
  done
}

start() {
  install
  STATE="${STATE:-$(mktemp -d /tmp/arcadedb.XXXXXX)}"
  mkdir -p "$STATE"
  local http bolt
  http=$(free_port)
  bolt=$(free_port)
  echo "$http $bolt" >"$STATE/ports"
  launch
  curl -sf -u "root:$password" -X POST "http://127.0.0.1:$http/api/v1/server" \
    -d '{"command": "create database learngraph"}' >/dev/null
  cat >"$STATE/env" <<ENV
export ARCADEDB_STATE=$STATE
export ARCADEDB_HTTP=http://127.0.0.1:$http
export LEARNGRAPH_TEST_BOLT=bolt://127.0.0.1:$bolt
export NEO4J_USERNAME=root
export NEO4J_PASSWORD=$password
export NEO4J_DATABASE=learngraph
ENV
  echo "$STATE" >"$state_file"
  cat "$STATE/env"
}

stop() {
  local dir="${1:-$(cat "$state_file" 2>/dev/null || true)}"
  [ -n "$dir" ] && [ -f "$dir/pid" ] || return 0
  kill "$(cat "$dir/pid")" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
    sleep 0.25
  done
  kill -9 "$(cat "$dir/pid")" 2>/dev/null || true
  rm -rf "$dir"
  rm -f "$state_file"
}

restart() {
  STATE="${ARCADEDB_STATE:-$(cat "$state_file")}"
  kill -9 "$(cat "$STATE/pid")" 2>/dev/null || true
  while kill -0 "$(cat "$STATE/pid")" 2>/dev/null; do sleep 0.1; done
  sleep "${RESTART_DELAY:-2}"
  launch
}

# Creates the vertex and edge types in database $1 with $2 buckets and the `thread` selection
# strategy. ArcadeDB checks write conflicts per page; with one bucket (or round-robin buckets)
# every writer's new learners share pages, and so do the updates their relationships make.
# A bidirectional edge is also written into the edge list of the vertex it points to, and the
# learners' relationships point at hubs (80,000 learners a skill in a 1.7M-row export): as
# UNIDIRECTIONAL types they are written on the learner's side only. ArcadeDB still answers a
# pattern that reaches them from the hub's side (it looks the edges up by type), so every
# query gives the same answer.
layout() {
  local db=$1 buckets=$2 http
  http=${ARCADEDB_HTTP:?run "source \$STATE/env" first}
  local kind name flag
  while read -r kind name flag; do
    for sql in "CREATE $kind TYPE $name IF NOT EXISTS $flag BUCKETS $buckets" \
      "ALTER TYPE $name BucketSelectionStrategy \`thread\`"; do
      curl -sf -u "root:$password" -X POST "$http/api/v1/command/$db" \
        -d "{\"language\": \"sql\", \"command\": \"$sql\"}" >/dev/null ||
        { echo "arcadedb.sh: $sql failed" >&2; exit 1; }
    done
  done <<'TYPES'
VERTEX Learner
VERTEX Skill
VERTEX Program
VERTEX Cohort
VERTEX Country
VERTEX City
EDGE IN_PROGRAM
EDGE IN_COUNTRY
EDGE HAS_SKILL UNIDIRECTIONAL
EDGE ENROLLED_IN UNIDIRECTIONAL
EDGE LIVES_IN UNIDIRECTIONAL
EDGE RESIDES_IN UNIDIRECTIONAL
EDGE FROM_COUNTRY UNIDIRECTIONAL
TYPES
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  layout) layout "${2:?database}" "${3:?buckets}" ;;
  run)
    shift
    start >/dev/null
    dir=$STATE
    trap 'stop "$dir"' EXIT
    # shellcheck source=/dev/null
    source "$dir/env"
    "$@"
    ;;
  *) echo "usage: scripts/arcadedb.sh start|stop|restart|layout DB N|run CMD..." >&2; exit 2 ;;
esac
