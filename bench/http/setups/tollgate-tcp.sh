#!/usr/bin/env bash
# Envoy + Tollgate (bin/tollgate run), Envoy reaching Tollgate's ext_proc over TCP on loopback; the
# configuration is what `tollgate translate` makes of bench/http/tollgate/resources.yaml.
#   tollgate-tcp.sh install | start DIR | stop DIR   (the set-up contract: bench/RESULTS.md, "HTTP through real Envoy")
set -euo pipefail
TRANSPORT=tcp
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tollgate-setup.sh"
tollgate_setup "$@"
