package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tollgate explain}: the rule, backend and upstream request, with credentials hidden, and nothing sent. */
class ExplainTest {
  @TempDir
  Path dir;

  private record Run(int code, String out, String err) {
  }

  private Run explain(String... args) throws Exception {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
    try {
      String[] all = new String[args.length + 3];
      all[0] = "explain";
      all[1] = "--plugins";
      all[2] = Files.createDirectories(dir.resolve("plugins")).toString();
      System.arraycopy(args, 0, all, 3, args.length);
      int code = Main.execute(all);
      return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  private Path config(String yaml) throws Exception {
    return Files.writeString(dir.resolve("gateway.yaml"), yaml);
  }

  @Test
  void showsRuleBackendAndTheUpstreamRequestWithTheKeyRedacted() throws Exception {
    Path cfg = config("""
        uuid: explain-1
        rules:
          - name: premium
            headers:
              - {name: x-tier, type: Exact, value: gold}
            backends:
              - name: signed
          - name: everyone
            headers:
              - {name: x-ai-eg-model, type: RegularExpression, value: ".*"}
            backends:
              - name: scripted
        backends:
          - name: scripted
            schema: {name: Scripted}
            auth: {type: TestKey, key: %s}
          - name: signed
            schema: {name: Scripted}
            auth: {type: TestKey, key: deadbeef%s, sigv4: true}
        """.formatted(Fixture.SECRET, "0123"));
    Path req = Files.writeString(dir.resolve("req.json"), "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    Run r = explain(req.toString(), "--config", cfg.toString(), "--header", "authorization=Bearer client-secret-1");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("rule:     everyone").contains("backend:  scripted (schema Scripted)")
        .contains("  POST /scripted\n").contains("  authorization: <redacted>\n").contains("  x-scripted: 1\n")
        .contains("  x-ai-eg-selected-backend: scripted\n").contains("  x-ai-eg-model: gpt-x\n")
        .contains("{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(r.out() + r.err()).doesNotContain(Fixture.SECRET).doesNotContain("client-secret-1");

    Run signed = explain(req.toString(), "--config", cfg.toString(), "-H", "x-tier=gold");
    assertThat(signed.code()).isZero();
    assertThat(signed.out()).contains("rule:     premium").contains("backend:  signed")
        .contains("authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=<redacted>")
        .contains("x-amz-security-token: <redacted>")
        .doesNotContain("deadbeef0123");
  }

  @Test
  void withConsumersItShowsWhoseKeyTheRequestCarriesAndTheKeyGoesNoFurther() throws Exception {
    Path cfg = config("""
        uuid: explain-consumers
        rules:
          - name: everyone
            headers:
              - {name: x-ai-eg-model, type: RegularExpression, value: ".*"}
            backends:
              - name: scripted
        backends:
          - name: scripted
            schema: {name: Scripted}
            auth: {type: TestKey, key: k}
        consumers:
          - name: research-app
            metadata: {team: research, tier: gold}
            models: ["gpt-*"]
            keys:
              - sha256: %s
        """.formatted(dev.tollgate.core.config.ClientKeys.sha256Hex("client-key-7")));
    Path req = Files.writeString(dir.resolve("c.json"), "{\"model\":\"gpt-x\",\"messages\":[]}");

    Run r = explain(req.toString(), "--config", cfg.toString(), "-H", "x-api-key=client-key-7");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("consumer: research-app (team=research, tier=gold)\n")
        .contains("rule:     everyone").doesNotContain("x-api-key:").doesNotContain("client-key-7");

    Run refused = explain(Files.writeString(dir.resolve("d.json"), "{\"model\":\"claude-x\"}").toString(),
        "--config", cfg.toString(), "-H", "authorization=Bearer client-key-7");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.out()).contains("consumer: research-app").contains("local reply: 403")
        .contains("may not use model 'claude-x'");

    // the header as curl takes it: the same consumer, the value without the space after the colon
    Run curlForm = explain(req.toString(), "--config", cfg.toString(), "-H", "Authorization: Bearer client-key-7");
    assertThat(curlForm.code()).as(curlForm.err()).isZero();
    assertThat(curlForm.out()).contains("consumer: research-app");
    Run noName = explain(req.toString(), "--config", cfg.toString(), "-H", ": Bearer client-key-7");
    assertThat(noName.code()).isEqualTo(2);
    assertThat(noName.err()).contains("--header wants 'NAME: VALUE' (as curl) or NAME=VALUE, got ': Bearer client-key-7'");

    Run keyless = explain(req.toString(), "--config", cfg.toString());
    assertThat(keyless.code()).isEqualTo(1);
    assertThat(keyless.out()).contains("local reply: 401").contains("tollgate_client_key").doesNotContain("consumer:");
  }

  @Test
  void aRequestThatWouldBeRefusedShowsTheLocalReply() throws Exception {
    Path cfg = config("""
        uuid: explain-2
        rules:
          - name: only
            headers:
              - {name: x-ai-eg-model, type: Exact, value: known}
            backends:
              - name: scripted
        backends:
          - name: scripted
            schema: {name: Scripted}
            auth: {type: TestKey, key: k}
        """);
    Run r = explain(Files.writeString(dir.resolve("r.json"), "{\"model\":\"unknown\"}").toString(), "--config", cfg.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("local reply: 404").contains("unknown").contains("no upstream is called");

    Run bad = explain(Files.writeString(dir.resolve("b.json"), "[1,2]").toString(), "--config", cfg.toString());
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.out()).contains("local reply: 400").contains("JSON object");

    Run missing = explain(dir.resolve("none.json").toString(), "--config", cfg.toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("cannot read");
  }

  @Test
  void aFallbackRuleShowsItsCandidatesInOrderAndEachAttemptsOwnUpstreamRequest() throws Exception {
    Path cfg = config("""
        uuid: explain-3
        rules:
          - name: resilient
            placement: Upstream
            backends:
              - {name: scripted, priority: 0}
              - {name: signed, priority: 1}
        backends:
          - name: scripted
            schema: {name: Scripted}
            auth: {type: TestKey, key: k1}
          - name: signed
            schema: {name: Scripted}
            auth: {type: TestKey, key: deadbeef0123, sigv4: true}
        """);
    Path req = Files.writeString(dir.resolve("f.json"), "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    Run r = explain(req.toString(), "--config", cfg.toString());

    assertThat(r.code()).as(r.err()).isZero();
    String out = r.out();
    assertThat(out).contains("rule:     resilient").contains("placement: Upstream")
        .contains("candidates, in the order Envoy tries their priorities: scripted, signed");
    int first = out.indexOf("attempt 1: backend scripted (schema Scripted)");
    int second = out.indexOf("attempt 2: backend signed (schema Scripted)");
    assertThat(first).isPositive();
    assertThat(second).isGreaterThan(first);
    assertThat(out.substring(first, second)).contains("x-ai-eg-selected-backend: scripted").doesNotContain("AWS4-HMAC");
    assertThat(out.substring(second)).contains("x-ai-eg-selected-backend: signed").contains("AWS4-HMAC-SHA256")
        .doesNotContain("rule:resilient");
    assertThat(out).doesNotContain("deadbeef0123");
  }
}
