package dev.tollgate.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelPatternsTest {
  @Test
  void anEmptyListAllowsEveryModel() {
    assertThat(ModelPatterns.of(List.of()).allows("whatever")).isTrue();
    assertThat(ModelPatterns.of(List.of()).allowsAny()).isTrue();
  }

  @Test
  void exactNamesMatchThemselvesOnly() {
    ModelPatterns p = ModelPatterns.of(List.of("gpt-4o-mini", "gpt-4.1"));
    assertThat(p.allows("gpt-4o-mini")).isTrue();
    assertThat(p.allows("gpt-4o-mini-2024")).isFalse();
    assertThat(p.allows("gpt-4x1")).as("a dot is a dot, not any character").isFalse();
    assertThat(p.allows(null)).isFalse();
  }

  @Test
  void aStarMatchesAnyRunOfCharactersAnywhereInTheName() {
    ModelPatterns p = ModelPatterns.of(List.of("claude-*", "*-mini", "gpt-*-turbo"));
    assertThat(p.allows("claude-")).isTrue();
    assertThat(p.allows("claude-sonnet-4-5")).isTrue();
    assertThat(p.allows("o4-mini")).isTrue();
    assertThat(p.allows("gpt-3.5-turbo")).isTrue();
    assertThat(p.allows("gpt-4o")).isFalse();
    assertThat(p.allows("my-claude-x")).isFalse();
    assertThat(ModelPatterns.of(List.of("*")).allows("")).isTrue();
    assertThat(ModelPatterns.of(List.of("a+b*")).allows("aab")).as("regex characters stand for themselves").isFalse();
    assertThat(ModelPatterns.of(List.of("a+b*")).allows("a+b2")).isTrue();
  }

  @Test
  void itPrintsAsConfigured() {
    assertThat(ModelPatterns.of(List.of("gpt-4o-mini", "claude-*"))).hasToString("gpt-4o-mini, claude-*");
  }
}
