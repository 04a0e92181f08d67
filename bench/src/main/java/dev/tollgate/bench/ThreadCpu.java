package dev.tollgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of a process's threads from {@code /proc/PID/task/TID/stat}, grouped by what the
 * thread does (its name), so that a load run can say where the server's CPU went: gRPC's
 * executor, Netty's event loops, the JIT compilers, the garbage collector, the rest.
 */
record ThreadCpu(Map<Long, Entry> threads) {
  record Entry(String group, long nanos) {
  }

  static ThreadCpu take(long pid) {
    Map<Long, Entry> threads = new HashMap<>();
    if (pid <= 0) {
      return new ThreadCpu(threads);
    }
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      tasks.forEach(task -> {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          threads.put(Long.parseLong(task.getFileName().toString()),
              new Entry(group(name), LoadRun.CpuSample.parseStat(stat)[0]));
        } catch (IOException | RuntimeException e) {
          // the thread ended while we looked
        }
      });
    } catch (IOException e) {
      // not Linux, or the process is gone: no breakdown
    }
    return new ThreadCpu(threads);
  }

  /** The group of a thread by its name as the kernel keeps it (the first 15 characters). */
  static String group(String name) {
    if (name.startsWith("grpc-default-ex") || name.startsWith("grpc-exec") || name.startsWith("tollgate-grpc")) {
      return "grpc executor";
    }
    if (name.startsWith("grpc-nio-worker") || name.startsWith("grpc-default-wo") || name.startsWith("grpc-nio-boss")
        || name.startsWith("epoll")) {
      return "netty event loop";
    }
    if (name.contains("CompilerThre")) {
      return "JIT compiler";
    }
    if (name.startsWith("G1") || name.startsWith("GC Thread") || name.startsWith("VM Thread")) {
      return "GC and VM";
    }
    return "other";
  }

  /**
   * CPU nanoseconds per group between {@code start} and this sample; threads that ended between
   * the two are not seen and their time is reported as "ended threads" ({@code totalNanos} minus
   * what the live threads account for).
   */
  Map<String, Long> since(ThreadCpu start, long totalNanos) {
    Map<String, Long> byGroup = new TreeMap<>();
    long seen = 0;
    for (Map.Entry<Long, Entry> e : threads.entrySet()) {
      Entry before = start.threads.get(e.getKey());
      long delta = e.getValue().nanos() - (before == null ? 0 : before.nanos());
      byGroup.merge(e.getValue().group(), delta, Long::sum);
      seen += delta;
    }
    if (totalNanos - seen > 0) {
      byGroup.put("ended threads", totalNanos - seen);
    }
    return byGroup;
  }
}
