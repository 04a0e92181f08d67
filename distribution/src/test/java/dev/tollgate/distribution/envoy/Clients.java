package dev.tollgate.distribution.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The real clients: the official Python SDKs (through {@code src/test/python/clients.py}) and curl. */
final class Clients {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Clients() {
  }

  /** Runs a scenario of clients.py against Envoy; its JSON output. */
  static JsonNode python(String base, String scenario, String... args) throws Exception {
    return pythonWithKey(null, base, scenario, args);
  }

  /** As {@link #python}, the SDK presenting {@code key} as its API key (null: the scenario's default). */
  static JsonNode pythonWithKey(String key, String base, String scenario, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Tools.python().toString(),
        Tools.PYTHON_DIR.resolve("clients.py").toString(), scenario, base));
    command.addAll(List.of(args));
    Tools.Run r = Tools.run(Duration.ofSeconds(120),
        key == null ? java.util.Map.of() : java.util.Map.of("TOLLGATE_CLIENT_KEY", key), command);
    String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
    if (r.exit() != 0 || !last.startsWith("{")) {
      throw new AssertionError("clients.py " + scenario + " failed (exit " + r.exit() + "): " + r.output());
    }
    return JSON.readTree(last);
  }

  /** An HTTP exchange as curl saw it. */
  record Curl(int status, String headers, String body) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }
  }

  /** curl with these arguments; {@code -s -D -} are added to read status and headers. */
  static Curl curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-S", "-D", "-", "--max-time", "60"));
    command.addAll(List.of(args));
    Tools.Run r = Tools.run(Duration.ofSeconds(90), command);
    if (r.exit() != 0) {
      throw new AssertionError("curl failed (exit " + r.exit() + "): " + r.output());
    }
    String out = r.output();
    int split = out.indexOf("\r\n\r\n");
    String head = split < 0 ? out : out.substring(0, split);
    String body = split < 0 ? "" : out.substring(split + 4);
    int status = Integer.parseInt(head.lines().findFirst().orElseThrow().split(" ")[1]);
    return new Curl(status, head.toLowerCase(java.util.Locale.ROOT), body);
  }

  static String chatJson(String model, boolean stream) {
    return "{\"model\":\"" + model + "\",\"stream\":" + stream
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
  }
}
