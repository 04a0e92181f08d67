package dev.tollgate.controller;

import dev.tollgate.controller.resource.InvalidResourcesException;
import dev.tollgate.controller.resource.Problem;
import dev.tollgate.controller.resource.RawDocument;
import dev.tollgate.controller.resource.ResourceReader;
import dev.tollgate.controller.sink.ConfigSink;
import dev.tollgate.controller.translate.Translation;
import dev.tollgate.controller.translate.Translator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place with the global view: each change hands it every resource document its source
 * knows; it validates and translates them and publishes the result to every sink. Invalid
 * resources are reported and publish nothing, so the last good output stays in force.
 */
public final class Controller {
  private static final Logger LOG = LoggerFactory.getLogger(Controller.class);

  /** What an update did. */
  public enum Outcome { PUBLISHED, UNCHANGED, REJECTED, FAILED }

  private final Translator translator;
  private final List<ConfigSink> sinks;
  private final AtomicLong published = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private volatile Translation lastGood;
  private volatile List<Problem> lastProblems = List.of();
  private volatile boolean dirty;

  public Controller(Translator translator, List<ConfigSink> sinks) {
    this.translator = translator;
    this.sinks = List.copyOf(sinks);
  }

  /** Recomputes everything from {@code documents}, the complete current set. */
  public synchronized Outcome update(List<RawDocument> documents) {
    Translation next;
    try {
      next = translator.translate(ResourceReader.read(documents));
    } catch (InvalidResourcesException e) {
      return reject(e.problems());
    }
    lastProblems = List.of();
    if (!dirty && lastGood != null && Objects.equals(lastGood.gatewayConfigYaml(), next.gatewayConfigYaml())
        && lastGood.envoy().equals(next.envoy())
        && Objects.equals(lastGood.rateLimitConfigYaml(), next.rateLimitConfigYaml())) {
      return Outcome.UNCHANGED;
    }
    next.warnings().forEach(w -> LOG.warn("{}", w));
    for (ConfigSink sink : sinks) {
      try {
        sink.publish(next);
      } catch (Exception e) {
        dirty = true;
        LOG.error("could not publish config {} to {}: {}", next.uuid(), sink, e.toString());
        return Outcome.FAILED;
      }
    }
    dirty = false;
    lastGood = next;
    published.incrementAndGet();
    LOG.info("published gateway config {} and Envoy config {} ({} backends, {} budgets)", next.uuid(), next.version(),
        next.gatewayConfig().backends().size(), next.budgets().size());
    return Outcome.PUBLISHED;
  }

  /** Reports problems found before translation (e.g. a file that is not YAML); keeps the last good output. */
  public synchronized Outcome reject(List<Problem> problems) {
    lastProblems = List.copyOf(problems);
    rejected.incrementAndGet();
    LOG.error("resources rejected, keeping config {}:\n  {}", lastGood == null ? "(none yet)" : lastGood.uuid(),
        String.join("\n  ", problems.stream().map(Problem::toString).toList()));
    return Outcome.REJECTED;
  }

  /** The last translation that was published, or null. */
  public Translation lastGood() {
    return lastGood;
  }

  /** The problems of the last rejected update, empty after a good one. */
  public List<Problem> lastProblems() {
    return lastProblems;
  }

  public long publishedCount() {
    return published.get();
  }

  public long rejectedCount() {
    return rejected.get();
  }
}
