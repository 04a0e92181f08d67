package dev.tollgate.core.plugin;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The classes a compiled class refers to, read from its constant pool: the classes it names
 * (instantiates, calls, casts to, catches) and the types in the descriptors of the fields and
 * methods it uses. Enough to tell, before any plugin code runs, that a plugin uses a class it
 * cannot see.
 */
final class ClassReferences {
  private static final Pattern OBJECT_TYPE = Pattern.compile("L([^;<>]+);");

  private ClassReferences() {
  }

  /**
   * Binary names ({@code a.b.C$D}) of the classes {@code classFile} refers to.
   *
   * @throws IOException when the bytes are not a class file
   */
  static Set<String> of(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    List<Integer> classNames = new ArrayList<>();
    List<Integer> descriptors = new ArrayList<>();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 7 -> classNames.add(in.readUnsignedShort());
        case 16 -> descriptors.add(in.readUnsignedShort()); // MethodType
        case 12 -> { // NameAndType
          in.readUnsignedShort();
          descriptors.add(in.readUnsignedShort());
        }
        case 8, 19, 20 -> in.readUnsignedShort(); // String, Module, Package
        case 15 -> { // MethodHandle
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        case 3, 4, 9, 10, 11, 17, 18 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // takes two slots
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    Set<String> out = new TreeSet<>();
    for (int index : classNames) {
      String name = utf8[index];
      if (name == null) {
        continue;
      }
      if (name.startsWith("[")) {
        addTypes(name, out);
      } else {
        out.add(name.replace('/', '.'));
      }
    }
    for (int index : descriptors) {
      if (utf8[index] != null) {
        addTypes(utf8[index], out);
      }
    }
    return out;
  }

  private static void addTypes(String descriptor, Set<String> out) {
    Matcher m = OBJECT_TYPE.matcher(descriptor);
    while (m.find()) {
      out.add(m.group(1).replace('/', '.'));
    }
  }
}
