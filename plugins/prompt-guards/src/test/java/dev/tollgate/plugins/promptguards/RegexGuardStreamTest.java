package dev.tollgate.plugins.promptguards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuard.Direction;
import dev.tollgate.api.spi.PromptGuard.Reject;
import dev.tollgate.api.spi.PromptGuard.Release;
import dev.tollgate.api.spi.PromptGuard.Step;
import dev.tollgate.api.spi.PromptGuard.StreamScan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Regex guard over streamed text: what it releases, what it holds, and when it rejects. */
class RegexGuardStreamTest {
  private static PromptGuard guard(Map<String, ?> settings) throws InvalidConfigException {
    return new RegexGuardFactory().create(Settings.of("guards[0]", settings));
  }

  private static PromptGuard mask(String... builtins) throws InvalidConfigException {
    return guard(Map.of("builtins", List.of(builtins), "action", "Mask"));
  }

  /** Feeds {@code pieces} and finishes; returns the released texts, one per feed plus the finish. */
  private static List<String> stream(PromptGuard g, List<String> pieces) {
    StreamScan scan = g.openStream();
    List<String> out = new ArrayList<>();
    for (String p : pieces) {
      out.add(((Release) scan.feed(p)).text());
    }
    out.add(((Release) scan.finish()).text());
    return out;
  }

  private static String whole(PromptGuard g, String text) {
    PromptGuard.Verdict v = g.inspect(Direction.RESPONSE, List.of(text));
    return v instanceof PromptGuard.Mask m ? m.texts().get(0) : text;
  }

  @Test
  void cleanTextIsReleasedAsItComes() throws Exception {
    PromptGuard g = mask("creditCard", "ssn", "email", "phone");
    List<String> out = stream(g, List.of("Hello there, ", "how are you today? ", "Fine, thanks. ", "Bye"));
    assertThat(out).containsExactly("Hello there, ", "how are you today? ", "Fine, thanks. ", "", "Bye");
  }

  @Test
  void onlyWhatCouldStartAMatchIsHeldAndItGoesOutWithTheNextPiece() throws Exception {
    PromptGuard g = mask("ssn");
    List<String> out = stream(g, List.of("call 555 now and file 123-4", "5 papers today."));
    assertThat(out.get(0)).as("'123-4' could be the start of an SSN").isEqualTo("call 555 now and file ");
    assertThat(out.get(1)).isEqualTo("123-45 papers today.");
  }

  @Test
  void anSsnSplitAtEveryPointIsMasked() throws Exception {
    PromptGuard g = mask("ssn");
    String text = "My SSN is 123-45-6789, keep it safe.";
    for (int i = 0; i <= text.length(); i++) {
      List<String> out = stream(g, List.of(text.substring(0, i), text.substring(i)));
      assertThat(String.join("", out)).as("split at %d", i).isEqualTo("My SSN is [REDACTED:ssn], keep it safe.");
      assertThat(out.get(0)).doesNotContain("123");
    }
    for (int i = 1; i < text.length(); i++) {
      for (int j = i; j < text.length(); j++) {
        List<String> out = stream(g, List.of(text.substring(0, i), text.substring(i, j), text.substring(j)));
        assertThat(String.join("", out)).isEqualTo("My SSN is [REDACTED:ssn], keep it safe.");
      }
    }
  }

  @Test
  void streamedMasksEqualWholeTextMasksForRandomSplits() throws Exception {
    PromptGuard g = guard(Map.of("builtins", List.of("creditCard", "ssn", "email", "phone"), "action", "Mask",
        "patterns", List.of(Map.of("name", "project", "regex", "Project Nightingale"),
            Map.of("name", "emp", "regex", "EMP-\\d{6}"))));
    String[] words = {"the ", "card ", "4111 1111 1111 1111 ", "4111 1111 1111 1112 ", "123-45-6789 ", "000-12-3456 ",
        "bob@example.com ", "a.b@c.org, ", "+1 415 555 0100 ", "(030) 1234 5678 ", "Project Nightingale ",
        "Project Night ", "EMP-123456 ", "EMP-12345 ", "12345678901234567890 ", "x", "7", "-", "@", ". ", "\n"};
    Random random = new Random(11);
    for (int round = 0; round < 400; round++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + random.nextInt(30);
      for (int i = 0; i < n; i++) {
        sb.append(words[random.nextInt(words.length)]);
      }
      String text = sb.toString();
      List<String> pieces = new ArrayList<>();
      int at = 0;
      while (at < text.length()) {
        int len = 1 + random.nextInt(12);
        pieces.add(text.substring(at, Math.min(text.length(), at + len)));
        at += len;
      }
      assertThat(String.join("", stream(g, pieces))).as("text %s split as %s", text, pieces).isEqualTo(whole(g, text));
    }
  }

