package dev.tollgate.api;

import java.util.Optional;

/** A client-facing endpoint that Tollgate understands, recognised from the request's {@code :path}. */
public enum Endpoint {
  CHAT_COMPLETIONS(ClientApi.OPENAI, "/v1/chat/completions"),
  COMPLETIONS(ClientApi.OPENAI, "/v1/completions"),
  EMBEDDINGS(ClientApi.OPENAI, "/v1/embeddings"),
  /** The model list, and one model's entry at {@code /v1/models/{id}}; also served to Anthropic clients. */
  MODELS(ClientApi.OPENAI, "/v1/models"),
  RESPONSES(ClientApi.OPENAI, "/v1/responses"),
  MESSAGES(ClientApi.ANTHROPIC, "/v1/messages"),
  MESSAGES_COUNT_TOKENS(ClientApi.ANTHROPIC, "/v1/messages/count_tokens");

  private final ClientApi clientApi;
  private final String path;

  Endpoint(ClientApi clientApi, String path) {
    this.clientApi = clientApi;
    this.path = path;
  }

  public ClientApi clientApi() {
    return clientApi;
  }

  /** The canonical path, without query. */
  public String path() {
    return path;
  }

  /** The endpoint for a request path ({@code /v1/models/{id}} is {@link #MODELS}); the query string is ignored. */
  public static Optional<Endpoint> fromPath(String rawPath) {
    if (rawPath == null) {
      return Optional.empty();
    }
    int q = rawPath.indexOf('?');
    String p = q >= 0 ? rawPath.substring(0, q) : rawPath;
    if (p.length() > 1 && p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    for (Endpoint e : values()) {
      if (e.path.equals(p)) {
        return Optional.of(e);
      }
    }
    if (p.startsWith(MODELS.path + "/") && p.length() > MODELS.path.length() + 1) {
      return Optional.of(MODELS); // GET /v1/models/{id}
    }
    return Optional.empty();
  }
}
