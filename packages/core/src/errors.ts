/**
 * Base class of every error Squall raises on purpose. `code` is stable and machine-readable so the CLI can map it to
 * an exit status and `--json` output without parsing messages.
 */
export class SquallError extends Error {
  /** A short stable identifier of the failure kind, e.g. `INVALID_TOPOLOGY`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown when a configuration value has the wrong type or is out of range; `problems` lists every offending key. */
export class InvalidConfigError extends SquallError {
  /** One human-readable line per bad key, each naming the key. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[], where?: string) {
    super('INVALID_CONFIG', `invalid configuration${where ? ` in ${where}` : ''}:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

/** Thrown when a config file (squall.yaml) cannot be read or parsed. */
export class ConfigFileError extends SquallError {
  constructor(file: string, problem: string) {
    super('CONFIG_FILE', `${file}: ${problem}`);
  }
}
