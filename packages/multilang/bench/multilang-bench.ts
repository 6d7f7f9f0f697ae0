/**
 * `npm run bench:multilang [-- --seconds N] [-- --json]`: the seed's Python WordCountBolt driven through Squall (a
 * native spout → fields grouping → ShellBolt running `python3 -m squall.run bolts.wordcount.WordCountBolt`, local
 * mode) side by side in the same run with a minimal driver that feeds the same child directly over its pipes
 * (packages/multilang/python/tests/throughput.py: the child's own limit), in JSON and msgpack modes, with the same
 * topology.shellbolt.max.pending (100). Throughput through Squall counts the inputs the child acked.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Spout, TopologyBuilder, fields, type OutputFieldsDeclarer } from '@squall/api';
import { LocalCluster } from '@squall/local';
import { ShellBolt } from '../src';

const PYTHON_DIR = path.resolve(__dirname, '../../python');
const EXAMPLE_DIR = path.resolve(__dirname, '../../../../examples/wordcount-python');
const WORDS = ['dog', 'cat', 'zebra', 'elephant'];

class WordSpout extends Spout {
  private i = 0;
  override declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  override nextTuple(): void {
    this.collector.emit([WORDS[this.i++ & 3]!]);
  }
}

function direct(serializer: 'json' | 'msgpack', n: number): number {
  const r = spawnSync('python3', ['tests/throughput.py', '-n', String(n), '-s', serializer], { cwd: PYTHON_DIR, encoding: 'utf8' });
  const m = r.stdout.match(new RegExp(`^${serializer}\\s+(?:median\\s+)?([\\d,]+) tuples/s`, 'm'));
  if (!m) throw new Error(`throughput.py failed: ${r.stderr || r.stdout}`);
  return Number(m[1]!.replace(/,/g, ''));
}

async function throughSquall(serializer: 'json' | 'msgpack', seconds: number): Promise<number> {
  const b = new TopologyBuilder();
  b.setSpout('word', WordSpout);
  b.setBolt(
    'count',
    () => new ShellBolt({ command: ['python3', '-m', 'squall.run', '-s', serializer, 'bolts.wordcount.WordCountBolt'], outputs: ['word', 'count'], serializer }),
    1,
  ).grouping('word', 'default', fields('word'));
  const cluster = await LocalCluster.create({ resourcesDir: EXAMPLE_DIR });
  const t = await cluster.submitTopology(`ml-${serializer}`, { 'topology.acker.executors': 0 }, b.createTopology());
  const acked = () => t.stats().count?.acked ?? 0;
  const start = Date.now();
  while (acked() === 0 && Date.now() - start < 20000) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const a0 = acked();
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const rate = (acked() - a0) / ((Date.now() - t0) / 1000);
  await cluster.shutdown();
  return rate;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const si = args.indexOf('--seconds');
  const seconds = si >= 0 ? Number(args[si + 1]) : 5;
  const results: Record<string, { directTuplesPerSec: number; squallTuplesPerSec: number; ratio: number }> = {};
  for (const s of ['json', 'msgpack'] as const) {
    const d = direct(s, 150000);
    const q = await throughSquall(s, seconds);
    results[s] = { directTuplesPerSec: Math.round(d), squallTuplesPerSec: Math.round(q), ratio: Math.round((q / d) * 1000) / 1000 };
  }
  const out = { benchmark: 'Python WordCountBolt: through Squall vs fed directly over its pipes (max pending 100)', seconds, results, target: { jsonRatio: 0.8 } };
  if (json) return void process.stdout.write(JSON.stringify(out) + '\n');
  console.log(out.benchmark);
  for (const [s, r] of Object.entries(results))
    console.log(`  ${s.padEnd(8)} direct ${r.directTuplesPerSec.toLocaleString('en-US').padStart(8)} tuples/s   through squall ${r.squallTuplesPerSec.toLocaleString('en-US').padStart(8)} tuples/s   ratio ${r.ratio}${s === 'json' ? '   (target >= 0.8)' : ''}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
