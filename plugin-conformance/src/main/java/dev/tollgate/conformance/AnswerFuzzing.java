package dev.tollgate.conformance;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.UpstreamError;
import dev.tollgate.api.spi.ResponseHead;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.JsonSupport;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Coverage-guided fuzzing of translators' answer handling, for a Jazzer {@code @FuzzTest} in the
 * plugin's tests (with {@code com.code-intelligence:jazzer-junit} on its test class path; this
 * class is the only one of the kit that needs it). Give it the kit's own conformance classes; each
 * input picks one of their samples and answers it, the way the platform calls a translator, with:
 * arbitrary bytes; the sample's answer mutated (bytes overwritten, inserted, removed, a range
 * copied elsewhere, cut short); for an AWS event stream, its frames re-encoded with valid checksums
 * around mutated headers and payloads (the base64 event inside a Bedrock {@code chunk} mutated
 * too), or a frame whose prelude announces any lengths (up to 4 GiB) with a valid checksum; or an
 * error status with arbitrary bytes. A streamed answer is fed in pieces split where the fuzzer
 * says; a whole one in one piece, as the platform buffers it.
 *
 * <p>What must hold: the {@link Translator.Exchange} methods throw nothing but what the plugin API
 * documents, a {@link GatewayException} (from {@code onResponseHeaders} and {@code onResponseBody},
 * with an error status and a message), and {@code onError}, {@code usage()} and
 * {@code responseModel()} nothing at all; the bytes sent to the client stay within
 * {@link #MAX_GROWTH} times those received plus {@link #MAX_EXTRA} (no runaway output). A hang is
 * Jazzer's per-input timeout; unbounded memory fails the fuzz JVM's small heap.
 */
public final class AnswerFuzzing {
  /** The client's bytes are at most this many times the upstream's, plus {@link #MAX_EXTRA}. */
  public static final int MAX_GROWTH = 64;
  public static final int MAX_EXTRA = 64 * 1024;
  private static final String EVENT_STREAM = "application/vnd.amazon.eventstream";
  private static final List<String> CONTENT_TYPES = List.of("application/json", "text/event-stream",
      EVENT_STREAM, "text/plain", "application/json; charset=utf-8", "text/event-stream; charset=utf-8", "");

  private record Case(TranslatorConformance kit, Sample sample) {
  }

  private final List<Case> cases = new ArrayList<>();

  /** Fuzzes the answers of every sample of these kits. */
  public AnswerFuzzing(TranslatorConformance... kits) {
    for (TranslatorConformance kit : kits) {
      for (Sample s : kit.samples()) {
        cases.add(new Case(kit, s));
      }
    }
    if (cases.isEmpty()) {
      throw new IllegalArgumentException("the kits have no samples");
    }
  }

  /** One input: picks a sample, makes an answer from {@code data}, feeds it, checks what holds. */
  public void fuzz(FuzzedDataProvider data) {
    Case c = cases.get(data.consumeInt(0, cases.size() - 1));
    Sample s = c.sample();
    int mode = data.consumeInt(0, 4);
    Map<String, String> headers = new LinkedHashMap<>(s.answer().headers());
    if (data.consumeInt(0, 7) == 0) {
      String type = data.pickValue(CONTENT_TYPES);
      if (type.isEmpty()) {
        headers.remove("content-type");
      } else {
        headers.put("content-type", type);
      }
    }
    int pieces = data.consumeInt(1, 12);
    int[] cuts = new int[pieces - 1];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = data.consumeInt(0, 1 << 16);
    }
    byte[] body;
    switch (mode) {
      case 0 -> body = data.consumeRemainingAsBytes();
      case 1 -> body = mutate(s.answer().body(), data);
      case 2 -> body = isEventStream(s) ? reframe(s.answer().body(), data) : mutate(s.answer().body(), data);
      case 3 -> body = isEventStream(s) ? prelude(s.answer().body(), data) : mutate(s.answer().body(), data);
      default -> {
        errorAnswer(c, data.consumeInt(400, 599), Headers.of(headers), data.consumeRemainingAsBytes());
        return;
      }
    }
    answer(c, s.answer().status(), Headers.of(headers), split(body, cuts));
  }

  private static void answer(Case c, int status, Headers headers, List<byte[]> pieces) {
    Translator.Exchange ex = start(c);
    long in = 0;
    long out = 0;
    try {
      ResponseHead head = ex.onResponseHeaders(status, headers);
      if (head == null) {
        throw new AssertionError("onResponseHeaders returned null");
      }
      if (!head.streaming()) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        pieces.forEach(all::writeBytes);
        in = all.size();
        out = length(ex.onResponseBody(all.toByteArray(), true));
      } else {
        for (int i = 0; i < pieces.size(); i++) {
          in += pieces.get(i).length;
          out += length(ex.onResponseBody(pieces.get(i), i == pieces.size() - 1));
        }
      }
    } catch (GatewayException e) {
      checkGatewayException(e);
    } catch (RuntimeException e) {
      throw new AssertionError("only a GatewayException may escape an exchange's answer handling, but it threw " + e, e);
    }
    if (out > MAX_GROWTH * in + MAX_EXTRA) {
      throw new AssertionError("the client got " + out + " bytes for " + in + " from the upstream");
    }
    afterwards(ex);
  }

  private static void errorAnswer(Case c, int status, Headers headers, byte[] body) {
    Translator.Exchange ex = start(c);
    UpstreamError error;
    try {
      error = ex.onError(status, headers, body);
    } catch (RuntimeException e) {
      throw new AssertionError("onError(" + status + ") threw " + e + "; it documents no exception", e);
    }
    if (error != null && (error.message() == null || error.message().isBlank())) {
      throw new AssertionError("onError(" + status + ") read an error without a message");
    }
    afterwards(ex);
  }

  private static void afterwards(Translator.Exchange ex) {
    try {
      ex.usage();
      ex.responseModel();
    } catch (RuntimeException e) {
      throw new AssertionError("usage() or responseModel() threw " + e, e);
    }
  }

  private static void checkGatewayException(GatewayException e) {
    if (e.status() < 400 || e.status() > 599) {
      throw new AssertionError("a GatewayException with status " + e.status() + ", not an error status", e);
    }
    if (e.getMessage() == null || e.getMessage().isBlank()) {
      throw new AssertionError("a GatewayException without a message for the client", e);
    }
  }

  private static long length(byte[] b) {
    if (b == null) {
      throw new AssertionError("onResponseBody returned null");
    }
    return b.length;
  }

  private static Translator.Exchange start(Case c) {
    Sample s = c.sample();
    try {
      Translator translator = c.kit().factory().create(c.kit().backend(), "backends[0]");
      ObjectNode parsed = (ObjectNode) JsonSupport.MAPPER.readTree(s.request());
      Headers headers = Headers.of(":path", s.endpoint().path(), ":method", "POST", "content-type", "application/json");
      ClientRequest request = new ClientRequest(s.endpoint(), headers, s.request().getBytes(StandardCharsets.UTF_8),
          parsed, parsed.path("model").asText(), parsed.path("stream").asBoolean(false));
      return translator.start(request);
    } catch (Exception e) {
      throw new IllegalStateException(s.name() + ": the sample's request does not translate: " + e, e);
    }
  }

  private static boolean isEventStream(Sample s) {
    return s.answer().headers().getOrDefault("content-type", "").startsWith(EVENT_STREAM);
  }

  /** The body split at the given places (each taken modulo its length, sorted). */
  static List<byte[]> split(byte[] body, int[] cuts) {
    int[] at = Arrays.stream(cuts).map(c -> body.length == 0 ? 0 : c % (body.length + 1)).sorted().toArray();
    List<byte[]> out = new ArrayList<>();
    int from = 0;
    for (int p : at) {
      out.add(Arrays.copyOfRange(body, from, p));
      from = p;
    }
    out.add(Arrays.copyOfRange(body, from, body.length));
    return out;
  }

  /** A few edits of {@code body}, where and what the fuzzer says. */
  static byte[] mutate(byte[] body, FuzzedDataProvider data) {
    byte[] b = body;
    int edits = data.consumeInt(0, 6);
    for (int e = 0; e < edits && data.remainingBytes() > 0; e++) {
      int at = b.length == 0 ? 0 : data.consumeInt(0, b.length);
      switch (data.consumeInt(0, 4)) {
        case 0 -> { // overwrite
          byte[] with = data.consumeBytes(data.consumeInt(1, 8));
          b = b.clone();
          for (int i = 0; i < with.length && at + i < b.length; i++) {
            b[at + i] = with[i];
          }
        }
        case 1 -> b = splice(b, at, at, data.consumeBytes(data.consumeInt(1, 32))); // insert
        case 2 -> b = splice(b, at, Math.min(b.length, at + data.consumeInt(1, 64)), new byte[0]); // remove
        case 3 -> { // copy a range elsewhere (an event twice, out of order)
          int from = b.length == 0 ? 0 : data.consumeInt(0, b.length - 1);
          int to = Math.min(b.length, from + data.consumeInt(1, 512));
          b = splice(b, at, at, Arrays.copyOfRange(b, from, to));
        }
        default -> b = Arrays.copyOf(b, at); // cut short
      }
    }
    return b;
  }

  private static byte[] splice(byte[] b, int from, int to, byte[] with) {
    byte[] out = new byte[b.length - (to - from) + with.length];
    System.arraycopy(b, 0, out, 0, from);
    System.arraycopy(with, 0, out, from, with.length);
    System.arraycopy(b, to, out, from + with.length, b.length - to);
    return out;
  }

  /**
   * An AWS event stream made from a sample's ({@code body}, valid frames): mutated as bytes, re-framed
   * with valid checksums around mutated headers and payloads, or followed by a frame whose prelude
   * announces any lengths; the fuzzer picks which.
   */
  public static byte[] eventStream(byte[] body, FuzzedDataProvider data) {
    return switch (data.consumeInt(0, 2)) {
      case 0 -> mutate(body, data);
      case 1 -> reframe(body, data);
      default -> prelude(body, data);
    };
  }

  // ---- AWS event-stream frames: total length, headers length, prelude CRC, headers, payload, message CRC

  private record Frame(byte[] headers, byte[] payload) {
  }

  /** The sample's frames, some with mutated headers or payloads, each re-encoded with valid checksums. */
  private static byte[] reframe(byte[] body, FuzzedDataProvider data) {
    List<Frame> frames = frames(body);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Frame f : frames) {
      byte[] headers = f.headers();
      byte[] payload = f.payload();
      switch (data.consumeInt(0, 4)) {
        case 0 -> payload = mutate(payload, data);
        case 1 -> payload = mutateInnerEvent(payload, data);
        case 2 -> headers = mutate(headers, data);
        case 3 -> {
          continue; // a frame left out
        }
        default -> {
        }
      }
      out.writeBytes(encode(headers, payload));
    }
    if (data.consumeBoolean()) {
      out.writeBytes(encode(data.consumeBytes(data.consumeInt(0, 64)), data.consumeBytes(data.consumeInt(0, 256))));
    }
    return out.toByteArray();
  }

  /** A Bedrock {@code chunk}'s payload, {@code {"bytes":"<base64 event>"}}, with the event inside mutated. */
  private static byte[] mutateInnerEvent(byte[] payload, FuzzedDataProvider data) {
    JsonNode json = JsonSupport.tryParse(payload);
    if (!(json instanceof ObjectNode o) || !o.path("bytes").isTextual()) {
      return mutate(payload, data);
    }
    byte[] inner;
    try {
      inner = Base64.getDecoder().decode(o.get("bytes").asText());
    } catch (IllegalArgumentException e) {
      return payload;
    }
    o.put("bytes", Base64.getEncoder().encodeToString(mutate(inner, data)));
    return JsonSupport.string(o).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The sample's frames up to a place the fuzzer picks, then a frame whose prelude announces the
   * lengths the fuzzer says (as much as 4 GiB), its prelude checksum valid so a decoder believes
   * it, then arbitrary bytes.
   */
  private static byte[] prelude(byte[] body, FuzzedDataProvider data) {
    List<Frame> frames = frames(body);
    int keep = data.consumeInt(0, frames.size());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frames.subList(0, keep).forEach(f -> out.writeBytes(encode(f.headers(), f.payload())));
    ByteBuffer p = ByteBuffer.allocate(12);
    p.putInt(data.consumeInt());
    p.putInt(data.consumeBoolean() ? data.consumeInt(0, 256) : data.consumeInt());
    p.putInt((int) crc(p.array(), 0, 8));
    out.writeBytes(p.array());
    out.writeBytes(data.consumeRemainingAsBytes());
    return out.toByteArray();
  }

  private static List<Frame> frames(byte[] body) {
    List<Frame> frames = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(body);
    while (b.remaining() >= 16) {
      int start = b.position();
      int total = b.getInt();
      int headers = b.getInt();
      if (total < 16 + headers || headers < 0 || start + total > body.length) {
        break; // not a frame of the sample's: stop there
      }
      b.getInt();
      frames.add(new Frame(Arrays.copyOfRange(body, start + 12, start + 12 + headers),
          Arrays.copyOfRange(body, start + 12 + headers, start + total - 4)));
      b.position(start + total);
    }
    return frames;
  }

  /** One AWS event-stream frame of these (encoded) headers and payload, its checksums valid. */
  public static byte[] encode(byte[] headers, byte[] payload) {
    int total = 16 + headers.length + payload.length;
    ByteBuffer b = ByteBuffer.allocate(total);
    b.putInt(total).putInt(headers.length);
    b.putInt((int) crc(b.array(), 0, 8));
    b.put(headers).put(payload);
    b.putInt((int) crc(b.array(), 0, total - 4));
    return b.array();
  }

  private static long crc(byte[] b, int from, int length) {
    CRC32 crc = new CRC32();
    crc.update(b, from, length);
    return crc.getValue();
  }
}
