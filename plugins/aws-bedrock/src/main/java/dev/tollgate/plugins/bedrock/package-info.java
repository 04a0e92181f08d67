/**
 * The {@code AWSBedrock} backend schema: OpenAI chat completions over the Bedrock Runtime
 * Converse / ConverseStream API, and OpenAI embeddings over InvokeModel with Amazon Titan text
 * embeddings. Pair it with the {@code AWSCredentials} auth type (plugin aws-auth), which owns the
 * host, region and SigV4 signature:
 *
 * <pre>
 * backends:
 *   - name: bedrock
 *     schema: {name: AWSBedrock}
 *     modelNameOverride: anthropic.claude-3-5-haiku-20241022-v1:0   # optional
 *     auth: {type: AWSCredentials, region: us-east-1, credentialsFile: /etc/tollgate/aws/credentials}
 * </pre>
 */
package dev.tollgate.plugins.bedrock;
