package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.SseDecoder;
import java.util.ArrayList;
import java.util.List;

/**
 * An OpenAI endpoint that answers in {@code choices} and streams them as chunks: the text of a
 * chunk's choice is at {@code choice.holder.field} (or {@code choice.field}); a choice ends with
 * its {@code finish_reason}.
 */
abstract class ChoicesSpec extends OpenAiSpec {
  private final String holder;
  private final String field;

  ChoicesSpec(Endpoint endpoint, String holder, String field) {
    super(endpoint);
    this.holder = holder;
    this.field = field;
  }

  @Override
  public final List<StreamText> streamTexts(JsonNode event) {
    List<StreamText> texts = new ArrayList<>();
    for (JsonNode c : event.path("choices")) {
      if (c instanceof ObjectNode choice) {
        StreamText t = new StreamText(choice.path("index").asInt(0), choice, holder, field,
            choice.hasNonNull("finish_reason"));
        if (t.hasText() || t.finishes()) {
          texts.add(t);
        }
      }
    }
    return texts;
  }

  /** The chunk reduced to the text's choice, without text, finish reason, log probabilities or usage. */
  @Override
  public final ObjectNode flushTemplate(ObjectNode event, StreamText text) {
    ObjectNode p = event.deepCopy();
    p.remove("usage");
    ObjectNode c = text.parent().deepCopy();
    c.putNull("finish_reason");
    c.remove("logprobs");
    p.putArray("choices").add(c);
    return p;
  }

  @Override
  public final SseDecoder.Event flushEvent(int index, String text, ObjectNode template) {
    ObjectNode e = template.deepCopy();
    ObjectNode choice = (ObjectNode) e.path("choices").get(0);
    (holder == null ? choice : choice.putObject(holder)).put(field, text);
    return new SseDecoder.Event(null, e.toString());
  }
}
