package dev.tollgate.controller.fuzz;

import dev.tollgate.controller.TestPlugins;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.RawDocument;
import dev.tollgate.controller.resource.ResourceReader;
import dev.tollgate.controller.translate.GatewaySettings;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import dev.tollgate.core.config.ConfigParser;
import java.util.List;
import java.util.Set;

/**
 * What the resource fuzz tests accept: resources read, checked and translated, or an
 * {@link InvalidResourcesException} whose every problem names the file (or object) it comes from,
 * a field and what is wrong. A translation must give a gateway config the gateway parses and an
 * Envoy bootstrap that can be written.
 */
final class ResourceChecks {
  static final Translator TRANSLATOR = new Translator(GatewaySettings.defaults(), TestPlugins.withPriceTable());

  private ResourceChecks() {
  }

  /** Reads and translates {@code docs}; returns the translation, or null when the resources were rejected. */
  static Translation translate(List<RawDocument> docs, Set<String> files) {
    Translation t;
    try {
      t = TRANSLATOR.translate(ResourceReader.read(docs));
    } catch (InvalidResourcesException e) {
      check(e, files);
      return null;
    }
    try {
      ConfigParser.parse(t.gatewayConfigYaml());
    } catch (dev.tollgate.api.InvalidConfigException e) {
      throw new AssertionError("the translation wrote a gateway config the gateway rejects: " + e.getMessage()
          + "\n" + t.gatewayConfigYaml(), e);
    }
    t.envoyBootstrapYaml();
    return t;
  }

  static void check(InvalidResourcesException e, Set<String> files) {
    if (e.problems().isEmpty()) {
      throw new AssertionError("rejected with no problem named", e);
    }
    for (Problem p : e.problems()) {
      boolean fromFile = files.stream().anyMatch(f -> p.origin() != null && p.origin().startsWith(f));
      if (!fromFile || p.field() == null || p.field().isBlank() || p.message() == null || p.message().isBlank()) {
        throw new AssertionError("a problem must name its file, field and what is wrong: " + p, e);
      }
    }
  }
}
