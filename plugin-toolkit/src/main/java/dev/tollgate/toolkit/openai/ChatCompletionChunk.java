package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/** One streamed chunk ({@code object: chat.completion.chunk}); the last may carry only usage. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ChatCompletionChunk(String id, String object, Long created, String model, List<ChunkChoice> choices,
                                  Usage usage) {
  /** One choice's delta. */
  @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
  @JsonInclude(JsonInclude.Include.ALWAYS)
  public record ChunkChoice(int index, ChatMessage delta, String finishReason) {
  }
}
