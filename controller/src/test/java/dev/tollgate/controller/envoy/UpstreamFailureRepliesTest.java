package dev.tollgate.controller.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.LocalReplyConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ResponseMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Envoy's replies to an upstream that broke off mid-answer or timed out after its headers came
 * (which Tollgate never sees again) get the client's error format; the mappers match only replies
 * with an upstream failure flag, so Tollgate's own immediate responses are left as they are.
 * Through the real Envoy: ProviderFaultsThroughEnvoyIT.
 */
class UpstreamFailureRepliesTest {
  private final LocalReplyConfig config = EnvoyConfigBuilder.upstreamFailureReplies();

  @Test
  void everyMapperNeedsAnUpstreamFailureFlagAndLeavesTheStatusAlone() {
    assertThat(config.hasBodyFormat()).as("no default format for every local reply").isFalse();
    assertThat(config.getMappersList()).hasSize(4).allSatisfy(m -> {
      assertThat(flags(m.getFilter())).isNotEmpty().isSubsetOf(
          List.of("UT", "UC", "UR", "UF", "UPE", "URX", "UH", "UO", "UMSDR"));
      assertThat(m.hasStatusCode()).isFalse();
    });
  }

  @Test
  void anthropicMessagesPathsGetAnthropicsFormatAndEverythingElseOpenAis() {
    List<ResponseMapper> m = config.getMappersList();
    // first the Anthropic ones, matched on the path too
    for (ResponseMapper anthropic : m.subList(0, 2)) {
      assertThat(anthropic.getFilter().getAndFilter().getFilters(1).getHeaderFilter().getHeader()
          .getStringMatch().getPrefix()).isEqualTo("/v1/messages");
      assertThat(anthropic.getBodyFormatOverride().getJsonFormat().getFieldsOrThrow("type").getStringValue())
          .isEqualTo("error");
    }
    ResponseMapper openAiTimeout = m.get(2);
    assertThat(flags(openAiTimeout.getFilter())).containsExactly("UT");
    var error = openAiTimeout.getBodyFormatOverride().getJsonFormat().getFieldsOrThrow("error").getStructValue();
    assertThat(error.getFieldsOrThrow("message").getStringValue()).contains("did not finish its answer in time");
    assertThat(error.getFieldsOrThrow("type").getStringValue()).isEqualTo("server_error");
    assertThat(error.getFieldsOrThrow("code").getStringValue()).isEqualTo("%RESPONSE_CODE%");
  }

  private static List<String> flags(AccessLogFilter f) {
    return f.hasAndFilter() ? f.getAndFilter().getFilters(0).getResponseFlagFilter().getFlagsList()
        : f.getResponseFlagFilter().getFlagsList();
  }
}
