/**
 * The {@code AWSCredentials} auth type: AWS Signature Version 4 over the final translated request,
 * with credentials from an AWS shared credentials file, the environment, or inline settings.
 * The handler sets {@code :authority} to the AWS host it signed for; Envoy's ext_proc
 * mutation rules must let it through (or the cluster must send that host itself).
 */
package dev.tollgate.plugins.awsauth;
