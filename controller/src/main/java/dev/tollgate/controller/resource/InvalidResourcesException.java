package dev.tollgate.controller.resource;

import java.util.List;
import java.util.stream.Collectors;

/** The resources cannot be turned into configuration; {@link #problems()} says why, one line each. */
public class InvalidResourcesException extends Exception {
  private final List<Problem> problems;

  public InvalidResourcesException(List<Problem> problems) {
    super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
