#!/usr/bin/env bash
# Runs the JMH benchmarks (ExchangeBenchmarks) in process, without gRPC. Builds nothing: run
# `./mvnw -q -o install -pl bench -DskipTests` first. Arguments go to JMH, e.g.
#   bench/run-jmh.sh                          # all, default iterations (3x2 s warm-up, 5x2 s measured, 1 fork)
#   bench/run-jmh.sh -wi 2 -w 1 -i 3 -r 1     # short
#   bench/run-jmh.sh 'bedrock.*' -p chunks=64 # a subset
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ -f "$here/target/jmh.classpath" ] || { echo "run-jmh: $here/target/jmh.classpath missing; build bench first" >&2; exit 2; }
cd "$here"
exec java -cp "$here/target/classes:$(cat "$here/target/jmh.classpath")" org.openjdk.jmh.Main "$@"
