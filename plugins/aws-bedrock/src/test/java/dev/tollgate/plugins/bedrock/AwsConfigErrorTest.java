package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.TollgateHarness;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Bedrock backend whose credentials cannot be found, or that has settings it does not take, never starts serving. */
class AwsConfigErrorTest {
  @TempDir
  Path dir;

  @Test
  void aMissingCredentialsFileStopsTheConfigNamingTheField() {
    Path missing = dir.resolve("aws").resolve("credentials");
    loading("auth: {type: AWSCredentials, region: us-east-1, credentialsFile: " + missing + "}")
        .hasMessageContaining("backends[0].auth.credentialsFile")
        .hasMessageContaining(missing.toString());
  }

  @Test
  void providerSettingsAreRefusedWhenTheConfigLoads() {
    loading("provider: {region: us-east-1}\n"
        + "auth: {type: AWSCredentials, region: us-east-1, accessKeyId: AKIDEXAMPLE, secretAccessKey: secret}")
        .hasMessageContaining("backends[0].provider.region")
        .hasMessageContaining("AWSCredentials");
  }

  /** The failure of loading a config whose one Bedrock backend has these lines besides its name and schema. */
  private AbstractThrowableAssert<?, ? extends Throwable> loading(String backendLines) {
    String config = """
        rules:
          - backends: [{name: bedrock}]
        backends:
          - name: bedrock
            schema: {name: AWSBedrock}
        """ + backendLines.indent(4);
    return assertThatThrownBy(() -> TollgateHarness.startFromClasspath(dir, config).close());
  }
}
