/**
 * Tollgate's plugin API: contracts only (version {@link dev.tollgate.api.PluginApi#VERSION}).
 *
 * <p>A plugin contributes one or more extensions, each annotated with {@code @org.pf4j.Extension}
 * and implementing one of the extension points in {@link dev.tollgate.api.spi}:
 * <ul>
 *   <li>{@link dev.tollgate.api.spi.TranslatorFactory}: translates client endpoints for one backend schema;</li>
 *   <li>{@link dev.tollgate.api.spi.BackendAuthFactory}: adds a backend's credentials;</li>
 *   <li>{@link dev.tollgate.api.spi.PromptGuardFactory}: inspects prompts and answers;</li>
 *   <li>{@link dev.tollgate.api.spi.RequestEnricherFactory}: changes requests before they are translated;</li>
 *   <li>{@link dev.tollgate.api.spi.CostCalculatorFactory}: turns token usage into a cost.</li>
 * </ul>
 * Extensions are created by the platform's injector: a public constructor annotated with
 * {@code jakarta.inject.Inject} may ask for the {@link dev.tollgate.api.PlatformServices}.
 * Everything that crosses the boundary is an immutable value of this package.
 *
 * <p>A plugin sees of the host only this API, PF4J, Jackson (core, databind, annotations),
 * {@code jakarta.inject} and SLF4J; everything else it uses it bundles, including
 * {@code dev.tollgate:plugin-toolkit}, the helpers for translator authors.
 */
package dev.tollgate.api;
