package dev.tollgate.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The soak report's arithmetic and its reading of /proc and of Envoy's access log. */
class SoakReportTest {
  @TempDir
  Path dir;

  @Test
  void slopeIsTheLeastSquaresLine() {
    assertThat(SoakReport.slope(new double[] {0, 30, 60, 90}, new double[] {100, 103, 106, 109})).isCloseTo(0.1, within(1e-9));
    assertThat(SoakReport.slope(new double[] {0, 30, 60}, new double[] {5, 9, 5})).isCloseTo(0, within(1e-9));
  }

  @Test
  void procStatusFieldsAreReadByName() {
    String status = "Name:\tjava\nVmHWM:\t  250000 kB\nVmRSS:\t  240000 kB\nThreads:\t29\n";
    assertThat(SoakSampler.statusField(status, "VmRSS:")).isEqualTo(240000);
    assertThat(SoakSampler.statusField(status, "Threads:")).isEqualTo(29);
    assertThat(SoakSampler.statusField(status, "VmSwap:")).isEqualTo(-1);
  }

  @Test
  void accessLogLinesAreCountedByOutcomeAndTheUnusualOnesShown() throws Exception {
    Path log = dir.resolve("access.log");
    Files.write(log, List.of(
        "{\"start_time\":\"2026-12-02T00:00:01.000Z\",\"status\":500,\"response_flags\":\"-\",\"details\":\"before_the_soak\"}",
        "{\"start_time\":\"2026-12-02T00:10:00.000Z\",\"status\":200,\"response_flags\":\"-\",\"details\":\"via_upstream\"}",
        "{\"start_time\":\"2026-12-02T00:10:01.000Z\",\"status\":200,\"response_flags\":\"-\",\"details\":\"via_upstream\"}",
        "{\"start_time\":\"2026-12-02T00:10:02.000Z\",\"status\":0,\"response_flags\":\"DC\","
            + "\"details\":\"downstream_remote_disconnect\"}"));
    String s = SoakReport.accessLogSummary(log, "2026-12-02T00:05:00");
    assertThat(s).contains("3 lines of requests started from 2026-12-02T00:05:00 (1 earlier ones")
        .contains("- 2 × status 200, flags -, details via_upstream")
        .contains("- 1 × status 0, flags DC, details downstream_remote_disconnect")
        .contains("1 lines with another status than 200/400 or a response flag")
        .contains("\"response_flags\":\"DC\"")
        .doesNotContain("before_the_soak");
  }
}
