package dev.tollgate.bench.http;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and memory of a process from Linux's /proc. */
final class ProcStat {
  private ProcStat() {
  }

  /** utime + stime of the process (all its threads, not its children) in nanoseconds; -1 when it is gone. */
  static long cpuNanos(long pid) {
    try {
      return parseCpuNanos(Files.readString(Path.of("/proc/" + pid + "/stat")));
    } catch (IOException e) {
      return -1;
    }
  }

  /** Fields 14 and 15 of a /proc/PID/stat line, at USER_HZ 100 (Linux's fixed value for /proc). */
  static long parseCpuNanos(String stat) {
    // the command name (field 2) is in parentheses and may hold spaces: count from the last ')'
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
  }

  /** {VmHWM, VmRSS} in KiB from /proc/PID/status; {-1, -1} when the process is gone. */
  static long[] memoryKib(long pid) {
    try {
      return parseMemoryKib(Files.readString(Path.of("/proc/" + pid + "/status")));
    } catch (IOException e) {
      return new long[] {-1, -1};
    }
  }

  static long[] parseMemoryKib(String status) {
    long hwm = -1;
    long rss = -1;
    for (String line : status.split("\n")) {
      if (line.startsWith("VmHWM:")) {
        hwm = kib(line);
      } else if (line.startsWith("VmRSS:")) {
        rss = kib(line);
      }
    }
    return new long[] {hwm, rss};
  }

  private static long kib(String line) {
    return Long.parseLong(line.substring(line.indexOf(':') + 1).replace("kB", "").trim());
  }
}
