#!/usr/bin/env bash
# The ext_proc-level ratios in one interleaved series: for each round and scenario, Tollgate and the
# no-op server (noop-direct: the same transport, answered on the transport thread) back to back,
# the order alternating per round, then CPU per exchange of Tollgate over the no-op server's, per
# round, and the median with its min–max. Builds nothing (see run-load.sh).
#
#   bench/run-ratio-series.sh OUT_DIR [ROUNDS] [RATE] [SECONDS]     (defaults 5, 5000, 20)
#   env: SCENARIOS (default "passthrough bedrock"), WARMUP (default 20), SERVER_CPUS / TOOL_CPUS
#        (default 1 / 0: the server on one core, the load tool on the other)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?output folder}"; rounds="${2:-5}"; rate="${3:-5000}"; seconds="${4:-20}"
scenarios="${SCENARIOS:-passthrough bedrock}"
export WARMUP="${WARMUP:-20}" SERVER_CPUS="${SERVER_CPUS:-1}" TOOL_CPUS="${TOOL_CPUS:-0}"
mkdir -p "$out"
results="$out/results.txt"
: > "$results"
for round in $(seq "$rounds"); do
  for scenario in $scenarios; do
    if [ $((round % 2)) = 1 ]; then order="tollgate noop-direct"; else order="noop-direct tollgate"; fi
    for server in $order; do
      log="$out/$server-$scenario-$round.log"
      "$here/run-load.sh" "$server" "$scenario" "$rate" "$seconds" > "$log" 2>&1 || true
      line="$(grep '^RESULT ' "$log" || echo "RESULT label=$server/$scenario@$rate failed=1")"
      echo "round=$round server=$server $line" >> "$results"
      echo "round $round $scenario $server: $(grep -o 'server_cpu_us_per_req=[0-9.]*\|errors=[0-9]*\|achieved=[0-9.]*' <<< "$line" | tr '\n' ' ')"
    done
  done
done
# per round and scenario: Tollgate's CPU per exchange over the no-op server's
awk '
  { r=""; s=""; sc=""; cpu=""; err=""; ach=""
    for (i = 1; i <= NF; i++) { split($i, kv, "=")
      if (kv[1] == "round") r = kv[2]; else if (kv[1] == "server") s = kv[2]
      else if (kv[1] == "scenario") sc = kv[2]; else if (kv[1] == "server_cpu_us_per_req") cpu = kv[2]
      else if (kv[1] == "errors") err = kv[2]; else if (kv[1] == "achieved") ach = kv[2] }
    if (cpu != "") { c[sc, r, s] = cpu; e[sc, r, s] = err; a[sc, r, s] = ach; seen[sc] = 1; if (r > R) R = r } }
  END {
    print "| scenario | round | Tollgate µs/exchange | no-op µs/exchange | ratio | achieved/s (Tollgate, no-op) | errors |"
    print "|---|---|---|---|---|---|---|"
    for (sc in seen) { n = 0
      for (r = 1; r <= R; r++) if ((sc, r, "tollgate") in c && (sc, r, "noop-direct") in c) {
        q = c[sc, r, "tollgate"] / c[sc, r, "noop-direct"]; v[++n] = q
        printf "| %s | %d | %s | %s | %.2f | %s, %s | %s, %s |\n", sc, r, c[sc, r, "tollgate"], c[sc, r, "noop-direct"], q,
          a[sc, r, "tollgate"], a[sc, r, "noop-direct"], e[sc, r, "tollgate"], e[sc, r, "noop-direct"] }
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      if (n > 0) med[sc] = sprintf("%.2f (%.2f–%.2f, %d pairs)", (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), v[1], v[n], n) }
    print ""
    for (sc in med) printf "**%s**: Tollgate / no-op CPU per exchange, median %s\n\n", sc, med[sc] }
' "$results" | tee "$out/summary.md"
