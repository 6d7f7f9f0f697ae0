// Docker HEALTHCHECK of the squall image: healthy when the daemon this container runs accepts connections on its
// port (nimbus: nimbus.port, supervisor: supervisor.port, ui: GET /api/v1/cluster/summary answers below 500).
// The daemon is the oldest `squall` process in the container (PID 1, or its child under `init: true`); its address comes
// from that process's own command line and environment (the entrypoint exports SQUALL_*_HOST there, not here).
import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';

const read = (pid, file) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0');
  } catch {
    return [];
  }
};
const pids = readdirSync('/proc')
  .filter((d) => /^\d+$/.test(d))
  .map(Number)
  .sort((a, b) => a - b);
const pid = pids.find((p) => /(^|\/)(squall|bin\.js)$/.test(read(p, 'cmdline')[1] ?? ''));
const args = pid === undefined ? [] : read(pid, 'cmdline');
const env = Object.fromEntries(
  (pid === undefined ? [] : read(pid, 'environ'))
    .filter((e) => e.includes('='))
    .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
);
const portArg = (name) => {
  const i = args.findIndex((a) => a === name);
  return i >= 0 ? args[i + 1] : undefined;
};
// `-c key=value` on the command line wins over the environment, as in the daemons.
const confArg = (key) => args.find((a) => a.startsWith(`${key}=`))?.slice(key.length + 1);
const daemon = args[2];

const done = (ok, why) => {
  if (!ok) process.stderr.write(`unhealthy: ${why}\n`);
  process.exit(ok ? 0 : 1);
};
const probeTcp = (host, port) => {
  const s = net.connect({ host, port: Number(port) });
  s.setTimeout(2000, () => done(false, `${host}:${port} timed out`));
  s.once('connect', () => {
    s.destroy();
    done(true);
  });
  s.once('error', (err) => done(false, `${host}:${port}: ${err.message}`));
};

if (pid === undefined) {
  done(false, 'no squall process in this container');
} else if (daemon === 'nimbus') {
  probeTcp(
    confArg('nimbus.host') ?? env.SQUALL_NIMBUS_HOST ?? '127.0.0.1',
    confArg('nimbus.port') ?? env.SQUALL_NIMBUS_PORT ?? 6627,
  );
} else if (daemon === 'supervisor') {
  const port = confArg('supervisor.port') ?? env.SQUALL_SUPERVISOR_PORT;
  if (!port || port === '0')
    done(true); // a random port cannot be probed; the process being alive is all we know
  else probeTcp(confArg('supervisor.host') ?? env.SQUALL_SUPERVISOR_HOST ?? '127.0.0.1', port);
} else if (daemon === 'ui') {
  const host = confArg('ui.host') ?? env.SQUALL_UI_HOST ?? '127.0.0.1';
  const port = portArg('--port') ?? confArg('ui.port') ?? env.SQUALL_UI_PORT ?? 8080;
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  fetch(`http://${target}:${port}/api/v1/cluster/summary`, { signal: AbortSignal.timeout(2500) }).then(
    (res) => done(res.status < 500, `GET /api/v1/cluster/summary answered ${res.status}`),
    (err) => done(false, `${target}:${port}: ${err.message}`),
  );
} else {
  done(true); // the CLI (or anything else) has no port
}
