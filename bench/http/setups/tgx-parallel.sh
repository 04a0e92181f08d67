#!/usr/bin/env bash
# A JVM-option variant of tollgate-tcp (bench/RESULTS.md, "JVM options for run"): TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseParallelGC"
TOLLGATE_JAVA_OPTS="-Xms64m -XX:+UseParallelGC" exec "$(dirname "$0")/tollgate-tcp.sh" "$@"
