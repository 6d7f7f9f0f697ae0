import { readFileSync } from 'node:fs';
import type { WorkerLaunch } from '@squall/launch-contract';
import { WorkerLaunchError } from './errors';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Checks the shape of a parsed launch file: every field a worker reads, with its type. The file comes from this
 * machine's supervisor, so this is about a clear message for a bug or a hand-edited file, not about a hostile writer.
 * @returns the problems, each naming the field (empty when the launch is usable)
 */
export function workerLaunchProblems(value: unknown): string[] {
  if (!isObject(value)) return ['it is not a JSON object'];
  const problems: string[] = [];
  const str = (obj: Json, key: string, where = key) => {
    if (typeof obj[key] !== 'string' || obj[key] === '') problems.push(`${where} must be a non-empty string`);
  };
  for (const key of ['topologyId', 'supervisorId', 'host', 'supervisorAddress', 'packageDir', 'assignmentVersion'])
    str(value, key);
  if (!Number.isInteger(value.port) || (value.port as number) < 1 || (value.port as number) > 65535)
    problems.push('port must be an integer from 1 to 65535');
  const topology = value.topology;
  if (!isObject(topology)) problems.push('topology must be an object with spec, conf and secret');
  else {
    if (!isObject(topology.spec)) problems.push('topology.spec must be an object');
    if (!isObject(topology.conf)) problems.push('topology.conf must be an object');
    str(topology, 'secret', 'topology.secret');
  }
  const assignment = value.assignment;
  if (!isObject(assignment)) problems.push('assignment must be an object with executors and workers');
  else {
    if (!Array.isArray(assignment.executors)) problems.push('assignment.executors must be an array');
    if (!Array.isArray(assignment.workers)) problems.push('assignment.workers must be an array');
  }
  if (value.tls !== undefined && !isObject(value.tls)) problems.push('tls must be an object when set');
  return problems;
}

/**
 * Parses a launch file's text.
 * @throws WorkerLaunchError naming the file and every problem
 */
export function parseWorkerLaunch(text: string, file: string): WorkerLaunch {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorkerLaunchError(`${file} is not JSON: ${(err as Error).message}`);
  }
  const problems = workerLaunchProblems(value);
  if (problems.length > 0) throw new WorkerLaunchError(`${file}: ${problems.join('; ')}`);
  return value as WorkerLaunch;
}

/**
 * Reads and checks the launch file a supervisor wrote.
 * @throws WorkerLaunchError when it cannot be read, is not JSON, or lacks a field
 */
export function readWorkerLaunch(file: string): WorkerLaunch {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WorkerLaunchError(`cannot read ${file}: ${(err as Error).message}`);
  }
  return parseWorkerLaunch(text, file);
}
