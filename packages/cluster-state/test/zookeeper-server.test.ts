import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type Client } from 'node-zookeeper-client';
import {
  canConnect,
  ensureZooKeeperInstalled,
  findZooKeeperInstall,
  fourLetterWord,
  ZooKeeperNotInstalledError,
  ZooKeeperServer,
  ZooKeeperStartError,
} from '../src';
import { startZooKeeper, testLogger, waitFor } from './helpers';

function rawClient(connectString: string): Promise<Client> {
  const client = createClient(connectString, { sessionTimeout: 4000 });
  return new Promise((resolve) => {
    client.once('connected', () => resolve(client));
    client.connect();
  });
}

describe('ZooKeeperServer', () => {
  let server: ZooKeeperServer;
  before(async () => {
    server = await startZooKeeper();
  });
  after(async () => {
    await server?.shutdown();
  });

  it('serves on a free loopback port with its own config and log', async () => {
    assert.equal(server.connectString, `127.0.0.1:${server.port}`);
    assert.match(await fourLetterWord('127.0.0.1', server.port, 'srvr'), /Mode: standalone/);
    assert.equal(await fourLetterWord('127.0.0.1', server.port, 'ruok'), 'imok');
    const config = fs.readFileSync(path.join(server.dataDir, 'zoo.cfg'), 'utf8');
    assert.match(config, /^admin\.enableServer=false$/m);
    assert.match(config, /^clientPortAddress=127\.0\.0\.1$/m);
    assert.match(fs.readFileSync(server.logFile, 'utf8'), /QuorumPeerMain|ZooKeeperServer/);
  });

  it('restarts on the same port with its data intact', async () => {
    const before = await rawClient(server.connectString);
    await new Promise<void>((resolve, reject) =>
      before.create('/kept', Buffer.from('x'), (e) => (e ? reject(e) : resolve())),
    );
    before.close();
    const pid = server.pid;
    await server.restart();
    assert.notEqual(server.pid, pid);
    const after = await rawClient(server.connectString);
    const data = await new Promise<Buffer>((resolve, reject) =>
      after.getData('/kept', (e, d) => (e ? reject(e) : resolve(d))),
    );
    after.close();
    assert.equal(data.toString(), 'x');
  });

  it('stop() ends the JVM and frees the port; shutdown() removes its temp dir', async () => {
    const other = await startZooKeeper();
    try {
      const pid = other.pid!;
      await other.stop();
      assert.equal(other.isRunning(), false);
      assert.throws(() => process.kill(pid, 0), /ESRCH/);
      assert.equal(await canConnect('127.0.0.1', other.port, 500), false);
    } finally {
      await other.shutdown();
    }
    assert.equal(fs.existsSync(other.dataDir), false);
  });

  it('reports an early exit with the exit code and the log tail, leaving nothing behind', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'squall-zk-test-'));
    try {
      await assert.rejects(
        ZooKeeperServer.start({ dataDir, jvmFlags: ['-XX:+NoSuchJvmFlag'], logger: testLogger() }),
        (error: unknown) => {
          assert.ok(error instanceof ZooKeeperStartError);
          assert.notEqual(error.exitCode, 0);
          assert.match(error.message, /exited with code \d+ during start-up/);
          assert.match(error.logTail, /NoSuchJvmFlag/);
          return true;
        },
      );
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('never leaving a JVM behind', () => {
  // A parent that starts a server, prints the JVM's pid and data dir, then ends as told.
  const parent = (ending: string): string => `
    const { ZooKeeperServer } = require(${JSON.stringify(path.join(__dirname, '..', 'src'))});
    ZooKeeperServer.start().then((server) => {
      process.stdout.write(JSON.stringify({ pid: server.pid, dataDir: server.dataDir }) + '\\n', () => { ${ending} });
    });`;

  async function runParent(ending: string): Promise<{ pid: number; dataDir: string }> {
    const child = spawn(process.execPath, ['-e', parent(ending)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    return JSON.parse(output) as { pid: number; dataDir: string };
  }

  const gone = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  it('kills the JVM and removes the temp dir when the parent exits without shutdown()', async () => {
    const { pid, dataDir } = await runParent('process.exit(0)');
    await waitFor(() => gone(pid), 'the JVM to die', 5000);
    assert.equal(fs.existsSync(dataDir), false);
  });

  it('kills the JVM even when the parent is SIGKILLed', async () => {
    const { pid, dataDir } = await runParent("process.kill(process.pid, 'SIGKILL')");
    try {
      await waitFor(() => gone(pid), 'the JVM to die', 5000);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('finding ZooKeeper', () => {
  it('finds the Debian install', () => {
    const install = findZooKeeperInstall({ home: undefined });
    assert.ok(install?.classpath.some((jar) => jar.endsWith('zookeeper.jar')));
  });

  it('understands an Apache tarball layout', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'squall-zk-home-'));
    try {
      fs.mkdirSync(path.join(home, 'lib'));
      for (const jar of ['zookeeper-3.9.2.jar', 'zookeeper-jute-3.9.2.jar', 'netty-handler-4.1.jar']) {
        fs.writeFileSync(path.join(home, 'lib', jar), '');
      }
      const install = findZooKeeperInstall({ home });
      assert.equal(install?.classpath.length, 3);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('explains in one line what to do when ZooKeeper is missing', async () => {
    const saved = process.env.SQUALL_ZOOKEEPER_HOME;
    delete process.env.SQUALL_ZOOKEEPER_HOME;
    try {
      await assert.rejects(
        ensureZooKeeperInstalled({ debianJavaDir: '/nonexistent', autoInstall: false }),
        (error: unknown) => {
          assert.ok(error instanceof ZooKeeperNotInstalledError);
          assert.match(
            error.message,
            /^ZooKeeper is not installed: run `sudo apt-get install -y zookeeper` \(Debian\/Ubuntu\) or set SQUALL_ZOOKEEPER_HOME/,
          );
          assert.ok(!error.message.includes('\n'));
          return true;
        },
      );
    } finally {
      if (saved !== undefined) process.env.SQUALL_ZOOKEEPER_HOME = saved;
    }
  });

  it('fails loudly, without installing, when the configured home is wrong', async () => {
    await assert.rejects(
      ZooKeeperServer.start({ zookeeperHome: '/nonexistent/zookeeper', logger: testLogger() }),
      (error: unknown) => error instanceof ZooKeeperNotInstalledError && /SQUALL_ZOOKEEPER_HOME/.test(error.message),
    );
  });
});
