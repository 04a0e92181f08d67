package dev.tollgate.controller;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.api.spi.TranslatorFactory;
import java.util.Set;
import org.pf4j.Extension;

/**
 * A third-party backend schema, {@code Acme}, that no part of Tollgate knows: it is found on the
 * test class path like a plugin's extension. It needs the provider setting {@code tenant} (a
 * lower-case word), so that its own rule, not the controller's, is what a resource is judged by.
 */
@Extension
public final class AcmeTranslator implements TranslatorFactory {
  @Override
  public String schema() {
    return "Acme";
  }

  @Override
  public Set<Endpoint> endpoints() {
    return Set.of(Endpoint.CHAT_COMPLETIONS);
  }

  @Override
  public Translator create(BackendTarget backend, String at) throws InvalidConfigException {
    String tenant = backend.settings().string("tenant");
    if (!tenant.matches("[a-z]+")) {
      throw new InvalidConfigException(backend.settings().field("tenant"), "'" + tenant + "' is not an Acme tenant");
    }
    return request -> {
      throw new GatewayException(501, "server_error", "the Acme test schema only exists to be validated");
    };
  }
}
