package dev.tollgate.bench.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The series table: medians over rounds, and ratios taken round by round. */
class SeriesReportTest {
  @TempDir
  Path dir;

  private void result(String scenario, int round, String setup, String... lines) throws Exception {
    Path d = Files.createDirectories(dir.resolve("raw/" + scenario + "/round-" + round + "/" + setup));
    Files.write(d.resolve("result.txt"), List.of(lines));
  }

  @Test
  void mediansSpreadsAndPairedRatios() throws Exception {
    for (int r = 1; r <= 3; r++) {
      result("openai", r, "floor", "achieved_rate=500", "errors=0", "shed=0", "p50_us=" + (1000 * r), "p99_us=2000",
          "p999_us=3000", "cpu_us_per_req_envoy=100", "hwm_kib_envoy=10240", "startup_ms=100", "mock_rejected=0");
      result("openai", r, "tollgate-tcp", "achieved_rate=500", "errors=0", "shed=0", "p50_us=" + (1000 * r + 500),
          "p99_us=4000", "p999_us=6000", "cpu_us_per_req_envoy=120", "cpu_us_per_req_processor=" + (100 + 10 * r),
          "hwm_kib_envoy=10240", "hwm_kib_processor=20480", "startup_ms=1000", "mock_rejected=0");
    }
    Path na = Files.createDirectories(dir.resolve("raw/guard/round-1/litellm"));
    Files.writeString(na.resolve("na"), "no regex guards\n");
    String md = SeriesReport.report(dir);
    // p50 of the floor: 1, 2, 3 ms; added p50 of tollgate: 0.5 ms every round
    assertThat(md).contains("| floor | 3 | 500 (500–500) | 2.00 (1.00–3.00) |");
    assertThat(md).contains("| 0.50 (0.50–0.50) | 2.00 (2.00–2.00) | 3.00 (3.00–3.00) | 120 (120–120) | 120 (110–130) | 10 (10–10) | 20 (20–20) | 1000 (1000–1000) | 0 |");
    // CPU total per round: (120 + 110..130) / 100
    assertThat(md).contains("| 2.40× (2.30×–2.50×) |");
    assertThat(md).contains("| 3.00× (3.00×–3.00×) | 10.00× (10.00×–10.00×) |"); // RSS 30/10 MiB, start-up 1000/100
    assertThat(md).contains("litellm: not applicable (no regex guards)");
  }

  @Test
  void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
    assertThat(SeriesReport.Summary.of(List.of(4.0, 1.0, 3.0, 2.0, Double.NaN)).median()).isEqualTo(2.5);
    assertThat(SeriesReport.Summary.of(List.of()).format("%.1f")).isEqualTo("–");
  }
}
