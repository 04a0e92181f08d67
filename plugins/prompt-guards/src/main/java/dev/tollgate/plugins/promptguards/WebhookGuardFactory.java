package dev.tollgate.plugins.promptguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuardFactory;
import jakarta.inject.Inject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Guard type {@code Webhook}: asks an operator's HTTP service.
 * <pre>
 * - type: Webhook
 *   url: http://guard.internal/check
 *   timeout: PT1S          # ISO-8601
 *   failOpen: false        # on timeout/error: false rejects with 503, true lets the text pass
 *   headers: {authorization: "Bearer ..."}
 * </pre>
 * Request: {@code POST {"direction":"request"|"response","texts":[...]}}. Answer:
 * {@code {"action":"allow"}}, {@code {"action":"mask","texts":[...]}} (as many as sent) or
 * {@code {"action":"reject","status":403,"message":"..."}}.
 */
@Extension
public final class WebhookGuardFactory implements PromptGuardFactory {
  static final ObjectMapper JSON = JsonSupport.MAPPER;
  private static final System.Logger LOG = System.getLogger(WebhookGuardFactory.class.getName());
  private final PlatformServices platform;

  @Inject
  public WebhookGuardFactory(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String type() {
    return "Webhook";
  }

  @Override
  public PromptGuard create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("url", "timeout", "failOpen", "headers"));
    RemoteGuard remote = RemoteGuard.parse(s, null);
    Map<String, String> headers = s.stringMap("headers");
    return (direction, texts) -> {
      ObjectNode body = JSON.createObjectNode();
      body.put("direction", direction == PromptGuard.Direction.REQUEST ? "request" : "response");
      texts.forEach(body.putArray("texts")::add);
      HttpRequest.Builder req = HttpRequest.newBuilder(remote.url()).timeout(remote.timeout())
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
      headers.forEach(req::header);
      try {
        HttpResponse<byte[]> resp = platform.httpClient().send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
          return unavailable(remote, "answered HTTP " + resp.statusCode());
        }
        return verdict(JSON.readTree(resp.body()), texts.size(), remote);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return unavailable(remote, "was interrupted");
      } catch (java.io.IOException e) {
        return unavailable(remote, "failed: " + e.getClass().getSimpleName());
      }
    };
  }

  private static PromptGuard.Verdict verdict(JsonNode answer, int count, RemoteGuard remote) {
    switch (answer.path("action").asText()) {
      case "allow" -> {
        return PromptGuard.ALLOW;
      }
      case "reject" -> {
        int status = answer.path("status").asInt(403);
        return new PromptGuard.Reject(status >= 400 && status <= 599 ? status : 403,
            answer.path("message").asText("rejected by the gateway's content policy"));
      }
      case "mask" -> {
        JsonNode t = answer.path("texts");
        if (!t.isArray() || t.size() != count) {
          return unavailable(remote, "answered mask with " + t.size() + " texts for " + count);
        }
        List<String> out = new ArrayList<>();
        t.forEach(n -> out.add(n.asText()));
        return new PromptGuard.Mask(out);
      }
      default -> {
        return unavailable(remote, "answered an unknown action '" + answer.path("action").asText() + "'");
      }
    }
  }

  static PromptGuard.Verdict unavailable(RemoteGuard remote, String what) {
    LOG.log(System.Logger.Level.WARNING, "prompt guard at " + remote.url() + " " + what
        + (remote.failOpen() ? "; letting the text pass (failOpen)" : "; rejecting"));
    return remote.failOpen() ? PromptGuard.ALLOW
        : new PromptGuard.Reject(503, "the gateway's content check is unavailable; try again later");
  }
}
