#!/usr/bin/env bash
# Starts an ext_proc server in its own JVM, drives it with the load tool (another JVM) and prints
# the results. Builds nothing: run `./mvnw -q -o install -pl bench -DskipTests` first.
#
#   bench/run-load.sh SERVER SCENARIO RATE DURATION [load tool options...]
#     SERVER    tollgate | noop | noop-handoff (the no-op answers computed on a worker thread, as Tollgate does)
#     SCENARIO  passthrough | bedrock | passthrough-stream | bedrock-stream
#     RATE      exchanges per second (open loop)
#     DURATION  measured seconds (a warm-up of WARMUP seconds, default 10, comes first)
#   env: SERVER_JAVA_OPTS (default -Xms512m -Xmx512m), WARMUP, CHANNELS (4), JSTAT_FILE (sample the
#        server's GC every 10 s into this file), JFR_FILE (record the server with JFR into this file, starting after JFR_DELAY seconds),
#        SERVER_CPUS / TOOL_CPUS (pin the server / the load tool to these CPUs with taskset, e.g. 1 and 0),
#        SERVER_LOG (keep the server's output in this file), PORT (default 18063), CLASSPATH_FILE (default target/server.classpath: a class path file to use
#        instead, e.g. a snapshot of the jars so that a long series of runs measures one build)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$here/target"
server="${1:?server: tollgate or noop}"; scenario="${2:?scenario}"; rate="${3:?rate}"; duration="${4:?duration}"
shift 4
port="${PORT:-18063}"
warmup="${WARMUP:-10}"
channels="${CHANNELS:-4}"
server_opts="${SERVER_JAVA_OPTS:--Xms512m -Xmx512m}"
cpfile="${CLASSPATH_FILE:-$target/server.classpath}"
[ -f "$cpfile" ] || { echo "run-load: $cpfile missing; build bench first" >&2; exit 2; }
cp="$target/classes:$(cat "$cpfile")"

work="$(mktemp -d /tmp/tollgate-bench.XXXXXX)"
server_pid=""; jstat_pid=""
cleanup() {
  [ -n "${SERVER_LOG:-}" ] && cp "$work/server.log" "$SERVER_LOG" 2>/dev/null
  [ -n "$jstat_pid" ] && kill "$jstat_pid" 2>/dev/null || true
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

server_pin=(); tool_pin=()
[ -n "${SERVER_CPUS:-}" ] && server_pin=(taskset -c "$SERVER_CPUS")
[ -n "${TOOL_CPUS:-}" ] && tool_pin=(taskset -c "$TOOL_CPUS")

extra=()
if [ -n "${JFR_FILE:-}" ]; then extra+=("-XX:StartFlightRecording=delay=${JFR_DELAY:-0}s,filename=$JFR_FILE,settings=profile,dumponexit=true"); fi

verify=()
case "$server" in
  tollgate)
    mkdir -p "$work/plugins"
    cp "$target"/plugins/*.zip "$work/plugins/"
    # newer servers open an admin (metrics) port: keep it off so runs never collide on it
    admin=()
    usage="$(java -cp "$cp" dev.tollgate.extproc.Main run --usage-please 2>&1 || true)"
    case "$usage" in *--admin-port*) admin=(--admin-port 0) ;; esac
    # shellcheck disable=SC2086
    "${server_pin[@]}" java $server_opts "${extra[@]}" -cp "$cp" dev.tollgate.extproc.Main run --config "$here/config/gateway.yaml" \
      --plugins "$work/plugins" --host 127.0.0.1 --port "$port" --reload-interval PT0S "${admin[@]}" >"$work/server.log" 2>&1 &
    server_pid=$!
    ready="listening"
    ;;
  noop|noop-handoff|noop-direct)
    handoff=(); [ "$server" = noop-handoff ] && handoff=(--handoff); [ "$server" = noop-direct ] && handoff=(--direct)
    # shellcheck disable=SC2086
    "${server_pin[@]}" java $server_opts "${extra[@]}" -cp "$cp" dev.tollgate.bench.NoopExtProcServer --host 127.0.0.1 --port "$port" \
      "${handoff[@]}" >"$work/server.log" 2>&1 &
    server_pid=$!
    ready="listening"
    verify=(--no-verify)
    ;;
  *) echo "run-load: server must be tollgate, noop or noop-handoff" >&2; exit 2 ;;
esac

for _ in $(seq 1 300); do
  grep -q "$ready" "$work/server.log" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { echo "run-load: server exited:" >&2; cat "$work/server.log" >&2; exit 2; }
  sleep 0.1
done
grep -q "$ready" "$work/server.log" || { echo "run-load: server did not start in 30 s" >&2; cat "$work/server.log" >&2; exit 2; }
echo "run-load: $server server pid $server_pid on port $port ($(head -1 "$work/server.log"))"
if [ -n "${JSTAT_FILE:-}" ]; then
  jstat -gc -t "$server_pid" 10000 >"$JSTAT_FILE" &
  jstat_pid=$!
fi

rc=0
"${tool_pin[@]}" java -Xms256m -Xmx1g -cp "$cp" dev.tollgate.bench.LoadTool --port "$port" --scenario "$scenario" --rate "$rate" \
  --duration "$duration" --warmup "$warmup" --channels "$channels" --server-pid "$server_pid" \
  --label "$server/$scenario@$rate" "${verify[@]}" "$@" || rc=$?
if grep -q -E "ERROR|Exception" "$work/server.log"; then
  echo "run-load: the server logged errors (first lines):"; grep -m 5 -E "ERROR|Exception" "$work/server.log"
fi
exit "$rc"
