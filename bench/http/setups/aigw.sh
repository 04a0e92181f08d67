#!/usr/bin/env bash
# Set-up (c) of the HTTP benchmark: Envoy 1.40 in front of Envoy AI Gateway's external processor
# (github.com/envoyproxy/ai-gateway/cmd/extproc, pinned below), configured with the processor's own
# filter config (bench/http/aigw/filter-config.yaml) and an Envoy bootstrap laid out as AI
# Gateway's controller sets up Envoy Gateway for these routes (bench/http/aigw/envoy.yaml).
#
#   aigw.sh install       build the pinned processor with `go install` into
#                         ${TOLLGATE_TOOLS_DIR:-~/.cache/tollgate}/aigw-extproc-v1.1.0/ (idempotent)
#   aigw.sh start DIR     env MOCK_PORT, LISTEN_PORT, PORT_BASE, GATEWAY_CPUS (see bench/http's contract)
#   aigw.sh stop DIR
#   aigw.sh render DIR    only write DIR/envoy.yaml and DIR/filter-config.yaml (to read or validate)
#
# Found as: $AIGW_EXTPROC_BIN (a processor built elsewhere), else the pinned install; Envoy as
# $ENVOY_BIN, else the pinned Envoy that `tollgate install-envoy` makes. Ports: Envoy's admin on
# PORT_BASE, the processor's admin (/health, /metrics) on PORT_BASE+1; the processor listens on a
# unix socket. ENVOY_CONCURRENCY sets Envoy's worker threads (default: the number of CPUs in
# GATEWAY_CPUS, else of the machine).
set -euo pipefail

AIGW_MODULE=github.com/envoyproxy/ai-gateway/cmd/extproc
AIGW_VERSION=v1.1.0
AIGW_GO_TOOLCHAIN=go1.27.3 # the approved newer Go, used only if the module asks for one
ENVOY_VERSION=1.40.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONF_DIR="$(cd "$HERE/../aigw" && pwd)"
REQUESTS_DIR="$HERE/../requests"
TOOLS_DIR="${TOLLGATE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tollgate}"
INSTALL_DIR="$TOOLS_DIR/aigw-extproc-$AIGW_VERSION"
PINNED_EXTPROC="$INSTALL_DIR/extproc"
PINNED_ENVOY="$TOOLS_DIR/envoy-$ENVOY_VERSION/envoy/_bin/envoy"

