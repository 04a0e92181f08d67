#!/usr/bin/env bash
# Set-up (d) of the HTTP benchmark (issue 16): the LiteLLM proxy in front of the mock provider.
#
#   litellm.sh install       venv with litellm[proxy] 1.106.12 and its hash-pinned dependencies
#                            (bench/http/litellm/requirements.txt) in $TOLLGATE_TOOLS_DIR/litellm-1.106.12
#   litellm.sh start DIR     env MOCK_PORT, LISTEN_PORT, PORT_BASE (unused), GATEWAY_CPUS (optional),
#                            LITELLM_WORKERS (optional; default: the number of CPUs the gateway may use)
#   litellm.sh stop DIR
#
# start writes, besides the contract's files, DIR/workers and DIR/all_workers_ready_ms (start to the
# moment every worker logged "Application startup complete"; startup_ms is the first 200). With more
# than one worker, DIR/pids lists uvicorn's supervisor, each worker and multiprocessing's resource
# tracker, all as "processor".
#
# The proxy runs the way LiteLLM's production docs describe for one machine: the `litellm` CLI on
# uvicorn (its default server) with --num_workers, config from bench/http/litellm/config.yaml, a
# master key, no database, no UI, no callbacks, LITELLM_LOG=ERROR. Everything it would fetch from
# the internet (model cost map, Anthropic beta headers, blog posts, policy templates, autorouter
# presets, Hugging Face files) is switched to the copy shipped in the package.
set -euo pipefail

VERSION=1.106.12
HTTP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONF_DIR=$HTTP_DIR/litellm
PREFIX=${TOLLGATE_TOOLS_DIR:-$HOME/.cache/tollgate}/litellm-$VERSION
VENV=$PREFIX/venv
MARKER=$PREFIX/installed
SCENARIOS=(openai bedrock stream guard)
CLIENT_KEY=sk-bench-client

die() { echo "litellm.sh: $*" >&2; exit 1; }

requirements_sum() { sha256sum "$CONF_DIR/requirements.txt" | cut -d' ' -f1; }

find_python() {
  local py
  for py in python3.11 python3; do
    if command -v "$py" > /dev/null && "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2> /dev/null; then
      command -v "$py"; return 0
    fi
  done
  return 1
}

install() {
  if [[ -f $MARKER && $(cat "$MARKER") == "$(requirements_sum)" ]]; then
    echo "LiteLLM $VERSION already installed in $PREFIX"; return 0
  fi
  local py start
  py=$(find_python) || die "needs CPython 3.11 (python3.11 or python3 on PATH): the hash pins are for its wheels"
  start=$(date +%s)
  rm -rf "$PREFIX"
  mkdir -p "$PREFIX"
  "$py" -m venv "$VENV"
  # --no-deps with the complete pinned set: pip resolves nothing, so the same files install every time.
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
    -r "$CONF_DIR/requirements.txt" || die "pip could not install bench/http/litellm/requirements.txt (PyPI reachable?)"
  "$VENV/bin/pip" check > /dev/null || die "pip check failed in $VENV: requirements.txt is missing a dependency"
  "$VENV/bin/litellm" --version > /dev/null 2>&1 || die "$VENV/bin/litellm does not run"
  requirements_sum > "$MARKER"
  echo "LiteLLM $VERSION installed in $PREFIX in $(( $(date +%s) - start )) s ($(du -sh "$PREFIX" | cut -f1))"
}

