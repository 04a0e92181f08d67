package dev.tollgate.core.clientapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.Endpoint;
import dev.tollgate.toolkit.JsonSupport;
import java.util.List;
import java.util.function.Supplier;

/** OpenAI's model list: {@code GET}, answered by the gateway with the models its rules declare. */
final class ModelsSpec extends OpenAiSpec {
  ModelsSpec() {
    super(Endpoint.MODELS);
  }

  @Override
  public String method() {
    return "GET";
  }

  @Override
  public LocalAnswer localAnswer(Supplier<List<String>> declaredModels) {
    ObjectNode root = JsonSupport.object();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (String m : declaredModels.get()) {
      ObjectNode e = data.addObject();
      e.put("id", m);
      e.put("object", "model");
      e.put("created", 0);
      e.put("owned_by", "tollgate");
    }
    return new LocalAnswer(200, JsonSupport.bytes(root), "models");
  }

  @Override
  public PromptTexts requestTexts(ObjectNode body) {
    return new PromptTexts();
  }

  @Override
  public PromptTexts answerTexts(ObjectNode body) {
    return new PromptTexts();
  }
}
