package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request body answer: a body that goes upstream exactly as it came in one piece needs no
 * mutation (Envoy sends what it buffered); one that came in pieces, held back until the last, is
 * sent whole with its length.
 */
class RequestBodyMutationTest {
  private static final String CONFIG = """
      rules:
        - name: all
          headers: [{name: x-ai-eg-model, type: RegularExpression, value: ".*"}]
          backends: [{name: inline}]
      backends:
        - name: inline
          schema: {name: Inline}
      """;
  private static final String BODY = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  @TempDir
  Path dir;

  private static List<String> setHeaders(CommonResponse r) {
    return r.getHeaderMutation().getSetHeadersList().stream().map(HeaderValueOption::getHeader)
        .map(h -> h.getKey() + "=" + h.getRawValue().toStringUtf8()).toList();
  }

  @Test
  void aBodySentAsItCameInOnePieceHasNoMutation() throws Exception {
    try (LoopbackServer s = new LoopbackServer(dir, CONFIG, Duration.ofSeconds(10), null);
         ExtProcDriver d = new ExtProcDriver(s.channel)) {
      d.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions", "x-ai-eg-model", "m1");
      CommonResponse r = d.requestBody(BODY).getRequestBody().getResponse();

      assertThat(r.hasBodyMutation()).isFalse();
      assertThat(r.getClearRouteCache()).isTrue();
      assertThat(setHeaders(r)).contains("x-ai-eg-selected-backend=inline")
          .noneMatch(h -> h.startsWith("content-length="));
    }
  }

  @Test
  void aBodyThatCameInPiecesIsSentWholeWithItsLength() throws Exception {
    byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
    try (LoopbackServer s = new LoopbackServer(dir, CONFIG, Duration.ofSeconds(10), null);
         ExtProcDriver d = new ExtProcDriver(s.channel)) {
      d.requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions", "x-ai-eg-model", "m1");
      ProcessingResponse first = d.requestBody(java.util.Arrays.copyOfRange(body, 0, 10), false);
      assertThat(first.getRequestBody().getResponse().getBodyMutation().getBody().isEmpty()).isTrue();
      CommonResponse last = d.requestBody(java.util.Arrays.copyOfRange(body, 10, body.length), true)
          .getRequestBody().getResponse();

      assertThat(last.getBodyMutation().getBody().toStringUtf8()).isEqualTo(BODY);
      assertThat(setHeaders(last)).contains("content-length=" + body.length, "x-ai-eg-selected-backend=inline");
    }
  }
}
