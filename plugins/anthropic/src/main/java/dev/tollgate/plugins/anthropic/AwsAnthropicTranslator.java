package dev.tollgate.plugins.anthropic;

import dev.tollgate.api.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Headers;
import dev.tollgate.api.PlatformServices;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.NonBlocking;
import jakarta.inject.Inject;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Schema {@code AWSAnthropic}: Claude on Amazon Bedrock through InvokeModel.
 * {@code POST /model/{modelId}/invoke}, or {@code /invoke-with-response-stream} when streaming
 * (the model id percent-encoded, as the AWS SDKs send it). The body is an Anthropic Messages body
 * without {@code model} and {@code stream} (Bedrock refuses both) and with
 * {@code anthropic_version} (the backend's schema version, else {@value #DEFAULT_VERSION}).
 * Streamed answers arrive as AWS event-stream frames and are decoded into Anthropic events.
 * SigV4 signing is the auth handler's job; it sees this final path and body.
 */
@NonBlocking
@Extension
public final class AwsAnthropicTranslator extends AnthropicFamilyTranslator {
  /** The {@code anthropic_version} Bedrock documents. */
  public static final String DEFAULT_VERSION = "bedrock-2023-05-31";

  @Inject
  public AwsAnthropicTranslator(PlatformServices platform) {
    super(platform);
  }

  @Override
  public String schema() {
    return "AWSAnthropic";
  }

  @Override
  UpstreamRequest upstream(ClientRequest request, BackendTarget backend, String model, ObjectNode body,
                           boolean changed) {
    boolean stream = streaming(body);
    body.remove("stream");
    adjustForCloud(body, backend.version().orElse(DEFAULT_VERSION), request);
    String path = "/model/" + pathSegment(model) + (stream ? "/invoke-with-response-stream" : "/invoke");
    Headers headers = Headers.of("content-type", "application/json",
        "accept", stream ? "application/vnd.amazon.eventstream" : "application/json");
    if (stream) {
      headers = headers.with("x-amzn-bedrock-accept", "application/json");
    }
    return new UpstreamRequest("POST", path, headers,
        Set.of("authorization", "x-api-key", "anthropic-version", "anthropic-beta"), JsonSupport.bytes(body));
  }
}
