package dev.tollgate.extproc;

import dev.tollgate.api.Headers;
import dev.tollgate.core.Platform;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.pipeline.ExchangeSession;
import dev.tollgate.core.pipeline.GatewayListener;
import dev.tollgate.core.pipeline.PhaseResult;
import dev.tollgate.core.pipeline.UpstreamAttempt;
import dev.tollgate.core.pipeline.UpstreamPlacement;
import dev.tollgate.core.plugin.PluginFolders;
import dev.tollgate.core.plugin.PluginLoadException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tollgate explain}: runs a request through the real pipeline (client key check, routing,
 * translation, auth) and prints the consumer its key identifies (when the config has consumers;
 * pass the key with {@code -H authorization=Bearer ...}), the rule, the backend and the exact
 * upstream request it becomes, with
 * credentials hidden; for a rule of placement Upstream, the candidate backends in order and the
 * upstream request of each attempt. Nothing is sent anywhere.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Show which rule and backend a request takes and the upstream request it becomes, without sending it.")
final class Explain implements Callable<Integer> {
  @CommandLine.Mixin
  Main.PluginOptions pluginOptions = new Main.PluginOptions();

  @Parameters(index = "0", paramLabel = "REQUEST.json", description = "the client's request body")
  Path request;

  @Option(names = "--config", description = "gateway config file (default: $TOLLGATE_HOME/config/gateway.yaml)")
  Path config;

  @Option(names = "--path", defaultValue = "/v1/chat/completions", description = "the client's :path (default: ${DEFAULT-VALUE})")
  String path;

  @Option(names = {"-H", "--header"}, paramLabel = "'NAME: VALUE'",
      description = "a client request header, as curl takes it ('NAME: VALUE') or NAME=VALUE; repeatable")
  List<String> headers = new ArrayList<>();

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Remembers where the request was routed. */
  private static final class Route implements GatewayListener {
    String rule;
    String backend;

