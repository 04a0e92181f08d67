package dev.tollgate.bench.http;

import dev.tollgate.bench.Scenario;
import java.util.List;
import java.util.Locale;

/**
 * Whether an answer through a gateway is the mock's answer in the client's shape: a chat
 * completion carrying the mock's text, or for a stream {@link MockAnswers#CHUNKS} content chunks
 * that add up to the mock's text, then {@code data: [DONE]}. Written against the text, not one
 * JSON layout, since gateways re-encode (spaces after colons, other field orders).
 */
public enum AnswerCheck {
  /** A whole chat completion (also what a gateway makes of a Bedrock Converse answer). */
  COMPLETION,
  /** An SSE stream of chat completion chunks. */
  STREAM;

  /** The start of the mock's answer text, which every whole answer must carry. */
  static final String TEXT = String.join("", Scenario.deltas(MockAnswers.CHUNKS)).substring(0, 60);
  private static final String STREAM_TEXT = String.join("", Scenario.deltas(MockAnswers.CHUNKS));

  /** The check for a scenario: {@code stream} streams, the others are whole answers. */
  public static AnswerCheck forScenario(String scenario) {
    return "stream".equals(scenario) ? STREAM : COMPLETION;
  }

  /** Null when the answer is right, else what is wrong with it (short, for counting error kinds). */
  public String problem(int status, String contentType, String body) {
    if (status != 200) {
      return "status " + status + (body.isEmpty() ? "" : ": " + abbreviate(body));
    }
    if (this == COMPLETION) {
      if (!body.contains("chat.completion") || !body.contains(TEXT)) {
        return "200 without the mock's chat completion: " + abbreviate(body);
      }
      return null;
    }
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
      return "stream answered as " + contentType + ": " + abbreviate(body);
    }
    Stream s = readStream(body);
    if (s.contentEvents != MockAnswers.CHUNKS) {
      return "stream with " + s.contentEvents + " content chunks, not " + MockAnswers.CHUNKS;
    }
    if (!s.text.equals(STREAM_TEXT)) {
      return "stream whose text is not the mock's: " + abbreviate(s.text);
    }
    if (!s.done) {
      return "stream without data: [DONE] at its end";
    }
    return null;
  }

  /** What a stream held: its content chunks, their text joined, and whether it ended with [DONE]. */
  record Stream(int contentEvents, String text, boolean done, boolean usage) {
  }

  static Stream readStream(String body) {
    int events = 0;
    boolean done = false;
    boolean usage = false;
    StringBuilder text = new StringBuilder();
    for (String line : body.split("\r?\n")) {
      if (!line.startsWith("data:")) {
        continue;
      }
      String data = line.substring(5).trim();
      if (data.equals("[DONE]")) {
        done = true;
        continue;
      }
      done = false; // [DONE] must be the last event
      usage |= data.contains("\"completion_tokens\"");
      String content = content(data);
      if (content != null && !content.isEmpty()) {
        events++;
        text.append(content);
      }
    }
    return new Stream(events, text.toString(), done, usage);
  }

  /** The string value of the first {@code "content"} field of an event, or null (also for null). */
  static String content(String data) {
    int at = data.indexOf("\"content\"");
    if (at < 0) {
      return null;
    }
    int i = at + 9;
    while (i < data.length() && (data.charAt(i) == ' ' || data.charAt(i) == ':')) {
      i++;
    }
    if (i >= data.length() || data.charAt(i) != '"') {
      return null;
    }
    StringBuilder b = new StringBuilder();
    for (i++; i < data.length(); i++) {
      char c = data.charAt(i);
      if (c == '\\' && i + 1 < data.length()) {
        char n = data.charAt(++i);
        b.append(switch (n) {
          case 'n' -> '\n';
          case 't' -> '\t';
          case 'u' -> {
            char u = (char) Integer.parseInt(data.substring(i + 1, i + 5), 16);
            i += 4;
            yield u;
          }
          default -> n;
        });
      } else if (c == '"') {
        return b.toString();
      } else {
        b.append(c);
      }
    }
    return null;
  }

  private static String abbreviate(String s) {
    String one = s.replace('\n', ' ').replace('\r', ' ');
    return one.length() <= 160 ? one : one.substring(0, 160) + "...";
  }

  /** The scenarios, in the order a series runs them. */
  public static final List<String> SCENARIOS = List.of("openai", "bedrock", "stream", "guard");
}
