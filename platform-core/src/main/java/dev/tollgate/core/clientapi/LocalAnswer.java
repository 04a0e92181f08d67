package dev.tollgate.core.clientapi;

/**
 * An answer the gateway gives by itself, without a backend: a JSON body with its status;
 * {@code cause} names it in the proxy's details ({@code tollgate_<cause>}).
 */
public record LocalAnswer(int status, byte[] json, String cause) {
}
