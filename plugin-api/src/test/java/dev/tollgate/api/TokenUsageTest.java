package dev.tollgate.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TokenUsageTest {
  @Test
  void theFiveCountConstructorAndOfWriteNoCacheCreation() {
    TokenUsage five = new TokenUsage(100, 20, 120, 30, 5);
    assertThat(five.cacheCreationInputTokens()).isZero();
    assertThat(five).isEqualTo(new TokenUsage(100, 20, 120, 30, 5, 0));
    assertThat(TokenUsage.of(3, 4)).isEqualTo(new TokenUsage(3, 4, 7, 0, 0, 0));
  }

  @Test
  void noneIsAllZeroAndCacheCreationAloneMakesUsageKnown() {
    assertThat(TokenUsage.NONE).isEqualTo(new TokenUsage(0, 0, 0, 0, 0, 0));
    assertThat(TokenUsage.NONE.isKnown()).isFalse();
    assertThat(new TokenUsage(0, 0, 0, 0, 0, 1).isKnown()).isTrue();
  }

  @Test
  void maxTakesTheLargerOfEachCountCacheCreationIncluded() {
    TokenUsage start = new TokenUsage(2060, 1, 2061, 0, 0, 2048);
    TokenUsage end = new TokenUsage(12, 15, 27, 3, 2, 0);
    assertThat(start.max(end)).isEqualTo(new TokenUsage(2060, 15, 2061, 3, 2, 2048));
    assertThat(end.max(start)).isEqualTo(start.max(end));
  }

  @Test
  void countsAreNeverNegative() {
    assertThatThrownBy(() -> new TokenUsage(1, 1, 2, 0, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenUsage(-1, 1, 2, 0, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
