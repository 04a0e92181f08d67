package dev.tollgate.toolkit;

import dev.tollgate.api.Endpoint;
import dev.tollgate.api.spi.TranslatorFactory;
import java.util.EnumSet;
import java.util.Set;

/**
 * The declaration half of a {@link TranslatorFactory}: the schema and the client endpoints it
 * translates, given once to the constructor, so that a factory only writes
 * {@link TranslatorFactory#create}.
 *
 * <pre>{@code
 * @Extension
 * public final class ChatToAcme extends TranslatorFactoryBase {
 *   public ChatToAcme() { super("Acme", Endpoint.CHAT_COMPLETIONS); }
 *   public Translator create(BackendTarget backend, String at) { ... }
 * }
 * }</pre>
 */
public abstract class TranslatorFactoryBase implements TranslatorFactory {
  private final String schema;
  private final Set<Endpoint> endpoints;

  protected TranslatorFactoryBase(String schema, Endpoint first, Endpoint... more) {
    this.schema = schema;
    this.endpoints = Set.copyOf(EnumSet.of(first, more));
  }

  @Override
  public final String schema() {
    return schema;
  }

  @Override
  public final Set<Endpoint> endpoints() {
    return endpoints;
  }
}
