import type { Assignment, ComponentError, NimbusInfo, StormBase, SupervisorInfo } from '../src';

export function stormBase(overrides: Partial<StormBase> = {}): StormBase {
  return {
    name: 'wordcount',
    status: 'ACTIVE',
    owner: 'alice',
    launchTimeSecs: 1_700_000_000,
    numWorkers: 2,
    componentExecutors: { spout: 1, split: 2, count: 2 },
    packageDigest: 'ab'.repeat(32),
    ...overrides,
  };
}

export function assignment(port = 6700): Assignment {
  return {
    executors: [{ component: 'spout', startTask: 1, endTask: 1, supervisorId: 'sup-1', port }],
    workers: [{ supervisorId: 'sup-1', host: '127.0.0.1', port, resources: { memoryMb: 768 } }],
    startTimes: { '1-1': 1_700_000_001 },
  };
}

export function supervisor(id: string, usedPorts: number[] = []): SupervisorInfo {
  return { id, host: '127.0.0.1', ports: [6700, 6701], usedPorts, startTimeMs: Date.now(), softwareVersion: '0.1.0' };
}

export function nimbus(port: number): NimbusInfo {
  return { host: '127.0.0.1', port, startTimeMs: Date.now(), softwareVersion: '0.1.0' };
}

export function componentError(n: number): ComponentError {
  return { timeSecs: 1_700_000_000 + n, message: `boom ${n}`, host: '127.0.0.1', port: 6700, task: 3 };
}
