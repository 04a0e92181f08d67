import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the controller (run by the JDK's source launcher, not shipped): copies a jar keeping
 * only the classes reachable from a set of roots, so the controller's class path carries only the
 * Envoy API classes it can load instead of java-control-plane's whole 30 MB API jar.
 *
 * <p>Usage: {@code java TrimJar.java IN.jar OUT.jar ROOT...}, each ROOT a directory of classes or a
 * jar whose classes are all kept as roots (they are not copied). A class is reachable when a root
 * or a reachable class names it anywhere in its constant pool: as a class reference, inside a field
 * or method descriptor or generic signature, or as a string spelling its binary name (for
 * {@code Class.forName}). That over-approximates what the JVM can load, which is the safe side:
 * protobuf's generated code names every class it needs (each file's descriptor initialiser names
 * the outer classes of the files it imports; messages name their builders, nested types and
 * enums). Non-class entries are kept except {@code .proto} sources, which nothing reads at run time
 * (the generated classes carry their descriptors).
 */
public final class TrimJar {
  private static final Pattern DESCRIPTOR_CLASS = Pattern.compile("L([\\w/$]+)[;<]");

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: java TrimJar.java IN.jar OUT.jar ROOT...");
      System.exit(2);
    }
    Path in = Path.of(args[0]);
    Path out = Path.of(args[1]);
    try (ZipFile jar = new ZipFile(in.toFile())) {
      Map<String, ZipEntry> classes = new LinkedHashMap<>();
      jar.stream().filter(e -> e.getName().endsWith(".class"))
          .forEach(e -> classes.put(e.getName().substring(0, e.getName().length() - 6), e));

      Deque<byte[]> pending = new ArrayDeque<>();
      for (int i = 2; i < args.length; i++) {
        for (byte[] root : rootClasses(Path.of(args[i]))) pending.add(root);
      }
      Set<String> kept = new HashSet<>();
      while (!pending.isEmpty()) {
        for (String name : referencedNames(pending.pop())) {
          if (classes.containsKey(name) && kept.add(name)) {
            try (InputStream s = jar.getInputStream(classes.get(name))) {
              pending.add(s.readAllBytes());
            }
          }
        }
      }
      write(jar, kept, out);
      System.out.printf("TrimJar: kept %d of %d classes of %s in %s%n", kept.size(), classes.size(), in.getFileName(), out);
    }
  }

  private static List<byte[]> rootClasses(Path root) throws IOException {
    List<byte[]> found = new ArrayList<>();
    if (Files.isDirectory(root)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
          found.add(Files.readAllBytes(p));
        }
      }
    } else {
      try (ZipFile z = new ZipFile(root.toFile())) {
        for (ZipEntry e : java.util.Collections.list(z.entries())) {
          if (!e.getName().endsWith(".class")) continue;
          try (InputStream s = z.getInputStream(e)) {
            found.add(s.readAllBytes());
          }
        }
      }
    }
    return found;
  }

  /** Every internal class name a class file's constant pool can denote. */
  private static Set<String> referencedNames(byte[] classFile) throws IOException {
    Set<String> names = new HashSet<>();
    DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) throw new IOException("not a class file");
    in.readUnsignedShort();
    in.readUnsignedShort();
    int count = in.readUnsignedShort();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> { // Utf8: a class name, a descriptor or signature, or a string literal
          String s = in.readUTF();
          names.add(s);
          names.add(s.replace('.', '/'));
          if (s.startsWith("[")) names.add(s.replaceAll("^\\[+L?", "").replaceAll(";$", ""));
          Matcher m = DESCRIPTOR_CLASS.matcher(s);
          while (m.find()) names.add(m.group(1));
        }
        case 7, 8, 16, 19, 20 -> in.skipBytes(2); // Class, String, MethodType, Module, Package
        case 15 -> in.skipBytes(3); // MethodHandle
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
        case 5, 6 -> { // Long, Double take two slots
          in.skipBytes(8);
          i++;
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    return names;
  }

  private static void write(ZipFile jar, Set<String> kept, Path out) throws IOException {
    Files.createDirectories(out.toAbsolutePath().getParent());
    try (OutputStream file = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(file)) {
      for (ZipEntry e : java.util.Collections.list(jar.entries())) {
        String name = e.getName();
        boolean keep = name.endsWith(".class")
            ? kept.contains(name.substring(0, name.length() - 6))
            : !e.isDirectory() && !name.endsWith(".proto");
        if (!keep) continue;
        ZipEntry copy = new ZipEntry(name);
        copy.setTime(e.getTime());
        zip.putNextEntry(copy);
        try (InputStream s = jar.getInputStream(e)) {
          s.transferTo(zip);
        }
        zip.closeEntry();
      }
    }
  }
}
