package dev.tollgate.controller.resource;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Map;

/**
 * What a {@code PromptPolicy} says: prompt guards and request enrichment for the requests the
 * rules of its target routes route (optionally only those going to some backends). It becomes one
 * entry of the gateway config's {@code policies}; the field names are those of the guard and
 * enrichment plugins' settings, so a block reads the same here and in the gateway config.
 *
 * @param targetRefs  the {@code AIGatewayRoute}s this applies to (all of their rules)
 * @param backendRefs when set, only requests sent to one of these {@code AIServiceBackend}s
 * @param guards      guards, run in order (policies themselves apply in the order of their names)
 * @param enrichment  messages and request fields added to every request (type {@code PromptEnrichment})
 */
@JsonClassDescription("Prompt guards and request enrichment for the requests the rules of the target routes route;"
    + " policies apply in the order of their names")
public record PromptPolicySpec(
    @Required @JsonPropertyDescription("The AIGatewayRoutes this policy applies to (all of their rules)")
    List<LocalRef> targetRefs,
    @JsonPropertyDescription("When set, only requests sent to one of these AIServiceBackends")
    List<LocalRef> backendRefs,
    @JsonPropertyDescription("Guards, run in order: each allows, masks or rejects prompts and answers")
    List<Guard> guards,
    @JsonPropertyDescription("Messages and request fields added to every request (type PromptEnrichment)")
    Enrichment enrichment) {

  /**
   * A prompt guard. {@code type} names the guard plugin; the built-in types take their settings
   * from the block of the same name ({@code regex}, {@code webhook}, {@code moderation}), a guard
   * type from another plugin from {@code settings}.
   *
   * @param type       {@code Regex}, {@code Webhook}, {@code Moderation} or a plugin's guard type
   * @param on         what is inspected: {@code Request}, {@code Response} or both (the default).
   *                   Write the key quoted, {@code "on":}, since YAML 1.1 parsers such as kubectl's
   *                   read a bare {@code on} as the boolean {@code true}
   * @param regex      settings for {@code Regex}
   * @param webhook    settings for {@code Webhook}
   * @param moderation settings for {@code Moderation}
   * @param settings   settings for a guard type of another plugin, passed on as they are
   */
  public record Guard(
      @Required @JsonPropertyDescription("The guard type: Regex, Webhook, Moderation; the set is open: installed"
          + " plugins add guard types (tollgate plugins lists them), whose settings go in settings")
      String type,
      @SchemaFrom(type = Direction[].class)
      @JsonPropertyDescription("What is inspected: Request, Response or both (default both). Quote the key, \"on\":,"
          + " since YAML 1.1 parsers such as kubectl's read a bare on as true")
      List<String> on,
      @JsonPropertyDescription("Settings of a Regex guard")
      Regex regex,
      @JsonPropertyDescription("Settings of a Webhook guard")
      Webhook webhook,
      @JsonPropertyDescription("Settings of a Moderation guard")
      Moderation moderation,
      @PreserveUnknownFields
      @JsonPropertyDescription("Settings of a guard type of another plugin, passed on as they are")
      Map<String, Object> settings) {
  }

  /** The values of {@link Guard#on}, for the CRD's schema. */
  public enum Direction { Request, Response }

  /**
   * Finds sensitive data by pattern.
   *
   * @param builtins    built-in detectors: {@code creditCard}, {@code ssn}, {@code email}, {@code phone}
   * @param patterns    custom named regular expressions
   * @param action      {@code Reject} (default) or {@code Mask}
   * @param status      HTTP status of a rejection (400-599, default 400)
   * @param message     message of a rejection (default names what was found)
   * @param replacement what a match is masked with (default {@code [REDACTED:<name>]})
   * @param streamWindow how many characters of a streamed answer may be held back per pattern while it could
   *                    still be the start of a match (1-65536, default 256); it applies to patterns whose
   *                    longest match is not known, such as the email builtin and custom regular expressions
   */
  public record Regex(
      @SchemaFrom(type = Builtin[].class)
      @JsonPropertyDescription("Built-in detectors: creditCard (Luhn-checked), ssn, email, phone")
      List<String> builtins,
      @JsonPropertyDescription("Custom named regular expressions")
      List<NamedPattern> patterns,
      @SchemaFrom(type = Action.class)
      @JsonPropertyDescription("What a match does: Reject (default) or Mask")
      String action,
      @JsonPropertyDescription("The HTTP status of a rejection (400-599, default 400)")
      Integer status,
      @JsonPropertyDescription("The message of a rejection (default: names what was found)")
      String message,
      @JsonPropertyDescription("What a match is masked with (default [REDACTED:<name>])")
      String replacement,
      @JsonPropertyDescription("Characters of a streamed answer the guard may hold back per pattern"
          + " while they could still be the start of a match (1-65536, default 256); for patterns"
          + " whose longest match is not known, such as the email builtin and custom expressions")
      Integer streamWindow) {
  }

  /** The values of {@link Regex#builtins}, for the CRD's schema. */
  public enum Builtin { creditCard, ssn, email, phone }

  /** The values of {@link Regex#action}, for the CRD's schema. */
  public enum Action { Reject, Mask }

  /** A custom pattern of a {@code Regex} guard. */
  public record NamedPattern(
      @Required @JsonPropertyDescription("The pattern's name, used in the default mask and rejection message")
      String name,
      @Required @JsonPropertyDescription("A Java regular expression")
      String regex) {
  }

  /**
   * Asks an operator's HTTP service.
   *
   * @param url      the service
   * @param timeout  ISO-8601 duration, e.g. {@code PT1S} (default {@code PT2S})
   * @param failOpen on timeout or error: false (default) rejects with 503, true lets the text pass
   * @param headers  headers sent with every call (their values are written into the gateway config,
   *                 which is then kept in a Secret)
   */
  public record Webhook(
      @Required @JsonPropertyDescription("The service's URL; it gets POST {\"direction\", \"texts\"}")
      String url,
      @JsonPropertyDescription("An ISO-8601 duration, e.g. PT1S (default PT2S)")
      String timeout,
      @JsonPropertyDescription("On timeout or error: false (default) rejects with 503, true lets the text pass")
      Boolean failOpen,
      @JsonPropertyDescription("Headers sent with every call (their values are written into the gateway config,"
          + " which is then kept in a Secret)")
      Map<String, String> headers) {
  }

  /**
   * An OpenAI-compatible moderation endpoint.
   *
   * @param url        default {@code https://api.openai.com/v1/moderations}
   * @param model      default {@code omni-moderation-latest}
   * @param apiKeyFile a file holding the endpoint's API key
   * @param apiKeyEnv  an environment variable of the Tollgate process holding it
   * @param status     HTTP status of a rejection (400-599, default 400)
   * @param timeout    ISO-8601 duration (default {@code PT2S})
   * @param failOpen   on timeout or error: false (default) rejects with 503, true lets the text pass
   */
  public record Moderation(
      @JsonPropertyDescription("The moderation endpoint (default https://api.openai.com/v1/moderations)")
      String url,
      @JsonPropertyDescription("The moderation model (default omni-moderation-latest)")
      String model,
      @JsonPropertyDescription("A file holding the endpoint's API key, readable where the gateway runs")
      String apiKeyFile,
      @JsonPropertyDescription("An environment variable of the gateway process holding the API key")
      String apiKeyEnv,
      @JsonPropertyDescription("The HTTP status of a rejection (400-599, default 400)")
      Integer status,
      @JsonPropertyDescription("An ISO-8601 duration (default PT2S)")
      String timeout,
      @JsonPropertyDescription("On timeout or error: false (default) rejects with 503, true lets the text pass")
      Boolean failOpen) {
  }

  /**
   * Request enrichment. At least one field must be set.
   *
   * @param prepend   messages put before the client's
   * @param append    messages put after the client's
   * @param defaults  request fields set when the client sent none (objects merge field by field)
   * @param overrides request fields always set
   */
  public record Enrichment(
      @JsonPropertyDescription("Messages put before the client's")
      List<Message> prepend,
      @JsonPropertyDescription("Messages put after the client's")
      List<Message> append,
      @PreserveUnknownFields
      @JsonPropertyDescription("Request fields set when the client sent none (objects merge field by field), only on"
          + " requests that accept them: stream_options only on streamed OpenAI requests")
      Map<String, Object> defaults,
      @PreserveUnknownFields
      @JsonPropertyDescription("Request fields always set, only on requests that accept them (as for defaults)")
      Map<String, Object> overrides) {
  }

  /**
   * A message to add.
   *
   * @param role    {@code system}, {@code developer}, {@code user} or {@code assistant}
   * @param content its text
   */
  public record Message(
      @Required @SchemaFrom(type = Role.class)
      @JsonPropertyDescription("system, developer, user or assistant (system and developer messages go into"
          + " Anthropic's system)")
      String role,
      @Required @JsonPropertyDescription("The message's text")
      String content) {
  }

  /** The values of {@link Message#role}, for the CRD's schema. */
  public enum Role { system, developer, user, assistant }
}