    @Override
    public void routed(String rule, String backend, String model) {
      this.rule = rule;
      this.backend = backend;
    }
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, String> client = new LinkedHashMap<>();
    client.put(":method", "POST");
    client.put(":path", path);
    client.put(":authority", "tollgate.local");
    client.put("content-type", "application/json");
    for (String h : headers) {
      int colon = h.indexOf(':');
      int eq = h.indexOf('=');
      // a header name holds neither ':' nor '=': the first of them ends it
      int end = colon < 0 ? eq : eq < 0 ? colon : Math.min(colon, eq);
      if (end <= 0 || h.substring(0, end).isBlank()) {
        err.println("tollgate: --header wants 'NAME: VALUE' (as curl) or NAME=VALUE, got '" + h + "'");
        return 2;
      }
      String value = h.substring(end + 1);
      client.put(h.substring(0, end).trim().toLowerCase(Locale.ROOT), end == colon ? value.strip() : value);
    }
    byte[] body;
    try {
      body = Files.readAllBytes(request);
    } catch (IOException e) {
      err.println("tollgate: cannot read " + request + ": " + e.getMessage());
      return 2;
    }
    Path configFile = config != null ? config : Main.home().resolve("config/gateway.yaml");
    Route route = new Route();
    PluginFolders folders = pluginOptions.folders(spec);
    Optional<String> missing = Main.PluginOptions.missing(folders);
    if (missing.isPresent()) {
      err.println(missing.get());
      return 2;
    }
    Platform platform;
    try {
      platform = Platform.start(folders, configFile, Duration.ZERO, route);
    } catch (ConfigException | PluginLoadException e) {
      err.println("tollgate: " + e.getMessage());
      return 2;
    }
    try {
      ExchangeSession session = platform.gateway().newExchange();
      Headers clientHeaders = Headers.of(client);
      PhaseResult headersPhase = session.onRequestHeaders(clientHeaders, false);
      PhaseResult r = headersPhase;
      if (!r.isLocalReply()) {
        r = session.onRequestBody(body, true);
      }
      session.consumer().ifPresent(c -> out.println("consumer: " + c.name() + (c.metadata().isEmpty() ? ""
          : " (" + c.metadata().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
              .collect(java.util.stream.Collectors.joining(", ")) + ")")));
      if (r.isLocalReply()) {
        PhaseResult.LocalReply reply = r.localReply();
        out.println("local reply: " + reply.status() + " (" + reply.details() + "); no upstream is called");
        out.println(new String(reply.body(), StandardCharsets.UTF_8));
        out.flush();
        return 1;
      }
      Map<String, Object> handoff = r.metadata().get(UpstreamPlacement.HANDOFF_NAMESPACE);
      String rule = handoff != null ? String.valueOf(handoff.get("rule")) : route.rule;
      out.println("rule:     " + (rule == null ? "(routing header)" : rule));
      List<String> candidates = session.candidates();
      // what the proxy forwards after the headers phase (the client's key removed, when keys are required)
      Headers forwarded = applied(clientHeaders, headersPhase);
      var compiled = platform.config().current();
      if (handoff == null) {
        var backend = compiled.backends().get(route.backend);
        out.println("backend:  " + route.backend + (backend == null ? "" : " (schema " + backend.target().schema() + ")"));
        if (candidates.size() > 1) {
          out.println("(the rule's other backends " + candidates.subList(1, candidates.size())
              + " take other requests by weight; placement Router does not fall back)");
        }
        printUpstream(out, forwarded, r, body);
        return 0;
      }
      // placement Upstream: Envoy makes the attempts, each translated for its own backend
      out.println("placement: Upstream (each attempt Envoy makes is translated and signed for its backend)");
      out.println("candidates, in the order Envoy tries their priorities: " + String.join(", ", candidates));
      Headers routedHeaders = applied(forwarded, r);
      int failed = 0;
      for (int i = 0; i < candidates.size(); i++) {
        String name = candidates.get(i);
        var backend = compiled.backends().get(name);
        out.println();
        out.println("attempt " + (i + 1) + ": backend " + name + (backend == null ? "" : " (schema "
            + backend.target().schema() + ")"));
        ExchangeSession attempt = platform.gateway().newExchange();
        PhaseResult a = attempt.onAttemptHeaders(routedHeaders,
            new UpstreamAttempt(name, null, i + 1, handoff), false);
        if (!a.isLocalReply()) {
          a = attempt.onRequestBody(body, true);
        }
        if (a.isLocalReply()) {
          PhaseResult.LocalReply reply = a.localReply();
          out.println("local reply: " + reply.status() + " (" + reply.details() + "); this attempt calls no upstream");
          out.println(new String(reply.body(), StandardCharsets.UTF_8));
          failed++;
          continue;
        }
        printUpstream(out, routedHeaders, a, body);
      }
      out.println();
      out.println("(Host: each attempt sets the one in its endpoint's metadata, which the Envoy config holds)");
      out.flush();
      return failed == 0 ? 0 : 1;
    } finally {
      platform.close();
    }
  }

  /** The request headers after a phase's mutations. */
  private static Headers applied(Headers headers, PhaseResult r) {
    Map<String, String> m = new LinkedHashMap<>(headers.asMap());
    r.removeHeaders().forEach(m::remove);
    m.putAll(r.setHeaders().asMap());
    return Headers.of(m);
  }

  private static void printUpstream(PrintWriter out, Headers before, PhaseResult r, byte[] body) {
    Map<String, String> upstream = new LinkedHashMap<>(applied(before, r).asMap());
    upstream.remove(UpstreamPlacement.ATTEMPT_HEADER);
    String method = upstream.remove(":method");
    String upstreamPath = upstream.remove(":path");
    out.println("upstream request:");
    out.println("  " + method + " " + upstreamPath);
    Redaction.headers(upstream).forEach((k, v) -> out.println("  " + k + ": " + v));
    out.println();
    byte[] upstreamBody = r.body() == null ? body : r.body();
    out.println(printable(upstreamBody));
    out.flush();
  }

  private static String printable(byte[] body) {
    try {
      return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(body)).toString();
    } catch (CharacterCodingException e) {
      return "(" + body.length + " bytes of binary body, base64) " + java.util.Base64.getEncoder().encodeToString(body);
    }
  }
}
