package dev.tollgate.plugins.bedrock;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.TollgateHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Bedrock backend whose credentials cannot be found never starts serving. */
class AwsConfigErrorTest {
  @TempDir
  Path dir;

  @Test
  void aMissingCredentialsFileStopsTheConfigNamingTheField() {
    Path missing = dir.resolve("aws").resolve("credentials");
    assertThatThrownBy(() -> TollgateHarness.startFromClasspath(dir, """
        rules:
          - backends: [{name: bedrock}]
        backends:
          - name: bedrock
            schema: {name: AWSBedrock}
            auth: {type: AWSCredentials, region: us-east-1, credentialsFile: %s}
        """.formatted(missing)).close())
        .hasMessageContaining("backends[0].auth.credentialsFile")
        .hasMessageContaining(missing.toString());
  }
}
