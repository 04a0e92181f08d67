#!/usr/bin/env python3
"""Summarizes a JFR recording's CPU samples: top leaf frames, and the share of samples whose stack
passes through each area (Tollgate core/plugins, AWS SDK, Jackson, gRPC/Netty, protobuf, GC-free JDK).

    jfr print --events jdk.ExecutionSample rec.jfr > samples.txt; bench/jfr-top.py samples.txt
"""
import collections, re, sys

AREAS = [
    ("tollgate ext_proc service", "dev.tollgate.extproc."),
    ("tollgate core pipeline", "dev.tollgate.core."),
    ("tollgate plugins", "dev.tollgate.plugins."),
    ("AWS SDK (SigV4, event stream)", "software.amazon."),
    ("Jackson", "com.fasterxml.jackson."),
    ("protobuf", "com.google.protobuf."),
    ("gRPC", "io.grpc."),
    ("Netty (shaded)", "io.grpc.netty.shaded.io.netty."),
    ("micrometer", "io.micrometer."),
    ("logging", "ch.qos.logback."),
]

def samples(path):
    stack, inside = [], False
    for line in open(path, encoding="utf-8", errors="replace"):
        s = line.strip()
        if s.startswith("stackTrace = ["):
            stack, inside = [], True
        elif inside and s == "]":
            inside = False
            yield stack
        elif inside and s and s != "...":
            stack.append(re.sub(r"\s+line:.*$", "", s))

leaf = collections.Counter(); area = collections.Counter(); total = 0
for st in samples(sys.argv[1]):
    total += 1
    if st:
        leaf[st[0]] += 1
    seen = set()
    for name, prefix in AREAS:
        if any(f.startswith(prefix) for f in st):
            seen.add(name)
    for name in seen:
        area[name] += 1
print(f"{total} CPU samples")
print("share of samples whose stack passes through:")
for name, n in area.most_common():
    print(f"  {100.0 * n / total:5.1f}%  {name}")
print("top leaf frames:")
for f, n in leaf.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 15):
    print(f"  {100.0 * n / total:5.1f}%  {f}")
