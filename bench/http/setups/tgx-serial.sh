#!/usr/bin/env bash
# A JVM-option variant of tollgate-tcp (bench/RESULTS.md, "JVM options for run"): TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseSerialGC"
TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseSerialGC" exec "$(dirname "$0")/tollgate-tcp.sh" "$@"
