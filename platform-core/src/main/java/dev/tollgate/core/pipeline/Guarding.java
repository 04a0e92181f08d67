package dev.tollgate.core.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.toolkit.JsonSupport;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuard.Direction;
import dev.tollgate.core.clientapi.EndpointSpec;
import dev.tollgate.core.clientapi.PromptTexts;
import dev.tollgate.core.clientapi.StreamText;
import dev.tollgate.core.config.CompiledConfig.ReadyGuard;
import dev.tollgate.toolkit.SseDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs prompt guards over the texts of a request or an answer, whole or streamed. */
final class Guarding {
  private static final Logger LOG = LoggerFactory.getLogger(Guarding.class);
  private static final ObjectMapper JSON = JsonSupport.MAPPER;

  private Guarding() {
  }

  /**
   * Where a guard that threw is reported. A guard that throws rejects (fail closed) with a 500;
   * {@code status} is what the client got (0: nothing yet, the answer is held and guarded whole).
   */
  @FunctionalInterface
  interface Failures {
    void failed(ReadyGuard guard, RuntimeException error, int status);

    /** Reports the failure; returns the rejection it causes. */
    default PromptGuard.Reject rejected(ReadyGuard guard, RuntimeException error) {
      failed(guard, error, 500);
      return new PromptGuard.Reject(500, "the " + guard.type() + " prompt guard failed");
    }
  }

  /**
   * Runs each guard of {@code direction} in order over {@code texts}; masks are written back and
   * seen by the guards after. Returns the first rejection, or null when the texts may pass.
   * A guard that throws rejects (fail closed): its own settings decide about failing open.
   */
  static PromptGuard.Reject inspect(List<ReadyGuard> guards, Direction direction, PromptTexts texts, Failures failures) {
    if (texts.isEmpty()) {
      return null;
    }
    for (ReadyGuard g : guards) {
      if (direction == Direction.REQUEST ? !g.onRequest() : !g.onResponse()) {
        continue;
      }
      PromptGuard.Verdict v;
      try {
        v = g.guard().inspect(direction, texts.texts());
      } catch (RuntimeException e) {
        return failures.rejected(g, e);
      }
      if (v instanceof PromptGuard.Reject r) {
        return r;
      }
      if (v instanceof PromptGuard.Mask m) {
        texts.replace(m.texts());
      }
    }
    return null;
  }

  /**
   * Holds a streamed answer (already in the client's schema) until its end, then guards the text
   * of each choice as a whole and gives back the stream: unchanged, masked (the whole masked
   * text goes in the first delta of its choice, later deltas are emptied), or replaced by an
   * error event when rejected. Holding is what makes a match across chunk boundaries visible.
   */
  static final class HeldStream {
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private final EndpointSpec spec;

    HeldStream(EndpointSpec spec) {
      this.spec = spec;
    }

    void add(byte[] piece) {
      held.writeBytes(piece);
    }

    byte[] finish(List<ReadyGuard> guards, Failures failures) {
      byte[] all = held.toByteArray();
      SseDecoder decoder = new SseDecoder();
      List<SseDecoder.Event> events = new ArrayList<>(decoder.feed(all));
      if (decoder.pendingBytes() > 0) {
        events.addAll(decoder.feed("\n\n".getBytes(StandardCharsets.UTF_8)));
      }
      List<JsonNode> parsed = new ArrayList<>();
      Map<Integer, List<StreamText>> byIndex = new LinkedHashMap<>();
      for (SseDecoder.Event e : events) {
        JsonNode node = null;
        if (!e.data().isEmpty() && !e.data().equals("[DONE]")) {
          try {
            node = JSON.readTree(e.data());
          } catch (IOException ex) {
            node = null;
          }
        }
        parsed.add(node);
        StreamText d = node == null ? null
            : spec.streamTexts(node).stream().filter(StreamText::hasText).findFirst().orElse(null);
        if (d != null) {
          byIndex.computeIfAbsent(d.index(), k -> new ArrayList<>()).add(d);
        }
      }
      if (byIndex.isEmpty()) {
        return all;
      }
      List<Integer> order = new ArrayList<>(byIndex.keySet());
      List<String> texts = new ArrayList<>();
      for (int i : order) {
        StringBuilder sb = new StringBuilder();
        byIndex.get(i).forEach(d -> sb.append(d.text()));
        texts.add(sb.toString());
      }
      PromptTexts view = PromptTexts.ofStrings(texts);
      PromptGuard.Reject reject = inspect(guards, Direction.RESPONSE, view, failures);
      if (reject != null) {
        return spec.streamError(reject.status(), reject.message());
      }
      if (!view.changed()) {
        return all;
      }
      List<String> masked = view.texts();
      Map<Integer, String> maskedByIndex = new LinkedHashMap<>();
      for (int k = 0; k < order.size(); k++) {
        List<StreamText> deltas = byIndex.get(order.get(k));
        deltas.get(0).set(masked.get(k));
        for (int j = 1; j < deltas.size(); j++) {
          deltas.get(j).set("");
        }
        if (!masked.get(k).equals(texts.get(k))) {
          maskedByIndex.put(order.get(k), masked.get(k));
        }
      }
      for (JsonNode node : parsed) {
        if (node != null) {
          for (StreamText r : spec.repeatedTexts(node)) {
            if (maskedByIndex.containsKey(r.index())) {
              r.set(maskedByIndex.get(r.index()));
            }
          }
        }
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      for (int i = 0; i < events.size(); i++) {
        String data = parsed.get(i) == null ? events.get(i).data() : parsed.get(i).toString();
        out.writeBytes(SseDecoder.encode(events.get(i).event(), data));
      }
      return out.toByteArray();
    }
  }

