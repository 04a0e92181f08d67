package dev.tollgate.toolkit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ResponseHead;
import java.util.Set;

/**
 * The exchange of an Anthropic {@code /v1/messages/count_tokens} client: the provider's token
 * count, a whole JSON answer with the number at {@code field} ({@code input_tokens} at Anthropic,
 * {@code inputTokens} at Bedrock's CountTokens, {@code totalTokens} at Gemini's countTokens),
 * becomes Anthropic's {@code {"input_tokens": N}}. An answer without a count is a 502. Counting
 * costs nothing at any provider, so the usage is none. One per exchange.
 */
public final class CountTokensExchange extends AbstractExchange {
  private final String field;
  private final String provider;

  /**
   * @param field    the answer's field holding the count
   * @param provider the provider's name, for the 502's message
   */
  public CountTokensExchange(UpstreamRequest request, String model, String field, String provider) {
    super(request, model);
    this.field = field;
    this.provider = provider;
  }

  /**
   * The 501 for a backend whose provider has no token counting API (OpenAI, Azure OpenAI), naming
   * the built-in schemas that can count.
   *
   * @param provider the provider's name, e.g. {@code OpenAI}
   */
  public static GatewayException notCounted(String provider) {
    return new GatewayException(501, "api_error", provider + " has no token counting API, so this backend cannot"
        + " answer /v1/messages/count_tokens; route the request to a backend of schema Anthropic, AWSAnthropic,"
        + " GCPAnthropic, AWSBedrock or GCPVertexAI, which can");
  }

  /** Always whole: a count never streams. */
  @Override
  protected boolean isStream(Headers headers) {
    return false;
  }

  @Override
  protected ResponseHead wholeHead() {
    return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
  }

  @Override
  protected byte[] onWhole(byte[] body) throws GatewayException {
    JsonNode root = JsonSupport.tryParse(body);
    JsonNode count = root == null ? null : root.get(field);
    if (count == null || !count.canConvertToLong() || !count.isIntegralNumber() || count.asLong() < 0) {
      throw new GatewayException(502, "api_error", provider + "'s token count has no " + field
          + " (a whole number); the gateway cannot answer the count");
    }
    return JsonSupport.bytes(JsonSupport.object().put("input_tokens", count.asLong()));
  }
}
