package dev.tollgate.toolkit.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.ClientRequest;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.GatewayException;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.Translator;
import dev.tollgate.toolkit.JsonSupport;
import dev.tollgate.toolkit.PivotExtensions.Dialect;
import dev.tollgate.toolkit.SseDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ResponsesChatBridgeTest {
  private static JsonNode json(String s) {
    return JsonSupport.tryParse(s);
  }

  private static ObjectNode chat(String responsesRequest) throws GatewayException {
    return ResponsesChatBridge.toChatRequest(json(responsesRequest), "m");
  }

  // ---- requests

  @Test
  void aStringInputWithInstructionsBecomesSystemAndUserMessagesWithTheSettings() throws Exception {
    ObjectNode c = chat("""
        {"model":"gpt","instructions":"Be brief.","input":"Hi","max_output_tokens":50,"temperature":0.2,
         "top_p":0.9,"store":true,"metadata":{"k":"v"},"user":"u1","stream":true,"truncation":"auto",
         "reasoning":{"effort":"low","summary":"auto"},"include":["reasoning.encrypted_content"]}""");
    assertThat(c.path("model").asText()).isEqualTo("m");
    assertThat(c.path("messages")).isEqualTo(json("""
        [{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]"""));
    assertThat(c.path("max_completion_tokens").asInt()).isEqualTo(50);
    assertThat(c.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(c.path("top_p").asDouble()).isEqualTo(0.9);
    assertThat(c.path("user").asText()).isEqualTo("u1");
    assertThat(c.path("reasoning_effort").asText()).isEqualTo("low");
    assertThat(c.path("stream").asBoolean()).isTrue();
    assertThat(c.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(c.has("metadata") || c.has("store") || c.has("include") || c.has("truncation")).isFalse();
  }

  @Test
  void aMultiTurnConversationWithFunctionCallsBecomesChatMessages() throws Exception {
    ObjectNode c = chat("""
        {"model":"gpt","input":[
          {"role":"developer","content":"Use tools."},
          {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris and Rome?"},
            {"type":"input_image","image_url":"https://example.com/a.png","detail":"low"}]},
          {"type":"reasoning","id":"rs_1","summary":[]},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking.","annotations":[]}]},
          {"type":"function_call","call_id":"call_a","name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"},
          {"type":"function_call","call_id":"call_b","name":"weather","arguments":"{\\"city\\":\\"Rome\\"}"},
          {"type":"function_call_output","call_id":"call_a","output":"18C"},
          {"type":"function_call_output","call_id":"call_b","output":[{"type":"input_text","text":"21C"}]},
          {"role":"assistant","content":"Paris 18C, Rome 21C."},
          {"role":"user","content":"Thanks"}],
         "safety_identifier":"s1"}""");
    assertThat(c.path("messages")).isEqualTo(json("""
        [{"role":"developer","content":"Use tools."},
         {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"},
           {"type":"image_url","image_url":{"url":"https://example.com/a.png","detail":"low"}}]},
         {"role":"assistant","content":"Checking.","tool_calls":[
           {"id":"call_a","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
           {"id":"call_b","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
         {"role":"tool","tool_call_id":"call_a","content":"18C"},
         {"role":"tool","tool_call_id":"call_b","content":"21C"},
         {"role":"assistant","content":"Paris 18C, Rome 21C."},
         {"role":"user","content":"Thanks"}]"""));
    assertThat(c.path("user").asText()).isEqualTo("s1");
  }

  @Test
  void aFunctionCallWithoutTextBeforeItOpensAnAssistantMessageWithNullContent() throws Exception {
    ObjectNode c = chat("""
        {"input":[{"role":"user","content":"x"},
          {"type":"function_call","call_id":"c1","name":"f","arguments":"{}"},
          {"type":"function_call_output","call_id":"c1","output":"ok"}]}""");
    JsonNode assistant = c.path("messages").get(1);
    assertThat(assistant.path("role").asText()).isEqualTo("assistant");
    assertThat(assistant.path("content").isNull()).isTrue();
    assertThat(assistant.path("tool_calls").get(0).path("id").asText()).isEqualTo("c1");
  }

  @Test
  void functionToolsToolChoiceAndTextFormatsBecomeTheirChatForms() throws Exception {
    ObjectNode c = chat("""
        {"input":"x","tools":[{"type":"function","name":"weather","description":"d",
           "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}],
         "tool_choice":{"type":"function","name":"weather"},"parallel_tool_calls":false,
         "text":{"format":{"type":"json_schema","name":"out","schema":{"type":"object"},"strict":true},
           "verbosity":"low"}}""");
    assertThat(c.path("tools")).isEqualTo(json("""
        [{"type":"function","function":{"name":"weather","description":"d",
          "parameters":{"type":"object","properties":{"city":{"type":"string"}}},"strict":true}}]"""));
    assertThat(c.path("tool_choice")).isEqualTo(json("{\"type\":\"function\",\"function\":{\"name\":\"weather\"}}"));
    assertThat(c.path("parallel_tool_calls").asBoolean(true)).isFalse();
    assertThat(c.path("response_format")).isEqualTo(json("""
        {"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}}"""));
    assertThat(chat("{\"input\":\"x\",\"tool_choice\":\"required\"}").path("tool_choice").asText())
        .isEqualTo("required");
    assertThat(chat("{\"input\":\"x\",\"text\":{\"format\":{\"type\":\"json_object\"}}}").path("response_format"))
        .isEqualTo(json("{\"type\":\"json_object\"}"));
    assertThat(chat("{\"input\":\"x\",\"text\":{\"format\":{\"type\":\"text\"}}}").has("response_format")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"input\":\"x\",\"previous_response_id\":\"resp_1\"}|previous_response_id: this backend does not keep responses",
      "{\"input\":\"x\",\"conversation\":\"conv_1\"}|conversation: this backend does not keep",
      "{\"input\":\"x\",\"background\":true}|background:",
      "{\"input\":\"x\",\"prompt\":{\"id\":\"pmpt_1\"}}|prompt:",
      "{\"input\":\"x\",\"tools\":[{\"type\":\"web_search\"}]}|tools.0.type: 'web_search' is a tool OpenAI runs itself",
      "{\"input\":\"x\",\"tools\":[{\"type\":\"function\",\"name\":\"f\"},{\"type\":\"code_interpreter\"}]}|tools.1.type: 'code_interpreter'",
      "{\"input\":\"x\",\"tools\":[{\"type\":\"mcp\",\"server_label\":\"s\"}]}|tools.0.type: 'mcp'",
      "{\"input\":\"x\",\"tool_choice\":{\"type\":\"file_search\"}}|tool_choice.type: 'file_search'",
      "{\"input\":[{\"type\":\"item_reference\",\"id\":\"msg_1\"}]}|input.0.type: 'item_reference'",
      "{\"input\":[{\"type\":\"web_search_call\",\"id\":\"ws_1\"}]}|input.0.type: 'web_search_call'",
      "{\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"file_id\":\"file-1\"}]}]}|input.0.content.0.file_id:",
      "{\"input\":[{\"role\":\"tool\",\"content\":\"x\"}]}|input.0.role:",
      "{\"input\":[{\"type\":\"function_call\",\"name\":\"f\"}]}|input.0.call_id: Field required",
      "{\"model\":\"m\"}|input: Field required",
  })
  void whatAStatelessChatBackendCannotDoIsA400NamingTheField(String request, String message) {
    assertThatThrownBy(() -> chat(request)).isInstanceOf(GatewayException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(400));
  }

  @Test
  void theRefusalOfStoredResponsesSaysWhichSchemasKeepThem() {
    assertThatThrownBy(() -> chat("{\"input\":\"x\",\"previous_response_id\":\"resp_1\"}"))
        .hasMessageContaining("send the whole conversation as input items")
        .hasMessageContaining("OpenAI and AzureOpenAI");
  }

  @Test
  void storeAndBackgroundFalseAreAccepted() throws Exception {
    assertThat(chat("{\"input\":\"x\",\"store\":true,\"background\":false}").path("messages").size()).isEqualTo(1);
  }

  // ---- whole answers

  static final String REQUEST = """
      {"model":"gpt","instructions":"Be brief.","input":"Weather?","temperature":0.5,"metadata":{"k":"v"},
       "tools":[{"type":"function","name":"weather","parameters":{"type":"object"}}],"tool_choice":"auto"}""";

  static final String COMPLETION = """
      {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m-2024","choices":[{"index":0,
       "message":{"role":"assistant","content":"Let me check.","tool_calls":[{"id":"call_1","type":"function",
       "function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},"finish_reason":"tool_calls"}],
       "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28,"prompt_tokens_details":{"cached_tokens":4},
       "completion_tokens_details":{"reasoning_tokens":2}}}""";

  private static Translator.Exchange exchange(String request) {
    return ResponsesChatBridge.exchange(UpstreamRequest.post("/chat", Headers.of(), new byte[0]), "m",
        json(request));
  }

  private static JsonNode whole(String request, String completion) throws GatewayException {
    Translator.Exchange x = exchange(request);
    assertThat(x.onResponseHeaders(200, Headers.of("content-type", "application/json")).streaming()).isFalse();
    return JsonSupport.tryParse(x.onResponseBody(completion.getBytes(StandardCharsets.UTF_8), true));
  }

  @Test
  void aWholeCompletionBecomesAResponseWithAMessageAndAFunctionCallAndItsUsage() throws Exception {
    JsonNode r = whole(REQUEST, COMPLETION);
    assertThat(r.path("id").asText()).startsWith("resp_");
    assertThat(r.path("object").asText()).isEqualTo("response");
    assertThat(r.path("status").asText()).isEqualTo("completed");
    assertThat(r.path("created_at").asLong()).isEqualTo(1700000000L);
    assertThat(r.path("model").asText()).isEqualTo("m-2024");
    JsonNode message = r.path("output").get(0);
    assertThat(message.path("id").asText()).startsWith("msg_");
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("role").asText()).isEqualTo("assistant");
    assertThat(message.path("status").asText()).isEqualTo("completed");
    assertThat(message.path("content")).isEqualTo(json("""
        [{"type":"output_text","text":"Let me check.","annotations":[],"logprobs":[]}]"""));
    JsonNode call = r.path("output").get(1);
    assertThat(call.path("id").asText()).startsWith("fc_");
    assertThat(call.path("type").asText()).isEqualTo("function_call");
    assertThat(call.path("call_id").asText()).isEqualTo("call_1");
    assertThat(call.path("name").asText()).isEqualTo("weather");
    assertThat(call.path("arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(r.path("usage")).isEqualTo(json("""
        {"input_tokens":20,"input_tokens_details":{"cached_tokens":4,"cache_write_tokens":0},"output_tokens":8,
         "output_tokens_details":{"reasoning_tokens":2},"total_tokens":28}"""));
    // the request's settings, echoed
    assertThat(r.path("instructions").asText()).isEqualTo("Be brief.");
    assertThat(r.path("temperature").asDouble()).isEqualTo(0.5);
    assertThat(r.path("top_p").asDouble()).isEqualTo(1.0);
    assertThat(r.path("metadata")).isEqualTo(json("{\"k\":\"v\"}"));
    assertThat(r.path("tools").get(0).path("name").asText()).isEqualTo("weather");
    assertThat(r.path("tool_choice").asText()).isEqualTo("auto");
    assertThat(r.path("parallel_tool_calls").asBoolean()).isTrue();
    assertThat(r.path("store").asBoolean(true)).isFalse();
    assertThat(r.path("text").path("format").path("type").asText()).isEqualTo("text");
    assertThat(r.has("error") && r.get("error").isNull()).isTrue();
  }

  @Test
  void aCompletionCutByTheTokenLimitIsAnIncompleteResponse() throws Exception {
    JsonNode r = whole("{\"input\":\"x\",\"max_output_tokens\":5}", """
        {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
         "message":{"role":"assistant","content":"Once upon"},"finish_reason":"length"}],
         "usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}""");
    assertThat(r.path("status").asText()).isEqualTo("incomplete");
    assertThat(r.path("incomplete_details").path("reason").asText()).isEqualTo("max_output_tokens");
    assertThat(r.path("max_output_tokens").asInt()).isEqualTo(5);
    assertThat(r.path("output").get(0).path("status").asText()).isEqualTo("incomplete");
  }

  @Test
  void anAnswerThatIsNotAChatCompletionIsA502() {
    for (String bad : List.of("{\"not\":\"a completion\"}", "{\"choices\":[]}", "{\"cho", "")) {
      assertThatThrownBy(() -> whole("{\"input\":\"x\"}", bad)).isInstanceOf(GatewayException.class)
          .satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(502));
    }
  }

  @Test
  void theUsageAndModelAreReadFromAWholeAnswer() throws Exception {
    Translator.Exchange x = exchange(REQUEST);
    x.onResponseHeaders(200, Headers.of("content-type", "application/json"));
    x.onResponseBody(COMPLETION.getBytes(StandardCharsets.UTF_8), true);
    assertThat(x.usage()).isEqualTo(new TokenUsage(20, 8, 28, 4, 2));
    assertThat(x.responseModel()).isEqualTo("m-2024");
  }

  static final String BLOCKS = """
      [{"type":"thinking","thinking":"The user wants Paris. ","signature":"sig-1"},
       {"type":"redacted_thinking","data":"EmwKAhgB"}]""";

  static final String REASONING_COMPLETION = """
      {"id":"chatcmpl-2","object":"chat.completion","created":1700000000,"model":"m-2024","choices":[{"index":0,
       "message":{"role":"assistant","content":"Let me check.","reasoning_content":"The user wants Paris. ",
       "thinking_blocks":%s,
       "tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
       "finish_reason":"tool_calls"}],
       "usage":{"prompt_tokens":20,"completion_tokens":8,"total_tokens":28,
       "completion_tokens_details":{"reasoning_tokens":5}}}""".formatted(BLOCKS);

  @Test
  void aWholeCompletionsReasoningComesFirstAsAReasoningItemItsBlocksAsEncryptedContent() throws Exception {
    JsonNode r = whole(REQUEST, REASONING_COMPLETION);
    JsonNode output = r.path("output");
    assertThat(output.size()).isEqualTo(3);
    JsonNode rs = output.get(0);
    assertThat(rs.path("type").asText()).isEqualTo("reasoning");
    assertThat(rs.path("id").asText()).startsWith("rs_");
    assertThat(rs.path("status").asText()).isEqualTo("completed");
    assertThat(rs.path("summary")).isEqualTo(json("[{\"type\":\"summary_text\",\"text\":\"The user wants Paris. \"}]"));
    assertThat(rs.path("encrypted_content").asText()).startsWith(ResponsesAnswers.ENCRYPTED_PREFIX);
    assertThat(ResponsesAnswers.thinkingBlocks(rs.get("encrypted_content"))).isEqualTo(json(BLOCKS));
    assertThat(output.get(1).path("type").asText()).isEqualTo("message");
    assertThat(output.get(1).path("id").asText()).startsWith("msg_");
    assertThat(output.get(2).path("type").asText()).isEqualTo("function_call");
    assertThat(r.path("usage").path("output_tokens_details").path("reasoning_tokens").asInt()).isEqualTo(5);
  }

  @Test
  void reasoningWithoutSignedBlocksHasNoEncryptedContentAndBlocksAloneGiveAnItemWithoutSummary() throws Exception {
    JsonNode r = whole("{\"input\":\"x\"}", """
        {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
         "message":{"role":"assistant","content":"Hi","reasoning_content":"Hmm."},"finish_reason":"stop"}]}""");
    assertThat(r.path("output").get(0).has("encrypted_content")).isFalse();
    assertThat(r.path("output").get(0).path("summary").get(0).path("text").asText()).isEqualTo("Hmm.");
    JsonNode redacted = whole("{\"input\":\"x\"}", """
        {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
         "message":{"role":"assistant","content":"Hi","thinking_blocks":[{"type":"redacted_thinking","data":"EmwK"}]},
         "finish_reason":"stop"}]}""");
    assertThat(redacted.path("output").get(0).path("summary").isEmpty()).isTrue();
    assertThat(redacted.path("output").get(0).path("encrypted_content").asText()).isNotEmpty();
    assertThat(whole("{\"input\":\"x\"}", """
        {"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
         "message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}""").path("output").size()).isEqualTo(1);
  }

  @Test
  void aReasoningItemSentBackAsInputGivesItsTurnsAssistantMessageTheThinkingBlocks() throws Exception {
    JsonNode answer = whole(REQUEST, REASONING_COMPLETION);
    ObjectNode next = (ObjectNode) json("{\"model\":\"gpt\",\"input\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");
    ArrayNode input = (ArrayNode) next.get("input");
    answer.path("output").forEach(input::add); // as the SDKs' clients do: the output items, as they came
    input.addObject().put("type", "function_call_output").put("call_id", "call_1").put("output", "18C");
    ObjectNode c = ResponsesChatBridge.toChatRequest(next, "m", Dialect.TOLLGATE);
    assertThat(c.path("messages")).isEqualTo(json("""
        [{"role":"user","content":"Weather?"},
         {"role":"assistant","content":"Let me check.","thinking_blocks":%s,
          "tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"18C"}]""".formatted(BLOCKS)));
    // the plain dialect (and so any OpenAI-compatible backend) drops them, as before
    assertThat(ResponsesChatBridge.toChatRequest(next, "m").path("messages").get(1).has("thinking_blocks")).isFalse();
    // over a chat translator, the Tollgate dialect
    AtomicReference<ClientRequest> seen = new AtomicReference<>();
    Translator chatTranslator = request -> {
      seen.set(request);
      return ResponsesChatBridge.exchange(UpstreamRequest.post("/provider", Headers.of(), request.body()), "m", json("{}"));
    };
    ResponsesChatBridge.over(chatTranslator).start(new ClientRequest(Endpoint.RESPONSES, Headers.of(),
        JsonSupport.bytes(next), next, "gpt", false));
    assertThat(seen.get().parsed().path("messages").get(1).path("thinking_blocks")).isEqualTo(json(BLOCKS));
  }

  @Test
  void reasoningItemsTollgateDidNotMakeAreDroppedAndOneWithoutItsTurnLeavesNoEmptyMessage() throws Exception {
    ObjectNode c = ResponsesChatBridge.toChatRequest(json("""
        {"input":[{"role":"user","content":"Hi"},
          {"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"s"}],"encrypted_content":"gAAAAABo-openai"},
          {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hello"}]},
          {"role":"user","content":"Again"},
          {"type":"reasoning","id":"rs_2","summary":[],"encrypted_content":"%s"},
          {"role":"user","content":"?"}]}""".formatted(ResponsesAnswers.ENCRYPTED_PREFIX + "bm90IGpzb24")),
        "m", Dialect.TOLLGATE);
    assertThat(c.path("messages")).isEqualTo(json("""
        [{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},{"role":"user","content":"Again"},
         {"role":"user","content":"?"}]"""));
    ObjectNode alone = ResponsesChatBridge.toChatRequest(json("""
        {"input":[{"role":"user","content":"Hi"},{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"%s"},
          {"role":"user","content":"?"}]}""".formatted(ResponsesAnswers.encryptedContent((ArrayNode) json(BLOCKS)))),
        "m", Dialect.TOLLGATE);
    assertThat(alone.path("messages").size()).isEqualTo(2);
  }

  // ---- streams

  static String chunk(String delta, String finish) {
    return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-2024\","
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  }

  static final String STREAM = chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null")
      + chunk("{\"content\":\"Let me \"}", "null")
      + chunk("{\"content\":\"check — naïve ✓\"}", "null")
      + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\","
      + "\"arguments\":\"\"}}]}", "null")
      + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}", "null")
      + chunk("{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Paris\\\"}\"}}]}", "null")
      + chunk("{\"tool_calls\":[{\"index\":1,\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"time\","
      + "\"arguments\":\"{}\"}}]}", "null")
      + chunk("{}", "\"tool_calls\"")
      + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-2024\","
      + "\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":8,\"total_tokens\":28}}\n\n"
      + "data: [DONE]\n\n";

  private static List<SseDecoder.Event> streamed(String request, List<byte[]> pieces, Translator.Exchange[] out)
      throws GatewayException {
    Translator.Exchange x = exchange(request);
    assertThat(x.onResponseHeaders(200, Headers.of("content-type", "text/event-stream")).streaming()).isTrue();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pieces.size(); i++) {
      sb.append(new String(x.onResponseBody(pieces.get(i), i == pieces.size() - 1), StandardCharsets.UTF_8));
    }
    if (out != null) {
      out[0] = x;
    }
    return new SseDecoder().feed(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> types(List<SseDecoder.Event> events) {
    return events.stream().map(SseDecoder.Event::event).toList();
  }

  @Test
  void aChunkStreamBecomesTheResponsesEventSequence() throws Exception {
    Translator.Exchange[] x = new Translator.Exchange[1];
    List<SseDecoder.Event> events = streamed(REQUEST, List.of(STREAM.getBytes(StandardCharsets.UTF_8)), x);
    assertThat(types(events)).containsExactly(
        "response.created", "response.in_progress",
        "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed");
    for (int i = 0; i < events.size(); i++) {
      JsonNode e = json(events.get(i).data());
      assertThat(e.path("type").asText()).isEqualTo(events.get(i).event());
      assertThat(e.path("sequence_number").asInt()).isEqualTo(i);
    }
    JsonNode textDone = json(events.get(6).data());
    assertThat(textDone.path("text").asText()).isEqualTo("Let me check — naïve ✓");
    JsonNode argsDone = json(events.get(14).data());
    assertThat(argsDone.path("arguments").asText()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(argsDone.path("name").asText()).isEqualTo("weather");
    assertThat(argsDone.path("output_index").asInt()).isEqualTo(1);
    JsonNode created = json(events.get(0).data()).path("response");
    assertThat(created.path("status").asText()).isEqualTo("in_progress");
    assertThat(created.path("output").isEmpty()).isTrue();
    JsonNode done = json(events.get(events.size() - 1).data()).path("response");
    assertThat(done.path("id").asText()).isEqualTo(created.path("id").asText());
    assertThat(done.path("status").asText()).isEqualTo("completed");
    assertThat(done.path("output").size()).isEqualTo(3);
    assertThat(done.path("output").get(0).path("content").get(0).path("text").asText())
        .isEqualTo("Let me check — naïve ✓");
    assertThat(done.path("output").get(1).path("call_id").asText()).isEqualTo("call_1");
    assertThat(done.path("output").get(1).path("id").asText())
        .isEqualTo(json(events.get(9).data()).path("item").path("id").asText());
    assertThat(done.path("output").get(2).path("arguments").asText()).isEqualTo("{}");
    assertThat(done.path("usage").path("input_tokens").asInt()).isEqualTo(20);
    assertThat(done.path("usage").path("output_tokens").asInt()).isEqualTo(8);
    assertThat(x[0].usage()).isEqualTo(TokenUsage.of(20, 8));
    assertThat(x[0].responseModel()).isEqualTo("m-2024");
  }

  /** The events with the per-exchange ids taken out. */
  private static List<JsonNode> normalized(List<SseDecoder.Event> events) {
    List<JsonNode> out = new ArrayList<>();
    for (SseDecoder.Event e : events) {
      out.add(json(e.data().replaceAll("\"(resp|msg|fc|rs)_[0-9a-f]+\"", "\"ID\"")));
    }
    return out;
  }

  @Test
  void aStreamSplitAtAnyByteGivesTheSameEvents() throws Exception {
    byte[] body = STREAM.getBytes(StandardCharsets.UTF_8);
    List<JsonNode> expected = normalized(streamed(REQUEST, List.of(body), null));
    for (int at = 1; at < body.length; at++) {
      List<JsonNode> split = normalized(streamed(REQUEST,
          List.of(Arrays.copyOfRange(body, 0, at), Arrays.copyOfRange(body, at, body.length)), null));
      assertThat(split).as("split at byte %d", at).isEqualTo(expected);
    }
  }

  static final String REASONING_STREAM = chunk("{\"role\":\"assistant\",\"content\":\"\"}", "null")
      + chunk("{\"reasoning_content\":\"The user \"}", "null")
      + chunk("{\"reasoning_content\":\"wants — Paris ✓\"}", "null")
      + chunk("{\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"The user wants — Paris ✓\","
      + "\"signature\":\"sig-1\"}]}", "null")
      + chunk("{\"content\":\"Let me check.\"}", "null")
      + chunk("{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"weather\","
      + "\"arguments\":\"{}\"}}]}", "null")
      + chunk("{}", "\"tool_calls\"")
      + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m-2024\","
      + "\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":8,\"total_tokens\":28,"
      + "\"completion_tokens_details\":{\"reasoning_tokens\":6}}}\n\n"
      + "data: [DONE]\n\n";

  @Test
  void streamedReasoningBecomesAReasoningItemBeforeTheMessage() throws Exception {
    List<SseDecoder.Event> events = streamed(REQUEST, List.of(REASONING_STREAM.getBytes(StandardCharsets.UTF_8)), null);
    assertThat(types(events)).containsExactly(
        "response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
        "response.output_item.added", "response.content_part.added", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done",
        "response.completed");
    List<JsonNode> e = events.stream().map(ev -> json(ev.data())).toList();
    for (int i = 0; i < e.size(); i++) {
      assertThat(e.get(i).path("sequence_number").asInt()).isEqualTo(i);
    }
    JsonNode added = e.get(2).path("item");
    assertThat(added.path("type").asText()).isEqualTo("reasoning");
    assertThat(added.path("status").asText()).isEqualTo("in_progress");
    assertThat(added.path("summary").isEmpty()).isTrue();
    String rsId = added.path("id").asText();
    assertThat(rsId).startsWith("rs_");
    for (int i = 3; i <= 8; i++) {
      assertThat(e.get(i).path("output_index").asInt()).as("event %d", i).isZero();
    }
    assertThat(e.get(3).path("part")).isEqualTo(json("{\"type\":\"summary_text\",\"text\":\"\"}"));
    assertThat(e.get(4).path("item_id").asText()).isEqualTo(rsId);
    assertThat(e.get(4).path("summary_index").asInt()).isZero();
    assertThat(e.get(6).path("text").asText()).isEqualTo("The user wants — Paris ✓");
    assertThat(e.get(7).path("part").path("text").asText()).isEqualTo("The user wants — Paris ✓");
    assertThat(e.get(7).has("status")).isFalse();
    JsonNode rsDone = e.get(8).path("item");
    assertThat(rsDone.path("status").asText()).isEqualTo("completed");
    assertThat(ResponsesAnswers.thinkingBlocks(rsDone.get("encrypted_content"))).isEqualTo(json(
        "[{\"type\":\"thinking\",\"thinking\":\"The user wants — Paris ✓\",\"signature\":\"sig-1\"}]"));
    assertThat(e.get(9).path("output_index").asInt()).isEqualTo(1);
    assertThat(e.get(9).path("item").path("id").asText()).startsWith("msg_");
    assertThat(e.get(11).path("output_index").asInt()).isEqualTo(1);
    assertThat(e.get(15).path("output_index").asInt()).isEqualTo(2);
    assertThat(e.get(17).path("output_index").asInt()).isEqualTo(2);
    JsonNode done = e.get(e.size() - 1).path("response");
    assertThat(done.path("output").size()).isEqualTo(3);
    assertThat(done.path("output").get(0)).isEqualTo(rsDone);
    assertThat(done.path("output").get(1).path("content").get(0).path("text").asText()).isEqualTo("Let me check.");
    assertThat(done.path("usage").path("output_tokens_details").path("reasoning_tokens").asInt()).isEqualTo(6);
  }

  @Test
  void aReasoningStreamSplitAtAnyByteGivesTheSameEvents() throws Exception {
    byte[] body = REASONING_STREAM.getBytes(StandardCharsets.UTF_8);
    List<JsonNode> expected = normalized(streamed(REQUEST, List.of(body), null));
    for (int at = 1; at < body.length; at++) {
      List<JsonNode> split = normalized(streamed(REQUEST,
          List.of(Arrays.copyOfRange(body, 0, at), Arrays.copyOfRange(body, at, body.length)), null));
      assertThat(split).as("split at byte %d", at).isEqualTo(expected);
    }
  }

  @Test
  void aStreamCutByTheTokenLimitWhileReasoningMarksTheSummaryPartIncomplete() throws Exception {
    String s = chunk("{\"reasoning_content\":\"Let me think\"}", "null") + chunk("{}", "\"length\"")
        + "data: [DONE]\n\n";
    List<SseDecoder.Event> events = streamed("{\"input\":\"x\"}", List.of(s.getBytes(StandardCharsets.UTF_8)), null);
    assertThat(types(events)).containsExactly("response.created", "response.in_progress",
        "response.output_item.added", "response.reasoning_summary_part.added", "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done", "response.reasoning_summary_part.done", "response.output_item.done",
        "response.incomplete");
    assertThat(json(events.get(6).data()).path("status").asText()).isEqualTo("incomplete");
    assertThat(json(events.get(7).data()).path("item").path("status").asText()).isEqualTo("incomplete");
    assertThat(json(events.get(7).data()).path("item").has("encrypted_content")).isFalse();
  }

  @Test
  void aStreamCutShortEndsWithAnErrorEventNeverACompletedResponse() throws Exception {
    byte[] body = STREAM.getBytes(StandardCharsets.UTF_8);
    int cut = STREAM.indexOf("\"tool_calls\"}");  // before the finish_reason
    List<SseDecoder.Event> events = streamed(REQUEST, List.of(Arrays.copyOf(body, cut)), null);
    assertThat(types(events)).doesNotContain("response.completed", "response.incomplete");
    SseDecoder.Event last = events.get(events.size() - 1);
    assertThat(last.event()).isEqualTo("error");
    JsonNode e = json(last.data());
    assertThat(e.path("message").asText()).contains("ended before the answer was complete");
    assertThat(e.path("code").asText()).isEqualTo("502");
    assertThat(e.has("param")).isTrue();
    assertThat(e.path("sequence_number").asInt()).isEqualTo(events.size() - 1);
  }

  @Test
  void aStreamWithoutAnyChunkEndsWithAnError() throws Exception {
    List<SseDecoder.Event> events = streamed(REQUEST, List.of(new byte[0]), null);
    assertThat(types(events)).containsExactly("error");
    assertThat(json(events.get(0).data()).path("sequence_number").asInt()).isZero();
  }

  @Test
  void aFinishReasonWithoutDoneStillCompletes() throws Exception {
    String s = chunk("{\"content\":\"Hi\"}", "null") + chunk("{}", "\"stop\"");
    List<SseDecoder.Event> events = streamed("{\"input\":\"x\"}", List.of(s.getBytes(StandardCharsets.UTF_8)), null);
    assertThat(events.get(events.size() - 1).event()).isEqualTo("response.completed");
  }

  @Test
  void aStreamCutByTheTokenLimitEndsWithResponseIncomplete() throws Exception {
    String s = chunk("{\"content\":\"Once\"}", "null") + chunk("{}", "\"length\"") + "data: [DONE]\n\n";
    List<SseDecoder.Event> events = streamed("{\"input\":\"x\"}", List.of(s.getBytes(StandardCharsets.UTF_8)), null);
    SseDecoder.Event last = events.get(events.size() - 1);
    assertThat(last.event()).isEqualTo("response.incomplete");
    assertThat(json(last.data()).path("response").path("incomplete_details").path("reason").asText())
        .isEqualTo("max_output_tokens");
  }

  @Test
  void anErrorChunkBecomesAnErrorEventAndEndsTheStream() throws Exception {
    String s = chunk("{\"content\":\"Once\"}", "null")
        + "data: {\"error\":{\"message\":\"Too many tokens\",\"type\":\"rate_limit_error\",\"param\":null,\"code\":\"429\"}}\n\n"
        + "data: [DONE]\n\n";
    List<SseDecoder.Event> events = streamed("{\"input\":\"x\"}", List.of(s.getBytes(StandardCharsets.UTF_8)), null);
    SseDecoder.Event last = events.get(events.size() - 1);
    assertThat(last.event()).isEqualTo("error");
    assertThat(json(last.data()).path("message").asText()).isEqualTo("Too many tokens");
    assertThat(json(last.data()).path("code").asText()).isEqualTo("429");
    assertThat(types(events)).doesNotContain("response.completed");
  }

  // ---- over a chat translator

  @Test
  void overAChatTranslatorHandsItTheChatRequestAndRewritesItsAnswer() throws Exception {
    AtomicReference<ClientRequest> seen = new AtomicReference<>();
    Translator chatTranslator = request -> {
      seen.set(request);
      return ResponsesChatBridge.exchange(UpstreamRequest.post("/provider", Headers.of(), request.body()),
          "unused", json("{}")); // any exchange; only its request and pass-through matter here
    };
    ObjectNode body = (ObjectNode) json("{\"model\":\"gpt\",\"input\":\"Hi\",\"stream\":false}");
    ClientRequest client = new ClientRequest(Endpoint.RESPONSES, Headers.of("authorization", "Bearer k"),
        JsonSupport.bytes(body), body, "gpt", false);
    Translator.Exchange x = ResponsesChatBridge.over(chatTranslator).start(client);
    assertThat(seen.get().endpoint()).isEqualTo(Endpoint.CHAT_COMPLETIONS);
    assertThat(seen.get().parsed().path("messages").get(0).path("content").asText()).isEqualTo("Hi");
    assertThat(x.request().path()).isEqualTo("/provider");
    assertThatThrownBy(() -> ResponsesChatBridge.over(chatTranslator).start(new ClientRequest(Endpoint.RESPONSES,
        Headers.of(), new byte[0], (ObjectNode) json("{\"input\":\"x\",\"previous_response_id\":\"r\"}"), "gpt",
        false))).isInstanceOf(GatewayException.class);
  }
}
