package dev.tollgate.controller.source;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.RawDocument;
import dev.tollgate.core.config.YamlAliases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Resources from a directory: every {@code *.yaml} / {@code *.yml} file below it (hidden files and
 * directories skipped, e.g. Kubernetes' {@code ..data}), each holding one or more documents
 * separated by {@code ---}. Origins are paths relative to the directory.
 */
public final class DirectorySource {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path dir;
  private final Set<Path> excluded;

  /**
   * @param dir      the resource directory
   * @param excluded files to skip (e.g. the controller's own output, should it live in the directory)
   */
  public DirectorySource(Path dir, Set<Path> excluded) {
    this.dir = dir;
    this.excluded = excluded.stream().map(p -> p.toAbsolutePath().normalize()).collect(java.util.stream.Collectors.toSet());
  }

  public Path dir() {
    return dir;
  }

  /** The resource files, sorted. */
  public List<Path> files() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a directory");
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> {
            String n = p.getFileName().toString();
            return n.endsWith(".yaml") || n.endsWith(".yml");
          })
          .filter(p -> noHiddenPart(dir.relativize(p)))
          .filter(p -> !excluded.contains(p.toAbsolutePath().normalize()))
          .sorted()
          .toList();
    }
  }

  private static boolean noHiddenPart(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return false;
      }
    }
    return true;
  }

  /** A digest of the file names and contents; changes when any resource file changes. */
  public String fingerprint() throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path p : files()) {
        md.update(dir.relativize(p).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update((byte) 0);
        try {
          md.update(Files.readAllBytes(p));
        } catch (IOException e) {
          md.update((byte) 1); // vanished between listing and reading; the next poll sees the new state
        }
        md.update((byte) 0);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SnakeYAML's messages span lines with source excerpts; keep the sentences. */
  static String oneLine(String message) {
    if (message == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    for (String line : message.split("\\R")) {
      String l = line.strip();
      if (!l.isEmpty() && !l.startsWith("in 'reader'") && !l.equals("^") && !line.startsWith("    ")) {
        parts.add(l);
      }
    }
    return String.join("; ", parts);
  }

  /** Reads every document; YAML syntax errors are problems naming file, line and column. */
  public List<RawDocument> read() throws IOException, InvalidResourcesException {
    List<RawDocument> docs = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    for (Path p : files()) {
      String name = dir.relativize(p).toString();
      List<Object> trees = new ArrayList<>();
      String text;
      try {
        text = Files.readString(p);
      } catch (java.nio.charset.CharacterCodingException e) {
        problems.add(new Problem(name, "(document)", "is not UTF-8 text"));
        continue;
      }
      try (MappingIterator<Object> it = YAML.readerFor(Object.class).readValues(text)) {
        while (it.hasNextValue()) {
          trees.add(it.nextValue());
        }
      } catch (JsonProcessingException e) {
        String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr()
            + ", column " + e.getLocation().getColumnNr();
        problems.add(new Problem(name, where.isEmpty() ? "(document)" : where, "is not valid YAML: " + oneLine(e.getOriginalMessage())));
        continue;
      } catch (RuntimeException e) {
        problems.add(new Problem(name, "(document)", "is not valid YAML: " + e.getMessage()));
        continue;
      }
      // an alias would be read as its anchor's name, silently (see YamlAliases): refused instead
      java.util.Optional<YamlAliases.Alias> alias = YamlAliases.first(text);
      if (alias.isPresent()) {
        YamlAliases.Alias a = alias.get();
        problems.add(new Problem(trees.size() > 1 ? name + " (document " + a.document() + ")" : name,
            a.field().isEmpty() ? "(document)" : a.field(), a.message()));
        continue;
      }
      for (int i = 0; i < trees.size(); i++) {
        String origin = trees.size() > 1 ? name + " (document " + (i + 1) + ")" : name;
        Object tree = trees.get(i);
        if (tree == null) {
          continue;
        }
        if (!(tree instanceof Map<?, ?>)) {
          problems.add(new Problem(origin, "(document)", "must be a mapping with apiVersion, kind, metadata and spec"));
          continue;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) tree;
        docs.add(new RawDocument(origin, m));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidResourcesException(problems);
    }
    return docs;
  }
}
