package dev.tollgate.core.config;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.CostCalculator;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.NonBlocking;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.core.config.CompiledConfig.ReadyBackend;
import dev.tollgate.core.config.CompiledConfig.ReadyCost;
import dev.tollgate.core.config.CompiledConfig.ReadyEnricher;
import dev.tollgate.core.config.CompiledConfig.ReadyGuard;
import dev.tollgate.core.config.CompiledConfig.ReadyPolicy;
import dev.tollgate.api.spi.PromptGuardFactory;
import dev.tollgate.api.spi.RequestEnricher;
import dev.tollgate.api.spi.RequestEnricherFactory;
import dev.tollgate.core.plugin.PluginRegistry;
import dev.tollgate.core.routing.Router;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Loads a gateway config file and prepares it with the installed plugins. */
public final class ConfigCompiler {
  private final PluginRegistry plugins;

  public ConfigCompiler(PluginRegistry plugins) {
    this.plugins = plugins;
  }

  /** Reads, parses and compiles {@code file}; every error message starts with the file's path. */
  public CompiledConfig load(Path file) throws ConfigException {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": file not found; pass --config with the gateway config file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot be read: " + e.getMessage());
    }
    return compile(content, file);
  }

  /** Parses and compiles {@code content}, already read from {@code file}; messages start with the path. */
  public CompiledConfig compile(byte[] content, Path file) throws ConfigException {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(content)).toString();
    } catch (CharacterCodingException e) {
      throw new ConfigException(file + ": is not UTF-8 text");
    }
    return compile(text, file.toString());
  }

  /** Parses and compiles YAML text; {@code source} names it in messages. */
  public CompiledConfig compile(String yaml, String source) throws ConfigException {
    try {
      return compile(ConfigParser.parse(yaml));
    } catch (InvalidConfigException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e);
    }
  }

  /** Which sides of an exchange use an extension that may block, found while the extensions are created. */
  private static final class Sides {
    boolean request;
    boolean response;

    /** Notes {@code extension} (and what it created) on the given sides unless it is {@link NonBlocking}. */
    void note(Object extension, Object created, boolean onRequest, boolean onResponse) {
      boolean marked = extension.getClass().isAnnotationPresent(NonBlocking.class)
          || (created != null && created.getClass().isAnnotationPresent(NonBlocking.class));
      request |= onRequest && !marked;
      response |= onResponse && !marked;
    }
  }

  public CompiledConfig compile(GatewayConfig config) throws InvalidConfigException {
    Sides blocking = new Sides();
    Map<String, ReadyBackend> backends = new LinkedHashMap<>();
    for (int i = 0; i < config.backends().size(); i++) {
      GatewayConfig.Backend b = config.backends().get(i);
      String at = "backends[" + i + "]";
      Map<Endpoint, TranslatorFactory> factories = plugins.translators(b.schema());
      if (factories.isEmpty()) {
        throw new InvalidConfigException(at + ".schema.name", "no installed plugin provides schema '" + b.schema()
            + "'; installed: " + plugins.translators().keySet() + plugins.notLoadedHint());
      }
      Optional<BackendAuth> auth = Optional.empty();
      if (b.auth().isPresent()) {
        GatewayConfig.AuthSpec spec = b.auth().get();
        BackendAuthFactory factory = plugins.auth(spec.type()).orElseThrow(() ->
            new InvalidConfigException(at + ".auth.type", "no installed plugin provides auth type '" + spec.type()
                + "'; installed: " + plugins.auths().keySet() + plugins.notLoadedHint()));
        auth = Optional.of(factory.create(spec.settings()));
        blocking.note(factory, auth.get(), true, false);
      }
      BackendTarget target = new BackendTarget(b.name(), b.schema(), b.schemaVersion(), b.modelNameOverride(),
          b.provider());
      backends.put(b.name(), new ReadyBackend(target, translators(factories, target, at, blocking), auth));
    }
    List<ReadyCost> costs = costs(config.costs(), "costs", blocking);
    Map<String, List<ReadyCost>> ruleCosts = new LinkedHashMap<>();
    for (int i = 0; i < config.rules().size(); i++) {
      GatewayConfig.Rule r = config.rules().get(i);
      ruleCosts.put(r.name(), costs(r.costs(), "rules[" + i + "].costs", blocking));
    }
    List<ReadyPolicy> policies = new ArrayList<>();
    for (int i = 0; i < config.policies().size(); i++) {
      policies.add(policy(config.policies().get(i), "policies[" + i + "]", blocking));
    }
    return new CompiledConfig(config, new Router(config), backends, costs, ruleCosts, policies,
        new CompiledConfig.Blocking(blocking.request, blocking.response));
  }

  /** One translator per factory of the backend's schema (a factory serving several endpoints makes one for all). */
  private static Map<Endpoint, Translator> translators(Map<Endpoint, TranslatorFactory> factories, BackendTarget target,
                                                       String at, Sides blocking) throws InvalidConfigException {
    Map<TranslatorFactory, Translator> made = new java.util.IdentityHashMap<>();
    Map<Endpoint, Translator> out = new java.util.EnumMap<>(Endpoint.class);
    for (Map.Entry<Endpoint, TranslatorFactory> e : factories.entrySet()) {
      TranslatorFactory factory = e.getValue();
      Translator translator = made.get(factory);
      if (translator == null) {
        translator = factory.create(target, at);
        if (translator == null) {
          throw new IllegalStateException(factory.getClass().getName() + ".create returned null");
        }
        made.put(factory, translator);
        blocking.note(factory, translator, true, true);
      }
      out.put(e.getKey(), translator);
    }
    return out;
  }

  private List<ReadyCost> costs(List<GatewayConfig.CostSpec> specs, String at, Sides blocking)
      throws InvalidConfigException {
    List<ReadyCost> costs = new ArrayList<>();
    for (int i = 0; i < specs.size(); i++) {
      GatewayConfig.CostSpec c = specs.get(i);
      String field = at + "[" + i + "].type";
      CostCalculatorFactory factory = plugins.cost(c.type()).orElseThrow(() ->
          new InvalidConfigException(field, "no installed plugin provides cost type '" + c.type()
              + "'; installed: " + plugins.costs().keySet() + plugins.notLoadedHint()));
      CostCalculator calculator = factory.create(c.settings());
      blocking.note(factory, calculator, false, true);
      costs.add(new ReadyCost(c.metadataKey(), c.type(), calculator));
    }
    return costs;
  }

  private ReadyPolicy policy(GatewayConfig.Policy p, String at, Sides blocking) throws InvalidConfigException {
    List<ReadyGuard> guards = new ArrayList<>();
    for (int i = 0; i < p.guards().size(); i++) {
      GatewayConfig.GuardSpec g = p.guards().get(i);
      String field = at + ".guards[" + i + "].type";
      PromptGuardFactory factory = plugins.guard(g.type()).orElseThrow(() ->
          new InvalidConfigException(field, "no installed plugin provides guard type '" + g.type()
              + "'; installed: " + plugins.guards().keySet() + plugins.notLoadedHint()));
      PromptGuard guard = factory.create(g.settings());
      blocking.note(factory, guard, g.onRequest(), g.onResponse());
      guards.add(new ReadyGuard(g.type(), guard, g.onRequest(), g.onResponse()));
    }
    List<ReadyEnricher> enrichers = new ArrayList<>();
    for (int i = 0; i < p.enrichment().size(); i++) {
      GatewayConfig.EnricherSpec e = p.enrichment().get(i);
      String field = at + ".enrichment[" + i + "].type";
      RequestEnricherFactory factory = plugins.enricher(e.type()).orElseThrow(() ->
          new InvalidConfigException(field, "no installed plugin provides enrichment type '" + e.type()
              + "'; installed: " + plugins.enrichers().keySet() + plugins.notLoadedHint()));
      RequestEnricher enricher = factory.create(e.settings());
      blocking.note(factory, enricher, true, false);
      enrichers.add(new ReadyEnricher(e.type(), enricher));
    }
    return new ReadyPolicy(p, guards, enrichers);
  }
}
