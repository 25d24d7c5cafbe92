/**
 * Small networks for the commissioning tests (root only), built from network namespaces and veth
 * pairs that the test creates and deletes (test/interop/support/netns.ts): nothing here touches
 * the host's own interfaces, and every broadcast and multicast stays inside them.
 *
 * - `bridgedHosts(names, subnet)`: a switch (a namespace with a Linux bridge) and one namespace per
 *   name, each linked to the bridge by a veth, addressed subnet.2, subnet.3, …
 * - `link(a, b, …)`: one veth between two namespaces, with addresses and an MTU.
 * - `gige(ns, …)`, `emulate(ns, …)`: the built CLI inside a namespace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Namespace, NamespaceProcess, RunResult, canUseNamespaces, uniqueTag } from '../../interop/support/netns';

export const CLI = path.resolve('dist/bin/gige.js');
export const CLIENT = path.resolve('test/network/support/stream-client.ts');

export function canBuildNetworks(): boolean {
  return canUseNamespaces() && fs.existsSync(CLI);
}

/**
 * Skips a suite that builds network namespaces where it cannot (not root, or the CLI not built),
 * saying so: a silent skip would read as a pass. `.ci/run` runs these suites as root.
 */
export function skipWithoutNetworks(ctx: Mocha.Context): void {
  if (canBuildNetworks()) return;
  const why = canUseNamespaces() ? `the CLI is not built (${CLI}: run npm test once)` : 'creating network namespaces needs root';
  console.log(`      skipped "${ctx.currentTest?.parent?.title ?? ctx.test?.parent?.title ?? ''}": ${why}`);
  ctx.skip();
}

export function sh(args: string[]): void {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${(r.stderr || '').trim()}`);
}

/** A veth between `a` and `b`; returns the interface names (aName in a, bName in b). */
export function link(
  a: Namespace,
  aAddress: string | null,
  b: Namespace,
  bAddress: string | null,
  mtu = 1500,
): { aName: string; bName: string } {
  const tag = uniqueTag();
  const aName = `gna${tag}`.slice(0, 15);
  const bName = `gnb${tag}`.slice(0, 15);
  sh(['ip', 'link', 'add', aName, 'netns', a.name, 'type', 'veth', 'peer', 'name', bName, 'netns', b.name]);
  for (const [ns, dev, address] of [
    [a, aName, aAddress],
    [b, bName, bAddress],
  ] as const) {
    ns.ip(['link', 'set', dev, 'mtu', String(mtu)]);
    if (address) ns.ip(['addr', 'add', address, 'dev', dev]);
    ns.ip(['link', 'set', dev, 'up']);
  }
  return { aName, bName };
}

export interface Bridged {
  switchNs: Namespace;
  hosts: Record<string, { ns: Namespace; address: string; device: string }>;
}

/** A namespace with a Linux bridge `br0`: a switch. */
export function switchNamespace(mtu = 1500): Namespace {
  const switchNs = Namespace.create('sw');
  switchNs.ip(['link', 'add', 'br0', 'type', 'bridge']);
  switchNs.ip(['link', 'set', 'br0', 'mtu', String(mtu)]);
  switchNs.ip(['link', 'set', 'br0', 'up']);
  return switchNs;
}

/** Plugs `ns` into the switch; returns its interface name. `address` (CIDR) may be null (no address yet). */
export function plug(switchNs: Namespace, ns: Namespace, address: string | null, mtu = 1500): string {
  const { aName, bName } = link(ns, address, switchNs, null, mtu);
  switchNs.ip(['link', 'set', bName, 'master', 'br0']);
  return aName;
}

/** A switch and one host namespace per name on `subnet` (e.g. 10.51.7): name i gets subnet.(i+2)/24. */
export function bridgedHosts(names: string[], subnet: string, mtu = 1500): Bridged {
  const switchNs = switchNamespace(mtu);
  const hosts: Bridged['hosts'] = {};
  names.forEach((name, i) => {
    const ns = Namespace.create(name);
    const address = `${subnet}.${i + 2}`;
    hosts[name] = { ns, address, device: plug(switchNs, ns, `${address}/24`, mtu) };
  });
  return { switchNs, hosts };
}

export function gige(ns: Namespace, args: string[], timeoutMs = 60000): Promise<RunResult> {
  return ns.run(process.execPath, [CLI, ...args], timeoutMs);
}

export function emulate(ns: Namespace, args: string[]): NamespaceProcess {
  return ns.spawn(process.execPath, [CLI, 'emulate', '--no-io', ...args]);
}

/**
 * `emulate` under SCHED_FIFO (`chrt -f 10`): cameras that send when their frame is due, whatever the
 * host's threads want. For tests whose point is the cameras' timing (simultaneous bursts): on two
 * cores shared with the receivers, an emulator at normal priority waited for a core, and two bursts
 * meant to meet at a switch port went one after the other.
 */
export function emulateAsHardware(ns: Namespace, args: string[]): NamespaceProcess {
  return ns.spawn('chrt', ['-f', '10', process.execPath, CLI, 'emulate', '--no-io', ...args]);
}

/** The JSON of every `PREFIX {…}` line of a process's output. */
export function lines<T = Record<string, unknown>>(stdout: string, prefix: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith(`${prefix} `))
    .map((l) => JSON.parse(l.slice(prefix.length + 1)) as T);
}

export function sysctl(ns: Namespace, setting: string): void {
  sh(['ip', 'netns', 'exec', ns.name, 'sysctl', '-qw', setting]);
}
