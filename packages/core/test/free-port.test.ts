import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findFreePort } from '../src';

const INDEX = path.join(__dirname, '..', 'src', 'index.js');
const claimFile = (port: number) => path.join(tmpdir(), `squall-ports-${process.getuid?.() ?? 'user'}`, String(port));

/** A separate process that takes `n` ports, prints them, and exits when its stdin closes. */
function portsFromChild(n: number): { ports: Promise<number[]>; exited: Promise<void>; release: () => void } {
  const script = `const { findFreePort } = require(${JSON.stringify(INDEX)});
    (async () => { const ports = []; for (let i = 0; i < ${n}; i++) ports.push(await findFreePort()); console.log(JSON.stringify(ports)); })();
    process.stdin.resume(); process.stdin.on('end', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const ports = new Promise<number[]>((resolve, reject) => {
    child.stdout.on('data', () => out.includes('\n') && resolve(JSON.parse(out) as number[]));
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before printing its ports`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { ports, exited, release: () => child.stdin.end() };
}

test('ports come from below the kernel ephemeral range, free to bind, claimed for this process', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const port = await findFreePort();
  if (low > 11000) assert.ok(port < low && port >= 10000, `port ${port} vs ephemeral range from ${low}`);
  assert.equal(readFileSync(claimFile(port), 'utf8'), String(process.pid));
  const server = net.createServer();
  await new Promise<void>((resolve, reject) =>
    server.once('error', reject).listen({ host: '127.0.0.1', port, exclusive: true }, resolve),
  );
  // While it is bound (and claimed), it is never handed out again.
  const more = new Set<number>();
  for (let i = 0; i < 300; i++) more.add(await findFreePort());
  assert.equal(more.size, 300, 'no port twice in one process');
  assert.ok(!more.has(port));
  await new Promise((resolve) => server.close(resolve));
});

test('parallel processes never get the same port, and a process that exits releases its claims', async () => {
  const children = [portsFromChild(300), portsFromChild(300), portsFromChild(300)];
  const all = (await Promise.all(children.map((c) => c.ports))).flat();
  assert.equal(new Set(all).size, all.length, 'every port handed out once across the three live processes');
  for (const p of all) assert.equal(existsSync(claimFile(p)), true, `claim of ${p} missing while its process lives`);
  for (const c of children) c.release();
  await Promise.all(children.map((c) => c.exited));
  for (const p of all) assert.equal(existsSync(claimFile(p)), false, `claim of ${p} left behind`);
});
