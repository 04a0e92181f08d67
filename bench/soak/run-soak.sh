#!/usr/bin/env bash
# The soak through real Envoy, in one command (bench/RESULTS.md, "Soak").
#
#   bench/soak/run-soak.sh [--minutes 30] [--rate 100] [--warmup 30] [--sample-every 30] [--out DIR]
#                          [--mix openai:2,stream:2,guard:1,guard-blocked:1,bedrock:2,bedrock-stream:2]
#                          [--timeout-ms 30000] [--client-cpus 0] [--gateway-cpus 1] [--port-base 18700]
#
# Starts the HTTP benchmark's mock provider, then Tollgate (bin/tollgate run) and Envoy on what
# `tollgate translate bench/http/tollgate` generates (ext_proc over a unix socket, as the
# tollgate-uds set-up, plus Envoy's JSON access log to a file), drives a steady open-loop mix of
# OpenAI whole and streamed, guarded (allowed, and refused by the guard: an expected 400), and
# Bedrock (signed) whole and streamed exchanges, and samples every --sample-every seconds:
# Tollgate's heap after a forced full GC, RSS, threads and descriptors of Tollgate and Envoy,
# Tollgate's open ext_proc streams and error counters, Envoy's ext_proc and HTTP counters, load
# average and CPU busy shares. The load generator and the mock run on --client-cpus, Tollgate and
# Envoy on --gateway-cpus (taskset). Writes OUT/summary.md, OUT/samples.csv, OUT/failures.csv,
# OUT/run.txt, and keeps the processes' logs (and Envoy's access log) in OUT/logs/. Exits 1 when
# an exchange failed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../http/lib/common.sh"

MINUTES=30 RATE=100 WARMUP=30 SAMPLE_EVERY=30 OUT="" MIX="" TIMEOUT_MS=30000
CLIENT_CPUS=0 GATEWAY_CPUS_OPT=1 PORT=18700
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) MINUTES=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --sample-every) SAMPLE_EVERY=$2; shift ;;
    --out) OUT=$2; shift ;;
    --mix) MIX=$2; shift ;;
    --timeout-ms) TIMEOUT_MS=$2; shift ;;
    --client-cpus) CLIENT_CPUS=$2; shift ;;
    --gateway-cpus) GATEWAY_CPUS_OPT=$2; shift ;;
    --port-base) PORT=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
export ENVOY_CONCURRENCY=${ENVOY_CONCURRENCY:-1}
export MOCK_PORT=$PORT LISTEN_PORT=$((PORT + 1)) PORT_BASE=$((PORT + 10))
export GATEWAY_CPUS=$GATEWAY_CPUS_OPT

BENCH="$REPO/bench"
[ -f "$BENCH/target/server.classpath" ] && [ -d "$BENCH/target/classes/dev/tollgate/bench/soak" ] \
  || die "the bench module is not built; run: ./mvnw -q -o package -DskipTests -pl bench,distribution -am"
need_tollgate
envoy_bin > /dev/null
command -v jcmd > /dev/null || die "no jcmd on the PATH (the JDK's; the soak forces Tollgate's full GCs with it)"
CP="$BENCH/target/classes:$(cat "$BENCH/target/server.classpath")"
CLIENT_PIN=()
[ -n "$CLIENT_CPUS" ] && CLIENT_PIN=(taskset -c "$CLIENT_CPUS")

