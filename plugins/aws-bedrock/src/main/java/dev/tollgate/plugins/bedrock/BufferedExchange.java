package dev.tollgate.plugins.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.api.Headers;
import dev.tollgate.api.TokenUsage;
import dev.tollgate.api.UpstreamRequest;
import dev.tollgate.api.spi.ProviderTranslator;
import dev.tollgate.api.spi.ResponseHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Set;

/**
 * An exchange whose answer arrives whole as JSON (Converse, InvokeModel). Error answers become
 * OpenAI errors with the upstream's status; a success is handed to {@link #translate}.
 */
abstract class BufferedExchange implements ProviderTranslator.Exchange {
  private final UpstreamRequest request;
  protected final String model;
  private final ByteArrayOutputStream whole = new ByteArrayOutputStream();
  private int status;
  private Headers headers = Headers.empty();
  protected TokenUsage usage = TokenUsage.NONE;

  BufferedExchange(UpstreamRequest request, String model) {
    this.request = request;
    this.model = model;
  }

  @Override
  public UpstreamRequest request() {
    return request;
  }

  @Override
  public ResponseHead onResponseHeaders(int status, Headers headers) {
    this.status = status;
    this.headers = headers;
    return new ResponseHead(Headers.of("content-type", "application/json"), Set.of("content-length"), false);
  }

  @Override
  public byte[] onResponseBody(byte[] chunk, boolean endOfStream) {
    whole.writeBytes(chunk);
    if (!endOfStream) {
      return new byte[0];
    }
    byte[] all = whole.toByteArray();
    if (status >= 400) {
      return ConverseResponseMapper.error(status, headers, all);
    }
    JsonNode root;
    try {
      root = ConverseResponseMapper.JSON.readTree(all);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      return ConverseResponseMapper.errorJson(502, null, "AWS Bedrock's answer is not a JSON object");
    }
    return translate(root, headers);
  }

  /** The client's body for a successful answer; sets {@link #usage}. */
  protected abstract byte[] translate(JsonNode answer, Headers headers);

  @Override
  public TokenUsage usage() {
    return usage;
  }

  @Override
  public String responseModel() {
    return model;
  }
}
