package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.CountTokensExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import dev.tollgate.toolkit.PivotExtensions;
import dev.tollgate.toolkit.anthropic.AnthropicChatBridge;
import java.util.List;
import org.pf4j.Extension;

/**
 * Schema {@code AWSBedrock}: Anthropic's token count ({@code POST /v1/messages/count_tokens}) over
 * Bedrock's CountTokens API, {@code POST /model/{modelId}/count-tokens}, with the Converse form of
 * the request in {@code input.converse}: the Messages body is rewritten as the schema's chat
 * translator would send it to Converse ({@link AnthropicChatBridge#toChatRequest}, then
 * {@link ConverseRequestMapper}), of which CountTokens takes {@code messages}, {@code system},
 * {@code toolConfig} and {@code additionalModelRequestFields}. Bedrock answers
 * {@code {"inputTokens": N}}; the client gets {@code {"input_tokens": N}}. Only some models count
 * (Claude models, by their base model id); Bedrock's refusal reaches the client as its error.
 */
@NonBlocking
@Extension
public final class BedrockCountTokens extends TranslatorFactoryBase {
  /** The members of Bedrock's ConverseTokensRequest. */
  private static final List<String> COUNTED = List.of("messages", "system", "toolConfig",
      "additionalModelRequestFields");

  public BedrockCountTokens() {
    super(BedrockTranslators.SCHEMA, Endpoint.MESSAGES_COUNT_TOKENS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    BedrockTranslators.noProviderSettings(backend);
    return request -> {
      String model = backend.upstreamModel(request.model());
      UpstreamRequest up = new UpstreamRequest("POST", BedrockTranslators.modelPath(model, "count-tokens"),
          Headers.of("content-type", "application/json", "accept", "application/json"),
          AnthropicChatBridge.ANTHROPIC_CLIENT_HEADERS, JsonSupport.bytes(countBody(request.parsed(), model)));
      return new CountTokensExchange(up, model, "inputTokens", "AWS Bedrock");
    };
  }

  /** {@code {"input":{"converse":{messages, system, toolConfig, ...}}}} for a Messages-shaped count body. */
  static ObjectNode countBody(JsonNode messagesBody, String model) throws GatewayException {
    ObjectNode converse = ConverseRequestMapper.toConverse(AnthropicChatBridge.toChatRequest(messagesBody, model, PivotExtensions.Dialect.TOLLGATE));
    ObjectNode counted = JsonSupport.object();
    for (String f : COUNTED) {
      if (converse.has(f)) {
        counted.set(f, converse.get(f));
      }
    }
    ObjectNode body = JsonSupport.object();
    body.putObject("input").set("converse", counted);
    return body;
  }
}
