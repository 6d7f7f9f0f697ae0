import type { Command } from 'commander';
import { buildPackage } from '@squall/packager';
import { DEFAULT_PACKAGE_CHUNK_BYTES, NimbusService, pb, rpcErrorOf, type NimbusClient } from '@squall/protocol';
import * as grpc from '@grpc/grpc-js';
import { SquallError } from '@squall/core';
import { collectConfig, loadCliConfig } from '../cli-config';
import { fail } from '../fail';
import { squallCommand } from '../command-name';
import { callNimbus, connectNimbus } from '../nimbus-connection';
import { CLI_TOPOLOGY_LOADERS } from '../topology-loaders';

interface SubmitOptions {
  name?: string;
  c?: string[];
  config?: string;
  nimbus?: string;
  json?: boolean;
  realStreamparse?: boolean;
  pythonPlatform?: string;
  pythonVersion?: string;
  typecheck: boolean;
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
      if (err) reject(rpcErrorOf(err));
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

/**
 * Asks nimbus whether a topology of this name runs (any status but KILLED) and refuses the submit if so, naming it.
 * @throws SquallError `ALREADY_EXISTS`
 */
export async function refuseIfRunning(client: NimbusClient, name: string): Promise<void> {
  const { topologies } = await callNimbus(client, NimbusService.listTopologies, {});
  const running = topologies.find((t) => t.name === name && t.status !== pb.TopologyStatus.TOPOLOGY_STATUS_KILLED);
  if (running) {
    throw new SquallError(
      'ALREADY_EXISTS',
      `a topology named '${name}' is already running (${running.id}): kill it first (${squallCommand()} kill ${name}) or submit with --name <another>`,
    );
  }
}

/** `squall submit <topology>`: bundles the topology into a package and uploads it to the leader nimbus. */
export function registerSubmit(program: Command): void {
  program
    .command('submit')
    .description('package a topology (esbuild bundle + resources, tar.gz with sha256) and submit it to nimbus')
    .argument('<topology>', 'topology module (.ts/.js/.yaml) or a directory holding one')
    .option(
      '-n, --name <name>',
      'topology name (default: the one it declares); in a streamparse project, which topologies/<name>.py',
    )
    .option(
      '--real-streamparse',
      "streamparse project: install the streamparse/pystorm its requirements name instead of using Squall's stand-ins",
    )
    .option(
      '--python-platform <tag>',
      "streamparse project: pip platform tag of the workers' wheels, e.g. manylinux2014_x86_64 (default: this machine's)",
    )
    .option(
      '--python-version <x.y>',
      "streamparse project: the workers' Python version, e.g. 3.11 (default: this machine's)",
    )
    .option('-c, --c <key=value>', 'topology config, repeatable', collectConfig)
    .option('--config <file>', 'config file (squall.yaml): nimbus.seeds, nimbus.auth.token, ...')
    .option('--nimbus <host:port>', 'nimbus to contact (default: nimbus.seeds)')
    .option('--no-typecheck', 'do not type-check a TypeScript topology before the upload')
    .option('--json', 'print {"topologyId", "digest", "bytes"} on stdout')
    .action((target: string, opts: SubmitOptions) =>
      (async () => {
        const cliConf = loadCliConfig(opts);
        const client = await connectNimbus(cliConf, opts.nimbus);
        try {
          // Nimbus refuses a second topology of the same name too, but only once the whole package has been uploaded:
          // ask first, before building when --name gives the name, else as soon as the module declares it.
          if (opts.name) await refuseIfRunning(client, opts.name);
          const pkg = await buildPackage(target, process.cwd(), {
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            onProgress: (line) => {
              if (!opts.json) process.stderr.write(line + '\n');
            },
            typeCheck: opts.typecheck,
            flags: {
              'real-streamparse': opts.realStreamparse === true,
              'python-platform': opts.pythonPlatform,
              'python-version': opts.pythonVersion,
            },
            loaders: CLI_TOPOLOGY_LOADERS,
          });
          const name = opts.name ?? pkg.spec.name;
          if (!opts.name) await refuseIfRunning(client, name);
          const topologyConf = Object.fromEntries(
            (opts.c ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), cliConf[kv.slice(0, kv.indexOf('='))]]),
          );
          const tty = process.stderr.isTTY && !opts.json;
          let lastPct = -1;
          const id = await upload(
            client,
            {
              name,
              specJson: JSON.stringify(pkg.spec),
              confJson: JSON.stringify(topologyConf),
              packageDigest: pkg.digest,
              packageSize: pkg.bytes.length,
            },
            pkg.bytes,
            (sent, total) => {
              const pct = Math.floor((sent / total) * 100);
              if (!opts.json && (tty || pct === 100) && pct !== lastPct)
                process.stderr.write(
                  `${tty ? '\r' : ''}uploading ${progressBar(sent, total)}${tty && pct < 100 ? '' : '\n'}`,
                );
              lastPct = pct;
            },
          );
          if (opts.json)
            process.stdout.write(
              JSON.stringify({ topologyId: id, digest: pkg.digest, bytes: pkg.bytes.length }) + '\n',
            );
          else
            process.stdout.write(
              `submitted topology '${name}' as ${id} (package ${pkg.digest.slice(0, 12)}, ${pkg.bytes.length} bytes)\n`,
            );
        } finally {
          client.close();
        }
      })().catch((err) => fail(err)),
    );
}
