package dev.tollgate.controller;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tollgate new-key}: a fresh key, shown once, and the Consumer resource holding its hash. */
class NewKeyCommandTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern KEY_LINE = Pattern.compile("(?m)^  (tg-\\S+)$");

  @TempDir
  Path dir;

  record Result(int exit, String out, String err) {
    String key() {
      Matcher m = KEY_LINE.matcher(out);
      assertThat(m.find()).as(out).isTrue();
      String key = m.group(1);
      assertThat(m.find()).as("the key is printed once").isFalse();
      return key;
    }

    JsonNode resource() throws Exception {
      return YAML.readTree(out.substring(out.indexOf("apiVersion:")));
    }
  }

  private static Result newKey(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = ControllerMain.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 1];
    all[0] = "new-key";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Result(cl.execute(all), out.toString(), err.toString());
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void printsAKeyOfThirtyTwoRandomBytesAndAConsumerHoldingItsSha256() throws Exception {
    Result r = newKey("research-app");

    assertThat(r.exit()).isZero();
    assertThat(r.err()).isEmpty();
    String key = r.key();
    assertThat(key).matches("tg-[A-Za-z0-9_-]{43}");
    assertThat(Base64.getUrlDecoder().decode(key.substring(3))).hasSize(32);
    JsonNode consumer = r.resource();
    assertThat(consumer.path("apiVersion").asText()).isEqualTo("aigateway.tollgate.dev/v1alpha1");
    assertThat(consumer.path("kind").asText()).isEqualTo("Consumer");
    assertThat(consumer.path("metadata").path("name").asText()).isEqualTo("research-app");
    JsonNode keys = consumer.path("spec").path("keys");
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0).path("sha256").asText()).isEqualTo(sha256(key)).matches("[0-9a-f]{64}");
    assertThat(keys.get(0).has("expires")).isFalse();
    assertThat(r.out()).contains("shown only now").contains("Authorization: Bearer");
    assertThat(r.out().indexOf("shown only now")).isLessThan(r.out().indexOf(key));
  }

  @Test
  void everyKeyIsNew() {
    List<String> keys = List.of(newKey("a").key(), newKey("a").key(), NewKeyCommand.newKey(), NewKeyCommand.newKey());
    assertThat(keys).doesNotHaveDuplicates();
  }

  @Test
  void theHashIsOfTheKeysUtf8Bytes() throws Exception {
    assertThat(dev.tollgate.core.config.ClientKeys.sha256Hex("tg-é")).isEqualTo(sha256("tg-é"));
    // the FIPS 180-2 vector: SHA-256("abc")
    assertThat(dev.tollgate.core.config.ClientKeys.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void withoutANameTheConsumerGetsAFreshValidOne() throws Exception {
    Result r = newKey();
    assertThat(r.exit()).isZero();
    assertThat(r.resource().path("metadata").path("name").asText()).matches("consumer-[0-9a-f]{8}");
  }

  @Test
  void expiresIsWrittenAsAnInstant() throws Exception {
    Result r = newKey("app", "--expires", "2027-01-01T00:00:00Z");
    assertThat(r.resource().path("spec").path("keys").get(0).path("expires").asText()).isEqualTo("2027-01-01T00:00:00Z");

    Result bad = newKey("app", "--expires", "next year");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--expires 'next year'").contains("2027-01-01T00:00:00Z");
    assertThat(bad.out()).doesNotContain("tg-");
  }

  @Test
  void aNameThatCannotBeAResourceNameIsRefusedBeforeAnyKeyIsMade() {
    Result r = newKey("Research_App");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("'Research_App' is not a valid consumer name");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void resourceOutWritesTheResourceAndStillPrintsTheKeyOnly() throws Exception {
    Path file = dir.resolve("consumers/app.yaml");
    Files.createDirectories(file.getParent());
    Result r = newKey("app", "--resource-out", file.toString());

    assertThat(r.exit()).isZero();
    String key = r.key();
    assertThat(r.out()).contains(file.toString()).doesNotContain("apiVersion");
    JsonNode written = YAML.readTree(file.toFile());
    assertThat(written.path("spec").path("keys").get(0).path("sha256").asText()).isEqualTo(sha256(key));
    assertThat(Files.readString(file)).doesNotContain(key);
  }
}
