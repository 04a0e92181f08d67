package dev.tollgate.controller.resource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the shape of raw documents ({@code apiVersion}, {@code kind}, {@code metadata.name}, the
 * spec's fields and types) and binds them to typed specs. Reports every problem it finds, each
 * with its origin and field; cross-resource checks happen in the translator.
 */
public final class ResourceReader {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final Set<String> TOP_LEVEL = Set.of("apiVersion", "kind", "metadata", "spec", "status");

  private ResourceReader() {
  }

  /** Reads all documents; throws with every problem found when any is wrong. */
  public static ResourceSet read(List<RawDocument> documents) throws InvalidResourcesException {
    List<Problem> problems = new ArrayList<>();
    Map<ResourceKind, List<Resource<?>>> byKind = new HashMap<>();
    Map<String, SecretData> secrets = new HashMap<>();
    Set<String> seen = new HashSet<>();
    for (RawDocument doc : documents) {
      if (doc.tree() == null || doc.tree().isEmpty()) {
        continue;
      }
      Map<String, Object> tree = doc.tree();
      String apiVersion = str(tree.get("apiVersion"));
      String kindName = str(tree.get("kind"));
      Object metadata = tree.get("metadata");
      String name = metadata instanceof Map<?, ?> m ? str(m.get("name")) : null;
      String namespace = metadata instanceof Map<?, ?> m ? str(m.get("namespace")) : null;
      boolean named = kindName != null && name != null && !doc.origin().startsWith(kindName + " ");
      String origin = doc.origin() + (named ? " (" + kindName + " " + name + ")" : "");
      if (kindName == null) {
        problems.add(new Problem(doc.origin(), "kind", "is missing; use one of " + kinds() + " or Secret"));
        continue;
      }
      if (name == null) {
        problems.add(new Problem(origin, "metadata.name", "is missing"));
        continue;
      }
      if (name.length() > 253 || !NAME.matcher(name).matches()) {
        problems.add(new Problem(origin, "metadata.name",
            "'" + name + "' is not a valid name (lower-case letters, digits, '-' and '.', starting and ending alphanumeric)"));
        continue;
      }
      if ("Secret".equals(kindName) && "v1".equals(apiVersion)) {
        if (!seen.add("Secret/" + name)) {
          problems.add(new Problem(origin, "metadata.name", "Secret '" + name + "' is defined twice"));
          continue;
        }
        readSecret(tree, name, origin, problems).ifPresent(s -> secrets.put(name, s));
        continue;
      }
      ResourceKind kind = ResourceKind.byKind(kindName);
      if (kind == null) {
        problems.add(new Problem(origin, "kind", "'" + kindName + "' is not known; use one of " + kinds() + " or Secret"));
        continue;
      }
      if (!ResourceKind.API_VERSION.equals(apiVersion)) {
        problems.add(new Problem(origin, "apiVersion",
            (apiVersion == null ? "is missing" : "'" + apiVersion + "' is not served") + "; use " + ResourceKind.API_VERSION));
        continue;
      }
      boolean shapeOk = true;
      for (String key : tree.keySet()) {
        if (!TOP_LEVEL.contains(key)) {
          problems.add(new Problem(origin, key.isBlank() ? "\"" + key.replace("\n", "\\n").replace("\t", "\\t") + "\"" : key,
              "is not a known field; use apiVersion, kind, metadata and spec"));
          shapeOk = false;
        }
      }
      Object spec = tree.get("spec");
      if (!(spec instanceof Map<?, ?>)) {
        problems.add(new Problem(origin, "spec", spec == null ? "is missing" : "must be a mapping"));
        continue;
      }
      if (!shapeOk) {
        continue;
      }
      String emptyItem = emptyItem(spec, "spec");
      if (emptyItem != null) {
        problems.add(new Problem(origin, emptyItem, "is empty; give the item its fields or remove it"));
        continue;
      }
      if (!seen.add(kind.kind() + "/" + name)) {
        problems.add(new Problem(origin, "metadata.name", kind.kind() + " '" + name + "' is defined twice"));
        continue;
      }
      try {
        Object typed = MAPPER.treeToValue(MAPPER.valueToTree(spec), kind.specType());
        byKind.computeIfAbsent(kind, k -> new ArrayList<>())
            .add(new Resource<>(kind, name, namespace == null ? "" : namespace, origin, typed));
      } catch (JsonProcessingException e) {
        problems.add(bindingProblem(origin, e));
      } catch (IllegalArgumentException e) {
        problems.add(new Problem(origin, "spec", e.getMessage()));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidResourcesException(problems);
    }
    return new ResourceSet(list(byKind, ResourceKind.AI_GATEWAY_ROUTE), list(byKind, ResourceKind.AI_SERVICE_BACKEND),
        list(byKind, ResourceKind.BACKEND_SECURITY_POLICY), list(byKind, ResourceKind.PROMPT_POLICY),
        list(byKind, ResourceKind.CONSUMER), list(byKind, ResourceKind.TOKEN_BUDGET),
        list(byKind, ResourceKind.PRICE_TABLE), secrets);
  }

  private static java.util.Optional<SecretData> readSecret(Map<String, Object> tree, String name, String origin,
                                                           List<Problem> problems) {
    Map<String, String> values = new LinkedHashMap<>();
    Object data = tree.get("data");
    if (data instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        try {
          values.put(String.valueOf(e.getKey()),
              new String(Base64.getDecoder().decode(String.valueOf(e.getValue()).trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException ex) {
          problems.add(new Problem(origin, "data." + e.getKey(), "is not base64; put plain text under stringData instead"));
          return java.util.Optional.empty();
        }
      }
    } else if (data != null) {
      problems.add(new Problem(origin, "data", "must be a mapping of key to base64 value"));
    }
    Object stringData = tree.get("stringData");
    if (stringData instanceof Map<?, ?> m) {
      m.forEach((k, v) -> values.put(String.valueOf(k), String.valueOf(v)));
    } else if (stringData != null) {
      problems.add(new Problem(origin, "stringData", "must be a mapping of key to value"));
    }
    return java.util.Optional.of(new SecretData(name, origin, values));
  }

  @SuppressWarnings("unchecked")
  private static <S> List<Resource<S>> list(Map<ResourceKind, List<Resource<?>>> byKind, ResourceKind kind) {
    List<Resource<S>> out = new ArrayList<>();
    for (Resource<?> r : byKind.getOrDefault(kind, List.of())) {
      out.add((Resource<S>) r);
    }
    out.sort(Comparator.comparing(Resource::name));
    return out;
  }

  private static Problem bindingProblem(String origin, JsonProcessingException e) {
    String field = "spec";
    if (e instanceof JsonMappingException jme) {
      field = "spec" + path(jme.getPath());
    }
    String message;
    if (e instanceof UnrecognizedPropertyException u) {
      List<String> known = new ArrayList<>();
      if (u.getKnownPropertyIds() != null) {
        u.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
      }
      known.sort(null);
      message = "is not a known field" + (known.isEmpty() ? "" : "; known fields here: " + String.join(", ", known));
    } else if (e instanceof InvalidFormatException f) {
      message = "'" + f.getValue() + "' is not a valid " + simpleType(f.getTargetType());
    } else if (e instanceof MismatchedInputException m) {
      message = "must be " + expected(m.getTargetType());
    } else {
      message = e.getOriginalMessage();
    }
    return new Problem(origin, field, message);
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        sb.append('.').append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping";
    }
    return "a " + simpleType(type);
  }

  private static String simpleType(Class<?> type) {
    if (type == null) {
      return "value";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "whole number";
    }
    if (type == Double.class || type == double.class) {
      return "number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "boolean (true or false)";
    }
    if (type == String.class) {
      return "string";
    }
    return type.getSimpleName();
  }

  private static String kinds() {
    List<String> names = new ArrayList<>();
    for (ResourceKind k : ResourceKind.values()) {
      names.add(k.kind());
    }
    return String.join(", ", names);
  }

  /** The path of the first list item below {@code node} that is empty (YAML {@code -} alone), or null. */
  private static String emptyItem(Object node, String path) {
    if (node instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        String found = emptyItem(e.getValue(), path + "." + e.getKey());
        if (found != null) {
          return found;
        }
      }
    } else if (node instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        String found = l.get(i) == null ? path + "[" + i + "]" : emptyItem(l.get(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  private static String str(Object o) {
    return o == null ? null : String.valueOf(o);
  }
}
