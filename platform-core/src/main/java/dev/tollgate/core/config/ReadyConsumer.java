package dev.tollgate.core.config;

import dev.tollgate.api.Headers;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A consumer made ready for its exchanges: its name, its metadata and its compiled model
 * allow-list, and what the gateway derives from them once instead of per request (the headers
 * rules can match on, the dynamic-metadata values).
 *
 * @param name     the consumer's name
 * @param metadata its metadata, e.g. {@code team: research}
 * @param models   the models it may ask for
 */
public record ReadyConsumer(String name, Map<String, String> metadata, ModelPatterns models) {
  /**
   * The request header rules match the consumer's name on; {@code x-tollgate-consumer-<key>} holds
   * each metadata value. Only in the router's view of the request: never sent on, and whatever a
   * client sends in headers of this prefix is removed.
   */
  public static final String HEADER = "x-tollgate-consumer";
  /** The dynamic-metadata key of the consumer's name; {@code consumer_<key>} holds each metadata value. */
  public static final String METADATA_KEY = "consumer";

  public ReadyConsumer {
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  static ReadyConsumer of(GatewayConfig.Consumer c) {
    return new ReadyConsumer(c.name(), c.metadata(), ModelPatterns.of(c.models()));
  }

  /** Whether the consumer may ask for {@code model}. */
  public boolean allows(String model) {
    return models.allows(model);
  }

  /** {@code headers} with the consumer's headers ({@link #HEADER}) set: the view the router matches. */
  public Headers addHeaders(Headers headers) {
    Headers out = headers.with(HEADER, name);
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      out = out.with(HEADER + "-" + e.getKey(), e.getValue());
    }
    return out;
  }

  /** The dynamic-metadata values naming the consumer: {@code consumer} and {@code consumer_<key>}. */
  public Map<String, Object> metadataValues() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put(METADATA_KEY, name);
    metadata.forEach((k, v) -> values.put(METADATA_KEY + "_" + k, v));
    return values;
  }
}
