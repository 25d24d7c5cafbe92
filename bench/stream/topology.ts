/**
 * Where bench:stream's camera and receivers run (root only; both are made here and deleted at exit).
 *
 * - `veth` (the default): the camera in a network namespace of its own, the receivers in another,
 *   joined by a veth pair — a wire-shaped link. The MTU is the packet size under test (9000 or
 *   1500). The camera's sender hands the kernel UDP-GSO batches, but its veth end has
 *   `tx-udp-segmentation off`, so the kernel cuts every batch into wire-sized datagrams before
 *   they cross the link (checked with tshark on the camera's end: no IP datagram above the packet
 *   size). The receiving end has GRO on, as a real NIC driver has; its `tso` is left alone but the
 *   camera's end has `tso off`: veth only runs GRO for a sender's socket traffic when the sending
 *   end cannot do TCP segmentation offload (the camera does no TCP at all). GRO then coalesces
 *   datagrams only for sockets that ask for it (UDP_GRO), as on a NIC — a packet socket or a plain
 *   UDP socket still sees one datagram per packet.
 * - `loopback`: camera and receivers in one namespace with only `lo` (MTU 65536); the camera's
 *   UDP-GSO super-datagrams reach a UDP_GRO socket whole (the earlier bench:stream topology).
 *
 * Both keep every packet inside namespaces this script created (Aravis discovery broadcasts on
 * every interface it has).
 */
import { spawnSync } from 'node:child_process';

export type TopologyName = 'veth' | 'loopback';

