package com.example.tollgate.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.toolkit.DataUrl;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.openai.ChatRequestFields;
import java.util.List;

/** An OpenAI chat completions request as an Ollama {@code /api/chat} request. */
final class OllamaRequest {
  private OllamaRequest() {
  }

  static UpstreamRequest of(ClientRequest request, String model, String keepAlive) throws GatewayException {
    JsonNode chat = request.parsed();
    if (!ChatRequestFields.tools(chat, "Ollama backends (in this example plugin)").isEmpty()) {
      throw GatewayException.badRequest("tools are not supported by the example Ollama plugin");
    }
    ObjectNode out = JsonSupport.object();
    out.put("model", model);
    out.put("stream", request.stream());
    if (keepAlive != null) {
      out.put("keep_alive", keepAlive);
    }
    ArrayNode messages = out.putArray("messages");
    JsonNode in = chat.path("messages");
    for (int i = 0; i < in.size(); i++) {
      messages.add(message(in.get(i), "messages[" + i + "]"));
    }
    ObjectNode options = JsonSupport.object();
    copy(chat, "temperature", options, "temperature");
    copy(chat, "top_p", options, "top_p");
    copy(chat, "seed", options, "seed");
    copy(chat, chat.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", options, "num_predict");
    List<String> stop = ChatRequestFields.stop(chat);
    if (!stop.isEmpty()) {
      stop.forEach(options.putArray("stop")::add);
    }
    if (!options.isEmpty()) {
      out.set("options", options);
    }
    return UpstreamRequest.post("/api/chat", Headers.of("content-type", "application/json"), JsonSupport.bytes(out));
  }

  /** A message: text content (parts joined), images from base64 data URLs. */
  private static ObjectNode message(JsonNode m, String at) throws GatewayException {
    ObjectNode out = JsonSupport.object();
    out.put("role", m.path("role").asText("user").equals("developer") ? "system" : m.path("role").asText("user"));
    JsonNode content = m.path("content");
    if (content.isTextual()) {
      out.put("content", content.asText());
      return out;
    }
    StringBuilder text = new StringBuilder();
    ArrayNode images = JsonSupport.MAPPER.createArrayNode();
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      String type = part.path("type").asText();
      if (type.equals("text")) {
        text.append(part.path("text").asText());
      } else if (type.equals("image_url")) {
        images.add(DataUrl.parse(part.path("image_url").path("url").asText(), at + ".content[" + i + "].image_url.url")
            .base64());
      } else {
        throw GatewayException.badRequest(at + ".content[" + i + "].type '" + type + "' is not supported by Ollama");
      }
    }
    out.put("content", text.toString());
    if (!images.isEmpty()) {
      out.set("images", images);
    }
    return out;
  }

  private static void copy(JsonNode from, String field, ObjectNode to, String as) {
    if (from.hasNonNull(field)) {
      to.set(as, from.get(field));
    }
  }
}
