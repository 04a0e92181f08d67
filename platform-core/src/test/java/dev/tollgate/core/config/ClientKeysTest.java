package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClientKeysTest {
  private static final Instant EXPIRY = Instant.parse("2027-01-01T00:00:00Z");

  private static ClientKeys keys() {
    return ClientKeys.of(List.of(
        new GatewayConfig.Consumer("research-app", Map.of("team", "research"), List.of("gpt-4o-mini", "claude-*"),
            List.of(new GatewayConfig.ClientKey(ClientKeys.sha256Hex("key-one"), Optional.empty()),
                new GatewayConfig.ClientKey(ClientKeys.sha256Hex("key-two"), Optional.of(EXPIRY)))),
        new GatewayConfig.Consumer("ops", Map.of(), List.of(),
            List.of(new GatewayConfig.ClientKey(ClientKeys.sha256Hex("key-ops"), Optional.empty())))));
  }

  @Test
  void theHashIsTheLowerCaseHexSha256OfTheKeysUtf8Bytes() {
    // printf %s abc | sha256sum
    assertThat(ClientKeys.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aKeyIdentifiesItsConsumerWithItsMetadataAndAllowList() {
    ClientKeys.Identity id = keys().identify("key-one", Instant.EPOCH);
    assertThat(id).isInstanceOf(ClientKeys.Known.class);
    ReadyConsumer c = ((ClientKeys.Known) id).consumer();
    assertThat(c.name()).isEqualTo("research-app");
    assertThat(c.metadataValues()).containsExactly(Map.entry("consumer", "research-app"),
        Map.entry("consumer_team", "research"));
    assertThat(c.allows("claude-sonnet-4-5")).isTrue();
    assertThat(c.allows("gpt-4o")).isFalse();
    assertThat(((ClientKeys.Known) keys().identify("key-ops", Instant.EPOCH)).consumer().allows("anything")).isTrue();
  }

  @Test
  void aKeyStopsWorkingAtItsExpiryInstant() {
    assertThat(keys().identify("key-two", EXPIRY.minusSeconds(1))).isInstanceOf(ClientKeys.Known.class);
    ClientKeys.Identity at = keys().identify("key-two", EXPIRY);
    assertThat(at).isInstanceOf(ClientKeys.Expired.class);
    assertThat(((ClientKeys.Expired) at).at()).isEqualTo(EXPIRY);
    assertThat(((ClientKeys.Expired) at).consumer().name()).isEqualTo("research-app");
  }

  @Test
  void anUnknownKeyIsNobodysAndAKeyIsNotItsHash() {
    assertThat(keys().identify("key-three", Instant.EPOCH)).isInstanceOf(ClientKeys.Unknown.class);
    assertThat(keys().identify(ClientKeys.sha256Hex("key-one"), Instant.EPOCH)).isInstanceOf(ClientKeys.Unknown.class);
    assertThat(keys().identify("KEY-ONE", Instant.EPOCH)).isInstanceOf(ClientKeys.Unknown.class);
  }

  @Test
  void withoutConsumersNoKeyIsRequired() {
    assertThat(ClientKeys.of(List.of()).required()).isFalse();
    assertThat(keys().required()).isTrue();
  }

  @Test
  void theRoutersViewAddsTheConsumersHeaders() {
    ReadyConsumer c = ((ClientKeys.Known) keys().identify("key-one", Instant.EPOCH)).consumer();
    assertThat(c.addHeaders(dev.tollgate.api.Headers.of("x-ai-eg-model", "m")).asMap())
        .containsEntry("x-tollgate-consumer", "research-app").containsEntry("x-tollgate-consumer-team", "research")
        .containsEntry("x-ai-eg-model", "m");
  }
}
