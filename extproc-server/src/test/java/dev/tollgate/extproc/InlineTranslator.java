package dev.tollgate.extproc;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.api.spi.ResponseHead;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.pf4j.Extension;

/**
 * A test translator marked {@link NonBlocking}: sends request bodies as they are to
 * {@code /inline}, answers with the upstream's body in upper case (unchanged for models named
 * {@code plain*}), and records the name of the
 * thread each of its calls ran on.
 */
@NonBlocking
@Extension
public final class InlineTranslator implements TranslatorFactory {
  /** "start:&lt;thread&gt;", "body:&lt;thread&gt;" per call, in order. */
  static final List<String> CALLS = new CopyOnWriteArrayList<>();

  @Override
  public String schema() {
    return "Inline";
  }

  @Override
  public java.util.Set<Endpoint> endpoints() {
    return java.util.Set.of(Endpoint.CHAT_COMPLETIONS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) {
    return request -> start(request, backend);
  }

  private Translator.Exchange start(ClientRequest request, BackendTarget backend) {
    CALLS.add("start:" + Thread.currentThread().getName());
    return new Translator.Exchange() {
      @Override
      public UpstreamRequest request() {
        return UpstreamRequest.post("/inline", Headers.empty(), request.body());
      }

      @Override
      public ResponseHead onResponseHeaders(int status, Headers headers) {
        return ResponseHead.unchanged(headers.get("content-type").orElse("").startsWith("text/event-stream"));
      }

      @Override
      public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
        CALLS.add("body:" + Thread.currentThread().getName());
        if (request.model().startsWith("plain")) {
          return chunk;
        }
        return new String(chunk, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
      }

      @Override
      public TokenUsage usage() {
        return TokenUsage.of(1, 1);
      }

      @Override
      public String responseModel() {
        return request.model();
      }
    };
  }
}
