package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.toolkit.ErrorFormats;
import dev.tollgate.toolkit.JsonSupport;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * The model list, {@code GET /v1/models}, and one model, {@code GET /v1/models/{id}}: answered by
 * the gateway with the models its rules declare (that the consumer may use). Both client APIs
 * list models at this path; an Anthropic client is told apart by its {@code anthropic-version}
 * header, which the Anthropic SDKs send on every request (and OpenAI's never do), and gets
 * Anthropic's shapes ({@code {"data":[{"type":"model",...}],"has_more":false,...}}) and errors;
 * any other client gets OpenAI's ({@code {"object":"list","data":[{"object":"model",...}]}}).
 * A model that is not listed is a 404 in the client's format. The list is never paginated
 * ({@code has_more} is false; Anthropic's {@code limit}, {@code after_id} are not read).
 */
final class ModelsSpec extends OpenAiSpec {
  /** The header an Anthropic SDK sends on every request. */
  static final String ANTHROPIC_VERSION = "anthropic-version";
  /** Tollgate knows no model's release date; Anthropic's {@code created_at} is required, so: the epoch. */
  private static final String CREATED_AT = "1970-01-01T00:00:00Z";

  ModelsSpec() {
    super(Endpoint.MODELS);
  }

  @Override
  public String method() {
    return "GET";
  }

  @Override
  public ClientApi clientApi(Headers headers) {
    return headers.get(ANTHROPIC_VERSION).isPresent() ? ClientApi.ANTHROPIC : ClientApi.OPENAI;
  }

  /** The OpenAI list (the answer without headers to tell the client by). */
  @Override
  public LocalAnswer localAnswer(Supplier<List<String>> declaredModels) {
    return localAnswer(Headers.empty(), declaredModels);
  }

  @Override
  public LocalAnswer localAnswer(Headers headers, Supplier<List<String>> declaredModels) {
    ClientApi api = clientApi(headers);
    String id = modelId(headers.get(":path").orElse(Endpoint.MODELS.path()));
    List<String> models = declaredModels.get();
    if (id == null) {
      return new LocalAnswer(200, JsonSupport.bytes(api == ClientApi.ANTHROPIC ? anthropicList(models)
          : openAiList(models)), "models");
    }
    if (!models.contains(id)) {
      return new LocalAnswer(404, ErrorFormats.render(api, 404, null, "model '" + id + "' is not served by this"
          + " gateway (or not to this client); GET " + Endpoint.MODELS.path() + " lists the models it serves"),
          "model_not_found");
    }
    return new LocalAnswer(200, JsonSupport.bytes(api == ClientApi.ANTHROPIC ? anthropicModel(id) : openAiModel(id)),
        "model");
  }

  /** The id of {@code /v1/models/{id}} (percent-decoded), or null for the list. */
  static String modelId(String path) {
    int q = path.indexOf('?');
    String p = q >= 0 ? path.substring(0, q) : path;
    String prefix = Endpoint.MODELS.path() + "/";
    if (!p.startsWith(prefix) || p.length() == prefix.length()) {
      return null;
    }
    String raw = p.endsWith("/") ? p.substring(prefix.length(), p.length() - 1) : p.substring(prefix.length());
    return raw.isEmpty() ? null : URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static ObjectNode openAiList(List<String> models) {
    ObjectNode root = JsonSupport.object();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (String m : models) {
      data.add(openAiModel(m));
    }
    return root;
  }

  private static ObjectNode openAiModel(String id) {
    ObjectNode e = JsonSupport.object();
    e.put("id", id);
    e.put("object", "model");
    e.put("created", 0);
    e.put("owned_by", "tollgate");
    return e;
  }

  private static ObjectNode anthropicList(List<String> models) {
    ObjectNode root = JsonSupport.object();
    ArrayNode data = root.putArray("data");
    for (String m : models) {
      data.add(anthropicModel(m));
    }
    root.put("has_more", false);
    if (models.isEmpty()) {
      root.putNull("first_id");
      root.putNull("last_id");
    } else {
      root.put("first_id", models.get(0));
      root.put("last_id", models.get(models.size() - 1));
    }
    return root;
  }

  private static ObjectNode anthropicModel(String id) {
    ObjectNode e = JsonSupport.object();
    e.put("type", "model");
    e.put("id", id);
    e.put("display_name", id);
    e.put("created_at", CREATED_AT);
    return e;
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts();
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    return new PromptTexts();
  }
}
