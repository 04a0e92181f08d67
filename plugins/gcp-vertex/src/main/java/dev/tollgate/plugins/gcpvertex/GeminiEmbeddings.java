package dev.tollgate.plugins.gcpvertex;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.AbstractExchange;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.TranslatorFactoryBase;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.pf4j.Extension;

/**
 * Schema {@code GCPVertexAI}: OpenAI embeddings to Vertex AI text embedding models
 * ({@code gemini-embedding-001}, {@code text-embedding-005}, ...) through
 * {@code POST /{version}/projects/{project}/locations/{region}/publishers/google/models/{model}:predict}
 * (the provider settings as for chat, see {@link GcpVertexTranslatorFactory}).
 * <ul>
 *   <li>request: {@code input} (a string or an array of strings; token-id arrays are a 400, Vertex
 *       takes text) → {@code instances[].content}; {@code dimensions} →
 *       {@code parameters.outputDimensionality}; {@code encoding_format} float or base64; the
 *       non-standard {@code task_type} (e.g. {@code RETRIEVAL_QUERY}; OpenAI has none) →
 *       {@code instances[].task_type};</li>
 *   <li>answer: {@code predictions[i].embeddings.values} → {@code data[i].embedding} (base64: the
 *       little-endian float32 bytes, as OpenAI encodes them), the sum of
 *       {@code predictions[].embeddings.statistics.token_count} → {@code usage.prompt_tokens} and
 *       {@code total_tokens}. An answer without a vector of numbers for every input is a 502.</li>
 * </ul>
 */
@NonBlocking
@Extension
public final class GeminiEmbeddings extends TranslatorFactoryBase {
  private static final Headers JSON = Headers.of("content-type", "application/json");

  public GeminiEmbeddings() {
    super("GCPVertexAI", Endpoint.EMBEDDINGS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    String models = GcpVertexTranslatorFactory.modelsPath(backend, at + ".schema.version");
    return request -> {
      String model = backend.upstreamModel(request.model());
      if (!GcpVertexTranslatorFactory.SEGMENT.matcher(model).matches()) {
        throw GatewayException.badRequest("model '" + model + "' cannot be used in a Vertex AI path; "
            + "use letters, digits, '.', '_', '@' and '-'");
      }
      List<String> texts = texts(request.parsed());
      byte[] body = JsonSupport.bytes(toPredict(texts, request.parsed()));
      UpstreamRequest up = UpstreamRequest.post(models + model + ":predict", JSON, body);
      return new Exchange(up, model, texts.size(), base64(request.parsed()));
    };
  }

  /** The texts of {@code input}: one string, or an array of strings. */
  static List<String> texts(JsonNode openAi) throws GatewayException {
    JsonNode input = openAi.get("input");
    List<String> texts = new ArrayList<>();
    if (input != null && input.isTextual()) {
      texts.add(input.asText());
    } else if (input != null && input.isArray() && !input.isEmpty()) {
      for (int i = 0; i < input.size(); i++) {
        JsonNode item = input.get(i);
        if (!item.isTextual()) {
          throw GatewayException.badRequest("input[" + i + "] must be a string: Vertex AI embeds text, not token ids");
        }
        texts.add(item.asText());
      }
    } else {
      throw GatewayException.badRequest("input must be a string or a non-empty array of strings");
    }
    for (int i = 0; i < texts.size(); i++) {
      if (texts.get(i).isEmpty()) {
        throw GatewayException.badRequest((texts.size() == 1 ? "input" : "input[" + i + "]") + " must not be empty");
      }
    }
    return texts;
  }

  /** The {@code :predict} body. */
  static ObjectNode toPredict(List<String> texts, JsonNode openAi) throws GatewayException {
    ObjectNode body = JsonSupport.object();
    ArrayNode instances = body.putArray("instances");
    JsonNode taskType = openAi.get("task_type");
    if (taskType != null && !taskType.isNull() && (!taskType.isTextual() || taskType.asText().isBlank())) {
      throw GatewayException.badRequest("task_type must be a Vertex AI embedding task type such as RETRIEVAL_QUERY");
    }
    for (String t : texts) {
      ObjectNode instance = instances.addObject().put("content", t);
      if (taskType != null && !taskType.isNull()) {
        instance.put("task_type", taskType.asText());
      }
    }
    if (openAi.hasNonNull("dimensions")) {
      JsonNode d = openAi.get("dimensions");
      if (!d.canConvertToInt() || d.asInt() < 1) {
        throw GatewayException.badRequest("dimensions must be a positive whole number");
      }
      body.putObject("parameters").put("outputDimensionality", d.asInt());
    }
    String format = openAi.path("encoding_format").asText("float");
    if (!format.equals("float") && !format.equals("base64")) {
      throw GatewayException.badRequest("encoding_format must be float or base64");
    }
    return body;
  }

  static boolean base64(JsonNode openAi) {
    return "base64".equals(openAi.path("encoding_format").asText());
  }

  /** One embeddings exchange: the predictions as an OpenAI embeddings list. */
  static final class Exchange extends AbstractExchange {
    private final int inputs;
    private final boolean base64;

    Exchange(UpstreamRequest request, String model, int inputs, boolean base64) {
      super(request, model);
      this.inputs = inputs;
      this.base64 = base64;
    }

    @Override
    protected byte[] onWhole(byte[] body) throws GatewayException {
      JsonNode answer = JsonSupport.tryParse(body);
      JsonNode predictions = answer == null ? null : answer.get("predictions");
      if (predictions == null || !predictions.isArray() || predictions.size() != inputs) {
        throw new GatewayException(502, "server_error", "Vertex AI's embeddings answer has no prediction for every input");
      }
      ObjectNode out = JsonSupport.object();
      out.put("object", "list");
      ArrayNode data = out.putArray("data");
      long tokens = 0;
      for (int i = 0; i < predictions.size(); i++) {
        JsonNode embeddings = predictions.get(i).path("embeddings");
        JsonNode values = embeddings.path("values");
        if (!values.isArray() || values.isEmpty() || !allNumbers(values)) {
          throw new GatewayException(502, "server_error", "Vertex AI's prediction " + i + " has no embedding vector");
        }
        tokens += Math.max(0, embeddings.path("statistics").path("token_count").asLong(0));
        ObjectNode item = data.addObject();
        item.put("object", "embedding");
        item.put("index", i);
        if (base64) {
          ByteBuffer buf = ByteBuffer.allocate(4 * values.size()).order(ByteOrder.LITTLE_ENDIAN);
          values.forEach(v -> buf.putFloat((float) v.asDouble()));
          item.put("embedding", Base64.getEncoder().encodeToString(buf.array()));
        } else {
          ArrayNode vector = item.putArray("embedding");
          values.forEach(vector::add);
        }
      }
      count(new TokenUsage(tokens, 0, tokens, 0, 0));
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