OUT=${OUT:-$REPO/bench/results/$(date +%F)-soak}
mkdir -p "$OUT/logs"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-soak.XXXXXX")
MOCK_PID=""
cleanup() {
  "$BENCH_HTTP/setups/tollgate-uds.sh" stop "$WORK/setup" > /dev/null 2>&1 || true
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
  cp "$WORK"/setup/*.log "$WORK"/setup/*.yaml "$OUT/logs/" 2>/dev/null || true
  cp "$WORK"/mock.log "$OUT/logs/" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

{
  echo "date=$(date -Is)"
  echo "minutes=$MINUTES"; echo "rate=$RATE"; echo "warmup_s=$WARMUP"; echo "sample_every_s=$SAMPLE_EVERY"
  echo "client_cpus=$CLIENT_CPUS"; echo "gateway_cpus=$GATEWAY_CPUS"; echo "envoy_concurrency=$ENVOY_CONCURRENCY"
  echo "machine=$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "loadavg_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "envoy=$("$(envoy_bin)" --version 2>/dev/null | grep -o 'version: [^ ]*' | head -1)"
  echo "java=$(java -version 2>&1 | head -1)"
  echo "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$OUT/run.txt"

"${CLIENT_PIN[@]}" java -Xms64m -Xmx256m -cp "$CP" dev.tollgate.bench.http.MockProvider --port "$MOCK_PORT" \
  > "$WORK/mock.log" 2>&1 < /dev/null &
MOCK_PID=$!
for i in $(seq 300); do
  grep -q "listening" "$WORK/mock.log" 2>/dev/null && break
  kill -0 "$MOCK_PID" 2>/dev/null || die "the mock provider did not start: $(cat "$WORK/mock.log")"
  sleep 0.05
done

# Tollgate's JVM as the launcher starts it (-Xms64m, G1), with a GC log
mkdir -p "$WORK/setup"
export TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseG1GC -Xlog:gc:file=$WORK/setup/gc.log:uptime"
export ACCESS_LOG="$WORK/setup/access.log"
"$BENCH_HTTP/setups/tollgate-uds.sh" start "$WORK/setup" > "$WORK/setup/start.log" 2>&1 \
  || die "Envoy + Tollgate did not start: $(tail -3 "$WORK/setup/start.log"); logs in $OUT/logs"
TG_PID=$(awk '$1=="processor"{print $2}' "$WORK/setup/pids")
ENVOY_PID=$(awk '$1=="envoy"{print $2}' "$WORK/setup/pids")
echo "soak: Tollgate $TG_PID and Envoy $ENVOY_PID on CPU $GATEWAY_CPUS (started in $(cat "$WORK/setup/startup_ms") ms)," \
  "mock and load on CPU $CLIENT_CPUS; $RATE req/s for $MINUTES min -> $OUT"
SINCE=$(date -u +%Y-%m-%dT%H:%M:%S) # the access log's earlier lines are the start-up probes'

# Tollgate's live objects by class: a minute after the warm-up, and at the end
( sleep $(( ${WARMUP%.*} + 60 )); jcmd "$TG_PID" GC.class_histogram 2>&1 | head -45 > "$OUT/tollgate-histogram-start.txt" ) &
HISTO_PID=$!
mix=()
[ -n "$MIX" ] && mix=(--mix "$MIX")
rc=0
"${CLIENT_PIN[@]}" java -Xms128m -Xmx512m -cp "$CP" dev.tollgate.bench.soak.SoakLoad \
  --url "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" --bench "$BENCH" --out "$OUT" \
  --tollgate-pid "$TG_PID" --envoy-pid "$ENVOY_PID" --tollgate-admin $((PORT_BASE + 2)) --envoy-admin "$PORT_BASE" \
  --rate "$RATE" --minutes "$MINUTES" --warmup "$WARMUP" --sample-every "$SAMPLE_EVERY" --timeout-ms "$TIMEOUT_MS" \
  "${mix[@]}" --tag "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  | tee "$OUT/load.log" || rc=$?
pkill -P "$HISTO_PID" 2>/dev/null || true; kill "$HISTO_PID" 2>/dev/null || true
jcmd "$TG_PID" GC.class_histogram 2>&1 | head -45 > "$OUT/tollgate-histogram-end.txt" || true
echo "mock=$(curl -s -m 5 "http://127.0.0.1:$MOCK_PORT/stats")" >> "$OUT/run.txt"
echo "loadavg_at_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/run.txt"
# Tollgate's last lines of metrics, for the counters by label
curl -s -m 5 "http://127.0.0.1:$((PORT_BASE + 2))/metrics" | grep -E '^tollgate_(requests|errors|plugin|extproc)' \
  > "$OUT/tollgate-metrics.txt" || true
curl -s -m 5 "http://127.0.0.1:$PORT_BASE/stats" | grep -E 'ext_proc|downstream_rq|upstream_rq_(5xx|timeout|reset|retry)|cx_destroy' \
  > "$OUT/envoy-stats.txt" || true
# Envoy writes the rest of its access log when it stops; then the summary gets what the log says
"$BENCH_HTTP/setups/tollgate-uds.sh" stop "$WORK/setup" > /dev/null 2>&1 || true
java -cp "$CP" dev.tollgate.bench.soak.SoakReport --access-log "$ACCESS_LOG" --summary "$OUT/summary.md" --since "$SINCE" \
  | tee -a "$OUT/load.log" || true
exit "$rc"
