package dev.tollgate.plugins.bedrock;

import org.junit.jupiter.api.Test;

class ScratchTest {
  @Test
  void run() throws Throwable {
    try {
      new SigV4Verifier("h", "eu-west-1", "bedrock", "a", "b", "c").problem(new dev.tollgate.testkit.FakeUpstream.Received("POST", "/x", java.util.Map.of("authorization", "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=content-type;host;x-amz-date, Signature=y", "x-amz-date", "20260101T000000Z", "x-amz-security-token", "c", "content-type", "application/json"), new byte[0]));
      System.out.println(SdkConverseModel.converse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}".getBytes()));
    } catch (Throwable t) {
      t.printStackTrace();
      throw t;
    }
  }
}
