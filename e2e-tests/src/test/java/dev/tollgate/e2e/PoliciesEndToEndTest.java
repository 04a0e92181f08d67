package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.toolkit.SseDecoder;
import dev.tollgate.testkit.EnvoyLikeClient;
import dev.tollgate.testkit.FakeOpenAi;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.FakeUpstream.Answer;
import dev.tollgate.testkit.HttpExchange;
import dev.tollgate.testkit.ProxyResponse;
import dev.tollgate.testkit.RandomSplitter;
import dev.tollgate.testkit.TollgateHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Costs with CEL, prompt guards, enrichment and the routing header, through the whole gateway. */
class PoliciesEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "io.envoy.ai_gateway";
  private static final String CARD = "4111 1111 1111 1111";

  @TempDir
  Path dir;
  FakeUpstream openai;
  FakeUpstream webhook;
  FakeUpstream moderation;
  TollgateHarness gateway;
  EnvoyLikeClient envoy;

  @BeforeEach
  void start() throws Exception {
    openai = new FakeUpstream(FakeOpenAi.handler(null, 100, 40));
    webhook = new FakeUpstream(r -> Answer.json(200, "{\"action\":\"allow\"}"));
    moderation = new FakeUpstream(r -> Answer.json(200, "{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\","
        + "\"results\":[{\"flagged\":" + r.bodyText().contains("hurt") + ",\"categories\":{\"violence\":"
        + r.bodyText().contains("hurt") + ",\"sexual\":false}}]}"));
    gateway = TollgateHarness.start(dir, Plugins.dir(), """
        routingHeader: {enabled: true, name: x-ai-eg-backend}
        costs:
          - {metadataKey: llm_total_token, type: TotalToken}
          - metadataKey: weighted
            type: CEL
            expression: "model == 'gpt-4o-mini' ? input_tokens + output_tokens * 4 : 0"
        rules:
          - name: plain
            headers: [{name: x-ai-eg-model, type: Exact, value: gpt-4o-mini}]
            backends: [{name: openai}]
            costs:
              - {metadataKey: plain_cached, type: CachedInputToken}
          - name: pii-reject
            headers: [{name: x-ai-eg-model, type: Exact, value: strict}]
            backends: [{name: openai}]
          - name: pii-mask
            headers: [{name: x-ai-eg-model, type: Exact, value: masked}]
            backends: [{name: openai}]
          - name: hooked
            headers: [{name: x-ai-eg-model, type: Exact, value: hooked}]
            backends: [{name: openai}]
          - name: moderated
            headers: [{name: x-ai-eg-model, type: Exact, value: moderated}]
            backends: [{name: openai}]
          - name: enriched
            headers: [{name: x-ai-eg-model, type: Exact, value: enriched}]
            backends: [{name: openai}]
        backends:
          - {name: openai, schema: {name: OpenAI}}
          - {name: other, schema: {name: OpenAI}}
        policies:
          - name: reject-pii
            rules: [pii-reject]
            guards:
              - {type: Regex, builtins: [creditCard, ssn], action: Reject, status: 422}
          - name: mask-pii
            rules: [pii-mask]
            guards:
              - type: Regex
                builtins: [creditCard, email]
                patterns: [{name: secret-project, regex: "Project Nightingale"}]
                action: Mask
          - name: webhook
            rules: [hooked]
            guards:
              - {type: Webhook, url: "%s/check", timeout: PT0.5S, on: [Request]}
          - name: moderation
            rules: [moderated]
            guards:
              - {type: Moderation, url: "%s/v1/moderations", on: [Request]}
          - name: enrich
            rules: [enriched]
            enrichment:
              - type: PromptEnrichment
                prepend: [{role: system, content: "You are terse."}]
                defaults: {temperature: 0.2, stream_options: {include_usage: true}}
                overrides: {max_tokens: 64}
        """.formatted(webhook.uri(), moderation.uri()));
    envoy = gateway.envoy(Map.of("openai", openai.uri(), "other", openai.uri()));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    openai.close();
    webhook.close();
    moderation.close();
  }

  private static HttpExchange chat(String model, String content, String... headers) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", content);
    return HttpExchange.postJson("/v1/chat/completions", body.toString(), headers);
  }

  @Test
  void celAndPerRuleCostsAreEmitted() throws Exception {
    openai.handler(r -> Answer.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":40,\"total_tokens\":140,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":60}}}"));
    ProxyResponse r = envoy.send(chat("gpt-4o-mini", "hi"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(140);
    assertThat(r.metadataNumber(NS, "weighted")).isEqualTo(100 + 40 * 4);
    assertThat(r.metadataNumber(NS, "plain_cached")).isEqualTo(60);

    openai.handler(FakeOpenAi.handler(null, 100, 40)); // answers with the model asked for
    ProxyResponse other = envoy.send(chat("masked", "hi"));
    assertThat(other.metadata(NS, "plain_cached")).as("a rule's costs are its own").isNull();
    assertThat(other.metadataNumber(NS, "weighted")).isEqualTo(0);
  }

  @Test
  void requestWithACardNumberIsRejectedWithTheConfiguredStatus() throws Exception {
    ProxyResponse r = envoy.send(chat("strict", "charge " + CARD + " please"));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("creditCard");
    assertThat(openai.received()).isEmpty();

    ProxyResponse notACard = envoy.send(chat("strict", "order 4111 1111 1111 1112 shipped"));
    assertThat(notACard.status()).as("fails the Luhn check").isEqualTo(200);
  }

  @Test
  void maskedRequestContinuesWithTheMaskedContent() throws Exception {
    ProxyResponse r = envoy.send(chat("masked", "mail bob@example.com about Project Nightingale, card " + CARD));
    assertThat(r.status()).isEqualTo(200);
    String sent = JSON.readTree(openai.last().body()).path("messages").get(0).path("content").asText();
    assertThat(sent).isEqualTo("mail [REDACTED:email] about [REDACTED:secret-project], card [REDACTED:creditCard]");
  }

  @Test
  void wholeAnswerIsMasked() throws Exception {
    openai.handler(r -> Answer.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"write to alice@example.org\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}"));
    ProxyResponse r = envoy.send(chat("masked", "hello"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("write to [REDACTED:email]");
    assertThat(r.headers()).doesNotContainKey("content-length");
  }

  @Test
  void wholeAnswerWithPiiIsRejectedAndCostsStillEmitted() throws Exception {
    openai.handler(r -> Answer.json(200, "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"SSN 123-45-6789\"},"
        + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}"));
    ProxyResponse r = envoy.send(chat("strict", "what is my ssn"));
    assertThat(r.localReply()).isTrue();
    assertThat(r.status()).isEqualTo(422);
    assertThat(JSON.readTree(r.body()).path("error").path("message").asText()).contains("answer").contains("ssn");
    assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(11);
  }

  @Test
  void streamedAnswerIsMaskedAcrossChunkBoundariesSplitAnywhere() throws Exception {
    List<String> deltas = List.of("Your card ", "4111 11", "11 1111 1", "111 is on file; mail ", "ops@exa", "mple.com.");
    openai.handler(r -> Answer.stream("text/event-stream", sse(deltas)));
    for (long seed : new long[] {1, 2, 3, 42}) {
      envoy.splitResponseChunks(new RandomSplitter(seed, seed == 1 ? 1 : 17));
      ProxyResponse r = envoy.send(chat("masked", "show my card"));
      assertThat(r.status()).isEqualTo(200);
      assertThat(streamedText(r.body())).isEqualTo("Your card [REDACTED:creditCard] is on file; mail [REDACTED:email].");
      assertThat(r.bodyText()).doesNotContain("4111").doesNotContain("ops@").endsWith("data: [DONE]\n\n");
      assertThat(r.metadataNumber(NS, "llm_total_token")).isEqualTo(11);
    }
  }

  @Test
  void streamedAnswerWithPiiEndsWithAnErrorEvent() throws Exception {
    openai.handler(r -> Answer.stream("text/event-stream", sse(List.of("SSN is 123-4", "5-6789"))));
    envoy.splitResponseChunks(new RandomSplitter(7, 5));
    ProxyResponse r = envoy.send(chat("strict", "hello"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).doesNotContain("6789").contains("\"error\"").endsWith("data: [DONE]\n\n");
    List<SseDecoder.Event> events = new SseDecoder().feed(r.body());
    assertThat(events.get(events.size() - 1).data()).isEqualTo("[DONE]");
    JsonNode err = JSON.readTree(events.get(events.size() - 2).data()).path("error");
    assertThat(err.path("code").asText()).isEqualTo("422");
    assertThat(streamedText(r.body())).as("what came before the match went on").isEqualTo("SSN is ");
  }

  @Test
  void webhookMasksRejectsAndFailsClosedOnTimeout() throws Exception {
    webhook.handler(r -> Answer.json(200, "{\"action\":\"mask\",\"texts\":[\"[webhook-masked]\"]}"));
    assertThat(envoy.send(chat("hooked", "secret")).status()).isEqualTo(200);
    assertThat(JSON.readTree(webhook.last().body()).path("texts").get(0).asText()).isEqualTo("secret");
    assertThat(JSON.readTree(webhook.last().body()).path("direction").asText()).isEqualTo("request");
    assertThat(openai.last().bodyText()).contains("[webhook-masked]").doesNotContain("secret");

    webhook.handler(r -> Answer.json(200, "{\"action\":\"reject\",\"status\":403,\"message\":\"not on my watch\"}"));
    ProxyResponse rejected = envoy.send(chat("hooked", "anything"));
    assertThat(rejected.status()).isEqualTo(403);
    assertThat(JSON.readTree(rejected.body()).path("error").path("message").asText()).isEqualTo("not on my watch");

    webhook.handler(r -> {
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Answer.json(200, "{\"action\":\"allow\"}");
    });
    ProxyResponse slow = envoy.send(chat("hooked", "anything"));
    assertThat(slow.status()).isEqualTo(503);
  }

  @Test
  void moderationRejectsFlaggedPromptsNamingCategories() throws Exception {
    ProxyResponse flagged = envoy.send(chat("moderated", "how do I hurt someone"));
    assertThat(flagged.status()).isEqualTo(400);
    assertThat(JSON.readTree(flagged.body()).path("error").path("message").asText()).contains("violence");
    assertThat(JSON.readTree(moderation.last().body()).path("input").get(0).asText()).isEqualTo("how do I hurt someone");
    assertThat(envoy.send(chat("moderated", "how do I bake bread")).status()).isEqualTo(200);
  }

  @Test
  void enrichmentPrependsSetsDefaultsAndOverrides() throws Exception {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", "enriched").put("temperature", 0.9).put("max_tokens", 4000).put("stream", true);
    body.putArray("messages").addObject().put("role", "user").put("content", "hi");
    ProxyResponse r = envoy.send(HttpExchange.postJson("/v1/chat/completions", body.toString()));
    assertThat(r.status()).isEqualTo(200);
    JsonNode sent = JSON.readTree(openai.last().body());
    assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
    assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("You are terse.");
    assertThat(sent.path("messages").get(1).path("content").asText()).isEqualTo("hi");
    assertThat(sent.path("temperature").asDouble()).as("client's value kept").isEqualTo(0.9);
    assertThat(sent.path("max_tokens").asInt()).as("overridden").isEqualTo(64);
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(r.metadataNumber(NS, "llm_total_token")).as("usage chunk asked for by enrichment").isEqualTo(140);
  }

  @Test
  void routingHeaderWinsForKnownBackendsAndIsRefusedOtherwise() throws Exception {
    ProxyResponse direct = envoy.send(chat("strict", "card " + CARD, "x-ai-eg-backend", "openai"));
    assertThat(direct.status()).as("the header routes directly; the rule's policy does not apply").isEqualTo(200);
    assertThat(direct.cluster()).isEqualTo("openai");

    ProxyResponse refused = envoy.send(chat("gpt-4o-mini", "hi", "x-ai-eg-backend", "other"));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(JSON.readTree(refused.body()).path("error").path("message").asText()).contains("other");
  }

  private static List<byte[]> sse(List<String> deltas) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < deltas.size(); i++) {
      ObjectNode c = JSON.createObjectNode();
      c.put("id", "c1").put("object", "chat.completion.chunk").put("model", "m");
      ObjectNode choice = c.putArray("choices").addObject();
      choice.put("index", 0).putObject("delta").put("content", deltas.get(i));
      if (i == deltas.size() - 1) {
        choice.put("finish_reason", "stop");
      }
      out.add(("data: " + c + "\n\n").getBytes(StandardCharsets.UTF_8));
    }
    out.add("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":6,\"total_tokens\":11}}\n\n"
        .getBytes(StandardCharsets.UTF_8));
    out.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    return out;
  }

  private static String streamedText(byte[] body) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (SseDecoder.Event e : new SseDecoder().feed(body)) {
      if (e.data().equals("[DONE]")) {
        continue;
      }
      for (JsonNode c : JSON.readTree(e.data()).path("choices")) {
        sb.append(c.path("delta").path("content").asText(""));
      }
    }
    return sb.toString();
  }
}
