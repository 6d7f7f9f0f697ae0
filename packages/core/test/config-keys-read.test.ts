import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_KEYS, type ConfigKey } from '../src';

// Every declared key must do what its doc says, so something outside the table must read it; a key accepted only for
// compatibility (`compat`) must be read by nothing, so its doc ("not enforced") stays true.
const root = path.resolve(__dirname, '../../../..');
const TABLE = path.join(root, 'packages/core/src/config-keys.ts');

function sources(dir: string, ext: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory())
      return name === 'node_modules' || name === 'dist' || name === 'test' || name === 'tests' ? [] : sources(p, ext);
    return ext.test(name) ? [p] : [];
  });
}

/** Whether `text` reads `key`: the key quoted, and not as an object literal's key (`{ 'k': v }` writes it). */
export function readsKey(text: string, key: string): boolean {
  const quoted = key.replace(/\./g, '\\.');
  return new RegExp(`(['"\`])${quoted}\\1(?!\\s*:)`).test(text);
}

test('the read check tells a read from a write and from another key', () => {
  assert.equal(readsKey("const x = getConfig(conf, 'topology.workers');", 'topology.workers'), true);
  assert.equal(readsKey('storm_conf.get("topology.name", "")', 'topology.name'), true);
  assert.equal(readsKey("effectiveConfig(conf, { 'topology.name': name })", 'topology.name'), false);
  assert.equal(readsKey("getConfig(conf, 'topology.workers.max')", 'topology.workers'), false);
  assert.equal(readsKey("getConfig(conf, 'topologyXworkers')", 'topology.workers'), false);
});

test('every declared key is read outside the key table; compatibility-only keys are read nowhere', () => {
  const files = [
    ...readdirSync(path.join(root, 'packages')).flatMap((p) => sources(path.join(root, 'packages', p, 'src'), /\.ts$/)),
    ...sources(path.join(root, 'packages/multilang/python/squall'), /\.py$/),
  ].filter((f) => f !== TABLE);
  assert.ok(files.length > 100, `scanned ${files.length} source files (run from a checkout with sources)`);
  const texts = files.map((f) => ({ f: path.relative(root, f), text: readFileSync(f, 'utf8') }));
  const unread: string[] = [];
  const readCompat: string[] = [];
  let compat = 0;
  for (const [key, spec] of Object.entries(CONFIG_KEYS) as Array<[string, ConfigKey]>) {
    const readers = texts.filter((t) => readsKey(t.text, key)).map((t) => t.f);
    if (spec.compat) {
      compat++;
      if (readers.length > 0) readCompat.push(`${key} (read in ${readers.join(', ')})`);
    } else if (readers.length === 0) unread.push(key);
  }
  assert.deepEqual(unread, [], 'declared keys nothing reads: wire them where their doc says, or remove them');
  assert.deepEqual(readCompat, [], 'keys documented as not enforced are read');
  assert.ok(compat > 0 && compat < 5, `${compat} compatibility-only keys`);
});
