package dev.tollgate.plugins.gcpvertex;

import dev.tollgate.api.BackendTarget;
import dev.tollgate.api.Endpoint;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.conformance.Sample;
import dev.tollgate.conformance.TranslatorConformance;
import dev.tollgate.conformance.UpstreamAnswer;
import java.util.List;

/** The GCPVertexAI embeddings translator under the conformance kit, with {@code :predict} answers as Vertex AI sends them. */
class GeminiEmbeddingsConformanceTest extends TranslatorConformance {
  static final String PREDICTION = """
      {"predictions":[{"embeddings":{"statistics":{"truncated":false,"token_count":2},
        "values":[0.0123,-0.0456,0.0789,0.1011]}}],"metadata":{"billableCharacterCount":10}}""";

  @Override
  protected TranslatorFactory factory() {
    return new GeminiEmbeddings();
  }

  @Override
  protected BackendTarget backend() {
    return GcpVertexConformanceTest.BACKEND;
  }

  @Override
  protected List<Sample> samples() {
    String request = "{\"model\":\"gemini-embedding-001\",\"input\":\"Hello world\"%s}";
    return List.of(
        Sample.of("Vertex embedding", Endpoint.EMBEDDINGS, request.formatted(""), UpstreamAnswer.json(PREDICTION))
            .withUsage(new TokenUsage(2, 0, 2, 0, 0)),
        Sample.of("Vertex embedding as base64", Endpoint.EMBEDDINGS,
            request.formatted(",\"encoding_format\":\"base64\",\"dimensions\":4"), UpstreamAnswer.json(PREDICTION))
            .withUsage(new TokenUsage(2, 0, 2, 0, 0)));
  }
}
