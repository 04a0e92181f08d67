package dev.tollgate.core.plugin;

import java.io.IOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * A plugin's class loader that shares only the {@linkplain SpiPackages SPI packages} with Tollgate.
 *
 * <p>Lookup order: SPI packages from the application class loader; JDK classes from the platform
 * class loader (the parent), so a plugin cannot replace them; everything else from the plugin's own
 * jars, then from the plugins it declares as dependencies. The application class path (the core, Guice,
 * gRPC, Tollgate's other libraries) is never consulted for a plugin; a lookup that would have
 * succeeded there is remembered, so that the failure can name the class the plugin reached for.
 */
final class IsolatingPluginClassLoader extends PluginClassLoader {
  static {
    ClassLoader.registerAsParallelCapable();
  }

  private final ClassLoader application;
  private final Set<String> reachedIntoApplication = ConcurrentHashMap.newKeySet();

  IsolatingPluginClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader application) {
    super(manager, descriptor, ClassLoader.getPlatformClassLoader());
    this.application = application;
  }

  @Override
  public Class<?> loadClass(String name) throws ClassNotFoundException {
    return loadClass(name, false);
  }

  @Override
  protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
    if (SpiPackages.isSpiClass(name)) {
      return application.loadClass(name);
    }
    synchronized (getClassLoadingLock(name)) {
      Class<?> c = findLoadedClass(name);
      if (c == null) {
        c = lookup(name);
      }
      if (resolve) {
        resolveClass(c);
      }
      return c;
    }
  }

  private Class<?> lookup(String name) throws ClassNotFoundException {
    try {
      return getParent().loadClass(name);
    } catch (ClassNotFoundException notJdk) {
      // not a JDK class
    }
    if (!name.startsWith("java.")) {
      try {
        return findClass(name);
      } catch (ClassNotFoundException notOwn) {
        // not in the plugin's jars: a plugin dependency may have it
      }
    }
    Class<?> fromDependency = loadClassFromDependencies(name);
    if (fromDependency != null) {
      return fromDependency;
    }
    if (application.getResource(name.replace('.', '/') + ".class") != null) {
      reachedIntoApplication.add(name);
      throw new ClassNotFoundException(name + " is Tollgate's, not the plugin API's: a plugin sees only "
          + SpiPackages.SUMMARY + " of the application; bundle the library in the plugin's lib/");
    }
    throw new ClassNotFoundException(name);
  }

  /** Whether the plugin may see {@code className} as a class file: SPI, JDK, its own jars or a dependency. */
  boolean canSee(String className) {
    String file = className.replace('.', '/') + ".class";
    return SpiPackages.isSpiClass(className) || getResource(file) != null;
  }

  /** Whether the application (but, given {@link #canSee} is false, not the plugin) has {@code className}. */
  boolean applicationHas(String className) {
    return application.getResource(className.replace('.', '/') + ".class") != null;
  }

  /** The first application class the plugin tried to load at run time, if any. */
  Optional<String> reachedIntoApplication() {
    return reachedIntoApplication.stream().sorted().findFirst();
  }

  @Override
  public URL getResource(String name) {
    if (SpiPackages.isSpiResource(name)) {
      return application.getResource(name);
    }
    URL url = findResource(name);
    if (url == null) {
      url = getParent().getResource(name);
    }
    if (url == null) {
      url = findResourceFromDependencies(name);
    }
    return url;
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    if (SpiPackages.isSpiResource(name)) {
      return application.getResources(name);
    }
    List<URL> urls = new ArrayList<>(Collections.list(findResources(name)));
    urls.addAll(Collections.list(getParent().getResources(name)));
    urls.addAll(findResourcesFromDependencies(name));
    return Collections.enumeration(urls);
  }
}
