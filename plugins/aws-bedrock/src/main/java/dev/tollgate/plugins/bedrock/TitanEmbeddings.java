package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * OpenAI embeddings through InvokeModel with an Amazon Titan text embeddings model:
 * {@code {"input":"..."}} → {@code {"inputText":"..."}} (plus {@code dimensions}), and
 * {@code {"embedding":[...],"inputTextTokenCount":n}} → an OpenAI embeddings list. Titan embeds
 * one text per call, so {@code input} must be one string (or an array of exactly one). An answer
 * without a vector of numbers in {@code embedding} (or not JSON, or cut short) is a 502.
 */
final class TitanEmbeddings {
  private TitanEmbeddings() {
  }

  /** The InvokeModel body for an OpenAI embeddings request. */
  static ObjectNode toTitan(JsonNode openAi, String upstreamModel) throws GatewayException {
    if (!upstreamModel.contains("titan-embed")) {
      throw GatewayException.badRequest("embeddings on AWS Bedrock backends support Amazon Titan text embedding"
          + " models (amazon.titan-embed-text-v2:0, ...); '" + upstreamModel + "' is not one");
    }
    JsonNode input = openAi.get("input");
    String text;
    if (input != null && input.isTextual()) {
      text = input.asText();
    } else if (input != null && input.isArray() && input.size() == 1 && input.get(0).isTextual()) {
      text = input.get(0).asText();
    } else {
      throw GatewayException.badRequest("'input' must be one string (or an array of one string): Amazon Titan"
          + " embeds one text per request");
    }
    if (text.isEmpty()) {
      throw GatewayException.badRequest("'input' must not be empty");
    }
    String format = openAi.path("encoding_format").asText("float");
    if (!format.equals("float") && !format.equals("base64")) {
      throw GatewayException.badRequest("encoding_format must be float or base64");
    }
    ObjectNode body = JsonSupport.object();
    body.put("inputText", text);
    if (openAi.hasNonNull("dimensions")) {
      JsonNode d = openAi.get("dimensions");
      if (!d.canConvertToInt() || d.asInt() < 1) {
        throw GatewayException.badRequest("dimensions must be a positive whole number");
      }
      body.put("dimensions", d.asInt());
    }
    return body;
  }

  /** Whether the client asked for base64 vectors ({@code encoding_format}, checked by {@link #toTitan}). */
  static boolean base64(JsonNode openAi) {
    return "base64".equals(openAi.path("encoding_format").asText());
  }

  /** The exchange for one embeddings request. */
  static final class Exchange extends AbstractExchange {
    private final boolean base64;

    Exchange(UpstreamRequest request, String model, boolean base64) {
      super(request, model);
      this.base64 = base64;
    }

    @Override
    protected byte[] onWhole(byte[] body) throws GatewayException {
      JsonNode answer = BedrockTranslators.answerObject(body);
      JsonNode vector = answer.path("embedding");
      if (!vector.isArray() || vector.isEmpty() || !allNumbers(vector)) {
        throw new GatewayException(502, "server_error", "AWS Bedrock's Titan answer has no embedding vector");
      }
      long tokens = answer.path("inputTextTokenCount").asLong(0);
      count(new TokenUsage(tokens, 0, tokens, 0, 0));
      ObjectNode out = JsonSupport.object();
      out.put("object", "list");
      ObjectNode item = out.putArray("data").addObject();
      item.put("object", "embedding");
      item.put("index", 0);
      if (base64) {
        ByteBuffer buf = ByteBuffer.allocate(4 * vector.size()).order(ByteOrder.LITTLE_ENDIAN);
        vector.forEach(v -> buf.putFloat((float) v.asDouble()));
        item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
      } else {
        ArrayNode arr = item.putArray("embedding");
        vector.forEach(arr::add);
      }
      out.put("model", model());
      out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
      return JsonSupport.bytes(out);
    }

    private static boolean allNumbers(JsonNode vector) {
      for (JsonNode v : vector) {
        if (!v.isNumber()) {
          return false;
        }
      }
      return true;
    }
  }
}
