package dev.tollgate.api.spi;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.InvalidConfigException;
import java.util.Set;
import org.pf4j.ExtensionPoint;

/**
 * Translates requests arriving at some client endpoints for backends of one schema: the pairs
 * (endpoint, schema) it declares. The platform picks, for each exchange, the factory of the
 * pair (request endpoint, backend schema); two factories declaring one pair stop start-up.
 * A schema's endpoints may come from several plugins, e.g. a third party adding an endpoint to
 * the built-in {@code OpenAI} schema.
 *
 * <p>{@link #create} is called once per backend when the config loads; it checks the backend's
 * settings there, so a wrong setting stops the load instead of failing requests.
 */
public interface TranslatorFactory extends ExtensionPoint {
  /** The backend schema name used in the gateway config, e.g. {@code OpenAI}. */
  String schema();

  /** The client endpoints whose requests this factory's translators take. */
  Set<Endpoint> endpoints();

  /**
   * The translator for one backend.
   *
   * @param backend the backend as configured
   * @param at      its place in the config, e.g. {@code backends[2]}, for error fields (its
   *                {@link BackendTarget#settings() settings} know their own place)
   * @throws InvalidConfigException when a setting of the backend is missing or wrong
   */
  Translator create(BackendTarget backend, String at) throws InvalidConfigException;
}