  /**
   * Guards a streamed answer (already in the client's schema) as it goes, when every response
   * guard can scan a stream ({@link PromptGuard#openStream()}): each choice's or content block's
   * text runs through one scan per guard, in order, and each event goes on with the text the scans
   * release; what they hold back goes out in a later event of the same choice or block, at the
   * latest when it ends (OpenAI: the choice's {@code finish_reason}, else just before
   * {@code data: [DONE]}; Anthropic: just before {@code content_block_stop} or
   * {@code message_stop}), or at the end of the answer. Where the texts are and how the stream's
   * choices, blocks and end look is the endpoint's {@link EndpointSpec}. A rejection ends the
   * client's stream with an error event in its format; the rest of the answer is dropped (its
   * usage is still read by the translator). Events are re-encoded: comments and {@code id:} lines
   * do not go through.
   */
  static final class ScannedStream {
    private final EndpointSpec spec;
    private final List<ReadyGuard> guards;
    private final SseDecoder decoder = new SseDecoder();
    /** The open scans of each choice or block, one per guard. */
    private final Map<Integer, List<PromptGuard.StreamScan>> open = new LinkedHashMap<>();
    /** What a flush event of each choice or block repeats of its last text event (see the spec). */
    private final Map<Integer, ObjectNode> templates = new LinkedHashMap<>();
    private boolean rejected;
    private boolean rejectedNow;

    private final Failures failures;

    private ScannedStream(EndpointSpec spec, List<ReadyGuard> guards, Failures failures) {
      this.spec = spec;
      this.guards = guards;
      this.failures = failures;
    }

    /** A scanned stream for these guards, or null when one of them needs the whole text. */
    static ScannedStream open(EndpointSpec spec, List<ReadyGuard> guards, Failures failures) {
      List<ReadyGuard> response = guards.stream().filter(ReadyGuard::onResponse).toList();
      for (ReadyGuard g : response) {
        try {
          if (g.guard().openStream() == null) {
            return null;
          }
        } catch (RuntimeException e) {
          failures.failed(g, e, 0);
          return null; // held instead, and guarded whole at the end
        }
      }
      return new ScannedStream(spec, response, failures);
    }

    /** Whether the last {@link #add} ended the stream with a rejection. */
    boolean rejectedNow() {
      return rejectedNow;
    }

    /** Takes the next piece of the answer; returns what goes to the client now. */
    byte[] add(byte[] piece, boolean last) {
      rejectedNow = false;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (rejected) {
        return out.toByteArray();
      }
      List<SseDecoder.Event> events = new ArrayList<>(decoder.feed(piece));
      if (last && decoder.pendingBytes() > 0) {
        events.addAll(decoder.feed("\n\n".getBytes(StandardCharsets.UTF_8)));
      }
      for (SseDecoder.Event e : events) {
        if (!event(e, out)) {
          return out.toByteArray();
        }
      }
      if (last && !flushAll(out)) {
        reject(out);
      }
      return out.toByteArray();
    }

    /**
     * One event: what its choice, block or the stream held back goes out first when it closes
     * them, then the event with the text its scans release; false when the stream was rejected.
     */
    private boolean event(SseDecoder.Event e, ByteArrayOutputStream out) {
      JsonNode node = null;
      if (!e.data().isEmpty()) {
        try {
          node = JSON.readTree(e.data());
        } catch (IOException ex) {
          node = null;
        }
      }
      ObjectNode event = node instanceof ObjectNode o ? o : null;
      int closes = event == null ? -1 : spec.closesBlock(event);
      if (closes >= 0) {
        flush(closes, out);
      } else if (spec.endsStream(e.data(), event)) {
        flushAll(out);
      }
      boolean changed = !rejected && event != null && scanTexts(event);
      if (rejected) {
        reject(out);
        return false;
      }
      if (event != null && rewriteRepeats(event)) {
        changed = true;
      }
      out.writeBytes(SseDecoder.encode(e.event(), changed ? event.toString() : e.data()));
      return true;
    }

    private PromptGuard.Reject rejection;

    /** The text each choice or block streamed, as the upstream sent it and as the client got it. */
    private final Map<Integer, StringBuilder> seen = new LinkedHashMap<>();
    private final Map<Integer, StringBuilder> sent = new LinkedHashMap<>();

    private void noteSent(int index, CharSequence text) {
      sent.computeIfAbsent(index, k -> new StringBuilder()).append(text);
    }

