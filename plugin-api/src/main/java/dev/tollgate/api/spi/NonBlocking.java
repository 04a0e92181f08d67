package dev.tollgate.api.spi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an extension whose work never waits: no network calls, no sleeping, no waiting for
 * other threads' locks or futures (reading a small local file, such as a mounted secret, is fine).
 * Put it on the extension class (a factory), where it covers
 * everything the factory creates, or on the class of a created object alone.
 *
 * <p>Why it matters: the gateway runs an ext_proc phase on the gRPC transport thread that received
 * the message when every extension taking part in that phase is marked, which saves two thread
 * hand-offs per message. Phases that involve an unmarked extension run on a worker thread instead,
 * so a plugin waiting on the network (a webhook guard, a token endpoint) never holds up other
 * exchanges. Leaving the mark off is always safe; marking something that blocks stalls every
 * exchange on the same connection while it waits.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface NonBlocking {
}
