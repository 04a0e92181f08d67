#!/usr/bin/env bash
# The HTTP benchmark through real Envoy, in one command (bench/RESULTS.md, "HTTP through real Envoy").
#
#   bench/http/run-series.sh --smoke NAME            every scenario once through set-up NAME, answers checked
#   bench/http/run-series.sh [options]               the interleaved series
#
# Options: --setups floor,tollgate-tcp,tollgate-uds,aigw,litellm,portkey   --scenarios openai,bedrock,stream,guard
#          --rate 200 (req/s, every set-up the same)  --warmup 60  --duration 20 (s)  --rounds 5
#          --out DIR (default bench/results/<date>-http)  --install (run each set-up's install first)
#          --client-cpus 0  --gateway-cpus 1 (taskset lists; "" for no pinning)  --port-base 18100
#          --envoy-concurrency 1 (exported as ENVOY_CONCURRENCY for the set-ups' Envoys)
# Each round starts every set-up afresh (the order rotates from round to round), warms up, measures
# a fixed-rate window, reads the gateway processes' CPU and memory from /proc and stops it.
# Raw files go to OUT/raw/SCENARIO/round-N/SETUP/, the table to OUT/report.md.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

SETUPS=floor,tollgate-tcp,tollgate-uds,aigw,litellm,portkey
SCENARIOS=openai,bedrock,stream,guard
RATE=200 WARMUP=60 DURATION=20 ROUNDS=5 OUT="" INSTALL=0 SMOKE=""
CLIENT_CPUS=0 GATEWAY_CPUS_OPT=1 PORT=18100 ENVOY_CONCURRENCY=${ENVOY_CONCURRENCY:-1}
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=$2; shift ;;
    --setups) SETUPS=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --rate) RATE=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --out) OUT=$2; shift ;;
    --install) INSTALL=1 ;;
    --client-cpus) CLIENT_CPUS=$2; shift ;;
    --gateway-cpus) GATEWAY_CPUS_OPT=$2; shift ;;
    --port-base) PORT=$2; shift ;;
    --envoy-concurrency) ENVOY_CONCURRENCY=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
  shift
done
export ENVOY_CONCURRENCY
export MOCK_PORT=$PORT LISTEN_PORT=$((PORT + 1)) PORT_BASE=$((PORT + 10))
export GATEWAY_CPUS=$GATEWAY_CPUS_OPT

BENCH="$REPO/bench"
[ -f "$BENCH/target/server.classpath" ] && [ -d "$BENCH/target/classes/dev/tollgate/bench/http" ] \
  || die "the bench module is not built; run: ./mvnw -q -o package -DskipTests -pl bench -am"
CP="$BENCH/target/classes:$(cat "$BENCH/target/server.classpath")"
CLIENT_PIN=()
[ -n "$CLIENT_CPUS" ] && CLIENT_PIN=(taskset -c "$CLIENT_CPUS")
JAVA_CLIENT=("${CLIENT_PIN[@]}" java -Xms256m -Xmx512m -cp "$CP")

MOCK_PID=""
CURRENT=""  # "SETUP DIR" of the set-up running now, stopped on exit
cleanup() {
  if [ -n "$CURRENT" ]; then "$BENCH_HTTP/setups/${CURRENT%% *}.sh" stop "${CURRENT#* }" || true; fi
  if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; wait "$MOCK_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_mock() {
  local log=$1
  "${JAVA_CLIENT[@]}" dev.tollgate.bench.http.MockProvider --port "$MOCK_PORT" > "$log" 2>&1 < /dev/null &
  MOCK_PID=$!
  local i
  for i in $(seq 300); do
    grep -q "listening" "$log" 2>/dev/null && return 0
    kill -0 "$MOCK_PID" 2>/dev/null || die "the mock provider did not start: $(cat "$log")"
    sleep 0.05
  done
  die "the mock provider did not start within 15 s: $(cat "$log")"
}

mock_stat() { # KEY: a number from the mock's /stats (0 when absent)
  curl -s -m 5 "http://127.0.0.1:$MOCK_PORT/stats" | python3 -c "import json,sys; s=json.load(sys.stdin); k=sys.argv[1]; print(s['rejected'] if k=='rejected' else s['paths'].get(k,0))" "$1"
}

serves() { # DIR SCENARIO
  [ ! -f "$1/na.$2" ] && grep -qx "$2" "$1/scenarios" 2>/dev/null
}

