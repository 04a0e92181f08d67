package dev.tollgate.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.Optional;

/**
 * Finds YAML aliases ({@code *name}). Jackson reads an alias into maps and lists as the plain
 * string {@code name}, not as the anchored value, so a config or resource that uses one would
 * silently get a wrong value (an API key {@code *key} becomes the text "key"); Tollgate refuses
 * them instead, naming the field.
 */
public final class YamlAliases {
  private static final YAMLFactory FACTORY = new YAMLFactory();

  /**
   * An alias in a YAML text.
   *
   * @param document the document it is in, from 1
   * @param field    its field path in that document, e.g. {@code backends[0].auth.key}; empty at the top
   * @param name     the alias's anchor name
   * @param line     where it is, from 1
   */
  public record Alias(int document, String field, String name, int line) {
    /** What is wrong and what to do. */
    public String message() {
      return "*" + name + " (line " + line + ") is a YAML alias, which Tollgate does not expand;"
          + " write the value out in full";
    }
  }

  private YamlAliases() {
  }

  /**
   * The first alias in {@code yaml}, if any. Syntax errors end the search quietly: the reader that
   * binds the text reports them.
   */
  public static Optional<Alias> first(String yaml) {
    int document = 0;
    try (YAMLParser p = (YAMLParser) FACTORY.createParser(yaml)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        boolean startsDocument = t.isStructStart() ? p.getParsingContext().getParent().inRoot()
            : t.isScalarValue() && p.getParsingContext().inRoot();
        if (startsDocument) {
          document++;
        }
        if (p.isCurrentAlias()) {
          return Optional.of(new Alias(Math.max(document, 1), path(p), p.getText(),
              p.currentLocation().getLineNr()));
        }
      }
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static String path(JsonParser p) {
    StringBuilder sb = new StringBuilder();
    JsonStreamContext c = p.getParsingContext();
    for (; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray()) {
        sb.insert(0, "[" + Math.max(c.getCurrentIndex(), 0) + "]");
      } else if (c.getCurrentName() != null) {
        sb.insert(0, "." + c.getCurrentName());
      }
    }
    return sb.length() > 0 && sb.charAt(0) == '.' ? sb.substring(1) : sb.toString();
  }
}
