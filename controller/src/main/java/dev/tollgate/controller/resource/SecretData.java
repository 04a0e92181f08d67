package dev.tollgate.controller.resource;

import java.util.Map;

/**
 * A Secret's decoded values, referenced by {@link SecretKeyRef}s. Never logged.
 *
 * @param name   metadata.name
 * @param origin where it came from
 * @param data   key to decoded value
 */
public record SecretData(String name, String origin, Map<String, String> data) {
  public SecretData {
    data = Map.copyOf(data);
  }

  @Override
  public String toString() {
    return "SecretData[" + name + " from " + origin + ", keys " + data.keySet() + "]";
  }
}