export interface Topology {
  name: TopologyName;
  /** The namespace the receivers (and the runner) run in. */
  hostNamespace: string;
  /** The namespace the camera runs in (the host namespace on loopback). */
  cameraNamespace: string;
  deviceAddress: string;
  receiverAddress: string;
  /** The receiving interface (veth: the host's end). */
  hostInterface: string;
  cameraInterface: string;
  /** `count` camera addresses (the first is deviceAddress), added to the camera's interface as needed. */
  cameraAddresses(count: number): string[];
  /** Sets the link's MTU (veth: both ends; loopback: nothing). */
  setMtu(mtu: number): void;
  /** What the receiving side's link looks like now, for the report. */
  describe(): string;
  /**
   * Packets the link itself dropped so far (veth: the receiving end's NAPI ring was full, as a NIC's
   * receive ring overflows; loopback: none counted), to tell loss on the link from loss in a receiver.
   */
  linkDrops(): number;
  delete(): void;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

export function haveCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function addNamespace(name: string): void {
  run('ip', ['netns', 'add', name]);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

function ethtool(namespace: string, args: string[]): void {
  run('ip', ['netns', 'exec', namespace, 'ethtool', ...args]);
}

/** Feature lines of `ethtool -k` that decide what the receiver sees. */
function features(namespace: string, dev: string, names: string[]): string {
  const out = run('ip', ['netns', 'exec', namespace, 'ethtool', '-k', dev]);
  return names
    .map((n) => {
      const m = new RegExp(`^${n}: (\\w+)`, 'm').exec(out);
      return `${n} ${m ? m[1] : '?'}`;
    })
    .join(', ');
}

/** `ethtool -S` rx_queue_N_drops of a veth end: packets its peer could not put into the full NAPI ring. */
function ringDrops(namespace: string, dev: string): number {
  const out = run('ip', ['netns', 'exec', namespace, 'ethtool', '-S', dev]);
  let total = 0;
  for (const m of out.matchAll(/^\s*rx_queue_\d+_drops: (\d+)$/gm)) total += Number(m[1]);
  return total;
}

/** The interface's own dropped counter (`ip -s link`), rx or tx. */
function interfaceDrops(namespace: string, dev: string, direction: 'rx' | 'tx'): number {
  const [link] = JSON.parse(run('ip', ['-n', namespace, '-s', '-j', 'link', 'show', 'dev', dev])) as Array<{
    stats64?: Record<'rx' | 'tx', { dropped?: number }>;
  }>;
  return Number(link?.stats64?.[direction]?.dropped ?? 0);
}

export function createTopology(name: TopologyName, tag: string, options: { senderGso: boolean }): Topology {
  if (name === 'loopback') {
    const ns = `gigebench${tag}`;
    addNamespace(ns);
    try {
      run('ip', ['-n', ns, 'addr', 'add', '127.0.0.2/8', 'dev', 'lo']); // Aravis looks for the camera on an interface address
    } catch (err) {
      spawnSync('ip', ['netns', 'del', ns]);
      throw err;
    }
    return {
      name,
      hostNamespace: ns,
      cameraNamespace: ns,
      deviceAddress: '127.0.0.2',
      receiverAddress: '127.0.0.1',
      hostInterface: 'lo',
      cameraInterface: 'lo',
      cameraAddresses: (count) => Array.from({ length: count }, (_, i) => `127.0.0.${2 + i}`),
      setMtu: () => undefined,
      linkDrops: () => 0,
      describe: () =>
        `loopback in namespace ${ns} (MTU 65536)${options.senderGso ? ', camera sends UDP-GSO super-datagrams' : ', camera sends wire-sized datagrams'}`,
      delete: () => void spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }),
    };
  }
  if (!haveCommand('ethtool')) throw new Error('the veth topology needs ethtool (apt-get install ethtool), or use --topology loopback');
  const hostNs = `gigebenchh${tag}`;
  const cameraNs = `gigebenchc${tag}`;
  const hostIf = `gbh${tag}`.slice(0, 15);
  const cameraIf = `gbc${tag}`.slice(0, 15);
  const subnet = `10.215.${Number(tag.replace(/\D/g, '').slice(-6) || 0) % 250}`;
  const remove = (): void => {
    spawnSync('ip', ['netns', 'del', hostNs], { stdio: 'ignore' });
    spawnSync('ip', ['netns', 'del', cameraNs], { stdio: 'ignore' });
  };
  try {
    addNamespace(hostNs);
    addNamespace(cameraNs);
    run('ip', ['link', 'add', cameraIf, 'netns', cameraNs, 'type', 'veth', 'peer', 'name', hostIf, 'netns', hostNs]);
    run('ip', ['-n', cameraNs, 'addr', 'add', `${subnet}.2/24`, 'dev', cameraIf]);
    run('ip', ['-n', hostNs, 'addr', 'add', `${subnet}.1/24`, 'dev', hostIf]);
    // The camera's end: no TCP offload (so that the peer's NAPI runs GRO for this traffic) and, with
    // a GSO sender, segmentation in software before the link, so the link carries wire-sized datagrams.
    ethtool(cameraNs, ['-K', cameraIf, 'tso', 'off', ...(options.senderGso ? ['tx-udp-segmentation', 'off'] : [])]);
    ethtool(hostNs, ['-K', hostIf, 'gro', 'on']);
    for (const [ns, dev] of [
      [cameraNs, cameraIf],
      [hostNs, hostIf],
    ])
      run('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  } catch (err) {
    remove();
    throw err;
  }
  let mtu = 1500;
  let addresses = 1;
  return {
    name,
    hostNamespace: hostNs,
    cameraNamespace: cameraNs,
    deviceAddress: `${subnet}.2`,
    receiverAddress: `${subnet}.1`,
    hostInterface: hostIf,
    cameraInterface: cameraIf,
    cameraAddresses(count: number) {
      for (; addresses < count; addresses++) run('ip', ['-n', cameraNs, 'addr', 'add', `${subnet}.${2 + addresses}/24`, 'dev', cameraIf]);
      return Array.from({ length: count }, (_, i) => `${subnet}.${2 + i}`);
    },
    setMtu(value: number) {
      mtu = value;
      run('ip', ['-n', cameraNs, 'link', 'set', cameraIf, 'mtu', String(value)]);
      run('ip', ['-n', hostNs, 'link', 'set', hostIf, 'mtu', String(value)]);
    },
    linkDrops: () => ringDrops(hostNs, hostIf) + interfaceDrops(hostNs, hostIf, 'rx') + interfaceDrops(cameraNs, cameraIf, 'tx'),
    describe: () =>
      `veth ${cameraIf} (camera, namespace ${cameraNs}) ↔ ${hostIf} (receivers, namespace ${hostNs}), MTU ${mtu}; ` +
      `camera end: ${features(cameraNs, cameraIf, ['tx-udp-segmentation', 'tcp-segmentation-offload'])}` +
      `${options.senderGso ? ' (sender batches with UDP GSO, cut to wire size before the link)' : ' (sender sends wire-sized datagrams)'}; ` +
      `receiving end: ${features(hostNs, hostIf, ['generic-receive-offload', 'rx-udp-gro-forwarding', 'rx-gro-list'])}`,
    delete: remove,
  };
}
