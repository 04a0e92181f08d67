package dev.tollgate.extproc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line as an operator meets it: help everywhere, one-line errors, durations as 2s. */
class MainTest {
  @TempDir
  Path dir;

  private record Result(int code, String out, String err) {
  }

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void everyCommandTakesHelpAndTheTopLevelNamesTheOthers() {
    Result top = run("--help");
    assertThat(top.code()).isZero();
    assertThat(top.out()).contains("run").contains("plugins").contains("explain").contains("translate")
        .contains("controller").contains("crds").contains("up");
    Result runHelp = run("run", "--help");
    assertThat(runHelp.code()).isZero();
    assertThat(runHelp.out()).contains("--drain-time").contains("--max-message-bytes");
    assertThat(run("plugins", "--help").out()).contains("--plugins");
  }

  @Test
  void aPortOutOfRangeIsOneLineNotAStackTrace() {
    Result r = run("run", "--port", "99999", "--admin-port", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("tollgate: --port 99999 is not a port (0 to 65535)");
  }

  @Test
  void durationsTakeTheShortForm() {
    // 2s is accepted: the command gets as far as checking the port
    Result shortForm = run("run", "--reload-interval", "2s", "--drain-time", "500ms", "--port", "70000");
    assertThat(shortForm.err()).contains("--port 70000 is not a port");
    Result bad = run("run", "--reload-interval", "two seconds");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("'two seconds' is not a duration");
  }

  @Test
  void aMissingPluginsDirectoryIsAnError() {
    Result r = run("plugins", "--plugins", dir.resolve("nonexistent").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("the plugins directory").contains("does not exist");
  }

  @Test
  void everyPluginsFolderMustExistButMayBeEmpty() throws Exception {
    Path empty = java.nio.file.Files.createDirectories(dir.resolve("empty"));
    Path missing = dir.resolve("plugins.d");
    Result r = run("plugins", "--plugins", empty + ":" + missing);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().strip()).isEqualTo("tollgate: the plugins directory " + missing
        + " does not exist (--plugins DIR[:DIR...], default $TOLLGATE_HOME/plugins)");
    Result run = run("run", "--admin-port", "0", "--plugins", empty + ":" + missing);
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("the plugins directory " + missing + " does not exist");

    Path other = java.nio.file.Files.createDirectories(dir.resolve("other"));
    Result listed = run("plugins", "--plugins", empty + ":" + other, "--work-dir", dir.resolve("work").toString());
    assertThat(listed.code()).as(listed.err()).isZero();
    assertThat(listed.out()).startsWith("plugins in " + empty + ":" + other + ":\n");
  }

  @Test
  void aPluginsListWithoutAFolderIsAUsageError() {
    Result r = run("plugins", "--plugins", ":");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--plugins ':' names no plugins folder");
  }
}
