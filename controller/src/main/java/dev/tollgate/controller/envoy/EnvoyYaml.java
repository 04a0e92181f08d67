package dev.tollgate.controller.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Envoy protos to YAML and back, through the proto3 JSON mapping that Envoy's own config loader
 * uses. The type registry covers every {@code Any} the controller writes.
 */
public final class EnvoyYaml {
  /** The message types that appear inside {@code typed_config} and protocol options. */
  public static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder()
      .add(HttpConnectionManager.getDescriptor())
      .add(ExternalProcessor.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute.getDescriptor())
      .add(Router.getDescriptor())
      .add(UpstreamTlsContext.getDescriptor())
      .add(HttpProtocolOptions.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig.getDescriptor())
      .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDescriptor())
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private EnvoyYaml() {
  }

  /** The message as Envoy-style YAML (proto field names). */
  public static String toYaml(Message message) {
    try {
      String json = JsonFormat.printer().usingTypeRegistry(TYPES).preservingProtoFieldNames().print(message);
      return YAML.writeValueAsString(JSON.readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses a bootstrap YAML with the Envoy protos, rejecting unknown fields. */
  public static Bootstrap parseBootstrap(String yaml) throws InvalidProtocolBufferException {
    try {
      JsonNode tree = YAML.readTree(yaml);
      Bootstrap.Builder b = Bootstrap.newBuilder();
      JsonFormat.parser().usingTypeRegistry(TYPES).merge(JSON.writeValueAsString(tree), b);
      return b.build();
    } catch (InvalidProtocolBufferException e) {
      throw e;
    } catch (IOException e) {
      throw new InvalidProtocolBufferException(e.getMessage());
    }
  }
}
