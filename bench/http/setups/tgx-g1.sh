#!/usr/bin/env bash
# A JVM-option variant of tollgate-tcp (bench/RESULTS.md, "JVM options for run"): TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseG1GC"
TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseG1GC" exec "$(dirname "$0")/tollgate-tcp.sh" "$@"
