# Shared by bench/http's own set-up scripts (floor, tollgate-tcp, tollgate-uds) and run-series.sh.
# Sourced, not run.
BENCH_HTTP="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$BENCH_HTTP/../.." && pwd)"
TOLLGATE="$REPO/distribution/target/tollgate/bin/tollgate"

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

need_env() {
  local v
  for v in "$@"; do [ -n "${!v:-}" ] || die "$v is not set (run-series.sh sets it; see the set-up contract in bench/RESULTS.md)"; done
}

need_tollgate() {
  [ -x "$TOLLGATE" ] || die "no $TOLLGATE; build it: ./mvnw -q package -DskipTests -pl distribution -am"
}

envoy_bin() {
  need_tollgate
  "$TOLLGATE" envoy-path 2>/dev/null || die "no Envoy; run $(basename "$0") install first (it runs tollgate install-envoy)"
}

now_ms() { date +%s%3N; }

# launch DIR NAME CMD...: starts CMD in its own session (under taskset -c $GATEWAY_CPUS when set),
# output to DIR/NAME.log; prints the PID of CMD itself (the shell in between execs into it).
launch() {
  local dir=$1 name=$2; shift 2
  local pin=()
  [ -n "${GATEWAY_CPUS:-}" ] && pin=(taskset -c "$GATEWAY_CPUS")
  rm -f "$dir/$name.pid"
  setsid -f sh -c 'echo $$ > "$0"; exec "$@"' "$dir/$name.pid" "${pin[@]}" "$@" > "$dir/$name.log" 2>&1 < /dev/null
  local i
  for i in $(seq 100); do [ -s "$dir/$name.pid" ] && break; sleep 0.01; done
  cat "$dir/$name.pid"
}

# wait_openai DIR START_MS PID...: polls the openai scenario until it answers 200 (60 s at most,
# failing early when one of the PIDs exits); writes DIR/startup_ms.
wait_openai() {
  local dir=$1 start=$2; shift 2
  local deadline=$(( $(now_ms) + 60000 )) code p
  while [ "$(now_ms)" -lt "$deadline" ]; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -m 2 -H 'content-type: application/json' \
      -H 'authorization: Bearer sk-bench-client' --data-binary @"$BENCH_HTTP/requests/openai.json" \
      "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" || true)
    if [ "$code" = 200 ]; then
      echo $(( $(now_ms) - start )) > "$dir/startup_ms"
      return 0
    fi
    for p in "$@"; do
      kill -0 "$p" 2>/dev/null || die "process $p exited before the openai scenario answered; see $dir/*.log"
    done
    sleep 0.02
  done
  die "the openai scenario did not answer 200 within 60 s (last status $code); see $dir/*.log"
}

# stop_pids DIR: TERM then KILL the processes of DIR/pids, waiting for each to go.
stop_pids() {
  local dir=$1 role pid i
  [ -f "$dir/pids" ] || return 0
  while read -r role pid; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done < "$dir/pids"
  while read -r role pid; do
    [ -n "$pid" ] || continue
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pid" 2>/dev/null || true
  done < "$dir/pids"
}
