import type { Command } from 'commander';
import { buildPackage } from '@squall/packager';
import { DEFAULT_PACKAGE_CHUNK_BYTES, type NimbusClient, type pb } from '@squall/protocol';
import * as grpc from '@grpc/grpc-js';
import { SquallError } from '@squall/core';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { connectNimbus } from '../nimbus-connection';

interface SubmitOptions {
  name?: string;
  c?: string[];
  config?: string;
  nimbus?: string;
  json?: boolean;
  realStreamparse?: boolean;
  pythonPlatform?: string;
  pythonVersion?: string;
}

function progressBar(sent: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((sent / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${((sent / Math.max(1, total)) * 100).toFixed(0).padStart(3)}% ${(sent / 1024).toFixed(0)}/${(total / 1024).toFixed(0)} KiB`;
}

/** Uploads a package: header, then chunks; reports progress; resolves to the topology id. */
export function upload(
  client: NimbusClient,
  header: pb.ISubmitHeader,
  bytes: Buffer,
  onProgress: (sent: number, total: number) => void,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const call = client.submitTopology((err: grpc.ServiceError | null, res?: pb.SubmitTopologyResponse) => {
      if (err) reject(new SquallError(grpc.status[err.code] ?? 'RPC', err.details || err.message));
      else resolve(res!.topologyId);
    });
    call.write({ header });
    let offset = 0;
    const pump = () => {
      while (offset < bytes.length) {
        const chunk = bytes.subarray(offset, offset + DEFAULT_PACKAGE_CHUNK_BYTES);
        offset += chunk.length;
        onProgress(offset, bytes.length);
        if (!call.write({ chunk })) return void call.once('drain', pump);
      }
      call.end();
    };
    pump();
  });
}

/** `squall submit <topology>`: bundles the topology into a package and uploads it to the leader nimbus. */
export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('package a topology (esbuild bundle + resources, tar.gz with sha256) and submit it to nimbus')
    .argument('<topology>', 'topology module (.ts/.js/.yaml) or a directory holding one')
    .option('-n, --name <name>', 'topology name (default: the one it declares); in a streamparse project, which topologies/<name>.py')
    .option('--real-streamparse', "streamparse project: install the streamparse/pystorm its requirements name instead of using Squall's stand-ins")
    .option('--python-platform <tag>', "streamparse project: pip platform tag of the workers' wheels, e.g. manylinux2014_x86_64 (default: this machine's)")
    .option('--python-version <x.y>', "streamparse project: the workers' Python version, e.g. 3.11 (default: this machine's)")
    .option('-c, --c <key=value>', 'topology config, repeatable', collectConfig)
    .option('--config <file>', 'config file (squall.yaml): nimbus.seeds, nimbus.auth.token, ...')
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .option('--json', 'print {"topologyId", "digest", "bytes"} on stdout')
    .action((target: string, opts: SubmitOptions) =>
      (async () => {
        const cliConf = loadCliConfig(opts);
        const pkg = await buildPackage(target, process.cwd(), {
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          onProgress: (line) => {
            if (!opts.json) process.stderr.write(line + '\n');
          },
          flags: { 'real-streamparse': opts.realStreamparse === true, 'python-platform': opts.pythonPlatform, 'python-version': opts.pythonVersion },
        });
        const name = opts.name ?? pkg.spec.name;
        const topologyConf = Object.fromEntries((opts.c ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), cliConf[kv.slice(0, kv.indexOf('='))]]));
        const client = await connectNimbus(cliConf, opts.nimbus);
        const tty = process.stderr.isTTY && !opts.json;
        let lastPct = -1;
        const id = await upload(
          client,
          { name, specJson: JSON.stringify(pkg.spec), confJson: JSON.stringify(topologyConf), packageDigest: pkg.digest, packageSize: pkg.bytes.length },
          pkg.bytes,
          (sent, total) => {
            const pct = Math.floor((sent / total) * 100);
            if (!opts.json && (tty || pct === 100) && pct !== lastPct) process.stderr.write(`${tty ? '\r' : ''}uploading ${progressBar(sent, total)}${tty && pct < 100 ? '' : '\n'}`);
            lastPct = pct;
          },
        );
        client.close();
        if (opts.json) process.stdout.write(JSON.stringify({ topologyId: id, digest: pkg.digest, bytes: pkg.bytes.length }) + '\n');
        else process.stdout.write(`submitted topology '${name}' as ${id} (package ${pkg.digest.slice(0, 12)}, ${pkg.bytes.length} bytes)\n`);
      })().catch((err) => fail(err)),
    );
}
