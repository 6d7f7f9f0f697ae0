import { SquallError } from '@squall/core';

/**
 * Thrown when a multi-lang child breaks the protocol: a message that is not valid JSON or msgpack, an unknown
 * command, an ack or fail of an id that is unknown or already settled, an anchor naming a settled input, an emit
 * without `tuple`, a missing or malformed handshake answer. The host kills and restarts the child.
 */
export class ProtocolViolationError extends SquallError {
  constructor(message: string) {
    super('MULTILANG_PROTOCOL', `multi-lang protocol violation: ${message}`);
  }
}

/**
 * Thrown when a child sent nothing for longer than the subprocess timeout (`topology.subprocess.timeout.secs`, else
 * `supervisor.worker.timeout.secs`): a bolt that does not answer heartbeats, a spout that does not sync, or a child
 * that never answers the handshake. The host kills and restarts it.
 */
export class SubprocessTimeoutError extends SquallError {
  constructor(
    readonly timeoutSecs: number,
    what: string,
  ) {
    super(
      'MULTILANG_TIMEOUT',
      `subprocess heartbeat timeout: nothing read from the child for more than ${timeoutSecs}s ${what}`,
    );
  }
}

/** Thrown when a child process exits (or closes its stdout) while the component is running. */
export class SubprocessExitedError extends SquallError {
  constructor(
    readonly exitCode: number | null,
    readonly signal: string | null,
    /** The child's last stderr lines, which usually say why (a traceback, EACCES); empty when it wrote none. */
    readonly stderrTail: readonly string[] = [],
  ) {
    const why = stderrTail.length > 0 ? `; its last stderr: ${stderrTail.join(' | ')}` : '';
    super('MULTILANG_EXITED', `the child process exited (${signal ? `signal ${signal}` : `code ${exitCode}`})${why}`);
  }
}

/** Thrown when a child process cannot be started at all (command not found, not executable, bad working directory). */
export class SubprocessStartError extends SquallError {
  constructor(command: readonly string[], cause: unknown) {
    super('MULTILANG_START', `cannot start ${JSON.stringify(command)}: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

/**
 * Thrown (reported, not raised) when a child sends an `error` command: the message is shown with the component and
 * task like any component error, and the child keeps running.
 */
export class ShellComponentError extends SquallError {
  constructor(message: string) {
    super('MULTILANG_COMPONENT_ERROR', message);
  }
}

/** Thrown (reported, not raised) when a child updates a metric name the host has no {@link ShellMetric} for. */
export class UnknownMetricError extends SquallError {
  constructor(readonly metric: string) {
    super(
      'MULTILANG_UNKNOWN_METRIC',
      `the child updated metric '${metric}', which is not registered for this component`,
    );
  }
}

/** Thrown when a ShellSpout or ShellBolt is constructed with unusable options (empty command, unknown serializer). */
export class ShellOptionsError extends SquallError {
  constructor(message: string) {
    super('MULTILANG_OPTIONS', message);
  }
}
