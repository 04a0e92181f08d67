#!/usr/bin/env bash
# The floor: Envoy alone, routing every scenario's OpenAI request straight to the mock's
# /v1/chat/completions, the upstream key added by Envoy's own header config. No processor.
#   floor.sh install | start DIR | stop DIR   (the set-up contract: bench/RESULTS.md, "HTTP through real Envoy")
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

case "${1:-}" in
  install)
    need_tollgate
    "$TOLLGATE" install-envoy > /dev/null
    ;;
  start)
    dir=${2:?usage: floor.sh start DIR}
    need_env MOCK_PORT LISTEN_PORT PORT_BASE
    envoy=$(envoy_bin)
    mkdir -p "$dir"
    cat > "$dir/envoy.yaml" <<YAML
# the same listener settings as the bootstrap tollgate translate generates, without ext_proc
static_resources:
  listeners:
  - name: floor
    address: {socket_address: {address: 127.0.0.1, port_value: $LISTEN_PORT}}
    per_connection_buffer_limit_bytes: 52428800
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          '@type': type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: floor
          stream_idle_timeout: 600s
          route_config:
            name: floor
            virtual_hosts:
            - name: floor
              domains: ['*']
              routes:
              - match: {prefix: /}
                route: {cluster: mock, timeout: 0s, idle_timeout: 600s, host_rewrite_literal: 127.0.0.1}
                request_headers_to_add:
                - header: {key: authorization, value: Bearer sk-bench-upstream}
                  append_action: OVERWRITE_IF_EXISTS_OR_ADD
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              '@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: mock
    type: STATIC
    connect_timeout: 10s
    per_connection_buffer_limit_bytes: 52428800
    load_assignment:
      cluster_name: mock
      endpoints:
      - lb_endpoints:
        - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: $MOCK_PORT}}}
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: $PORT_BASE}}
YAML
    start=$(now_ms)
    pid=$(launch "$dir" envoy "$envoy" -c "$dir/envoy.yaml" --use-dynamic-base-id --log-level warn \
      --concurrency "${ENVOY_CONCURRENCY:-1}")
    echo "envoy $pid" > "$dir/pids"
    printf '%s\n' openai bedrock stream guard > "$dir/scenarios"
    wait_openai "$dir" "$start" "$pid"
    ;;
  stop)
    stop_pids "${2:?usage: floor.sh stop DIR}"
    ;;
  *) die "usage: floor.sh install | start DIR | stop DIR" ;;
esac
