package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.GatewayException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;

/**
 * OpenAI request → Converse request. Expected bodies follow the Converse request syntax in the
 * Amazon Bedrock API Reference (messages[].content[] blocks text/image/toolUse/toolResult, system[],
 * inferenceConfig, toolConfig.tools[].toolSpec, toolChoice auto/any/tool); each is also read back
 * with the AWS SDK's Converse model.
 */
class ConverseRequestMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode map(String openAi) throws Exception {
    JsonNode out = ConverseRequestMapper.toConverse(JSON.readTree(openAi));
    // every mapped body must be one the SDK's model accepts, member for member
    ConverseRequest sdk = SdkConverseModel.converse(out.toString().getBytes(StandardCharsets.UTF_8));
    assertThat(sdk.messages()).isNotEmpty();
    return out;
  }

  @Test
  void systemUserAndInferenceSettings() throws Exception {
    JsonNode out = map("""
        {"model":"m","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"developer","content":[{"type":"text","text":"Answer in French."}]},
          {"role":"user","content":"Hello"}],
         "temperature":0.5,"top_p":0.8,"max_tokens":100,"stop":"###"}
        """);
    assertThat(out).isEqualTo(JSON.readTree("""
        {"messages":[{"role":"user","content":[{"text":"Hello"}]}],
         "system":[{"text":"Be brief."},{"text":"Answer in French."}],
         "inferenceConfig":{"maxTokens":100,"temperature":0.5,"topP":0.8,"stopSequences":["###"]}}
        """));
  }

  @Test
  void maxCompletionTokensWinsOverMaxTokens() throws Exception {
    JsonNode out = map("""
        {"model":"m","messages":[{"role":"user","content":"Hi"}],"max_tokens":10,"max_completion_tokens":20,
         "stop":["a","b"]}
        """);
    assertThat(out.path("inferenceConfig")).isEqualTo(JSON.readTree("{\"maxTokens\":20,\"stopSequences\":[\"a\",\"b\"]}"));
  }

  @Test
  void consecutiveMessagesOfOneRoleAreMerged() throws Exception {
    JsonNode out = map("""
        {"model":"m","messages":[
          {"role":"user","content":"one"},{"role":"user","content":"two"},
          {"role":"assistant","content":"three"},{"role":"assistant","content":"four"},
          {"role":"user","content":"five"}]}
        """);
    assertThat(out.path("messages")).isEqualTo(JSON.readTree("""
        [{"role":"user","content":[{"text":"one"},{"text":"two"}]},
         {"role":"assistant","content":[{"text":"three"},{"text":"four"}]},
         {"role":"user","content":[{"text":"five"}]}]
        """));
  }

  @Test
  void toolsToolCallsAndMergedToolResults() throws Exception {
    JsonNode out = map("""
        {"model":"m","messages":[
          {"role":"user","content":"Weather in Paris and Rome?"},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"call_2","type":"function","function":{"name":"weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"18C"},
          {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"24C"}]}],
         "tools":[{"type":"function","function":{"name":"weather","description":"Weather by city",
           "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
         "tool_choice":{"type":"function","function":{"name":"weather"}}}
        """);
    assertThat(out.path("messages")).isEqualTo(JSON.readTree("""
        [{"role":"user","content":[{"text":"Weather in Paris and Rome?"}]},
         {"role":"assistant","content":[
           {"toolUse":{"toolUseId":"call_1","name":"weather","input":{"city":"Paris"}}},
           {"toolUse":{"toolUseId":"call_2","name":"weather","input":{"city":"Rome"}}}]},
         {"role":"user","content":[
           {"toolResult":{"toolUseId":"call_1","content":[{"text":"18C"}]}},
           {"toolResult":{"toolUseId":"call_2","content":[{"text":"24C"}]}}]}]
        """));
    assertThat(out.path("toolConfig")).isEqualTo(JSON.readTree("""
        {"tools":[{"toolSpec":{"name":"weather","description":"Weather by city",
           "inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}}],
         "toolChoice":{"tool":{"name":"weather"}}}
        """));
  }

  @Test
  void toolChoiceVocabulary() throws Exception {
    String base = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":";
    assertThat(map(base + "\"auto\"}").path("toolConfig").path("toolChoice")).isEqualTo(JSON.readTree("{\"auto\":{}}"));
    assertThat(map(base + "\"required\"}").path("toolConfig").path("toolChoice")).isEqualTo(JSON.readTree("{\"any\":{}}"));
    JsonNode none = map(base + "\"none\"}");
    assertThat(none.has("toolConfig")).isFalse();
    // a tool without parameters gets an empty object schema, which Converse requires
    assertThat(map(base + "\"auto\"}").path("toolConfig").path("tools").get(0).path("toolSpec").path("inputSchema"))
        .isEqualTo(JSON.readTree("{\"json\":{\"type\":\"object\",\"properties\":{}}}"));
  }

  @Test
  void imagesFromDataUrls() throws Exception {
    JsonNode out = map("""
        {"model":"m","messages":[{"role":"user","content":[
          {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ"}},
          {"type":"text","text":"Describe"}]}]}
        """);
    assertThat(out.path("messages").get(0).path("content")).isEqualTo(JSON.readTree("""
        [{"image":{"format":"jpeg","source":{"bytes":"/9j/4AAQ"}}},{"text":"Describe"}]
        """));
  }

  @Test
  void whatConverseCannotExpressIsRefusedWithTheField() {
    assertThatThrownBy(() -> map("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]}
        """)).isInstanceOf(GatewayException.class).hasMessageContaining("messages[0].content[0]")
        .hasMessageContaining("data: URL").extracting(e -> ((GatewayException) e).status()).isEqualTo(400);
    assertThatThrownBy(() -> map("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/bmp;base64,AAAA"}}]}]}
        """)).hasMessageContaining("image/bmp");
    assertThatThrownBy(() -> map("""
        {"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{}}]}]}
        """)).hasMessageContaining("input_audio");
    assertThatThrownBy(() -> map("""
        {"model":"m","messages":[{"role":"tool","content":"x"}]}
        """)).hasMessageContaining("messages[0].tool_call_id");
    assertThatThrownBy(() -> map("""
        {"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{oops"}}]}]}
        """)).hasMessageContaining("messages[0].tool_calls[0].function.arguments");
    assertThatThrownBy(() -> map("{\"model\":\"m\",\"messages\":[]}")).hasMessageContaining("messages");
    assertThatThrownBy(() -> map("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"))
        .hasMessageContaining("'n'");
    assertThatThrownBy(() -> map("{\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"))
        .hasMessageContaining("messages[0].role");
  }

  @Test
  void modelIdsAreEncodedInThePathAsTheSdkDoes() {
    assertThat(BedrockTranslators.modelPath("anthropic.claude-3-haiku-20240307-v1:0", "converse"))
        .isEqualTo("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    assertThat(BedrockTranslators.modelPath(
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-2-1b-instruct-v1:0", "converse-stream"))
        .isEqualTo("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.meta.llama3-2-1b-instruct-v1%3A0/converse-stream");
    assertThat(BedrockTranslators.encode("a b~c*")).isEqualTo("a%20b~c%2A");
  }

  @Test
  void theSdkModelCheckRejectsMembersTheApiDoesNotHave() {
    assertThat(SdkConverseModel.problems("""
        {"messages":[{"role":"user","content":[{"text":"x","image":{"format":"png","source":{"bytes":"AA=="}}}]}],
         "inferenceconfig":{"maxTokens":1}}
        """.getBytes(StandardCharsets.UTF_8), ConverseRequest.builder().sdkFields()))
        .anySatisfy(p -> assertThat(p).contains("$.inferenceconfig"))
        .anySatisfy(p -> assertThat(p).contains("$.messages[0].content[0] is a union"));
  }
}