die() { echo "aigw.sh: $*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

find_extproc() {
  if [ -n "${AIGW_EXTPROC_BIN:-}" ]; then
    [ -x "$AIGW_EXTPROC_BIN" ] || die "AIGW_EXTPROC_BIN=$AIGW_EXTPROC_BIN is not an executable file"
    echo "$AIGW_EXTPROC_BIN"; return
  fi
  [ -x "$PINNED_EXTPROC" ] || die "no Envoy AI Gateway processor at $PINNED_EXTPROC: run bench/http/setups/aigw.sh install first"
  echo "$PINNED_EXTPROC"
}

find_envoy() {
  if [ -n "${ENVOY_BIN:-}" ]; then
    [ -x "$ENVOY_BIN" ] || die "ENVOY_BIN=$ENVOY_BIN is not an executable file"
    echo "$ENVOY_BIN"; return
  fi
  [ -x "$PINNED_ENVOY" ] || die "no Envoy $ENVOY_VERSION at $PINNED_ENVOY: run distribution/target/tollgate/bin/tollgate install-envoy first (or set ENVOY_BIN)"
  echo "$PINNED_ENVOY"
}

install() {
  if [ -x "$PINNED_EXTPROC" ]; then echo "$PINNED_EXTPROC"; return 0; fi
  command -v go > /dev/null || die "install builds the processor with Go, which is not installed (Debian: apt-get install golang)"
  mkdir -p "$TOOLS_DIR"
  local tmp; tmp="$(mktemp -d "$TOOLS_DIR/.aigw-extproc-XXXXXX")"
  local log="$tmp/go-install.log" start; start="$(now_ms)"
  echo "aigw.sh: building $AIGW_MODULE@$AIGW_VERSION into $INSTALL_DIR (a few minutes)" >&2
  build() { GOBIN="$tmp/bin" GOFLAGS="-mod=mod -buildvcs=false" "$@" go install "$AIGW_MODULE@$AIGW_VERSION" >> "$log" 2>&1; }
  if ! build env; then
    if grep -q 'requires go >=\|toolchain' "$log"; then
      echo "aigw.sh: the module asks for a newer Go; retrying with GOTOOLCHAIN=$AIGW_GO_TOOLCHAIN" >&2
      build env GOTOOLCHAIN="$AIGW_GO_TOOLCHAIN" || true
    fi
  fi
  if [ ! -x "$tmp/bin/extproc" ]; then
    local why; why="$(grep -v '^\s*$' "$log" | tail -n 2 | tr '\n' ' ')"
    rm -rf "$tmp"
    if echo "$why" | grep -q '403\|not available\|410 Gone'; then
      die "the Go module proxy refuses $AIGW_MODULE@$AIGW_VERSION ($why); set-up (c) cannot be built here (or set AIGW_EXTPROC_BIN to a processor built elsewhere)"
    fi
    die "go install $AIGW_MODULE@$AIGW_VERSION failed: $why"
  fi
  mkdir -p "$INSTALL_DIR"
  mv "$tmp/bin/extproc" "$PINNED_EXTPROC"
  echo "$AIGW_MODULE@$AIGW_VERSION built in $(( $(now_ms) - start )) ms, $(stat -c %s "$PINNED_EXTPROC") bytes" > "$INSTALL_DIR/BUILD"
  rm -rf "$tmp"
  cat "$INSTALL_DIR/BUILD" >&2
  echo "$PINNED_EXTPROC"
}

# The openai scenario's body: bench-http's requests/openai.json once it exists, else the contract's.
openai_body() {
  if [ -f "$REQUESTS_DIR/openai.json" ]; then cat "$REQUESTS_DIR/openai.json"; return; fi
  echo '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64}'
}

cpu_count() { # number of CPUs in a taskset list such as 0,2-3
  local n=0 part
  IFS=',' read -ra parts <<< "$1"
  for part in "${parts[@]}"; do
    if [[ "$part" == *-* ]]; then n=$(( n + ${part#*-} - ${part%-*} + 1 )); else n=$(( n + 1 )); fi
  done
  echo "$n"
}

render() { # DIR SOCKET
  local dir="$1" sock="$2" clusters="$1/.backend-clusters.yaml"
  : > "$clusters"
  # cluster name (Envoy Gateway's per-rule cluster) and backend name (AI Gateway's per-rule-ref name)
  local pair
  for pair in "httproute/bench/aigw-bench/rule/0 bench/openai/route/aigw-bench/rule/0/ref/0" \
              "httproute/bench/aigw-bench/rule/1 bench/bedrock/route/aigw-bench/rule/1/ref/0"; do
    set -- $pair
    sed -e "s|@CLUSTER@|$1|g" -e "s|@BACKEND@|$2|g" -e "s|@MOCK_PORT@|$MOCK_PORT|g" \
      "$CONF_DIR/backend-cluster.yaml" >> "$clusters"
  done
  sed -e "s|@ADMIN_PORT@|$PORT_BASE|g" -e "s|@LISTEN_PORT@|$LISTEN_PORT|g" -e "s|@EXTPROC_SOCK@|$sock|g" \
    "$CONF_DIR/envoy.yaml" |
    awk -v f="$clusters" '/^@BACKEND_CLUSTERS@$/ { while ((getline l < f) > 0) print l; next } { print }' \
    > "$dir/envoy.yaml"
  rm -f "$clusters"
  cp "$CONF_DIR/filter-config.yaml" "$dir/filter-config.yaml"
}

alive() { # running and not a zombie
  local state; state="$(ps -o stat= -p "$1" 2> /dev/null || true)"
  [ -n "$state" ] && [ "${state#Z}" = "$state" ]
}

start() {
  local dir="${1:?usage: aigw.sh start DIR}"
  : "${MOCK_PORT:?aigw.sh: set MOCK_PORT}" "${LISTEN_PORT:?aigw.sh: set LISTEN_PORT}" "${PORT_BASE:?aigw.sh: set PORT_BASE}"
  local extproc envoy; extproc="$(find_extproc)"; envoy="$(find_envoy)"
  command -v curl > /dev/null || die "start needs curl (Debian: apt-get install curl)"
  mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
  rm -f "$dir/pids" "$dir/startup_ms" "$dir/scenarios" "$dir"/na.* "$dir"/headers.*

  # A unix socket path must stay under 108 bytes.
  local sock="$dir/extproc.sock"
  [ "${#sock}" -lt 100 ] || sock="${TMPDIR:-/tmp}/aigw-bench-$PORT_BASE.sock"
  rm -f "$sock"; echo "$sock" > "$dir/socket"
  render "$dir" "$sock"

  local pin=() concurrency
  if [ -n "${GATEWAY_CPUS:-}" ]; then
    pin=(taskset -c "$GATEWAY_CPUS")
    concurrency="${ENVOY_CONCURRENCY:-$(cpu_count "$GATEWAY_CPUS")}"
  else
    concurrency="${ENVOY_CONCURRENCY:-$(nproc)}"
  fi

  local t0; t0="$(now_ms)"
  # setsid and taskset exec the program, so $! is the processor's / Envoy's own PID.
  setsid "${pin[@]}" "$extproc" -configPath "$dir/filter-config.yaml" -extProcAddr "unix://$sock" \
    -adminPort $(( PORT_BASE + 1 )) -logLevel warn > "$dir/processor.log" 2>&1 < /dev/null &
  local ppid=$!
  setsid "${pin[@]}" "$envoy" -c "$dir/envoy.yaml" --concurrency "$concurrency" --disable-hot-restart \
    --log-level warn > "$dir/envoy.log" 2>&1 < /dev/null &
  local epid=$!
  printf 'envoy %s\nprocessor %s\n' "$epid" "$ppid" > "$dir/pids"

  local body code="" deadline=$(( t0 + ${AIGW_START_TIMEOUT_MS:-30000} ))
  body="$(openai_body)"
  while :; do
    alive "$ppid" || { stop "$dir" > /dev/null 2>&1 || true; die "the processor exited at start-up: $(tail -n 3 "$dir/processor.log" | tr '\n' ' ')"; }
    alive "$epid" || { stop "$dir" > /dev/null 2>&1 || true; die "Envoy exited at start-up: $(tail -n 3 "$dir/envoy.log" | tr '\n' ' ')"; }
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'content-type: application/json' \
      -H 'authorization: Bearer sk-bench-client' --data "$body" \
      "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" || true)"
    [ "$code" = 200 ] && break
    if [ "$(now_ms)" -ge "$deadline" ]; then
      stop "$dir" > /dev/null 2>&1 || true
      die "openai scenario did not answer 200 within ${AIGW_START_TIMEOUT_MS:-30000} ms (last: ${code:-none}); see $dir/envoy.log and $dir/processor.log"
    fi
    sleep 0.05
  done
  echo $(( $(now_ms) - t0 )) > "$dir/startup_ms"
  printf 'openai\nbedrock\nstream\n' > "$dir/scenarios"
  echo "Envoy AI Gateway $AIGW_VERSION has no regex prompt guard: its processor config (filterapi.Config) has no guard or content-check field, guardrails are left to other Envoy filters or external services" > "$dir/na.guard"
}

stop() {
  local dir="${1:?usage: aigw.sh stop DIR}"
  [ -f "$dir/pids" ] || die "no $dir/pids: nothing was started in $dir"
  local pids=() role pid
  while read -r role pid; do [ -n "${pid:-}" ] && pids+=("$pid"); done < "$dir/pids"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  local waited=0
  for pid in "${pids[@]}"; do
    while alive "$pid" && [ "$waited" -lt 100 ]; do sleep 0.1; waited=$(( waited + 1 )); done
    if alive "$pid"; then kill -KILL "$pid" 2> /dev/null || true; fi
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2> /dev/null || true # reaps it when start (this shell) started it
    while alive "$pid"; do sleep 0.05; done
  done
  if [ -f "$dir/socket" ]; then rm -f "$(cat "$dir/socket")"; fi
  rm -f "$dir/pids"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  render) # write DIR/envoy.yaml and DIR/filter-config.yaml only, to read or validate them
    : "${MOCK_PORT:?aigw.sh: set MOCK_PORT}" "${LISTEN_PORT:?aigw.sh: set LISTEN_PORT}" "${PORT_BASE:?aigw.sh: set PORT_BASE}"
    mkdir -p "${2:?usage: aigw.sh render DIR}"; d="$(cd "$2" && pwd)"; render "$d" "$d/extproc.sock" ;;
  *) die "usage: aigw.sh install | start DIR | stop DIR | render DIR" ;;
esac
