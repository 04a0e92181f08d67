package dev.tollgate.bench.soak;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.bench.http.MockProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The soak's mixed open-loop load against the benchmark's mock on loopback (no gateway: only the
 * kinds the mock answers as a gateway would, OpenAI whole and streamed), and its bookkeeping.
 */
class SoakRunTest {
  private static final String OPENAI = "{\"model\":\"gpt-4o-mini\",\"messages\":[]}";
  private static final String STREAM = "{\"model\":\"gpt-4o-mini\",\"messages\":[],\"stream\":true,"
      + "\"stream_options\":{\"include_usage\":true}}";

  /** The request as the mock wants it, with its upstream key (a gateway adds that). */
  private static byte[] request(int port, String body) {
    return ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nContent-Type: application/json\r\n"
        + "Authorization: Bearer sk-bench-upstream\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  private static SoakRun run(int port, String mix, double rate, Duration duration) throws InterruptedException {
    Map<SoakKind, byte[]> requests = new EnumMap<>(SoakKind.class);
    for (SoakKind k : SoakKind.values()) {
      requests.put(k, request(port, k == SoakKind.STREAM ? STREAM : OPENAI));
    }
    SoakRun run = new SoakRun(new SoakRun.Config("127.0.0.1", port, requests, SoakLoad.mix(mix), rate, Duration.ZERO,
        duration, 8, Duration.ofSeconds(5)));
    run.run();
    return run;
  }

  @Test
  void theKindsOfTheMixTakeTheirTurnsAndEveryAnswerIsJudgedByItsKind() throws Exception {
    try (MockProvider mock = new MockProvider("127.0.0.1", 0, 1)) {
      SoakRun run = run(mock.port(), "openai:1,stream:1", 200, Duration.ofMillis(500));
      try {
        SoakRun.Snapshot s = run.snapshot();
        assertThat(s.started()).isEqualTo(100);
        assertThat(s.byKind().get(SoakKind.OPENAI)).containsExactly(50, 0);
        assertThat(s.byKind().get(SoakKind.STREAM)).containsExactly(50, 0);
        assertThat(s.inFlight()).isZero();
        assertThat(run.failures()).isEmpty();
        assertThat(mock.answers().stats()).contains("\"/v1/chat/completions\":50", "\"/v1/chat/completions stream\":50");
      } finally {
        run.close();
      }
    }
  }

  @Test
  void aWrongAnswerIsKeptWithItsKindWhatTheClientSawAndItsConnection() throws Exception {
    try (MockProvider mock = new MockProvider("127.0.0.1", 0, 1)) {
      // the mock answers the guarded prompt with a completion, where the guard would refuse it
      SoakRun run = run(mock.port(), "openai:1,guard-blocked:1", 100, Duration.ofMillis(200));
      try {
        assertThat(run.snapshot().byKind().get(SoakKind.OPENAI)).containsExactly(10, 0);
        List<SoakRun.Failure> failures = run.failures();
        assertThat(failures).hasSize(10).allSatisfy(f -> {
          assertThat(f.kind()).isEqualTo(SoakKind.GUARD_BLOCKED);
          assertThat(f.what()).startsWith("not the guard's refusal: status 200: {");
          assertThat(f.connection()).isPositive();
          assertThat(f.nth()).isPositive();
        });
        assertThat(run.failureCauses()).containsOnlyKeys(
            "guard-blocked: " + SoakRun.cause(failures.get(0).what()));
      } finally {
        run.close();
      }
    }
  }

  @Test
  void theMixSpreadsEachKindOverItsTurns() {
    assertThat(SoakLoad.mix("openai:2,stream:1")).containsExactly(SoakKind.OPENAI, SoakKind.STREAM, SoakKind.OPENAI);
    List<SoakKind> slots = SoakLoad.mix(SoakLoad.DEFAULT_MIX);
    assertThat(slots).hasSize(10);
    assertThat(slots.stream().filter(k -> k == SoakKind.GUARD_BLOCKED)).hasSize(1);
    assertThat(slots.stream().filter(k -> k == SoakKind.BEDROCK_STREAM)).hasSize(2);
    for (int i = 1; i < slots.size(); i++) {
      assertThat(slots.get(i)).as("slot %d", i).isNotEqualTo(slots.get(i - 1));
    }
  }

  @Test
  void onlyTheGuardsOwnRefusalIsTheRightAnswerToTheGuardedPrompt() {
    String refusal = "{\"error\":{\"message\":\"the prompt holds a social security number\",\"type\":"
        + "\"invalid_request_error\",\"param\":null,\"code\":\"400\"}}";
    assertThat(SoakKind.GUARD_BLOCKED.problem(400, "application/json", refusal)).isNull();
    assertThat(SoakKind.GUARD_BLOCKED.problem(400, "application/json", "{\"error\":{\"message\":\"no body\"}}"))
        .startsWith("not the guard's refusal: status 400");
    assertThat(SoakKind.GUARD_BLOCKED.problem(500, "application/json", refusal)).startsWith("not the guard's refusal");
    assertThat(SoakKind.GUARD.problem(400, "application/json", refusal)).startsWith("status 400");
  }

  @Test
  void causesLeaveOutWhatVariesFromOneFailureToTheNext() {
    assertThat(SoakRun.cause("status 500: {\"id\":\"chatcmpl-1\",\"created\":17}"))
        .isEqualTo(SoakRun.cause("status 500: {\"id\":\"chatcmpl-2\",\"created\":18}"));
  }
}
