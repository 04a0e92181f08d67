package dev.tollgate.extproc;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.api.spi.ResponseHead;
import java.util.concurrent.atomic.AtomicInteger;
import org.pf4j.Extension;

/**
 * A test translator whose behaviour is chosen by the client's model: {@code hang-*} sleeps in
 * {@link #start} (as a plugin stuck on a network call would), {@code hang-body-*} sleeps in the
 * response body, {@code throw-*} throws an unchecked exception from start. Otherwise it passes the
 * body through to {@code /scripted}, reports 11 input and 7 output tokens and answers as
 * {@code <model>-0001}.
 */
@Extension
public final class ScriptedTranslator implements TranslatorFactory {
  /** Sleeps that ended by interruption (the deadline worked). */
  static final AtomicInteger INTERRUPTED = new AtomicInteger();

  @Override
  public String schema() {
    return "Scripted";
  }

  @Override
  public java.util.Set<Endpoint> endpoints() {
    return java.util.Set.of(Endpoint.CHAT_COMPLETIONS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) {
    return request -> start(request, backend);
  }

  private Translator.Exchange start(ClientRequest request, BackendTarget backend) throws GatewayException {
    String model = request.model();
    if (model.startsWith("hang-") && !model.startsWith("hang-body")) {
      hang();
    }
    if (model.startsWith("throw-")) {
      throw new IllegalStateException("scripted failure");
    }
    return new Translator.Exchange() {
      @Override
      public UpstreamRequest request() {
        return UpstreamRequest.post("/scripted", Headers.of("x-scripted", "1"), request.body());
      }

      @Override
      public ResponseHead onResponseHeaders(int status, Headers headers) {
        return ResponseHead.unchanged(headers.get("content-type").orElse("").startsWith("text/event-stream"));
      }

      @Override
      public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
        if (model.startsWith("hang-body")) {
          hang();
        }
        return chunk;
      }

      @Override
      public TokenUsage usage() {
        return TokenUsage.of(11, 7);
      }

      @Override
      public String responseModel() {
        return model + "-0001";
      }
    };
  }

  private static void hang() {
    try {
      Thread.sleep(60_000);
    } catch (InterruptedException e) {
      INTERRUPTED.incrementAndGet();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }
}
