package dev.tollgate.extproc;

import dev.tollgate.api.Settings;
import dev.tollgate.api.spi.PromptGuard;
import dev.tollgate.api.spi.PromptGuardFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.pf4j.Extension;

/** A test guard that allows everything, records "&lt;direction&gt;:&lt;thread&gt;" per call, and is not marked NonBlocking. */
@Extension
public final class RecordingGuard implements PromptGuardFactory {
  static final List<String> CALLS = new CopyOnWriteArrayList<>();

  @Override
  public String type() {
    return "Recording";
  }

  @Override
  public PromptGuard create(Settings settings) {
    return (direction, texts) -> {
      CALLS.add(direction + ":" + Thread.currentThread().getName());
      return PromptGuard.ALLOW;
    };
  }
}
