package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** A whole chat completion ({@code object: chat.completion}). */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionResponse(String id, String object, Long created, String model, List<Choice> choices,
                                     Usage usage) {
  /**
   * The completion as JSON, as OpenAI writes it: each choice with {@code logprobs} and its message
   * with {@code refusal}, null when there is none (OpenAI's schema requires both; the records
   * leave nulls out).
   */
  public ObjectNode toJson() {
    ObjectNode out = JsonSupport.MAPPER.valueToTree(this);
    for (JsonNode choice : out.path("choices")) {
      ObjectNode c = (ObjectNode) choice;
      if (!c.has("logprobs")) {
        c.putNull("logprobs");
      }
      if (c.get("message") instanceof ObjectNode m && !m.has("refusal")) {
        m.putNull("refusal");
      }
    }
    return out;
  }

  /** {@link #toJson()} as bytes. */
  public byte[] toBytes() {
    return JsonSupport.bytes(toJson());
  }

  /** One choice of a whole completion. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Choice(int index, ChatMessage message, String finishReason) {
  }
}
