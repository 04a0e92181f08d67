package dev.tollgate.plugins.tokencosts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelLookupTest {
  @Test
  void starIsAnyRunOfCharactersIncludingNone() {
    assertThat(ModelLookup.matches("*", "")).isTrue();
    assertThat(ModelLookup.matches("*", "gpt-4o")).isTrue();
    assertThat(ModelLookup.matches("claude-*", "claude-")).isTrue();
    assertThat(ModelLookup.matches("claude-*", "claude-sonnet-4-5")).isTrue();
    assertThat(ModelLookup.matches("claude-*", "anthropic.claude-sonnet")).isFalse();
    assertThat(ModelLookup.matches("*claude*", "anthropic.claude-sonnet")).isTrue();
    assertThat(ModelLookup.matches("gpt-*-mini", "gpt-4o-mini")).isTrue();
    assertThat(ModelLookup.matches("gpt-*-mini", "gpt-4o-mini-2024")).isFalse();
    assertThat(ModelLookup.matches("a*b*c", "aXbYbZc")).isTrue();
    assertThat(ModelLookup.matches("a*b*c", "aXbYbZ")).isFalse();
    assertThat(ModelLookup.matches("gpt-4o", "gpt-4o")).isTrue();
    assertThat(ModelLookup.matches("gpt-4o", "GPT-4o")).isFalse();
    assertThat(ModelLookup.matches("gpt-4.1", "gpt-441")).as("'.' is no wildcard").isFalse();
  }

  @Test
  void ofPatternsOfEqualLengthTheFirstGivenWins() {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("*mini", "first");
    entries.put("gpt-*", "second");
    assertThat(new ModelLookup<>(entries).find("gpt-mini")).contains("first");
    Map<String, String> reversed = new LinkedHashMap<>();
    reversed.put("gpt-*", "second");
    reversed.put("*mini", "first");
    assertThat(new ModelLookup<>(reversed).find("gpt-mini")).contains("second");
  }

  @Test
  void noMatchIsEmpty() {
    assertThat(new ModelLookup<>(Map.of("gpt-*", 1)).find("claude")).isEmpty();
  }
}
