#!/usr/bin/env python3
"""Generate an Envoy 1.40 bootstrap for the experiments. Usage: gen.py OUT.yaml [key=value ...]"""
import sys, json
opt = dict(a.split("=", 1) for a in sys.argv[2:])
def o(k, d): return opt.get(k, d)
ATTRS = ["request.path", "request.id", "request.headers", "xds.upstream_host_metadata", "xds.cluster_metadata", "xds.cluster_name",
         "xds.route_name", "xds.route_metadata", "xds.upstream_host_locality_metadata", "upstream.address", "upstream.port",
         "upstream.request_attempt_count", "upstream.transport_failure_reason", "xds.node"]
if "attrs" in opt: ATTRS = [x for x in opt["attrs"].split(",") if x]
def mode(prefix, dflt):
    m = dict(request_header_mode="SEND", response_header_mode="SEND", request_body_mode="NONE", response_body_mode="NONE",
             request_trailer_mode="SKIP", response_trailer_mode="SKIP")
    m.update(dflt)
    for k in list(m):
        if f"{prefix}.{k}" in opt: m[k] = opt[f"{prefix}.{k}"]
    return m
def h2cluster(name, ports):
    return {"name": name, "type": "STATIC", "connect_timeout": "1s", "lb_policy": o("grpc_lb", "ROUND_ROBIN"),
            "load_assignment": {"cluster_name": name, "endpoints": [{"lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": p}}}} for p in ports]}]},
            "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions", "explicit_http_config": {"http2_protocol_options": {}}}}}
up_extproc = {
    "name": "envoy.filters.http.ext_proc",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
        "grpc_service": {"envoy_grpc": {"cluster_name": "extproc_u"}},
        "processing_mode": mode("u", dict(request_body_mode=o("u_body", "BUFFERED"))),
        "request_attributes": ATTRS, "message_timeout": "5s", "allow_mode_override": True,
        "metadata_options": {"receiving_namespaces": {"untyped": ["tollgate.upstream"]}, "forwarding_namespaces": {"untyped": ["tollgate.router", "envoy.lb"]}}}}
if o("u_allow_routing", "1") == "1": up_extproc["typed_config"]["mutation_rules"] = {"allow_all_routing": True}
if o("u_failure_mode_allow", "0") == "1": up_extproc["typed_config"]["failure_mode_allow"] = True
def rule_cluster(name, p0, p1):
    c = {"name": name, "type": "STATIC", "connect_timeout": "0.5s", "lb_policy": "ROUND_ROBIN",
         "metadata": {"filter_metadata": {"tollgate": {"rule": name}}},
         "load_assignment": {"cluster_name": name, "endpoints": [
             {"priority": 0, "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": p0}}},
                                              "metadata": {"filter_metadata": {"tollgate": {"backend": "primary"}}}}]},
             {"priority": 1, "lb_endpoints": [{"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": p1}}},
                                              "metadata": {"filter_metadata": {"tollgate": {"backend": "secondary"}}}}]}]},
         "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
             "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
             "explicit_http_config": {"http_protocol_options": {}},
             "http_filters": ([up_extproc] if o("upstream_filter", "1") == "1" else []) + [
                 {"name": "envoy.filters.http.upstream_codec", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec"}}]}}}
    if o("outlier", "0") == "1": c["outlier_detection"] = {"consecutive_5xx": 1, "interval": "10s", "base_ejection_time": "30s", "max_ejection_percent": 100}
    return c
retry = {"retry_on": o("retry_on", "5xx,reset,connect-failure,retriable-status-codes"), "retriable_status_codes": [429],
         "num_retries": int(o("num_retries", "2")),
         "retry_priority": {"name": "envoy.retry_priorities.previous_priorities", "typed_config": {
             "@type": "type.googleapis.com/envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig", "update_frequency": 1}},
         "retry_host_predicate": [{"name": "envoy.retry_host_predicates.previous_hosts", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"}}],
         "host_selection_retry_max_attempts": 3,
         "retry_back_off": {"base_interval": "0.05s", "max_interval": "0.2s"},
         "rate_limited_retry_back_off": {"reset_headers": [{"name": "retry-after", "format": "SECONDS"}], "max_interval": o("rl_max", "5s")}}
if "per_try_timeout" in opt: retry["per_try_timeout"] = opt["per_try_timeout"]
if "per_try_idle_timeout" in opt: retry["per_try_idle_timeout"] = opt["per_try_idle_timeout"]
if o("no_retry", "0") == "1": retry = None
route_action = {"cluster": "rule1", "timeout": o("route_timeout", "15s")}
if retry: route_action["retry_policy"] = retry
routes = [{"name": "to-rule2", "match": {"prefix": "/", "headers": [{"name": "x-route-to", "string_match": {"exact": "rule2"}}]}, "route": {"cluster": "rule2", "timeout": "15s"}},
          {"name": "rule1-route", "match": {"prefix": "/"}, "route": route_action, "metadata": {"filter_metadata": {"tollgate": {"route": "rule1-route"}}}}]
LOG = {"status": "%RESPONSE_CODE%", "flags": "%RESPONSE_FLAGS%", "details": "%RESPONSE_CODE_DETAILS%", "upstream_host": "%UPSTREAM_HOST%",
       "attempts": "%UPSTREAM_REQUEST_ATTEMPT_COUNT%", "md_router": "%DYNAMIC_METADATA(tollgate.router)%", "md_upstream": "%DYNAMIC_METADATA(tollgate.upstream)%",
       "upstream_md": "%UPSTREAM_METADATA(tollgate:backend)%", "ufailure": "%UPSTREAM_TRANSPORT_FAILURE_REASON%", "duration": "%DURATION%", "path": "%REQ(:PATH)%"}
def alog(path, extra={}):
    f = dict(LOG); f.update(extra)
    return [{"name": "envoy.access_loggers.file", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", "path": path, "log_format": {"json_format": f}}}]
router_filters = []
if o("router_filter", "1") == "1":
    router_filters.append({"name": "envoy.filters.http.ext_proc", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor",
        "grpc_service": {"envoy_grpc": {"cluster_name": "extproc_r"}},
        "processing_mode": mode("r", dict(request_body_mode=o("r_body", "BUFFERED"), response_body_mode=o("r_resp_body", "NONE"))),
        "message_timeout": "5s", "allow_mode_override": True, "mutation_rules": {"allow_all_routing": True},
        "metadata_options": {"receiving_namespaces": {"untyped": ["tollgate.router"]}, "forwarding_namespaces": {"untyped": ["tollgate.upstream", "tollgate.router"]}}}})
router_filters.append({"name": "envoy.filters.http.router", "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
    "upstream_log": alog(o("ulog", "/tmp/tg-ulog.jsonl"), {"kind": "upstream_log"})}})
cfg = {"admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 19901}}},
  "static_resources": {
    "listeners": [{"name": "l", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 10000}},
      "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "t", "access_log": alog(o("alog", "/tmp/tg-alog.jsonl"), {"kind": "access_log"}),
        "route_config": {"name": "rc", "virtual_hosts": [{"name": "vh", "domains": ["*"], "routes": routes}]},
        "http_filters": router_filters}}]}]}],
    "clusters": [h2cluster("extproc_r", [50051]), h2cluster("extproc_u", [int(p) for p in o("u_ports", "50052").split(",")]),
                 rule_cluster("rule1", int(o("p0", "18001")), int(o("p1", "18002"))), rule_cluster("rule2", 18003, 18002)]}}
json.dump(cfg, open(sys.argv[1], "w"), indent=1)
