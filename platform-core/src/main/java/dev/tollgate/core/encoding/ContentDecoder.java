package dev.tollgate.core.encoding;

/**
 * Undoes the {@code content-encoding} of one answer, piece by piece as the pieces arrive. Not
 * thread-safe: one per exchange, fed in order.
 */
public interface ContentDecoder {
  /**
   * Decodes the next piece of the encoded body.
   *
   * @param piece the encoded bytes, split anywhere
   * @param last  whether this is the last piece; the body must be complete then
   * @return the decoded bytes available so far (possibly empty), always a new array
   * @throws ContentDecodingException when the body is not valid for its encoding, is cut short, or
   *                                  decodes to more than the limit
   */
  byte[] decode(byte[] piece, boolean last) throws ContentDecodingException;
}
