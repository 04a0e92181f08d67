package dev.tollgate.toolkit.openai;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The JSON mapper the OpenAI models are meant for: unknown fields tolerated (records keep them in {@code extra}). */
public final class OpenAiJson {
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private OpenAiJson() {
  }
}
