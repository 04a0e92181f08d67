package dev.tollgate.controller.resource;

import java.util.Map;

/**
 * One resource document as read from its source, before validation.
 *
 * @param origin where it came from, e.g. {@code routes.yaml} or {@code routes.yaml (document 2)}
 *               or {@code AIGatewayRoute default/chat}
 * @param tree   the document as maps, lists and scalars (null for an empty document)
 */
public record RawDocument(String origin, Map<String, Object> tree) {
}
