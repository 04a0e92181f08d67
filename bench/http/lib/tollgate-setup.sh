# Envoy + Tollgate for the HTTP benchmark, Envoy reaching Tollgate over TCP or a unix socket.
# Sourced by setups/tollgate-tcp.sh and setups/tollgate-uds.sh with TRANSPORT=tcp|uds set.
#   ports: PORT_BASE Envoy admin, PORT_BASE+1 Tollgate's ext_proc (tcp), PORT_BASE+2 Tollgate's admin
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

tollgate_setup() {
  local name="tollgate-$TRANSPORT.sh"
  case "${1:-}" in
    install)
      need_tollgate
      "$TOLLGATE" install-envoy > /dev/null
      ;;
    start)
      local dir=${2:?usage: $name start DIR}
      need_env MOCK_PORT LISTEN_PORT PORT_BASE
      local envoy
      envoy=$(envoy_bin)
      mkdir -p "$dir/resources"
      sed "s/@MOCK_PORT@/$MOCK_PORT/g" "$BENCH_HTTP/tollgate/resources.yaml" > "$dir/resources/resources.yaml"
      local extproc=(--extproc-port $((PORT_BASE + 1))) serve=(--host 127.0.0.1 --port $((PORT_BASE + 1)))
      if [ "$TRANSPORT" = uds ]; then
        extproc=(--extproc-host "unix:$dir/tollgate.sock" --extproc-port 0)
        serve=(--host 127.0.0.1 --port 0 --uds "$dir/tollgate.sock")
      fi
      # no access log (the floor has none either) unless ACCESS_LOG names a file (the soak's);
      # everything else as translate generates it
      "$TOLLGATE" translate "$dir/resources" --listener-address 127.0.0.1 --listener-port "$LISTEN_PORT" \
        --admin-port "$PORT_BASE" "${extproc[@]}" --access-log "${ACCESS_LOG:-}" > "$dir/translated.yaml" 2> "$dir/translate.log" \
        || die "tollgate translate failed: $(cat "$dir/translate.log")"
      awk 'BEGIN{d=0} /^---$/{d++; next} d==0{print > "'"$dir/gateway.yaml"'"} d==1{print > "'"$dir/envoy.yaml"'"}' \
        "$dir/translated.yaml"
      local start tpid epid i
      start=$(now_ms)
      tpid=$(AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=benchsecretbenchsecret AWS_REGION=us-east-1 \
        launch "$dir" tollgate "$TOLLGATE" run --config "$dir/gateway.yaml" "${serve[@]}" \
        --admin-port $((PORT_BASE + 2)) --reload-interval PT0S --drain-time PT0S)
      echo "processor $tpid" > "$dir/pids"
      for i in $(seq 3000); do
        grep -q "ext_proc listening" "$dir/tollgate.log" 2>/dev/null && break
        kill -0 "$tpid" 2>/dev/null || die "Tollgate exited: $(tail -5 "$dir/tollgate.log")"
        sleep 0.02
      done
      echo $(( $(now_ms) - start )) > "$dir/processor_ready_ms"  # the JVM alone, to "ext_proc listening"
      epid=$(launch "$dir" envoy "$envoy" -c "$dir/envoy.yaml" --use-dynamic-base-id --log-level warn \
        --concurrency "${ENVOY_CONCURRENCY:-1}")
      echo "envoy $epid" >> "$dir/pids"
      printf '%s\n' openai bedrock stream guard > "$dir/scenarios"
      wait_openai "$dir" "$start" "$tpid" "$epid"
      ;;
    stop)
      stop_pids "${2:?usage: $name stop DIR}"
      ;;
    *) die "usage: $name install | start DIR | stop DIR" ;;
  esac
}
