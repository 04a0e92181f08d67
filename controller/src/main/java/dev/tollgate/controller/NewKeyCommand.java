package dev.tollgate.controller;

import dev.tollgate.core.config.ClientKeys;
import dev.tollgate.controller.resource.ResourceKind;
import dev.tollgate.controller.sink.AtomicFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tollgate new-key [NAME]}: a fresh client key, and the Consumer resource that lets it in.
 * The resource holds only the key's SHA-256, so the key itself is shown this once.
 */
@Command(name = "new-key", mixinStandardHelpOptions = true,
    description = "Prints a fresh client key and a Consumer resource holding its SHA-256 (the key is shown once; "
        + "the gateway keeps only the hash). Save the resource with your resources; give the key to the client.")
public final class NewKeyCommand implements Callable<Integer> {
  /** Every key starts with this, so that a leaked one is recognisable (e.g. by secret scanners). */
  public static final String PREFIX = "tg-";
  /** Random bytes per key: 256 bits. */
  public static final int RANDOM_BYTES = 32;
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final SecureRandom RANDOM = new SecureRandom();

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;
  @Parameters(paramLabel = "NAME", arity = "0..1",
      description = "the consumer's name (lower-case letters, digits, '-' and '.'); default consumer-<8 hex digits>")
  String name;
  @Option(names = "--expires", paramLabel = "INSTANT", description = "the key stops working then, e.g. 2027-01-01T00:00:00Z")
  String expires;
  @Option(names = "--resource-out", paramLabel = "FILE",
      description = "write the Consumer resource to FILE instead of printing it (the key is still printed)")
  Path resourceOut;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (name != null && (name.length() > 253 || !NAME.matcher(name).matches())) {
      err.println("tollgate new-key: '" + name + "' is not a valid consumer name (lower-case letters, digits, '-' and "
          + "'.', starting and ending with a letter or digit), as metadata.name of a Consumer must be");
      err.flush();
      return ControllerMain.INVALID;
    }
    Instant until = null;
    if (expires != null) {
      try {
        until = Instant.parse(expires);
      } catch (DateTimeParseException e) {
        err.println("tollgate new-key: --expires '" + expires + "' is not an instant; write it as 2027-01-01T00:00:00Z");
        err.flush();
        return ControllerMain.INVALID;
      }
    }
    String key = newKey();
    String consumer = name != null ? name : "consumer-" + HexFormat.of().formatHex(randomBytes(4));
    String resource = consumerResource(consumer, ClientKeys.sha256Hex(key), until);
    if (resourceOut != null) {
      try {
        AtomicFiles.write(resourceOut, resource, false);
      } catch (IOException e) {
        err.println("tollgate new-key: cannot write " + resourceOut + ": " + e.getMessage());
        err.flush();
        return 1;
      }
    }
    out.println("Client key for " + consumer + ", shown only now (the gateway keeps its SHA-256, not the key); give it "
        + "to the client, which sends it as 'Authorization: Bearer <key>', 'x-api-key' or 'api-key':");
    out.println();
    out.println("  " + key);
    out.println();
    if (resourceOut != null) {
      out.println("The Consumer resource that admits it is in " + resourceOut + "; keep it with your resources.");
    } else {
      out.println("The Consumer resource that admits it; save it with your resources (e.g. as consumer-" + consumer
          + ".yaml), adding metadata and models as needed:");
      out.println();
      out.print(resource);
    }
    out.flush();
    return 0;
  }

  /** A fresh key: {@value #PREFIX} and {@value #RANDOM_BYTES} random bytes, base64url without padding. */
  public static String newKey() {
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(RANDOM_BYTES));
  }

  /** The Consumer resource, as YAML (values quoted: a hex digest can look like a number). */
  static String consumerResource(String name, String sha256, Instant expires) {
    return "apiVersion: " + ResourceKind.API_VERSION + "\n"
        + "kind: Consumer\n"
        + "metadata:\n"
        + "  name: " + name + "\n"
        + "spec:\n"
        + "  keys:\n"
        + "    - sha256: \"" + sha256 + "\"\n"
        + (expires != null ? "      expires: \"" + expires + "\"\n" : "");
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
