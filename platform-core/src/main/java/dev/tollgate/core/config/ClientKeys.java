package dev.tollgate.core.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The consumers' keys made ready for the check every request goes through: the SHA-256 of the
 * key the client sent, looked up in a hash map. No key is kept in the clear, and the check costs
 * no network call.
 */
public final class ClientKeys {
  /** Asks for no key: no consumer is configured. */
  public static final ClientKeys NONE = new ClientKeys(Map.of());

  /** One configured key: its consumer and when it stops working. */
  private record Entry(ReadyConsumer consumer, Optional<Instant> expires) {
  }

  private final Map<String, Entry> byHash;

  private ClientKeys(Map<String, Entry> byHash) {
    this.byHash = byHash;
  }

  /**
   * The keys of {@code consumers}. Each hash belongs to one consumer ({@link ConfigParser} refuses
   * a hash given twice); one given twice here keeps the first.
   */
  public static ClientKeys of(List<GatewayConfig.Consumer> consumers) {
    if (consumers.isEmpty()) {
      return NONE;
    }
    Map<String, Entry> byHash = new HashMap<>();
    for (GatewayConfig.Consumer c : consumers) {
      ReadyConsumer ready = ReadyConsumer.of(c);
      for (GatewayConfig.ClientKey k : c.keys()) {
        byHash.putIfAbsent(k.sha256(), new Entry(ready, k.expires()));
      }
    }
    return new ClientKeys(byHash);
  }

  /** Whether every request must carry a key. */
  public boolean required() {
    return !byHash.isEmpty();
  }

  /** Who a key belongs to, as of {@code now}. */
  public sealed interface Identity permits Known, Expired, Unknown {
  }

  /** A key of {@code consumer} that is in force. */
  public record Known(ReadyConsumer consumer) implements Identity {
  }

  /** A key of {@code consumer} that stopped working at {@code at}. */
  public record Expired(ReadyConsumer consumer, Instant at) implements Identity {
  }

  /** No consumer has this key. */
  public record Unknown() implements Identity {
  }

  private static final Unknown UNKNOWN = new Unknown();

  /** Looks {@code key} (as the client sent it) up; a key expires at its {@code expires} instant. */
  public Identity identify(String key, Instant now) {
    Entry e = byHash.get(sha256Hex(key));
    if (e == null) {
      return UNKNOWN;
    }
    if (e.expires().isPresent() && !now.isBefore(e.expires().get())) {
      return new Expired(e.consumer(), e.expires().get());
    }
    return new Known(e.consumer());
  }

  /** The lower-case hex SHA-256 of {@code key}'s UTF-8 bytes: how the config stores a key. */
  public static String sha256Hex(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }
}
