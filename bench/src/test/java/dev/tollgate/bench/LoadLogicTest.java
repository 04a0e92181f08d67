package dev.tollgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The load tool's own logic: schedule, CPU accounting, the scenarios' message sequences. */
class LoadLogicTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void scheduleRampsDuringWarmupThenHoldsTheRate() {
    assertThat(Schedule.gapNanos(1000, 0, 10 * SECOND)).isEqualTo(10_000_000L); // 10% of 1000/s
    assertThat(Schedule.gapNanos(1000, 5 * SECOND, 10 * SECOND)).isEqualTo(Math.round(1e9 / 550));
    assertThat(Schedule.gapNanos(1000, 10 * SECOND, 10 * SECOND)).isEqualTo(1_000_000L);
    assertThat(Schedule.gapNanos(5000, 0, 0)).isEqualTo(200_000L);
    assertThat(Schedule.gapNanos(1e12, 0, 0)).isEqualTo(1L);
  }

  @Test
  void procStatGivesUserPlusSystemTime() {
    // the command name may hold spaces and parentheses; utime=250 and stime=50 ticks
    String stat = "4242 (java (bench) x) S 1 4242 4242 0 -1 4194304 1000 0 0 0 250 50 0 0 20 0 40 0 123 456 789";
    assertThat(LoadRun.CpuSample.parseStat(stat)).containsExactly(300 * 10_000_000L, 50 * 10_000_000L);
  }

  @Test
  void scenariosFollowEnvoysOrderAndTheBaselineAnswersEachMessageInKind() {
    for (String name : Scenario.NAMES) {
      Scenario s = Scenario.of(name, 5, false);
      assertThat(s.steps().get(0).request().hasRequestHeaders()).isTrue();
      assertThat(s.steps().get(1).request().hasRequestBody()).isTrue();
      assertThat(s.steps().get(1).request().getRequestBody().getEndOfStream()).isTrue();
      assertThat(s.steps().get(2).request().hasResponseHeaders()).isTrue();
      assertThat(s.steps().get(s.steps().size() - 1).request().getResponseBody().getEndOfStream()).isTrue();
      for (Scenario.Step step : s.steps()) {
        ProcessingResponse r = NoopExtProcServer.answer(step.request());
        assertThat(r.getResponseCase()).isEqualTo(step.expected());
        assertThat(step.check().test(r)).isTrue();
      }
    }
    assertThat(Scenario.of("passthrough", 5, true).responseBodyMessages()).isEqualTo(1);
    assertThat(Scenario.of("passthrough-stream", 5, true).responseBodyMessages()).isEqualTo(6); // 5 + usage/[DONE]
    assertThat(Scenario.of("bedrock-stream", 5, true).responseBodyMessages()).isEqualTo(9); // start, 5, stops, metadata
  }

  @Test
  void verifyingScenariosRejectABareContinue() {
    Scenario s = Scenario.of("bedrock", 0, true);
    Scenario.Step body = s.steps().get(1);
    assertThat(body.check().test(NoopExtProcServer.answer(body.request()))).isFalse();
    Scenario.Step last = s.steps().get(s.steps().size() - 1);
    assertThat(last.check().test(NoopExtProcServer.answer(last.request()))).isFalse();
  }
}
