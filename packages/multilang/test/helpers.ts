import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Bolt, Spout, type OutputFieldsDeclarer, type Tuple } from '@squall/api';
import { createLogger, type Logger } from '@squall/core';

/** test/fixtures in the source tree (tests run from dist/test). */
export const FIXTURES = path.resolve(__dirname, '..', '..', 'test', 'fixtures');
/** The storm.js-style fixture client. */
export const STORM_STYLE = path.join(FIXTURES, 'storm-style.js');
/** examples/wordcount-python. */
export const WORDCOUNT_PYTHON = path.resolve(__dirname, '..', '..', '..', '..', 'examples', 'wordcount-python');

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'squall-ml-test-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A pino logger keeping every line in memory (parsed), at trace level. */
export function memoryLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'trace',
    destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
  });
  return { logger, lines };
}

/** What a {@link ReplaySpout} saw, shared with the test. */
export class Ledger {
  readonly acked = new Set<number>();
  fails = 0;
}

/** Emits `items` once each, tracked by index, and re-emits an item whenever it fails (at-least-once). */
export class ReplaySpout extends Spout {
  private next = 0;
  private readonly replay: number[] = [];
  constructor(
    private readonly items: readonly unknown[],
    private readonly ledger: Ledger,
    private readonly field = 'value',
  ) {
    super();
  }
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare([this.field]);
  }
  nextTuple(): void {
    const i = this.replay.shift() ?? (this.next < this.items.length ? this.next++ : undefined);
    if (i !== undefined) this.collector.emit([this.items[i]], i);
  }
  override ack(id: unknown): void {
    this.ledger.acked.add(id as number);
  }
  override fail(id: unknown): void {
    this.ledger.fails++;
    this.replay.push(id as number);
  }
}

/** Records every input (component, stream, values) and acks it. */
export class SinkBolt extends Bolt {
  constructor(private readonly log: Array<{ component: string; stream: string; values: unknown[] }>) {
    super();
  }
  execute(t: Tuple): void {
    this.log.push({ component: t.sourceComponent, stream: t.sourceStreamId, values: [...t.values] });
    this.collector.ack(t);
  }
}

/** Whether a process is still alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
