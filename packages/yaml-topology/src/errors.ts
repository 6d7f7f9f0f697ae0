import { SquallError } from '@squall/core';

/**
 * Thrown when a YAML topology file cannot be read or is invalid. `problems` lists every problem found, each as
 * `file:line: field: message`.
 */
export class YamlTopologyError extends SquallError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      'YAML_TOPOLOGY',
      `invalid YAML topology ${file}: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
  }
}

/**
 * Thrown when a streamparse project cannot be run: a bad `config.json`, no or several topologies without `--name`,
 * a topology module that does not evaluate, Java components, requirements pip cannot resolve. `problems` lists each
 * as `file:line: message`.
 */
export class StreamparseProjectError extends SquallError {
  constructor(
    readonly project: string,
    readonly problems: readonly string[],
  ) {
    super(
      'STREAMPARSE_PROJECT',
      problems.length === 1
        ? `streamparse project ${project}: ${problems[0]}`
        : `streamparse project ${project}: ${problems.length} problem(s):\n  - ${problems.join('\n  - ')}`,
    );
  }
}
