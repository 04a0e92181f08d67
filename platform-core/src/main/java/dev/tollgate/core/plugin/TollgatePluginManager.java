package dev.tollgate.core.plugin;

import com.google.inject.Injector;
import dev.tollgate.api.spi.BackendAuthFactory;
import dev.tollgate.api.spi.CostCalculatorFactory;
import dev.tollgate.api.spi.PromptGuardFactory;
import dev.tollgate.api.spi.TranslatorFactory;
import dev.tollgate.api.spi.RequestEnricherFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultExtensionFinder;
import org.pf4j.DefaultPluginManager;
import org.pf4j.ExtensionFinder;
import org.pf4j.ExtensionFactory;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PF4J plugin manager that gives each plugin a class loader sharing only the SPI packages, creates
 * extensions through Guice, checks the plugin API version, and turns every way a plugin can fail
 * into one line naming the plugin and the cause. A plugin that fails is refused (and its
 * extensions are not used); the others load.
 */
public final class TollgatePluginManager extends DefaultPluginManager {
  /** The version of the plugin API this platform implements; plugins declare Plugin-Requires against it. */
  public static final String API_VERSION = dev.tollgate.api.PluginApi.VERSION;

  /** The extension points of {@code dev.tollgate.api.spi} that Tollgate looks up. */
  public static final List<Class<?>> EXTENSION_POINTS = List.of(TranslatorFactory.class, BackendAuthFactory.class,
      CostCalculatorFactory.class, PromptGuardFactory.class, RequestEnricherFactory.class);

  private static final Logger LOG = LoggerFactory.getLogger(TollgatePluginManager.class);
  private final List<RefusedPlugin> refused = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final List<String> duplicates = new ArrayList<>();
  private final Map<Class<?>, List<Object>> extensions = new LinkedHashMap<>();
  private volatile Supplier<Injector> injector;
  private final PluginWorkFolder work;

  /** Plugins from {@code pluginsRoot}; zips unpacked under {@code $TOLLGATE_WORK_DIR} or the temporary folder. */
  public TollgatePluginManager(Path pluginsRoot) {
    this(PluginFolders.of(pluginsRoot));
  }

  /** Plugins from {@code pluginsRoot}; zips unpacked under {@code workDir}/plugins. */
  public TollgatePluginManager(Path pluginsRoot, Path workDir) {
    this(PluginFolders.of(pluginsRoot).withWorkDir(workDir));
  }

  /** Plugins from every folder of {@code folders}; zips unpacked in its work folder. */
  public TollgatePluginManager(PluginFolders folders) {
    this(folders.dirs(), folders.workDir().map(PluginWorkFolder::in).orElseGet(PluginWorkFolder::fromEnvironment));
  }

  private TollgatePluginManager(List<Path> pluginsRoots, PluginWorkFolder work) {
    super(pluginsRoots);
    this.work = work;
    setSystemVersion(API_VERSION);
  }

  /** The injector that creates extensions; looked up when an extension is created. */
  public void useInjector(Supplier<Injector> injector) {
    this.injector = injector;
  }

  @Override
  protected ExtensionFactory createExtensionFactory() {
    // Called from the super constructor, before our fields exist: resolve the injector lazily.
    return new ExtensionFactory() {
      @Override
      public <T> T create(Class<T> extensionClass) {
        Supplier<Injector> i = injector;
        if (i == null) {
          throw new IllegalStateException("no injector set on the plugin manager");
        }
        return i.get().getInstance(extensionClass);
      }
    };
  }

  @Override
  protected ExtensionFinder createExtensionFinder() {
    DefaultExtensionFinder finder = new DefaultExtensionFinder(this) {
      {
        finders.clear();
        finders.add(new EveryIndexExtensionFinder(pluginManager));
      }
    };
    addPluginStateListener(finder);
    return finder;
  }

  @Override
  protected PluginRepository createPluginRepository() {
    // called from the super constructor, before our fields are set: the work folder is read when used
    return new PluginDirectory(getPluginsRoots(), () -> work, this::refuse);
  }

