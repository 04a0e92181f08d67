package dev.tollgate.plugins.promptguards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuardFactory;
import jakarta.inject.Inject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;
import org.pf4j.Extension;

/**
 * Guard type {@code Moderation}: an OpenAI-compatible moderation endpoint.
 * <pre>
 * - type: Moderation
 *   url: https://api.openai.com/v1/moderations   # the default
 *   model: omni-moderation-latest                 # the default
 *   apiKeyFile: /etc/tollgate/openai.key          # or apiKeyEnv: OPENAI_API_KEY
 *   status: 400                                   # status of the rejection
 *   timeout: PT2S
 *   failOpen: false
 * </pre>
 * Any flagged input rejects, naming the flagged categories.
 */
@Extension
public final class ModerationGuardFactory implements PromptGuardFactory {
  private final PlatformServices platform;

  @Inject
  public ModerationGuardFactory(PlatformServices platform) {
    this.platform = platform;
  }

  @Override
  public String type() {
    return "Moderation";
  }

  @Override
  public PromptGuard create(Settings s) throws InvalidConfigException {
    s.allowOnly(Set.of("url", "model", "apiKeyFile", "apiKeyEnv", "status", "timeout", "failOpen"));
    RemoteGuard remote = RemoteGuard.parse(s, "https://api.openai.com/v1/moderations");
    String model = s.string("model", "omni-moderation-latest");
    int status = (int) s.longValue("status", 400);
    if (status < 400 || status > 599) {
      throw new InvalidConfigException(s.field("status"), "must be an HTTP error status (400-599)");
    }
    Path keyFile = s.optionalString("apiKeyFile").map(Path::of).orElse(null);
    String keyField = s.field("apiKeyFile");
    String envKey = null;
    if (keyFile != null) {
      platform.readSecretFile(keyFile, keyField);
    } else if (s.has("apiKeyEnv")) {
      envKey = System.getenv(s.string("apiKeyEnv"));
      if (envKey == null || envKey.isBlank()) {
        throw new InvalidConfigException(s.field("apiKeyEnv"), "environment variable " + s.string("apiKeyEnv") + " is not set");
      }
    }
    String fixedKey = envKey;
    return (direction, texts) -> {
      ObjectNode body = WebhookGuardFactory.JSON.createObjectNode();
      body.put("model", model);
      texts.forEach(body.putArray("input")::add);
      HttpRequest.Builder req = HttpRequest.newBuilder(remote.url()).timeout(remote.timeout())
          .header("content-type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
      try {
        String key = keyFile != null ? platform.readSecretFile(keyFile, keyField) : fixedKey;
        if (key != null) {
          req.header("authorization", "Bearer " + key);
        }
        HttpResponse<byte[]> resp = platform.httpClient().send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (resp.statusCode() != 200) {
          return WebhookGuardFactory.unavailable(remote, "answered HTTP " + resp.statusCode());
        }
        JsonNode results = WebhookGuardFactory.JSON.readTree(resp.body()).path("results");
        if (!results.isArray()) {
          return WebhookGuardFactory.unavailable(remote, "answered without results");
        }
        Set<String> categories = new TreeSet<>();
        boolean flagged = false;
        for (JsonNode r : results) {
          if (r.path("flagged").asBoolean(false)) {
            flagged = true;
            for (Iterator<java.util.Map.Entry<String, JsonNode>> it = r.path("categories").fields(); it.hasNext(); ) {
              var e = it.next();
              if (e.getValue().asBoolean(false)) {
                categories.add(e.getKey());
              }
            }
          }
        }
        if (!flagged) {
          return PromptGuard.ALLOW;
        }
        return new PromptGuard.Reject(status, "the " + (direction == PromptGuard.Direction.REQUEST ? "prompt" : "answer")
            + " was flagged by content moderation" + (categories.isEmpty() ? "" : " (" + String.join(", ", categories) + ")"));
      } catch (InvalidConfigException e) {
        return WebhookGuardFactory.unavailable(remote, "has no readable API key");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WebhookGuardFactory.unavailable(remote, "was interrupted");
      } catch (java.io.IOException e) {
        return WebhookGuardFactory.unavailable(remote, "failed: " + e.getClass().getSimpleName());
      }
    };
  }
}
