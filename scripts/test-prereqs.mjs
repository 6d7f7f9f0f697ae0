// The system packages the tests need, made present once before any test runs: tests run concurrently, and two of
// them installing ZooKeeper at the same time used to fail each other on dpkg's lock. As root on a Debian-like machine
// the missing ones are installed here (one apt-get, under the install lock every Squall installer holds); otherwise
// one line says what to install.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether `cmd` is an executable on PATH. */
function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, cmd)));
}

/**
 * What each tier needs. `present` decides without installing anything, so a machine set up another way (an Apache
 * ZooKeeper under SQUALL_ZOOKEEPER_HOME, a JAVA_HOME, a redis-server on PATH) is not asked to install Debian's packages.
 * @param {typeof import('../packages/cluster-state/dist/src/index.js')} clusterState
 */
function requirements(clusterState) {
  const javaFound = () => {
    try {
      clusterState.findJava();
      return true;
    } catch {
      return false;
    }
  };
  return [
    {
      pkg: 'zookeeper',
      why: 'ZooKeeper, started by cluster-state and integration tests',
      tiers: ['unit', 'integration'],
      present: () => clusterState.findZooKeeperInstall() !== null,
    },
    { pkg: 'default-jre-headless', why: 'Java, to run ZooKeeper', tiers: ['unit', 'integration'], present: javaFound },
    {
      pkg: 'redis-server',
      why: 'Redis, started by the state store tests',
      tiers: ['unit', 'integration'],
      present: () => onPath('redis-server') || existsSync('/usr/bin/redis-server'),
    },
    {
      pkg: 'python3',
      why: 'multi-lang components in Python',
      tiers: ['unit', 'integration'],
      present: () => onPath('python3'),
    },
    {
      pkg: 'chromium',
      why: 'the web UI browser test',
      tiers: ['integration'],
      present: () => existsSync('/usr/bin/chromium'),
    },
  ];
}

/**
 * Installs (as root) or reports what the given tiers need. Resolves to true when everything is present.
 * @param {string} root the repository root (built: it loads @squall/cluster-state from its dist)
 * @param {string[]} tiers 'unit' and/or 'integration'
 */
export async function prepareSystemPackages(root, tiers) {
  const clusterState = await import(pathToFileURL(path.join(root, 'packages/cluster-state/dist/src/index.js')).href);
  const missing = requirements(clusterState).filter((r) => r.tiers.some((t) => tiers.includes(t)) && !r.present());
  if (missing.length === 0) return true;
  const names = missing.map((r) => r.pkg);
  const list = missing.map((r) => `${r.pkg} (${r.why})`).join(', ');
  if (!clusterState.canInstallDebianPackages()) {
    console.log(
      `tests need ${list}: run them as root to install these, or first run: sudo apt-get install -y ${names.join(' ')}`,
    );
    return false;
  }
  console.log(`# installing what the tests need: ${list}`);
  try {
    await clusterState.installDebianPackages(names, { showOutput: true });
  } catch (err) {
    console.log(`tests need ${list}, and installing failed: ${err.message}`);
    return false;
  }
  const still = missing.filter((r) => !r.present());
  if (still.length > 0)
    console.log(`tests need ${still.map((r) => r.pkg).join(', ')}: still missing after apt-get install`);
  return still.length === 0;
}