  @Override
  protected PluginLoader createPluginLoader() {
    ClassLoader application = TollgatePluginManager.class.getClassLoader();
    return new CompoundPluginLoader()
        .add(new JarPluginLoader(this) {
          @Override
          protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
            return new IsolatingPluginClassLoader(pluginManager, descriptor, application);
          }
        })
        .add(new DefaultPluginLoader(this) {
          @Override
          protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
            return new IsolatingPluginClassLoader(pluginManager, descriptor, application);
          }
        });
  }

  /**
   * PF4J logs and skips a plugin it cannot load; Tollgate records why, so that a duplicate id
   * stops start-up and a broken file is reported in one line.
   */
  @Override
  protected PluginWrapper loadPluginFromPath(Path pluginPath) {
    String id;
    try {
      if (!PluginCode.hasDescriptor(pluginPath)) {
        throw new PluginRuntimeException("no descriptor"); // checked first: PF4J logs a stack trace for it
      }
      id = getPluginDescriptorFinder().find(pluginPath).getPluginId();
    } catch (PluginRuntimeException e) {
      refuse(new RefusedPlugin(null, source(pluginPath), "has no plugin descriptor: a plugin jar names itself with "
          + "Plugin-Id in META-INF/MANIFEST.MF, a plugin zip with plugin.properties"));
      return null;
    }
    PluginWrapper first = id == null ? null : getPlugin(id);
    if (first != null) {
      duplicates.add("two plugins have the id '" + id + "': " + source(first.getPluginPath()) + " and "
          + source(pluginPath) + "; remove one of them");
      return null;
    }
    try {
      return super.loadPluginFromPath(pluginPath);
    } catch (RuntimeException | LinkageError e) {
      refuse(new RefusedPlugin(id, source(pluginPath), "cannot be loaded: " + Failures.describe(e)));
      return null;
    }
  }

  /**
   * Loads and starts all plugins in the plugins directory and creates their extensions. A plugin
   * that cannot be used is refused (see {@link #refused()}); two plugins with one id stop start-up.
   */
  public void loadAndStart() {
    loadPlugins();
    if (!duplicates.isEmpty()) {
      throw new PluginLoadException(String.join("; ", duplicates));
    }
    for (PluginWrapper p : getPlugins()) {
      if (p.getPluginState() == PluginState.DISABLED) {
        refuse(new RefusedPlugin(p.getPluginId(), source(p.getPluginPath()), "requires plugin API "
            + p.getDescriptor().getRequires() + " but this Tollgate provides " + API_VERSION
            + "; it is not loaded. Install a build of the plugin for this version."));
      }
    }
    for (PluginWrapper p : new ArrayList<>(getResolvedPlugins())) {
      checkIsolation(p);
    }
    startPlugins();
    for (PluginWrapper p : getPlugins()) {
      if (p.getPluginState() == PluginState.FAILED) {
        refuse(new RefusedPlugin(p.getPluginId(), source(p.getPluginPath()), "failed to start: "
            + (p.getFailedException() == null ? "unknown cause" : Failures.describe(p.getFailedException()))));
      }
    }
    createClassPathExtensions();
    for (PluginWrapper p : new ArrayList<>(getStartedPlugins())) {
      createExtensions(p);
    }
  }

  /** Refuses a plugin whose own code refers to a class of Tollgate's that is not in the plugin API. */
  private void checkIsolation(PluginWrapper p) {
    if (!(p.getPluginClassLoader() instanceof IsolatingPluginClassLoader loader)) {
      return;
    }
    Optional<String> reach;
    try {
      reach = PluginCode.firstReachIntoApplication(loader);
    } catch (IOException e) {
      refuseLoaded(p, "cannot be read: " + e.getMessage());
      return;
    }
    reach.ifPresent(r -> refuseLoaded(p, outsideTheApi(r)));
  }

  private static String outsideTheApi(String what) {
    return what + ", which is not part of the plugin API; a plugin sees only " + SpiPackages.SUMMARY
        + " of Tollgate. Bundle the library in the plugin's lib/ (platform services come from PlatformServices)";
  }

  private void createClassPathExtensions() {
    for (String className : extensionFinder.findClassNames(null)) {
      try {
        Class<?> type = TollgatePluginManager.class.getClassLoader().loadClass(className);
        List<Class<?>> points = extensionPointsOf(type);
        if (!points.isEmpty()) {
          Object extension = getExtensionFactory().create(type);
          points.forEach(point -> extensions.computeIfAbsent(point, k -> new ArrayList<>()).add(extension));
        }
      } catch (ClassNotFoundException | RuntimeException | LinkageError e) {
        throw new PluginLoadException("the extension " + className + " on the class path cannot be created: "
            + Failures.describe(e));
      }
    }
  }

  /**
   * Creates every extension of {@code p}; if one fails the plugin is refused and none of its
   * extensions is used. A plugin that provides none gets a warning naming the likely cause.
   */
  private void createExtensions(PluginWrapper p) {
    Set<String> classNames = extensionFinder.findClassNames(p.getPluginId());
    Map<Class<?>, List<Object>> created = new LinkedHashMap<>();
    for (String className : classNames) {
      Class<?> type;
      try {
        type = p.getPluginClassLoader().loadClass(className);
      } catch (ClassNotFoundException | LinkageError e) {
        refuseLoaded(p, "its extension " + className + " cannot be loaded: " + causeIn(p, e));
        return;
      }
      List<Class<?>> points = extensionPointsOf(type);
      if (points.isEmpty()) {
        continue;
      }
      Object extension;
      try {
        extension = getExtensionFactory().create(type);
      } catch (RuntimeException | LinkageError e) {
        refuseLoaded(p, "creating its extension " + className + " failed: " + causeIn(p, e));
        return;
      }
      points.forEach(point -> created.computeIfAbsent(point, k -> new ArrayList<>()).add(extension));
    }
    if (created.isEmpty()) {
      warn(p, noExtensionsCause(p, classNames));
    }
    created.forEach((point, list) -> extensions.computeIfAbsent(point, k -> new ArrayList<>()).addAll(list));
  }

  /** The cause of {@code e}; a missing class that Tollgate has (but the plugin may not see) is named as such. */
  private static String causeIn(PluginWrapper p, Throwable e) {
    if (Failures.isMissingClass(e) && p.getPluginClassLoader() instanceof IsolatingPluginClassLoader loader) {
      Optional<String> reached = loader.reachedIntoApplication();
      if (reached.isPresent()) {
        return outsideTheApi("it uses " + reached.get());
      }
    }
    return Failures.describe(e);
  }

  private static String noExtensionsCause(PluginWrapper p, Set<String> classNames) {
    boolean indexed = p.getPluginClassLoader() instanceof PluginClassLoader l
        && l.findResource(PluginCode.EXTENSION_INDEX) != null;
    if (!indexed && classNames.isEmpty()) {
      return "provides no extensions: it has no " + PluginCode.EXTENSION_INDEX + ", so it was most likely built "
          + "without PF4J's annotation processor; add org.pf4j:pf4j to maven-compiler-plugin's "
          + "annotationProcessorPaths and rebuild it";
    }
    if (classNames.isEmpty()) {
      return "provides no extensions: its " + PluginCode.EXTENSION_INDEX + " is empty; mark the extension "
          + "classes with @org.pf4j.Extension and rebuild it";
    }
    return "provides no extensions: " + PluginCode.EXTENSION_INDEX + " lists " + String.join(", ", classNames)
        + " but none implements an extension point of dev.tollgate.api.spi ("
        + EXTENSION_POINTS.stream().map(Class::getSimpleName).collect(Collectors.joining(", ")) + ")";
  }

  private static List<Class<?>> extensionPointsOf(Class<?> type) {
    return EXTENSION_POINTS.stream().filter(point -> point.isAssignableFrom(type)).toList();
  }

  /** Refuses a plugin that PF4J has loaded (and maybe started): it is stopped and unloaded. */
  private void refuseLoaded(PluginWrapper p, String cause) {
    refuse(new RefusedPlugin(p.getPluginId(), source(p.getPluginPath()), cause));
    try {
      unloadPlugin(p.getPluginId());
    } catch (RuntimeException e) {
      LOG.warn("plugin '{}' could not be unloaded after it was refused: {}", p.getPluginId(), Failures.describe(e));
    }
  }

  private void refuse(RefusedPlugin r) {
    refused.add(r);
    LOG.error("refused {}", r.message());
  }

  private void warn(PluginWrapper p, String cause) {
    String msg = "plugin '" + p.getPluginId() + "' (" + source(p.getPluginPath()) + ") " + Failures.oneLine(cause);
    warnings.add(msg);
    LOG.warn(msg);
  }

  /** The plugins found but not used, each with its cause. */
  public List<RefusedPlugin> refused() {
    return List.copyOf(refused);
  }

  /** Messages about plugins that were found but not loaded, one line each. */
  public List<String> refusedPlugins() {
    return refused.stream().map(RefusedPlugin::message).toList();
  }

  /** Messages about plugins that loaded but provide nothing, one line each, with the likely cause. */
  public List<String> warnings() {
    return List.copyOf(warnings);
  }

  /** The extensions created at {@link #loadAndStart()} that implement {@code point}. */
  public <T> List<T> extensions(Class<T> point) {
    return extensions.getOrDefault(point, List.of()).stream().map(point::cast).toList();
  }

  /** PF4J 3.15.0's stopPlugins() modifies the list it iterates (pf4j#656): stop from a copy. */
  @Override
  public void stopPlugins() {
    List<PluginWrapper> started = new ArrayList<>(getStartedPlugins());
    Collections.reverse(started);
    for (PluginWrapper p : started) {
      try {
        stopPlugin(p.getPluginId(), false);
      } catch (RuntimeException e) {
        LOG.warn("plugin '{}' failed to stop: {}", p.getPluginId(), e.toString());
      }
    }
  }

  /** The file the operator installed for a plugin path: the zip it was unpacked from, or the path itself. */
  public Path source(Path pluginPath) {
    return ((PluginDirectory) pluginRepository).source(pluginPath);
  }

  /** Where an extension came from, for messages: the plugin's jar, or the host class path. */
  public String origin(Object extension) {
    PluginWrapper p = whichPlugin(extension.getClass());
    if (p != null) {
      return source(p.getPluginPath()).toString();
    }
    var src = extension.getClass().getProtectionDomain().getCodeSource();
    return "class path (" + (src == null ? extension.getClass().getName() : src.getLocation()) + ")";
  }
}
