package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import java.nio.charset.StandardCharsets;

/** A Converse exchange: the whole answer becomes an OpenAI {@code chat.completion}. */
final class ConverseExchange extends BufferedExchange {
  private final String id;
  private final long created;

  ConverseExchange(UpstreamRequest request, String model, String id, long created) {
    super(request, model);
    this.id = id;
    this.created = created;
  }

  @Override
  protected byte[] translate(JsonNode answer, Headers headers) {
    usage = ConverseResponseMapper.usage(answer.get("usage"));
    return ConverseResponseMapper.toChatCompletion(answer, id, created, model).toString()
        .getBytes(StandardCharsets.UTF_8);
  }
}
