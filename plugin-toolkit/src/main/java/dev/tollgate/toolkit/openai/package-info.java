/**
 * The OpenAI client-side API models. Fields Tollgate does not know are kept in {@code extra} and
 * written back unchanged, so a new OpenAI parameter passes through without a Tollgate release.
 */
package dev.tollgate.toolkit.openai;
