package dev.tollgate.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientApi;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.ErrorFormats;
import dev.tollgate.api.SseDecoder;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuard.Direction;
import dev.tollgate.core.config.CompiledConfig.ReadyGuard;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs prompt guards over the texts of a request or an answer, whole or streamed. */
final class Guarding {
  private static final Logger LOG = LoggerFactory.getLogger(Guarding.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private Guarding() {
  }

  /**
   * Runs each guard of {@code direction} in order over {@code texts}; masks are written back and
   * seen by the guards after. Returns the first rejection, or null when the texts may pass.
   * A guard that throws rejects (fail closed): its own settings decide about failing open.
   */
  static PromptGuard.Reject inspect(List<ReadyGuard> guards, Direction direction, PromptTexts texts) {
    if (texts.isEmpty()) {
      return null;
    }
    for (ReadyGuard g : guards) {
      if (direction == Direction.REQUEST ? !g.onRequest() : !g.onResponse()) {
        continue;
      }
      PromptGuard.Verdict v;
      try {
        v = g.guard().inspect(direction, texts.texts());
      } catch (RuntimeException e) {
        LOG.error("prompt guard {} failed; rejecting", g.type(), e);
        return new PromptGuard.Reject(500, "the " + g.type() + " prompt guard failed");
      }
      if (v instanceof PromptGuard.Reject r) {
        return r;
      }
      if (v instanceof PromptGuard.Mask m) {
        texts.replace(m.texts());
      }
    }
    return null;
  }

  /**
   * Holds a streamed answer (already in the client's schema) until its end, then guards the text
   * of each choice as a whole and gives back the stream: unchanged, masked (the whole masked
   * text goes in the first delta of its choice, later deltas are emptied), or replaced by an
   * error event when rejected. Holding is what makes a match across chunk boundaries visible.
   */
  static final class HeldStream {
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private final Endpoint endpoint;

    HeldStream(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    void add(byte[] piece) {
      held.writeBytes(piece);
    }

    byte[] finish(List<ReadyGuard> guards) {
      byte[] all = held.toByteArray();
      SseDecoder decoder = new SseDecoder();
      List<SseDecoder.Event> events = new ArrayList<>(decoder.feed(all));
      if (decoder.pendingBytes() > 0) {
        events.addAll(decoder.feed("\n\n".getBytes(StandardCharsets.UTF_8)));
      }
      List<JsonNode> parsed = new ArrayList<>();
      Map<Integer, List<PromptTexts.Delta>> byIndex = new LinkedHashMap<>();
      for (SseDecoder.Event e : events) {
        JsonNode node = null;
        if (!e.data().isEmpty() && !e.data().equals("[DONE]")) {
          try {
            node = JSON.readTree(e.data());
          } catch (IOException ex) {
            node = null;
          }
        }
        parsed.add(node);
        PromptTexts.Delta d = node == null ? null : PromptTexts.streamDelta(endpoint, node);
        if (d != null) {
          byIndex.computeIfAbsent(d.index(), k -> new ArrayList<>()).add(d);
        }
      }
      if (byIndex.isEmpty()) {
        return all;
      }
      List<Integer> order = new ArrayList<>(byIndex.keySet());
      List<String> texts = new ArrayList<>();
      for (int i : order) {
        StringBuilder sb = new StringBuilder();
        byIndex.get(i).forEach(d -> sb.append(d.text()));
        texts.add(sb.toString());
      }
      PromptTexts view = PromptTexts.ofStrings(texts);
      PromptGuard.Reject reject = inspect(guards, Direction.RESPONSE, view);
      if (reject != null) {
        return errorEvent(reject);
      }
      if (!view.changed()) {
        return all;
      }
      List<String> masked = view.texts();
      for (int k = 0; k < order.size(); k++) {
        List<PromptTexts.Delta> deltas = byIndex.get(order.get(k));
        deltas.get(0).set(masked.get(k));
        for (int j = 1; j < deltas.size(); j++) {
          deltas.get(j).set("");
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < events.size(); i++) {
        String data = parsed.get(i) == null ? events.get(i).data() : parsed.get(i).toString();
        out.writeBytes(SseDecoder.encode(events.get(i).event(), data));
      }
      return out.toByteArray();
    }

    private byte[] errorEvent(PromptGuard.Reject reject) {
      return Guarding.errorEvent(endpoint.clientApi(), reject.status(), reject.message());
    }
  }

  /**
   * An error that ends a stream whose headers have gone, in the client's stream format:
   * {@code data: {"error":…}} then {@code [DONE]} for OpenAI, {@code event: error} for Anthropic.
   */
  static byte[] errorEvent(ClientApi api, int status, String message) {
    String type = api == ClientApi.ANTHROPIC ? ErrorFormats.anthropicType(status) : ErrorFormats.openAiType(status);
    String body = new String(ErrorFormats.render(api, status, type, message), StandardCharsets.UTF_8);
    if (api == ClientApi.ANTHROPIC) {
      return SseDecoder.encode("error", body);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(SseDecoder.encode(null, body));
    out.writeBytes(SseDecoder.encode(null, "[DONE]"));
    return out.toByteArray();
  }

  /** Parses a whole JSON body, or null when it is not a JSON object. */
  static ObjectNode parseObject(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n instanceof ObjectNode o ? o : null;
    } catch (IOException e) {
      return null;
    }
  }

  static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