# ---------------------------------------------------------------- smoke
smoke() {
  local name=$1 script="$BENCH_HTTP/setups/$1.sh"
  [ -x "$script" ] || die "no set-up $script"
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-http-smoke.XXXXXX")
  start_mock "$dir/mock.log"
  [ "$INSTALL" = 1 ] && "$script" install
  echo "smoke $name: starting (logs in $dir)"
  "$script" start "$dir/setup" || die "$name start failed; see $dir/setup/*.log"
  CURRENT="$name $dir/setup"
  echo "  started in $(cat "$dir/setup/startup_ms") ms; processes: $(tr '\n' ' ' < "$dir/setup/pids")"
  local failed=0 sc before after
  for sc in openai bedrock stream guard; do
    if ! serves "$dir/setup" "$sc"; then
      echo "  $sc: not applicable: $(cat "$dir/setup/na.$sc" 2>/dev/null || echo "not in $dir/setup/scenarios")"
      continue
    fi
    before=$(mock_stat "converse amazon.nova-micro-v1:0")
    if "${JAVA_CLIENT[@]}" dev.tollgate.bench.http.HttpLoad --once --scenario "$sc" \
        --url "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" --body "$BENCH_HTTP/requests/$sc.json" \
        --headers-file "$dir/setup/headers.$sc" --answer-out "$dir/answer.$sc" > "$dir/check.$sc" 2>&1; then
      echo "  $sc: $(tail -1 "$dir/check.$sc")"
    else
      echo "  $sc: FAILED: $(tail -1 "$dir/check.$sc") (answer in $dir/answer.$sc)"
      failed=1
    fi
    if [ "$sc" = bedrock ] && [ "$name" != floor ]; then
      after=$(mock_stat "converse amazon.nova-micro-v1:0")
      if [ "$after" -gt "$before" ]; then
        echo "  bedrock: the mock saw a signed Converse call for amazon.nova-micro-v1:0"
      else
        echo "  bedrock: FAILED: the mock saw no signed Converse call (its /stats: $(curl -s "http://127.0.0.1:$MOCK_PORT/stats"))"
        failed=1
      fi
    fi
    if [ "$sc" = guard ] && [ "$name" != floor ]; then
      local code hdrs=()
      if [ -f "$dir/setup/headers.guard" ]; then
        while IFS= read -r h; do [ -n "$h" ] && hdrs+=(-H "$h"); done < "$dir/setup/headers.guard"
      fi
      code=$(sed 's/in one short sentence\./my SSN is 123-45-6789./' "$BENCH_HTTP/requests/guard.json" \
        | curl -s -o "$dir/answer.guard-ssn" -w '%{http_code}' -m 10 -H 'content-type: application/json' "${hdrs[@]}" \
          --data-binary @- "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" || true)
      if [ "${code:0:1}" = 4 ]; then
        echo "  guard: a prompt with an SSN is refused ($code)"
      else
        echo "  guard: FAILED: a prompt with an SSN got $code (answer in $dir/answer.guard-ssn)"
        failed=1
      fi
    fi
  done
  local rejected
  rejected=$(mock_stat rejected)
  [ "$rejected" = 0 ] || { echo "  FAILED: the mock refused $rejected requests (wrong key or signature): $(curl -s "http://127.0.0.1:$MOCK_PORT/stats")"; failed=1; }
  "$script" stop "$dir/setup"
  CURRENT=""
  if [ "$failed" = 0 ]; then echo "smoke $name: ok"; rm -rf "$dir"; else echo "smoke $name: FAILED (logs in $dir)"; fi
  return "$failed"
}

if [ -n "$SMOKE" ]; then
  smoke "$SMOKE"
  exit $?
fi

# ---------------------------------------------------------------- series
OUT=${OUT:-$REPO/bench/results/$(date +%F)-http}
mkdir -p "$OUT/raw"
IFS=, read -r -a setups <<< "$SETUPS"
IFS=, read -r -a scenarios <<< "$SCENARIOS"
active=()
: > "$OUT/skipped.txt"
for s in "${setups[@]}"; do
  script="$BENCH_HTTP/setups/$s.sh"
  if [ ! -x "$script" ]; then
    echo "skipping $s: no set-up script $script" | tee -a "$OUT/skipped.txt"; continue
  fi
  if [ "$INSTALL" = 1 ] && ! "$script" install > "$OUT/install-$s.log" 2>&1; then
    echo "skipping $s: install failed: $(tail -1 "$OUT/install-$s.log")" | tee -a "$OUT/skipped.txt"; continue
  fi
  active+=("$s")
done
[ ${#active[@]} -gt 0 ] || die "no set-up to run"
{
  echo "date=$(date -Is)"
  echo "rate=$RATE"; echo "warmup_s=$WARMUP"; echo "duration_s=$DURATION"; echo "rounds=$ROUNDS"
  echo "setups=${active[*]}"; echo "scenarios=${scenarios[*]}"
  echo "client_cpus=$CLIENT_CPUS"; echo "gateway_cpus=$GATEWAY_CPUS"; echo "envoy_concurrency=$ENVOY_CONCURRENCY"
  echo "machine=$(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "loadavg_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
} > "$OUT/series.txt"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-http-series.XXXXXX")
start_mock "$OUT/mock.log"
echo "series: ${active[*]} x ${scenarios[*]}, $ROUNDS rounds at $RATE req/s (warm-up ${WARMUP}s, measured ${DURATION}s) -> $OUT"

declare -A broken=()
run_one() { # SETUP SCENARIO ROUND
  local s=$1 sc=$2 r=$3 script="$BENCH_HTTP/setups/$1.sh"
  local dir="$OUT/raw/$sc/round-$r/$s" work="$WORK/$sc-$r-$s"
  rm -rf "$dir" "$work"; mkdir -p "$dir"
  if [ -n "${broken[$s]:-}" ]; then echo "${broken[$s]}" > "$dir/failed"; return; fi
  if ! "$script" start "$work" > "$dir/start.log" 2>&1; then
    local why
    why="start failed: $(grep -v '^\s*$' "$dir/start.log" | tail -1)"
    echo "  $s: $why"
    echo "$why" > "$dir/failed"
    grep -qi "install" "$dir/start.log" && broken[$s]="$why"
    "$script" stop "$work" > /dev/null 2>&1 || true
    mkdir -p "$dir/logs"; cp "$work"/*.log "$dir/logs/" 2>/dev/null || true
    return
  fi
  CURRENT="$s $work"
  if ! serves "$work" "$sc"; then
    cat "$work/na.$sc" 2>/dev/null > "$dir/na" || echo "not served" > "$dir/na"
    echo "  $s: $sc not applicable: $(cat "$dir/na")"
  else
    local rejected_before rejected_after
    rejected_before=$(mock_stat rejected)
    "${JAVA_CLIENT[@]}" dev.tollgate.bench.http.HttpLoad --scenario "$sc" \
      --url "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" --body "$BENCH_HTTP/requests/$sc.json" \
      --headers-file "$work/headers.$sc" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" \
      --pids "$work/pids" --out "$dir/result.txt" --hlog "$dir/latency.hlog" \
      --tag "setup=$s" --tag "round=$r" --tag "startup_ms=$(cat "$work/startup_ms" 2>/dev/null || echo NaN)" \
      > "$dir/load.log" 2>&1 || true
    rejected_after=$(mock_stat rejected)
    echo "mock_rejected=$((rejected_after - rejected_before))" >> "$dir/result.txt"
    echo "  $s: $(grep -E '^(achieved_rate|errors|p50_us|p99_us|p999_us|cpu_us_per_req_[a-z]+)=' "$dir/result.txt" | tr '\n' ' ')"
  fi
  "$script" stop "$work" > "$dir/stop.log" 2>&1 || true
  CURRENT=""
  cp "$work/pids" "$work/startup_ms" "$dir/" 2>/dev/null || true
  if [ ! -s "$dir/result.txt" ] || ! grep -q '^errors=0$' "$dir/result.txt"; then
    mkdir -p "$dir/logs"; cp "$work"/*.log "$dir/logs/" 2>/dev/null || true  # keep the logs of a run that went wrong
  fi
  rm -rf "$work"
}

for sc in "${scenarios[@]}"; do
  for r in $(seq "$ROUNDS"); do
    echo "$sc round $r/$ROUNDS"
    n=${#active[@]}
    for i in $(seq 0 $((n - 1))); do
      run_one "${active[$(( (i + r - 1) % n ))]}" "$sc" "$r"
    done
  done
done
java -cp "$CP" dev.tollgate.bench.http.SeriesReport "$OUT" > "$OUT/report.md"
rm -rf "$WORK"
echo "report: $OUT/report.md"
