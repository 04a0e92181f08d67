#!/usr/bin/env bash
# Envoy + Tollgate (bin/tollgate run), Envoy reaching Tollgate's ext_proc over a unix socket; the
# configuration is what `tollgate translate` makes of bench/http/tollgate/resources.yaml.
#   tollgate-uds.sh install | start DIR | stop DIR   (the set-up contract: bench/RESULTS.md, "HTTP through real Envoy")
set -euo pipefail
TRANSPORT=uds
. "$(dirname "${BASH_SOURCE[0]}")/../lib/tollgate-setup.sh"
tollgate_setup "$@"