cpu_count() {  # CPUs in a taskset list such as "0", "0-1" or "0,2-3"
  local n=0 part
  IFS=, read -ra parts <<< "$1"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then n=$(( n + ${part#*-} - ${part%-*} + 1 )); else n=$(( n + 1 )); fi
  done
  echo "$n"
}

openai_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$LISTEN_PORT/v1/chat/completions" \
    -H "authorization: Bearer $CLIENT_KEY" -H 'content-type: application/json' \
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":64}' || true
}

start() {
  local dir=$1
  [[ -f $MARKER ]] || die "LiteLLM $VERSION is not installed: run bench/http/setups/litellm.sh install first"
  : "${MOCK_PORT:?litellm.sh: set MOCK_PORT}" "${LISTEN_PORT:?litellm.sh: set LISTEN_PORT}"
  mkdir -p "$dir"
  rm -f "$dir"/pids "$dir"/startup_ms "$dir"/scenarios "$dir"/na.* "$dir"/headers.*

  local cpus=${GATEWAY_CPUS:-} workers
  if [[ -n ${LITELLM_WORKERS:-} ]]; then workers=$LITELLM_WORKERS
  elif [[ -n $cpus ]]; then workers=$(cpu_count "$cpus")
  else workers=$(nproc)
  fi

  # log-config.json: uvicorn's own lifecycle lines (worker started, startup complete) at INFO, no
  # access log; LiteLLM's loggers at ERROR (LITELLM_LOG). A worker gets 30 s, not uvicorn's 5 s, to
  # answer the supervisor's health check: importing LiteLLM takes several seconds of CPU, and on a
  # busy 2-core machine a worker still starting was otherwise killed and restarted.
  local -a cmd=("$VENV/bin/litellm" --config "$CONF_DIR/config.yaml" --log_config "$CONF_DIR/log-config.json"
                --host 127.0.0.1 --port "$LISTEN_PORT" --num_workers "$workers" --timeout_worker_healthcheck 30)
  [[ -n $cpus ]] && cmd=(taskset -c "$cpus" "${cmd[@]}")

  local t0 pid
  t0=$(date +%s%N)
  # setsid execs (this shell's background child is no process-group leader), and so does taskset:
  # $! is the PID of the litellm process itself.
  env -u PYTHONPATH \
    LITELLM_MODE=PRODUCTION LITELLM_LOG=ERROR \
    LITELLM_LOCAL_MODEL_COST_MAP=True LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS=True LITELLM_LOCAL_BLOG_POSTS=True \
    LITELLM_LOCAL_POLICY_TEMPLATES=True LITELLM_LOCAL_AUTOROUTER_PRESETS=True \
    HF_HUB_OFFLINE=1 DISABLE_ADMIN_UI=True NO_DOCS=True NO_REDOC=True \
    BENCH_OPENAI_BASE="http://127.0.0.1:$MOCK_PORT/v1" BENCH_BEDROCK_ENDPOINT="http://127.0.0.1:$MOCK_PORT" \
    AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=benchsecretbenchsecret AWS_REGION=us-east-1 \
    setsid "${cmd[@]}" > "$dir/litellm.log" 2>&1 < /dev/null &
  pid=$!
  echo "processor $pid" > "$dir/pids"

  local status deadline=$(( $(date +%s) + 180 ))
  while :; do
    status=$(openai_status)
    [[ $status == 200 ]] && break
    if ! kill -0 "$pid" 2> /dev/null; then
      tail -n 20 "$dir/litellm.log" >&2
      die "the LiteLLM proxy exited during start-up (log: $dir/litellm.log)"
    fi
    if (( $(date +%s) > deadline )); then
      stop "$dir"
      die "the LiteLLM proxy did not answer the openai scenario with 200 within 180 s (last status $status, log: $dir/litellm.log)"
    fi
    sleep 0.05
  done
  echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$dir/startup_ms"

  # The first 200 comes from the first worker up; return only once every worker is serving.
  while (( $(grep -c 'Application startup complete' "$dir/litellm.log" || true) < workers )); do
    if (( $(date +%s) > deadline )); then
      stop "$dir"
      die "only $(grep -c 'Application startup complete' "$dir/litellm.log") of $workers LiteLLM workers started within 180 s (log: $dir/litellm.log)"
    fi
    sleep 0.05
  done
  echo $(( ($(date +%s%N) - t0) / 1000000 )) > "$dir/all_workers_ready_ms"

  # With more than one worker, uvicorn's supervisor ($pid) serves nothing itself: the workers (and
  # multiprocessing's resource tracker) are its children. Each is listed, so that the CPU time and
  # RSS of all of them are counted.
  local child
  for child in $(pgrep -P "$pid" || true); do
    grep -qa multiprocessing "/proc/$child/cmdline" 2> /dev/null && echo "processor $child" >> "$dir/pids"
  done

  printf '%s\n' "${SCENARIOS[@]}" > "$dir/scenarios"
  local s
  for s in "${SCENARIOS[@]}"; do echo "Authorization: Bearer $CLIENT_KEY" > "$dir/headers.$s"; done
  echo "$workers" > "$dir/workers"
}

ours() { grep -qaF "$PREFIX" "/proc/$1/cmdline" 2> /dev/null; }  # still a process of this install (not a reused PID)

stop() {
  local dir=$1 pid role waited=0
  [[ -f $dir/pids ]] || return 0
  local -a pids=()
  while read -r role pid; do ours "$pid" && pids+=("$pid"); done < "$dir/pids"
  (( ${#pids[@]} )) || return 0
  # SIGTERM to the process start launched (listed first) lets uvicorn stop its workers; the others too,
  # in case that process is gone.
  kill -TERM "${pids[@]}" 2> /dev/null || true
  while (( waited < 150 )); do
    local alive=0
    for pid in "${pids[@]}"; do ours "$pid" && alive=1; done
    (( alive )) || return 0
    sleep 0.1; waited=$(( waited + 1 ))
  done
  for pid in "${pids[@]}"; do ours "$pid" && kill -KILL "$pid" 2> /dev/null; done
  sleep 0.2
}

case ${1:-} in
  install) install ;;
  start) [[ -n ${2:-} ]] || die "usage: litellm.sh start DIR"; start "$2" ;;
  stop) [[ -n ${2:-} ]] || die "usage: litellm.sh stop DIR"; stop "$2" ;;
  *) die "usage: litellm.sh install | start DIR | stop DIR" ;;
esac
