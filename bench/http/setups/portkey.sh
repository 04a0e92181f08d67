#!/usr/bin/env bash
# Set-up (e) of the HTTP benchmark (issue 16): Portkey's open-source AI gateway in front of the mock.
#
#   portkey.sh install       npm ci of bench/http/portkey/package-lock.json (@portkey-ai/gateway 1.15.2)
#                            into $TOLLGATE_TOOLS_DIR/portkey-1.15.2
#   portkey.sh start DIR     env MOCK_PORT, LISTEN_PORT, PORT_BASE (unused), GATEWAY_CPUS (optional)
#   portkey.sh stop DIR
#
# The gateway is one Node.js process (its own start-server, as `npx @portkey-ai/gateway` runs it) in
# headless production mode: no console UI, no log stream. The open-source gateway holds no provider
# credentials or routes of its own: each request names its provider, key and options in an
# x-portkey-config header (a JSON config). start writes that header for each scenario to
# DIR/headers.SCENARIO; custom_host points every provider at the mock.
set -euo pipefail

VERSION=1.15.2
HTTP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONF_DIR=$HTTP_DIR/portkey
PREFIX=${TOLLGATE_TOOLS_DIR:-$HOME/.cache/tollgate}/portkey-$VERSION
SERVER=$PREFIX/node_modules/@portkey-ai/gateway/build/start-server.js
MARKER=$PREFIX/installed
SCENARIOS=(openai bedrock stream guard)

die() { echo "portkey.sh: $*" >&2; exit 1; }

lock_sum() { cat "$CONF_DIR/package.json" "$CONF_DIR/package-lock.json" | sha256sum | cut -d' ' -f1; }

check_node() {
  command -v node > /dev/null && command -v npm > /dev/null || die "needs Node.js 20 and npm on PATH"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
    || die "needs Node.js 18 or later (found $(node --version))"
}

install() {
  check_node
  if [[ -f $MARKER && $(cat "$MARKER") == "$(lock_sum)" ]]; then
    echo "Portkey gateway $VERSION already installed in $PREFIX"; return 0
  fi
  local start
  start=$(date +%s)
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  cp "$CONF_DIR/package.json" "$CONF_DIR/package-lock.json" "$PREFIX/"
  # npm ci installs exactly the lockfile (integrity-checked). --ignore-scripts: the package's only
  # install script is patch-package, and the published package ships no patches.
  (cd "$PREFIX" && npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error) \
    || die "npm ci failed in $PREFIX (npm registry reachable?)"
  [[ -f $SERVER ]] || die "npm ci did not install $SERVER"
  lock_sum > "$MARKER"
  echo "Portkey gateway $VERSION installed in $PREFIX in $(( $(date +%s) - start )) s ($(du -sh "$PREFIX" | cut -f1))"
}

# The x-portkey-config header of one scenario (a single line of JSON).
config_json() {
  local mock="http://127.0.0.1:$MOCK_PORT"
  case $1 in
    openai|stream)
      printf '{"provider":"openai","api_key":"sk-bench-upstream","custom_host":"%s/v1"}' "$mock" ;;
    bedrock)
      # custom_host replaces the bedrock-runtime.<region>.amazonaws.com base URL (the gateway's
      # getFullURL takes custom_host first for every provider); the request is still SigV4-signed.
      printf '{"provider":"bedrock","aws_access_key_id":"AKIDBENCH","aws_secret_access_key":"benchsecretbenchsecret","aws_region":"us-east-1","custom_host":"%s","override_params":{"model":"amazon.nova-micro-v1:0"}}' "$mock" ;;
    guard)
      # default.regexMatch is one of the gateway's bundled plugins and runs in-process. verdict =
      # "the pattern did not match" (not: true); deny: true turns a false verdict into a 446 refusal.
      # JavaScript's RegExp has no inline (?i); the pattern has no letters, so dropping it changes nothing.
      printf '{"provider":"openai","api_key":"sk-bench-upstream","custom_host":"%s/v1","override_params":{"model":"gpt-4o-mini"},"input_guardrails":[{"default.regexMatch":{"rule":"\\\\b\\\\d{3}-\\\\d{2}-\\\\d{4}\\\\b","not":true},"deny":true}]}' "$mock" ;;
  esac
}

openai_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" \
    -H "x-portkey-config: $(config_json openai)" -H 'content-type: application/json' \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64}' || true
}

start() {
  local dir=$1
  [[ -f $MARKER ]] || die "the Portkey gateway $VERSION is not installed: run bench/http/setups/portkey.sh install first"
  : "${MOCK_PORT:?portkey.sh: set MOCK_PORT}" "${LISTEN_PORT:?portkey.sh: set LISTEN_PORT}"
  check_node
  mkdir -p "$dir"
  rm -f "$dir"/pids "$dir"/startup_ms "$dir"/scenarios "$dir"/na.* "$dir"/headers.*

  local -a cmd=(node "$SERVER" "--port=$LISTEN_PORT" --headless)
  [[ -n ${GATEWAY_CPUS:-} ]] && cmd=(taskset -c "$GATEWAY_CPUS" "${cmd[@]}")

  local t0 pid
  t0=$(date +%s%N)
  # setsid and taskset exec: $! is the node process itself.
  NODE_ENV=production setsid "${cmd[@]}" > "$dir/portkey.log" 2>&1 < /dev/null &
  pid=$!
  echo "processor $pid" > "$dir/pids"

  local status deadline=$(( $(date +%s) + 60 ))
  while :; do
    status=$(openai_status)
    [[ $status == 200 ]] && break
    if ! kill -0 "$pid" 2> /dev/null; then
      tail -n 20 "$dir/portkey.log" >&2
      die "the Portkey gateway exited during start-up (log: $dir/portkey.log)"
    fi
    if (( $(date +%s) > deadline )); then
      stop "$dir"
      die "the Portkey gateway did not answer the openai scenario with 200 within 60 s (last status $status, log: $dir/portkey.log)"
    fi
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$dir/startup_ms"

  printf '%s\n' "${SCENARIOS[@]}" > "$dir/scenarios"
  local s
  for s in "${SCENARIOS[@]}"; do echo "x-portkey-config: $(config_json "$s")" > "$dir/headers.$s"; done
}

ours() { grep -qaF "$SERVER" "/proc/$1/cmdline" 2> /dev/null; }  # still this gateway (not a reused PID)

stop() {
  local dir=$1 role pid waited=0
  [[ -f $dir/pids ]] || return 0
  read -r role pid < "$dir/pids"
  ours "$pid" || return 0
  kill -TERM "$pid" 2> /dev/null || true
  while ours "$pid" && (( waited < 100 )); do sleep 0.1; waited=$(( waited + 1 )); done
  if ours "$pid"; then kill -KILL "$pid" 2> /dev/null; sleep 0.2; fi
}

case ${1:-} in
  install) install ;;
  start) [[ -n ${2:-} ]] || die "usage: portkey.sh start DIR"; start "$2" ;;
  stop) [[ -n ${2:-} ]] || die "usage: portkey.sh stop DIR"; stop "$2" ;;
  *) die "usage: portkey.sh install | start DIR | stop DIR" ;;
esac
