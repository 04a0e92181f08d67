package dev.tollgate.core.plugin;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.pf4j.LegacyExtensionFinder;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;

/**
 * PF4J's index finder, reading every {@code META-INF/extensions.idx} in a plugin's own jars
 * rather than the first one its class loader finds: a library in the plugin's {@code lib/} that
 * was built with PF4J's annotation processor carries an index of its own (often empty), which
 * would otherwise hide the plugin's, depending on the order of the jars.
 */
final class EveryIndexExtensionFinder extends LegacyExtensionFinder {
  EveryIndexExtensionFinder(PluginManager pluginManager) {
    super(pluginManager);
  }

  @Override
  public Map<String, Set<String>> readPluginsStorages() {
    Map<String, Set<String>> result = new LinkedHashMap<>();
    for (PluginWrapper plugin : pluginManager.getPlugins()) {
      Set<String> classes = new LinkedHashSet<>();
      try {
        ClassLoader loader = plugin.getPluginClassLoader();
        Enumeration<URL> indexes = loader instanceof PluginClassLoader own
            ? own.findResources(EXTENSIONS_RESOURCE) : loader.getResources(EXTENSIONS_RESOURCE);
        while (indexes.hasMoreElements()) {
          read(indexes.nextElement(), classes);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the extension index of plugin '" + plugin.getPluginId() + "'", e);
      }
      debugExtensions(classes);
      result.put(plugin.getPluginId(), classes);
    }
    return result;
  }

  private static void read(URL index, Set<String> classes) throws IOException {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(index.openStream(), StandardCharsets.UTF_8))) {
      in.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(classes::add);
    }
  }
}
