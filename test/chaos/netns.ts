import { spawnSync } from 'node:child_process';

/** Thrown when the machine refuses to make network namespaces (not root, no CAP_NET_ADMIN, no `ip`). */
export class NetnsUnavailableError extends Error {}

function ip(args: string[], what: string): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new NetnsUnavailableError(`${what} failed (ip ${args.join(' ')}): ${r.error?.message ?? r.stderr.trim()}`);
}

/**
 * A "host" of the test in its own network namespace, joined to this machine by a veth pair on test-assigned
 * addresses: 10.213.N.1/30 on this side, 10.213.N.2/30 inside. Services the namespace must reach listen on
 * {@link hostAddress} (10.213.N.5, put on `lo` so it stays reachable from this side while the link is down).
 * {@link cut} takes the namespace's end of the link down, cutting it off from everything; {@link restore} undoes it.
 * `remove()` deletes the namespace (and with it the veth pair) and the address, and is safe to call twice.
 */
export class NetnsHost {
  private removed = false;

  private constructor(
    readonly name: string,
    readonly hostLink: string,
    readonly nsLink: string,
    /** The address of this machine that the namespace reaches (through the veth). */
    readonly hostAddress: string,
    /** The namespace's own address. */
    readonly nsAddress: string,
    private readonly gateway: string,
  ) {}

  /** Creates the namespace and link. @throws NetnsUnavailableError when the machine refuses, after cleaning up */
  static create(): NetnsHost {
    // A subnet no other run (or leftover of a killed run) uses: their service addresses sit on lo.
    const taken = spawnSync('ip', ['-4', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' }).stdout ?? '';
    let n = 16 + (process.pid % 200);
    while (taken.includes(`10.213.${n}.5/`) && n < 250) n++;
    const tag = `sq${process.pid % 100000}`;
    const host = new NetnsHost(`${tag}-chaos`, `${tag}h`, `${tag}n`, `10.213.${n}.5`, `10.213.${n}.2`, `10.213.${n}.1`);
    try {
      ip(['netns', 'add', host.name], 'creating a network namespace');
      ip(['link', 'add', host.hostLink, 'type', 'veth', 'peer', 'name', host.nsLink], 'creating a veth pair');
      ip(['link', 'set', host.nsLink, 'netns', host.name], 'moving the veth end into the namespace');
      ip(['addr', 'add', `${host.gateway}/30`, 'dev', host.hostLink], 'addressing the host end');
      ip(['link', 'set', host.hostLink, 'up'], 'bringing the host end up');
      ip(['addr', 'add', `${host.hostAddress}/32`, 'dev', 'lo'], 'adding the service address');
      ip(['netns', 'exec', host.name, 'ip', 'link', 'set', 'lo', 'up'], 'bringing up loopback in the namespace');
      ip(
        ['netns', 'exec', host.name, 'ip', 'addr', 'add', `${host.nsAddress}/30`, 'dev', host.nsLink],
        'addressing the namespace end',
      );
      host.restore();
    } catch (err) {
      host.remove();
      throw err;
    }
    return host;
  }

  /** Command prefix that runs a program inside the namespace. */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /** Takes the namespace's end of the link down: nothing gets in or out. */
  cut(): void {
    ip(['netns', 'exec', this.name, 'ip', 'link', 'set', this.nsLink, 'down'], 'cutting the link');
  }

  /** Brings the link back up and restores the route to the host's services (a down link loses its routes). */
  restore(): void {
    ip(['netns', 'exec', this.name, 'ip', 'link', 'set', this.nsLink, 'up'], 'bringing the link up');
    ip(
      ['netns', 'exec', this.name, 'ip', 'route', 'replace', `${this.hostAddress}/32`, 'via', this.gateway],
      'routing to the host',
    );
  }

  /** Deletes the namespace, the veth pair and the service address. */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    spawnSync('ip', ['netns', 'del', this.name]);
    spawnSync('ip', ['link', 'del', this.hostLink]);
    spawnSync('ip', ['addr', 'del', `${this.hostAddress}/32`, 'dev', 'lo']);
  }
}
