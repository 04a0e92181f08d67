package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.FakeUpstream.Received;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Azure OpenAI resource, shaped after Microsoft's public REST reference: deployments under
 * {@code /openai/deployments/{deployment}/...?api-version=...}, the {@code api-key} header (or an
 * Entra ID bearer token), OpenAI-shaped answers with Azure's content-filter annotations, and
 * Azure's error bodies ({@code {"error":{"code","message"}}}, no {@code type}).
 */
public final class FakeAzureOpenAi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PATH = Pattern.compile(
      "/openai/deployments/([^/?]+)/(chat/completions|completions|embeddings)\\?api-version=([0-9a-z.-]+)");

  private FakeAzureOpenAi() {
  }

  /**
   * @param deployments the deployments that exist; others get 404 DeploymentNotFound
   * @param apiKey      the expected {@code api-key}; null to expect {@code Authorization: Bearer bearer}
   * @param bearer      the expected bearer token when {@code apiKey} is null
   */
  public static Function<Received, Answer> handler(Set<String> deployments, String apiKey, String bearer,
                                                   int promptTokens, int completionTokens) {
    return r -> {
      Matcher m = PATH.matcher(r.path());
      if (!m.matches()) {
        return Answer.json(404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
      }
      boolean authorized = apiKey != null ? apiKey.equals(r.header("api-key"))
          : ("Bearer " + bearer).equals(r.header("authorization"));
      if (!authorized) {
        return Answer.json(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid "
            + "subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription "
            + "and use a correct regional API endpoint for your resource.\"}}");
      }
      String deployment = m.group(1);
      if (!deployments.contains(deployment)) {
        return Answer.json(404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment for "
            + "this resource does not exist. If you created the deployment within the last 5 minutes, please wait a "
            + "moment and try again.\"}}");
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        return Answer.json(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"invalid JSON\"}}");
      }
      String model = "gpt-4o-2024-08-06";
      if (m.group(2).equals("embeddings")) {
        return Answer.json(200, "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.0023,-0.0093]}],\"model\":\"text-embedding-ada-002\",\"usage\":{\"prompt_tokens\":"
            + promptTokens + ",\"total_tokens\":" + promptTokens + "}}");
      }
      ObjectNode usage = JSON.createObjectNode().put("prompt_tokens", promptTokens)
          .put("completion_tokens", completionTokens).put("total_tokens", promptTokens + completionTokens);
      if (req.path("stream").asBoolean(false)) {
        return Answer.stream("text/event-stream", stream(model, usage,
            req.path("stream_options").path("include_usage").asBoolean(false)));
      }
      ObjectNode resp = JSON.createObjectNode();
      resp.put("id", "chatcmpl-azure1").put("object", "chat.completion").put("created", 1700000000)
          .put("model", model);
      resp.putArray("prompt_filter_results").addObject().put("prompt_index", 0).putObject("content_filter_results");
      ObjectNode choice = resp.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", "Hello from Azure.");
      choice.putObject("content_filter_results");
      resp.set("usage", usage);
      return Answer.json(200, resp.toString());
    };
  }

  private static List<byte[]> stream(String model, ObjectNode usage, boolean includeUsage) {
    List<String> events = new ArrayList<>();
    // Azure opens with a chunk that has no choices and the prompt's filter results
    events.add("{\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
        + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}");
    String[] deltas = {"Hello", " from", " Azure."};
    for (int i = 0; i < deltas.length; i++) {
      ObjectNode c = JSON.createObjectNode();
      c.put("id", "chatcmpl-azure1").put("object", "chat.completion.chunk").put("created", 1700000000)
          .put("model", model);
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", 0);
      choice.putObject("delta").put("content", deltas[i]);
      if (i == deltas.length - 1) {
        choice.put("finish_reason", "stop");
      } else {
        choice.putNull("finish_reason");
      }
      events.add(c.toString());
    }
    if (includeUsage) {
      ObjectNode u = JSON.createObjectNode();
      u.put("id", "chatcmpl-azure1").put("object", "chat.completion.chunk").put("created", 1700000000)
          .put("model", model);
      u.putArray("choices");
      u.set("usage", usage);
      events.add(u.toString());
    }
    events.add("[DONE]");
    List<byte[]> out = new ArrayList<>();
    for (String e : events) {
      out.add(("data: " + e + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  /**
   * The Responses API of the resource's v1 API ({@code POST /openai/v1/responses}, an
   * {@code api-version} of {@code preview} or none; or the earlier preview surface
   * {@code /openai/responses?api-version=YYYY-MM-DD-preview}): requires the {@code api-key}, a
   * body with {@code input} and a {@code model} that is one of {@code deployments} (else Azure's
   * 404 DeploymentNotFound); answers like OpenAI (see {@link FakeOpenAi#responsesHandler}), the
   * answer's model being the deployment's model version.
   */
  public static Function<Received, Answer> responsesHandler(Set<String> deployments, String apiKey,
                                                            List<String> pieces, FakeResponses.Usage usage) {
    return r -> {
      if (!r.method().equals("POST") || !RESPONSES_PATH.matcher(r.path()).matches()) {
        return Answer.json(404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
      }
      if (!apiKey.equals(r.header("api-key"))) {
        return Answer.json(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid "
            + "subscription key or wrong API endpoint.\"}}");
      }
      JsonNode req;
      try {
        req = JSON.readTree(r.body());
      } catch (IOException e) {
        req = null;
      }
      Answer invalid = FakeResponses.invalid(req);
      if (invalid != null) {
        return invalid;
      }
      if (!deployments.contains(req.path("model").asText())) {
        return Answer.json(404, "{\"error\":{\"code\":\"DeploymentNotFound\",\"message\":\"The API deployment "
            + "for this resource does not exist.\"}}");
      }
      return FakeResponses.answer(req, "gpt-4o-2024-08-06", pieces, usage);
    };
  }

  private static final Pattern RESPONSES_PATH = Pattern.compile(
      "/openai/v1/responses(\\?api-version=preview)?|/openai/responses\\?api-version=\\d{4}-\\d{2}-\\d{2}-preview");
}
