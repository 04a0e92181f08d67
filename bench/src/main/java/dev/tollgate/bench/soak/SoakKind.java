package dev.tollgate.bench.soak;

import dev.tollgate.bench.http.AnswerCheck;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The kinds of exchange the soak mixes, each with its request body and what a right answer is.
 * Bodies are the HTTP benchmark's ({@code bench/http/requests/}) plus two of the soak's own
 * ({@code bench/soak/requests/}): a Bedrock stream, and a guarded prompt holding a US social
 * security number, which the guard must refuse with a 400 in OpenAI's error shape. That refusal
 * is the expected answer, not a failure.
 */
public enum SoakKind {
  OPENAI("openai", "http/requests/openai.json"),
  STREAM("stream", "http/requests/stream.json"),
  GUARD("guard", "http/requests/guard.json"),
  GUARD_BLOCKED("guard-blocked", "soak/requests/guard-blocked.json"),
  BEDROCK("bedrock", "http/requests/bedrock.json"),
  BEDROCK_STREAM("bedrock-stream", "soak/requests/bedrock-stream.json");

  /** The guard's message for the refused prompt (bench/http/tollgate/resources.yaml). */
  static final String GUARD_MESSAGE = "social security number";

  private final String label;
  private final String body;

  SoakKind(String label, String body) {
    this.label = label;
    this.body = body;
  }

  public String label() {
    return label;
  }

  /** The request body's file under {@code bench/}. */
  public Path body(Path benchDir) {
    return benchDir.resolve(body);
  }

  /** Null when the answer is the right one for this kind, else what is wrong with it. */
  public String problem(int status, String contentType, String text) {
    return switch (this) {
      case STREAM, BEDROCK_STREAM -> AnswerCheck.STREAM.problem(status, contentType, text);
      case GUARD_BLOCKED -> status == 400 && text.contains("\"error\"") && text.contains(GUARD_MESSAGE) ? null
          : "not the guard's refusal: status " + status + ": " + abbreviate(text);
      default -> AnswerCheck.COMPLETION.problem(status, contentType, text);
    };
  }

  public static SoakKind of(String label) {
    for (SoakKind k : values()) {
      if (k.label.equals(label.toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    throw new IllegalArgumentException("no exchange kind '" + label + "'; kinds: openai, stream, guard, "
        + "guard-blocked, bedrock, bedrock-stream");
  }

  static String abbreviate(String s) {
    String one = s.replace('\n', ' ').replace('\r', ' ');
    return one.length() <= 200 ? one : one.substring(0, 200) + "...";
  }
}
