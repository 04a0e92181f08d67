package dev.tollgate.api;

/** The plugin API's own version, which plugins name in {@code Plugin-Requires}, e.g. {@code >=2.0.0 & <3.0.0}. */
public final class PluginApi {
  /**
   * Semantic version: a minor release adds to the API, a major one changes it. 2.2.0 added
   * {@link Endpoint#RESPONSES} (OpenAI's Responses API) and {@link Endpoint#MESSAGES_COUNT_TOKENS}
   * (Anthropic's token count).
   */
  public static final String VERSION = "2.2.0";

  private PluginApi() {
  }
}
