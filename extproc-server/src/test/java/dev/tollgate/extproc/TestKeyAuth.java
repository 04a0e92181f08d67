package dev.tollgate.extproc;

import dev.tollgate.api.InvalidConfigException;
import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.BackendAuth;
import dev.tollgate.api.spi.BackendAuthFactory;
import org.pf4j.Extension;

/** A test auth handler: {@code authorization: Bearer <key>}, and an AWS-style signature when {@code sigv4: true}. */
@Extension
public final class TestKeyAuth implements BackendAuthFactory {
  @Override
  public String type() {
    return "TestKey";
  }

  @Override
  public BackendAuth create(Settings settings) throws InvalidConfigException {
    String key = settings.string("key");
    boolean sigv4 = settings.bool("sigv4", false);
    return (request, backend, clientHeaders) -> sigv4
        ? request.withHeader("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/bedrock/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + key)
            .withHeader("x-amz-security-token", "session-" + key)
        : request.withHeader("authorization", "Bearer " + key);
  }
}
