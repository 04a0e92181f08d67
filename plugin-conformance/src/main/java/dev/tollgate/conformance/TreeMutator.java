package dev.tollgate.conformance;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Changes a parsed YAML tree (maps, lists, scalars) as the fuzzer chooses: a few edits at places
 * it picks, each replacing, removing, adding, copying or wrapping a value. The keys and values it
 * adds come mostly from the words it is given (those of the format fuzzed), so that most changed
 * documents are nearly valid and reach the checks behind the parser. For Jazzer fuzz tests of
 * YAML or JSON inputs (the gateway config, resources).
 */
public final class TreeMutator {
  private final String[] words;

  /** A mutator that adds mostly these words as keys and values. */
  public TreeMutator(String... words) {
    this.words = words.clone();
  }

  /** A changed deep copy of {@code seed}. */
  public Object mutate(Object seed, FuzzedDataProvider data) {
    Object root = copy(seed);
    int edits = data.consumeInt(1, 4);
    for (int i = 0; i < edits && data.remainingBytes() > 0; i++) {
      root = edit(root, root, data, 0);
    }
    return root;
  }

  /** Edits at {@code node} or below; returns what replaces {@code node}. */
  @SuppressWarnings("unchecked")
  private Object edit(Object root, Object node, FuzzedDataProvider data, int depth) {
    boolean descend = depth < 12 && data.consumeBoolean();
    if (descend && node instanceof Map<?, ?> m && !m.isEmpty()) {
      Map<String, Object> map = (Map<String, Object>) m;
      List<String> keys = new ArrayList<>(map.keySet());
      String k = keys.get(data.consumeInt(0, keys.size() - 1));
      map.put(k, edit(root, map.get(k), data, depth + 1));
      return node;
    }
    if (descend && node instanceof List<?> l && !l.isEmpty()) {
      List<Object> list = (List<Object>) l;
      int i = data.consumeInt(0, list.size() - 1);
      list.set(i, edit(root, list.get(i), data, depth + 1));
      return node;
    }
    switch (data.consumeInt(0, 8)) {
      case 0:
        return scalar(data);
      case 1: // remove a field or an item
        if (node instanceof Map<?, ?> m && !m.isEmpty()) {
          List<Object> keys = new ArrayList<>(m.keySet());
          m.remove(keys.get(data.consumeInt(0, keys.size() - 1)));
        } else if (node instanceof List<?> l && !l.isEmpty()) {
          l.remove(data.consumeInt(0, l.size() - 1));
        }
        return node;
      case 2: // add a field or an item
        if (node instanceof Map<?, ?> m) {
          ((Map<String, Object>) m).put(word(data), value(root, data));
        } else if (node instanceof List<?> l) {
          ((List<Object>) l).add(data.consumeInt(0, l.size()), value(root, data));
        }
        return node;
      case 3:
        return data.consumeBoolean() ? new LinkedHashMap<String, Object>() : new ArrayList<>();
      case 4: // another part of the tree here
        return copy(pick(root, data, 0));
      case 5: // an item twice
        if (node instanceof List<?> l && !l.isEmpty()) {
          ((List<Object>) l).add(copy(l.get(data.consumeInt(0, l.size() - 1))));
        }
        return node;
      case 6:
        return new ArrayList<>(List.of(node == null ? "" : node));
      case 7: // a changed string
        String s = node instanceof String str ? str : String.valueOf(node);
        int cut = data.consumeInt(0, s.length());
        return s.substring(0, cut) + data.consumeString(12) + s.substring(cut);
      default:
        return null;
    }
  }

  private Object value(Object root, FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 3)) {
      case 0 -> copy(pick(root, data, 0));
      case 1 -> {
        Map<String, Object> m = new LinkedHashMap<>(); // scalars may be null: no Map.of
        m.put(word(data), scalar(data));
        yield m;
      }
      case 2 -> {
        List<Object> l = new ArrayList<>();
        l.add(scalar(data));
        yield l;
      }
      default -> scalar(data);
    };
  }

  private Object pick(Object node, FuzzedDataProvider data, int depth) {
    if (depth > 12 || !data.consumeBoolean()) {
      return node;
    }
    if (node instanceof Map<?, ?> m && !m.isEmpty()) {
      List<Object> values = new ArrayList<>(m.values());
      return pick(values.get(data.consumeInt(0, values.size() - 1)), data, depth + 1);
    }
    if (node instanceof List<?> l && !l.isEmpty()) {
      return pick(l.get(data.consumeInt(0, l.size() - 1)), data, depth + 1);
    }
    return node;
  }

  private String word(FuzzedDataProvider data) {
    return data.consumeBoolean() ? words[data.consumeInt(0, words.length - 1)] : data.consumeString(16);
  }

  private Object scalar(FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 7)) {
      case 0 -> word(data);
      case 1 -> data.consumeInt();
      case 2 -> data.consumeLong();
      case 3 -> data.consumeDouble();
      case 4 -> data.consumeBoolean();
      case 5 -> data.pickValue(new Object[] {0, -1, 1_000_001, 128, Long.MAX_VALUE, 1.5, Double.NaN, ""});
      case 6 -> data.consumeString(40);
      default -> null;
    };
  }

  @SuppressWarnings("unchecked")
  private static Object copy(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), copy(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(copy(x)));
      return out;
    }
    return v;
  }
}
