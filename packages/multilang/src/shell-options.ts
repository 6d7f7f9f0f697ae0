import { systemClock, type Clock, type Config } from '@squall/core';
import { DEFAULT_STREAM, type ShellSpec, type StreamSpec } from '@squall/api';
import { ShellOptionsError } from './errors';
import type { ShellMetric } from './shell-metric';
import type { Serializer } from './wire';

/** One output stream of a shell component. */
export interface StreamDeclaration {
  /** Stream id. @default 'default' */
  stream?: string;
  /** Field names, in value order. */
  fields: readonly string[];
  /** Whether the stream is direct (emits name their target task). @default false */
  direct?: boolean;
}

/**
 * Output streams of a shell component: a list of field names (the `default` stream), or a list of stream
 * declarations. The child's own declarations cannot be read, so the host is told here.
 */
export type OutputsDeclaration = readonly string[] | readonly StreamDeclaration[];

/** Options of {@link ShellSpout} and {@link ShellBolt}. */
export interface ShellComponentOptions {
  /**
   * The child's argv, run without a shell; the program is looked up on PATH. E.g.
   * `['python3', '-m', 'squall.run', 'bolts.wordcount.WordCountBolt']` or `['node', 'splitsentence.js']`.
   */
  command: readonly string[];
  /** Declared output streams. @default none */
  outputs?: OutputsDeclaration;
  /** Wire format; the child must be started for the same one (e.g. `-s msgpack` for squall.run). @default 'json' */
  serializer?: Serializer;
  /**
   * Extra environment, over the worker's own and `topology.environment`. `PATH` is appended to the inherited PATH,
   * not replacing it. @default none
   */
  env?: Readonly<Record<string, string>>;
  /** Component configuration, merged over the topology's for this component and sent in the handshake. */
  config?: Config;
  /** Working directory of the child. @default the topology's resources directory (`context.resourcesDir`) */
  cwd?: string;
  /** Append Squall's bundled Python library ({@link PYTHON_LIBRARY_DIR}) to the child's PYTHONPATH. @default true */
  pythonLibrary?: boolean;
  /** Metrics the child may update by name. @default none (every `metrics` command is reported as an error) */
  metrics?: Readonly<Record<string, ShellMetric>>;
  /** Delay before the first restart of a dead child, doubled per consecutive death. @default 1000 */
  restartInitialMs?: number;
  /** Longest restart delay. @default 30000 */
  restartMaxMs?: number;
  /** After SIGTERM at close, how long the child gets before SIGKILL. @default 2000 */
  killGraceMs?: number;
  /** Directory where the child records its pid (`pidDir/<pid>`). @default a fresh temporary directory per task */
  pidDir?: string;
  /** Time source of heartbeats and timeouts. @default the system clock */
  clock?: Clock;
}

/** {@link ShellComponentOptions} with defaults filled in and outputs compiled to stream specs. */
export interface ResolvedShellOptions {
  command: readonly string[];
  outputs: readonly StreamSpec[];
  serializer: Serializer;
  env: Readonly<Record<string, string>>;
  config: Config | undefined;
  cwd: string | undefined;
  pythonLibrary: boolean;
  metrics: ReadonlyMap<string, ShellMetric>;
  restartInitialMs: number;
  restartMaxMs: number;
  killGraceMs: number;
  pidDir: string | undefined;
  clock: Clock;
}

/**
 * Compiles an outputs declaration into stream specs.
 * @throws ShellOptionsError when it is neither a list of field names nor a list of stream declarations
 */
export function compileOutputs(outputs: OutputsDeclaration | undefined): StreamSpec[] {
  if (outputs === undefined) return [];
  if (!Array.isArray(outputs))
    throw new ShellOptionsError('outputs must be a list of field names or of {stream, fields, direct}');
  if (outputs.every((o) => typeof o === 'string'))
    return outputs.length === 0 ? [] : [{ id: DEFAULT_STREAM, fields: [...(outputs as string[])], direct: false }];
  return (outputs as readonly unknown[]).map((o) => {
    const d = o as StreamDeclaration;
    if (typeof d !== 'object' || d === null || !Array.isArray(d.fields))
      throw new ShellOptionsError(
        `outputs: ${JSON.stringify(o)} is not a field name or a {stream, fields, direct} declaration`,
      );
    return { id: d.stream ?? DEFAULT_STREAM, fields: [...d.fields], direct: d.direct === true };
  });
}

function positive(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !(v >= 0))
    throw new ShellOptionsError(`${name} must be a number of milliseconds >= 0, got ${String(v)}`);
  return v;
}

/**
 * Fills defaults and checks options.
 * @throws ShellOptionsError for an empty command, a non-string argv element or an unknown serializer
 */
export function resolveShellOptions(options: ShellComponentOptions): ResolvedShellOptions {
  const command = options?.command;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    command.some((a) => typeof a !== 'string') ||
    command[0] === ''
  )
    throw new ShellOptionsError(`command must be a non-empty list of strings (argv), got ${JSON.stringify(command)}`);
  const serializer = options.serializer ?? 'json';
  if (serializer !== 'json' && serializer !== 'msgpack')
    throw new ShellOptionsError(`serializer must be 'json' or 'msgpack', got ${JSON.stringify(serializer)}`);
  const restartInitialMs = positive('restartInitialMs', options.restartInitialMs, 1000);
  return {
    command: [...command],
    outputs: compileOutputs(options.outputs),
    serializer,
    env: { ...(options.env ?? {}) },
    config: options.config,
    cwd: options.cwd,
    pythonLibrary: options.pythonLibrary ?? true,
    metrics: new Map(Object.entries(options.metrics ?? {})),
    restartInitialMs,
    restartMaxMs: Math.max(restartInitialMs, positive('restartMaxMs', options.restartMaxMs, 30000)),
    killGraceMs: positive('killGraceMs', options.killGraceMs, 2000),
    pidDir: options.pidDir,
    clock: options.clock ?? systemClock,
  };
}

/** The serializable part of the options, as kept in the topology spec (`ComponentSpec.shell`). */
export function toShellSpec(options: ShellComponentOptions): ShellSpec {
  const spec: ShellSpec = { command: [...options.command] };
  if (options.env && Object.keys(options.env).length > 0) spec.env = { ...options.env };
  if (options.serializer && options.serializer !== 'json') spec.serializer = options.serializer;
  return spec;
}
