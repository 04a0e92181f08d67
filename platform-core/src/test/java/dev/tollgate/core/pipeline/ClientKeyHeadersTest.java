package dev.tollgate.core.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.Headers;
import org.junit.jupiter.api.Test;

class ClientKeyHeadersTest {
  @Test
  void aBearerTokenInAnyCaseComesFirst() {
    assertThat(ClientKeyHeaders.find(Headers.of("authorization", "Bearer k1", "x-api-key", "k2"))).isEqualTo("k1");
    assertThat(ClientKeyHeaders.find(Headers.of("authorization", "bEaReR \t k1 "))).isEqualTo("k1");
  }

  @Test
  void thenXApiKeyThenApiKey() {
    assertThat(ClientKeyHeaders.find(Headers.of("x-api-key", "k2", "api-key", "k3"))).isEqualTo("k2");
    assertThat(ClientKeyHeaders.find(Headers.of("api-key", "k3"))).isEqualTo("k3");
  }

  @Test
  void anotherSchemeOrABlankValueCarriesNoKey() {
    assertThat(ClientKeyHeaders.find(Headers.of("authorization", "Basic dXNlcjpwdw=="))).isNull();
    assertThat(ClientKeyHeaders.find(Headers.of("authorization", "Basic dXNlcjpwdw==", "api-key", "k3"))).isEqualTo("k3");
    assertThat(ClientKeyHeaders.find(Headers.of("authorization", "Bearer   ", "x-api-key", " "))).isNull();
    assertThat(ClientKeyHeaders.find(Headers.of("authorization", "Bearerk1"))).isNull();
    assertThat(ClientKeyHeaders.find(Headers.empty())).isNull();
  }
}