    /** Writes what the client got in the event's repeats of a text the guards changed; whether any changed. */
    private boolean rewriteRepeats(ObjectNode event) {
      boolean changed = false;
      for (StreamText r : spec.repeatedTexts(event)) {
        StringBuilder original = seen.get(r.index());
        StringBuilder got = sent.get(r.index());
        String gotText = got == null ? "" : got.toString();
        if (original != null && !original.toString().equals(gotText) && !r.text().equals(gotText)) {
          r.set(gotText);
          changed = true;
        }
      }
      return changed;
    }

    private void reject(ByteArrayOutputStream out) {
      LOG.info("a response guard rejected a streamed answer: {}", rejection.message());
      out.writeBytes(spec.streamError(rejection.status(), rejection.message()));
      rejectedNow = true;
    }

    /**
     * Scans the event's texts in place: each goes on with what the scans release; a choice the
     * event finishes gives up all its scans held. Returns whether the event changed; false also
     * when rejected.
     */
    private boolean scanTexts(ObjectNode event) {
      boolean changed = false;
      for (StreamText t : spec.streamTexts(event)) {
        int index = t.index();
        boolean hasText = t.hasText();
        if (!hasText && !(t.finishes() && open.containsKey(index))) {
          continue;
        }
        StringBuilder release = new StringBuilder();
        if (hasText) {
          seen.computeIfAbsent(index, k -> new StringBuilder()).append(t.text());
          templates.put(index, spec.flushTemplate(event, t));
          if (!release(feed(index, t.text()), release)) {
            return false;
          }
        }
        if (t.finishes() && !release(finish(index), release)) {
          return false;
        }
        if (hasText || release.length() > 0) {
          noteSent(index, release);
          t.set(release.toString());
          changed = true;
        }
      }
      return changed;
    }

    /** A flush as an event of its own, before the event that ends its choice or block; false when rejected. */
    private boolean flush(int index, ByteArrayOutputStream out) {
      if (!open.containsKey(index)) {
        return true;
      }
      StringBuilder text = new StringBuilder();
      if (!release(finish(index), text)) {
        return false;
      }
      if (text.length() == 0) {
        return true;
      }
      noteSent(index, text);
      SseDecoder.Event e = spec.flushEvent(index, text.toString(), templates.get(index));
      out.writeBytes(SseDecoder.encode(e.event(), e.data()));
      return true;
    }

    /** Flushes every open choice or block; false when rejected (the caller writes the error event). */
    private boolean flushAll(ByteArrayOutputStream out) {
      for (int index : new ArrayList<>(open.keySet())) {
        if (!flush(index, out)) {
          return false;
        }
      }
      return true;
    }

    /** Appends a released text; false (and the stream rejected) on a rejection. */
    private boolean release(PromptGuard.Step step, StringBuilder into) {
      if (step instanceof PromptGuard.Reject r) {
        rejected = true;
        rejection = r;
        return false;
      }
      into.append(((PromptGuard.Release) step).text());
      return true;
    }

    private PromptGuard.Step feed(int index, String text) {
      List<PromptGuard.StreamScan> chain = open.get(index);
      if (chain == null) {
        chain = new ArrayList<>();
        for (ReadyGuard g : guards) {
          PromptGuard.StreamScan scan;
          try {
            scan = g.guard().openStream();
          } catch (RuntimeException e) {
            return failures.rejected(g, e);
          }
          if (scan == null) {
            return failures.rejected(g, new IllegalStateException("openStream() returned null after a scan"));
          }
          chain.add(scan);
        }
        open.put(index, chain);
      }
      String t = text;
      for (int i = 0; i < chain.size(); i++) {
        PromptGuard.Step s;
        try {
          s = chain.get(i).feed(t);
        } catch (RuntimeException e) {
          return failures.rejected(guards.get(i), e);
        }
        if (s instanceof PromptGuard.Reject) {
          return s;
        }
        t = ((PromptGuard.Release) s).text();
      }
      return new PromptGuard.Release(t);
    }

    /** Ends the text of {@code index}: what each scan still held goes through the scans after it. */
    private PromptGuard.Step finish(int index) {
      List<PromptGuard.StreamScan> chain = open.remove(index);
      if (chain == null) {
        return PromptGuard.Release.NOTHING;
      }
      String t = "";
      for (int i = 0; i < chain.size(); i++) {
        PromptGuard.StreamScan scan = chain.get(i);
        try {
          PromptGuard.Step fed = t.isEmpty() ? PromptGuard.Release.NOTHING : scan.feed(t);
          if (fed instanceof PromptGuard.Reject) {
            return fed;
          }
          PromptGuard.Step rest = scan.finish();
          if (rest instanceof PromptGuard.Reject) {
            return rest;
          }
          t = ((PromptGuard.Release) fed).text() + ((PromptGuard.Release) rest).text();
        } catch (RuntimeException e) {
          return failures.rejected(guards.get(i), e);
        }
      }
      return new PromptGuard.Release(t);
    }

  }

  /** Parses a whole JSON body, or null when it is not a JSON object. */
  static ObjectNode parseObject(byte[] body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n instanceof ObjectNode o ? o : null;
    } catch (IOException e) {
      return null;
    }
  }

  static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
