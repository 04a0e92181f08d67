package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void simpleAndIsoForms() {
    assertThat(Durations.parse("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("0")).isZero();
    assertThat(Durations.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
    assertThat(Durations.parse("pt0.2s")).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void anythingElseIsRefusedWithTheFormsItTakes() {
    assertThatThrownBy(() -> Durations.parse("2 seconds")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'2 seconds'").hasMessageContaining("2s").hasMessageContaining("PT2S");
    assertThatThrownBy(() -> Durations.parse("-1s")).isInstanceOf(IllegalArgumentException.class);
  }
}
