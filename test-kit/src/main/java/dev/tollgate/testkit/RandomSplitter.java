package dev.tollgate.testkit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/** Splits byte pieces at random points (seeded, so a failure can be replayed), for streaming tests. */
public final class RandomSplitter implements Function<byte[], List<byte[]>> {
  private final Random random;
  private final int maxPiece;

  public RandomSplitter(long seed, int maxPiece) {
    this.random = new Random(seed);
    this.maxPiece = maxPiece;
  }

  @Override
  public List<byte[]> apply(byte[] in) {
    List<byte[]> out = new ArrayList<>();
    int i = 0;
    while (i < in.length) {
      int n = 1 + random.nextInt(Math.min(maxPiece, in.length - i));
      out.add(Arrays.copyOfRange(in, i, i + n));
      i += n;
    }
    return out;
  }

  /** A splitter that cuts every piece into single bytes, the hardest split for a stream decoder. */
  public static RandomSplitter singleBytes() {
    return new RandomSplitter(0, 1);
  }

  /** Splits a whole byte array into random pieces. */
  public static List<byte[]> split(byte[] all, long seed, int maxPiece) {
    return new RandomSplitter(seed, maxPiece).apply(all);
  }
}