  @Test
  void aCardMidStreamRejectsBeforeAnyOfItIsReleased() throws Exception {
    PromptGuard g = guard(Map.of("builtins", List.of("creditCard"), "action", "Reject", "status", 422));
    String text = "Sure. Your card number is 4111 1111 1111 1111 and it expires soon.";
    for (int i = 1; i < text.length(); i++) {
      StreamScan scan = g.openStream();
      StringBuilder released = new StringBuilder();
      Step rejected = null;
      for (String piece : List.of(text.substring(0, i), text.substring(i))) {
        Step s = scan.feed(piece);
        if (s instanceof Reject) {
          rejected = s;
          break;
        }
        released.append(((Release) s).text());
      }
      if (rejected == null) {
        rejected = scan.finish();
      }
      assertThat(rejected).as("split at %d", i).isInstanceOf(Reject.class);
      assertThat(((Reject) rejected).status()).isEqualTo(422);
      assertThat(released.toString()).as("split at %d", i).doesNotContain("4111").doesNotContain("1111");
    }
  }

  @Test
  void aLongNumberThatFailsTheLuhnCheckGoesThrough() throws Exception {
    PromptGuard g = guard(Map.of("builtins", List.of("creditCard"), "action", "Reject"));
    List<String> out = stream(g, List.of("order 4111 1111 ", "1111 1112 shipped"));
    assertThat(String.join("", out)).isEqualTo("order 4111 1111 1111 1112 shipped");
  }

  @Test
  void aMebibyteWithoutMatchesNeverHoldsMoreThanTheWindows() throws Exception {
    PromptGuard g = guard(Map.of("builtins", List.of("creditCard", "ssn", "email", "phone"), "action", "Mask",
        "streamWindow", 64));
    StreamScan scan = g.openStream();
    Random random = new Random(5);
    // words, short digit groups (a card, SSN or phone number could start there) and long runs
    // of letters without a space (each could start an email address)
    long fed = 0;
    long released = 0;
    long maxHeld = 0;
    while (fed < 1 << 20) {
      StringBuilder piece = new StringBuilder();
      int tokens = 1 + random.nextInt(40);
      for (int t = 0; t < tokens; t++) {
        switch (random.nextInt(10)) {
          case 0 -> piece.append("q".repeat(100 + random.nextInt(300)));
          case 1, 2 -> piece.append(100 + random.nextInt(900)).append(random.nextBoolean() ? "-" : " ").append("x ");
          default -> {
            for (int i = random.nextInt(12); i >= 0; i--) {
              piece.append((char) ('a' + random.nextInt(26)));
            }
            piece.append(random.nextInt(5) == 0 ? ". " : " ");
          }
        }
      }
      // cut the piece anywhere, also inside a word or a digit group
      String p = piece.substring(0, 1 + random.nextInt(piece.length()));
      piece.setLength(0);
      piece.append(p);
      fed += piece.length();
      released += ((Release) scan.feed(piece.toString())).text().length();
      maxHeld = Math.max(maxHeld, fed - released);
    }
    released += ((Release) scan.finish()).text().length();
    // the patterns' windows: creditCard 38, ssn 12, email the configured 64, phone 22
    assertThat(maxHeld).as("held back at most the sum of the windows").isLessThanOrEqualTo(38 + 12 + 64 + 22);
    assertThat(maxHeld).as("long runs of letters could each start an email address").isGreaterThan(38);
    assertThat(released).isEqualTo(fed);
  }

  @Test
  void windowIsValidated() {
    assertThatThrownBy(() -> guard(Map.of("builtins", List.of("ssn"), "streamWindow", 0)))
        .isInstanceOf(InvalidConfigException.class).hasMessageContaining("streamWindow");
  }
}
