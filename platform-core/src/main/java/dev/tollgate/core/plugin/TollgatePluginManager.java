package dev.tollgate.core.plugin;

import com.google.inject.Injector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.pf4j.DefaultPluginManager;
import org.pf4j.ExtensionFactory;
import org.pf4j.PluginRuntimeException;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PF4J plugin manager that creates extensions through Guice, checks the plugin API version, and
 * turns PF4J's failures into messages an operator can act on.
 */
public final class TollgatePluginManager extends DefaultPluginManager {
  /** The version of the plugin API this platform implements; plugins declare Plugin-Requires against it. */
  public static final String API_VERSION = "1.1.0";

  private static final Logger LOG = LoggerFactory.getLogger(TollgatePluginManager.class);
  private final List<String> refused = new ArrayList<>();
  private final List<String> duplicates = new ArrayList<>();
  private volatile Supplier<Injector> injector;

  public TollgatePluginManager(Path pluginsRoot) {
    super(pluginsRoot);
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

  /**
   * PF4J logs and skips a plugin it cannot load; Tollgate records why, so that a duplicate id
   * stops start-up and a broken file is reported in one line.
   */
  @Override
  protected PluginWrapper loadPluginFromPath(Path pluginPath) {
    try {
      String id = getPluginDescriptorFinder().find(pluginPath).getPluginId();
      PluginWrapper first = id == null ? null : getPlugin(id);
      if (first != null) {
        duplicates.add("two plugins have the id '" + id + "': " + first.getPluginPath() + " and " + pluginPath
            + "; remove one of them from " + getPluginsRoot());
        return null;
      }
      return super.loadPluginFromPath(pluginPath);
    } catch (PluginRuntimeException e) {
      String msg = "cannot load plugin " + pluginPath + ": " + e.getMessage();
      refused.add(msg);
      LOG.error(msg);
      return null;
    }
  }

  /** Loads and starts all plugins in the plugins directory. */
  public void loadAndStart() {
    loadPlugins();
    if (!duplicates.isEmpty()) {
      throw new PluginLoadException(String.join("; ", duplicates));
    }
    for (PluginWrapper p : getPlugins()) {
      if (p.getPluginState() == PluginState.DISABLED) {
        String msg = "plugin '" + p.getPluginId() + "' (" + p.getPluginPath() + ") requires plugin API "
            + p.getDescriptor().getRequires() + " but this Tollgate provides " + API_VERSION
            + "; it is not loaded. Install a build of the plugin for this version.";
        refused.add(msg);
        LOG.error(msg);
      }
    }
    startPlugins();
    for (PluginWrapper p : getPlugins()) {
      if (p.getPluginState() == PluginState.FAILED) {
        String msg = "plugin '" + p.getPluginId() + "' (" + p.getPluginPath() + ") failed to start: "
            + (p.getFailedException() == null ? "unknown cause" : p.getFailedException().getMessage());
        refused.add(msg);
        LOG.error(msg);
      }
    }
  }

  /** Messages about plugins that were found but not loaded. */
  public List<String> refusedPlugins() {
    return List.copyOf(refused);
  }

  /** PF4J 3.15.0's stopPlugins() modifies the list it iterates (pf4j#656): stop from a copy. */
  @Override
  public void stopPlugins() {
    List<PluginWrapper> started = new ArrayList<>(getStartedPlugins());
    java.util.Collections.reverse(started);
    for (PluginWrapper p : started) {
      try {
        stopPlugin(p.getPluginId(), false);
      } catch (RuntimeException e) {
        LOG.warn("plugin '{}' failed to stop: {}", p.getPluginId(), e.toString());
      }
    }
  }

  /** Where an extension came from, for messages: the plugin's jar, or the host class path. */
  public String origin(Object extension) {
    PluginWrapper p = whichPlugin(extension.getClass());
    if (p != null) {
      return p.getPluginPath().toString();
    }
    var src = extension.getClass().getProtectionDomain().getCodeSource();
    return "class path (" + (src == null ? extension.getClass().getName() : src.getLocation()) + ")";
  }
}
