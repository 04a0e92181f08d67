package dev.tollgate.api;

import java.util.Optional;

/** A client-facing endpoint that Tollgate understands, recognised from the request's {@code :path}. */
public enum Endpoint {
  CHAT_COMPLETIONS(ClientApi.OPENAI, "/v1/chat/completions"),
  COMPLETIONS(ClientApi.OPENAI, "/v1/completions"),
  EMBEDDINGS(ClientApi.OPENAI, "/v1/embeddings"),
  MODELS(ClientApi.OPENAI, "/v1/models"),
  RESPONSES(ClientApi.OPENAI, "/v1/responses"),
  MESSAGES(ClientApi.ANTHROPIC, "/v1/messages");

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

  /** The endpoint for a request path; the query string is ignored. */
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
    return Optional.empty();
  }
}
