package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeAnthropic;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed answers under response guards that scan as they go: clean text reaches the client with
 * the upstream piece that brought it, a match split across pieces is still masked, a rejection
 * ends the stream with an error event in the client's dialect, and the hold-back stays bounded.
 */
class StreamedGuardsEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String DONE = "data: [DONE]\n\n";

  @TempDir
  Path dir;
  FakeUpstream upstream;
  FakeUpstream webhook;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    upstream = new FakeUpstream(r -> Answer.json(500, "{}"));
    webhook = new FakeUpstream(r -> Answer.json(200, "{\"action\":\"allow\"}"));
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
        rules:
          - {name: masked, headers: [{name: x-ai-eg-model, type: Exact, value: masked}], backends: [{name: openai}]}
          - {name: strict, headers: [{name: x-ai-eg-model, type: Exact, value: strict}], backends: [{name: openai}]}
          - {name: all, headers: [{name: x-ai-eg-model, type: Exact, value: all}], backends: [{name: openai}]}
          - {name: hooked, headers: [{name: x-ai-eg-model, type: Exact, value: hooked}], backends: [{name: openai}]}
          - {name: claude, headers: [{name: x-ai-eg-model, type: Exact, value: claude}], backends: [{name: claude}]}
        backends:
          - {name: openai, schema: {name: OpenAI}}
          - name: claude
            schema: {name: Anthropic}
            auth: {type: APIKey, header: x-api-key, key: sk-ant-e2e}
        policies:
          - name: mask
            rules: [masked]
            guards: [{type: Regex, builtins: [creditCard, ssn], action: Mask, on: [Response]}]
          - name: reject
            rules: [strict, claude]
            guards: [{type: Regex, builtins: [creditCard, ssn], action: Reject, status: 422, on: [Response]}]
          - name: all-builtins
            rules: [all]
            guards: [{type: Regex, builtins: [creditCard, ssn, email, phone], action: Mask, on: [Response]}]
          - name: webhook
            rules: [hooked]
            guards:
              - {type: Regex, builtins: [ssn], action: Mask, on: [Response]}
              - {type: Webhook, url: "%s/check", on: [Response]}
        """.formatted(webhook.uri()));
    envoy = gateway.envoy(Map.of("openai", upstream.uri(), "claude", upstream.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close();
    webhook.close();
  }

  private static HttpExchange chat(String model) {
    return HttpExchange.postJson("/v1/chat/completions", "{\"model\":\"" + model + "\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
  }

  /** One chunk per delta, the last with finish_reason, then usage 5 + 6 and [DONE]: one piece each. */
  private static List<byte[]> openAiStream(List<String> deltas) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < deltas.size(); i++) {
      ObjectNode c = JSON.createObjectNode();
      c.put("id", "c1").put("object", "chat.completion.chunk").put("created", 1).put("model", "m");
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", 0).putObject("delta").put("content", deltas.get(i));
      if (i == deltas.size() - 1) {
        choice.put("finish_reason", "stop");
      } else {
        choice.putNull("finish_reason");
      }
      out.add(("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    out.add(("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}\n\n").getBytes(StandardCharsets.UTF_8));
    out.add(DONE.getBytes(StandardCharsets.UTF_8));
    return out;
  }

  /** The client's view must be a valid OpenAI stream: chunk events, at most one error, [DONE] once and last. */
  private static List<SseDecoder.Event> assertValidOpenAiStream(ProxyResponse r) throws Exception {
    assertThat(r.bodyText()).endsWith(DONE);
    assertThat(r.bodyText().split("data: \\[DONE]", -1)).as("[DONE] once").hasSize(2);
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    for (SseDecoder.Event e : events.subList(0, events.size() - 1)) {
      JsonNode n = JSON.readTree(e.data());
      assertThat(n.path("object").asText().equals("chat.completion.chunk") || n.has("error"))
          .as("a chunk or an error: %s", e.data()).isTrue();
    }
    return events;
  }

  private static String text(String sse) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (SseDecoder.Event e : new SseDecoder().feed(sse.getBytes(StandardCharsets.UTF_8))) {
      if (!e.data().equals("[DONE]")) {
        JSON.readTree(e.data()).path("choices").forEach(c -> sb.append(c.path("delta").path("content").asText("")));
      }
    }
    return sb.toString();
  }

  @Test
  void cleanTextGoesOnWithThePieceThatBroughtIt() throws Exception {
    List<String> deltas = List.of("Hello ", "there, ", "this ", "answer ", "is ", "clean ", "all ", "along.");
    upstream.handler(r -> Answer.stream("text/event-stream", openAiStream(deltas)));
    ProxyResponse r = envoy.send(chat("masked"));
    assertThat(r.status()).isEqualTo(200);
    assertValidOpenAiStream(r);
    List<ProxyResponse.StreamedMessage> messages = r.streamed();
    assertThat(messages.size()).isGreaterThanOrEqualTo(deltas.size() + 2);
    for (int i = 0; i < deltas.size() - 1; i++) {
      // the answer to message i is made before message i + 1 is processed
      assertThat(text(messages.get(i).passedText())).as("message %d", i).isEqualTo(deltas.get(i));
    }
    assertThat(text(r.bodyText())).isEqualTo(String.join("", deltas));
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(11);

    // control: a guard that needs the whole text (the webhook) holds the stream to its end
    ProxyResponse held = envoy.send(chat("hooked"));
    assertThat(held.status()).isEqualTo(200);
    assertThat(text(held.bodyText())).isEqualTo(String.join("", deltas));
    List<ProxyResponse.StreamedMessage> heldMessages = held.streamed();
    assertThat(heldMessages.subList(0, heldMessages.size() - 1)).allMatch(m -> m.passed().length == 0);
    assertThat(heldMessages.get(heldMessages.size() - 1).passedText()).endsWith(DONE);
  }

  @Test
  void anSsnSplitAcrossTwoChunksAtEveryPointIsMasked() throws Exception {
    String answer = "Your SSN is 123-45-6789, keep it safe.";
    for (int i = 0; i <= answer.length(); i++) {
      List<String> deltas = List.of(answer.substring(0, i), answer.substring(i));
      upstream.handler(r -> Answer.stream("text/event-stream", openAiStream(deltas)));
      envoy.splitResponseChunks(i % 3 == 0 ? new RandomSplitter(i, 9) : List::of);
      ProxyResponse r = envoy.send(chat("masked"));
      assertThat(r.status()).isEqualTo(200);
      assertValidOpenAiStream(r);
      assertThat(text(r.bodyText())).as("split at %d", i).isEqualTo("Your SSN is [REDACTED:ssn], keep it safe.");
      assertThat(r.bodyText()).doesNotContain("6789").doesNotContain("123-4");
      assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(11);
    }
  }

  @Test
  void aCardMidStreamEndsAnOpenAiStreamWithAnErrorEvent() throws Exception {
    upstream.handler(r -> Answer.stream("text/event-stream", openAiStream(List.of(
        "Sure, here it is: ", "4111 1111 ", "1111 1111", " and that is all.", " More text."))));
    ProxyResponse r = envoy.send(chat("strict"));
    assertThat(r.status()).isEqualTo(200);
    List<SseDecoder.Event> events = assertValidOpenAiStream(r);
    assertThat(r.bodyText()).doesNotContain("4111").doesNotContain("1111").doesNotContain("that is all");
    JsonNode err = JSON.readTree(events.get(events.size() - 2).data()).path("error");
    assertThat(err.path("code").asText()).isEqualTo("422");
    assertThat(err.path("message").asText()).contains("creditCard");
    assertThat(text(r.bodyText())).as("the clean start went on").isEqualTo("Sure, here it is: ");
    assertThat(text(r.streamed().get(0).passedText())).isEqualTo("Sure, here it is: ");
    assertThat(r.metadataNumber(NS, "llm_total_token")).as("usage read after the rejection").isEqualTo(11);
  }

  @Test
  void aCardMidStreamEndsAnAnthropicStreamWithAnErrorEvent() throws Exception {
    List<String> events = List.of(
        "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"content\":[],\"model\":\"claude\",\"stop_reason\":null,\"usage\":{\"input_tokens\":7,\"output_tokens\":1}}}",
        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"The card is 4111 11\"}}",
        "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"11 1111 1111, ok?\"}}",
        "{\"type\":\"content_block_stop\",\"index\":0}",
        "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}",
        "{\"type\":\"message_stop\"}");
    upstream.handler(r -> Answer.stream("text/event-stream", FakeAnthropic.sse(events)));
    envoy.splitResponseChunks(new RandomSplitter(4, 13));
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/messages", "{\"model\":\"claude\",\"max_tokens\":64,"
        + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"card?\"}]}", "anthropic-version", "2023-06-01"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).doesNotContain("4111").doesNotContain("1111").doesNotContain("message_stop");
    List<SseDecoder.Event> got = new SseDecoder().feed(r.body());
    assertThat(got.get(0).event()).isEqualTo("message_start");
    SseDecoder.Event last = got.get(got.size() - 1);
    assertThat(last.event()).isEqualTo("error");
    JsonNode err = JSON.readTree(last.data());
    assertThat(err.path("type").asText()).isEqualTo("error");
    assertThat(err.path("error").path("message").asText()).contains("creditCard");
    StringBuilder text = new StringBuilder();
    for (SseDecoder.Event e : got.subList(0, got.size() - 1)) {
      JsonNode n = JSON.readTree(e.data());
      assertThat(n.path("type").asText()).as("an Anthropic event").isEqualTo(e.event());
      text.append(n.path("delta").path("text").asText(""));
    }
    assertThat(text.toString()).isEqualTo("The card is ");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(16);
  }

  @Test
  void aMebibyteWithoutAMatchIsNeverHeldBackMoreThanTheWindows() throws Exception {
    Random random = new Random(3);
    List<String> deltas = new ArrayList<>();
    int total = 0;
    while (total < 1 << 20) {
      StringBuilder d = new StringBuilder();
      while (d.length() < 1000) {
        switch (random.nextInt(8)) {
          case 0 -> d.append(100 + random.nextInt(900)).append(" items ");
          case 1 -> d.append("x".repeat(300)); // no space: all of it could start an email address
          default -> d.append("word").append(random.nextInt(10)).append(' ');
        }
      }
      deltas.add(d.toString());
      total += d.length();
    }
    Answer answer = Answer.stream("text/event-stream", openAiStream(deltas)).paced(Duration.ZERO);
    upstream.handler(r -> answer);
    ProxyResponse r = envoy.send(chat("all"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(text(r.bodyText())).isEqualTo(String.join("", deltas));
    // windows: creditCard 38, ssn 12, email the default streamWindow 256, phone 22
    int bound = 38 + 12 + 256 + 22;
    long in = 0;
    long out = 0;
    long maxHeld = 0;
    SseDecoder sent = new SseDecoder();
    for (ProxyResponse.StreamedMessage m : r.streamed()) {
      for (SseDecoder.Event e : sent.feed(m.sent())) {
        if (!e.data().equals("[DONE]")) {
          for (JsonNode c : JSON.readTree(e.data()).path("choices")) {
            in += c.path("delta").path("content").asText("").length();
          }
        }
      }
      out += text(m.passedText()).length();
      maxHeld = Math.max(maxHeld, in - out);
    }
    assertThat(in).isEqualTo(total);
    assertThat(maxHeld).as("text that came but had not gone on, at any message").isLessThanOrEqualTo(bound);
    assertThat(maxHeld).as("the runs of x were held").isGreaterThan(38);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(11);
  }
}
