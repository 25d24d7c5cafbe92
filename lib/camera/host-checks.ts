/**
 * What on this host stops a stream that the camera sends correctly — each found problem with the
 * exact command that fixes it:
 *
 * - **rmem**: the socket receive buffer the kernel allows (net.core.rmem_max) cannot hold one frame,
 *   and the process may not override it (SO_RCVBUFFORCE needs CAP_NET_ADMIN): a short stall of the
 *   receive thread then loses packets.
 * - **mtu**: the packet size is larger than the MTU of the interface the stream arrives on.
 * - **rp-filter**: strict reverse-path filtering on that interface while the route back to the
 *   camera leaves through another one: the kernel drops every packet from the camera.
 * - **firewall**: GVCP answers arrive but no stream packet does (the test packet, fired by the
 *   camera, never came): a host firewall drops the camera's UDP.
 *
 * `checkHost` judges from facts (`HostFacts`, read from /proc and /sys by `readHostFacts`), so the
 * judgement itself can be tested with any facts.
 */
import fs from 'node:fs';
import { listIPv4Interfaces } from '../gvcp/interfaces';

export type HostCheckId = 'rmem' | 'mtu' | 'rp-filter' | 'firewall';

export interface HostProblem {
  id: HostCheckId;
  problem: string;
  /** The command that fixes it, exactly as to type it. */
  fix: string;
}

export interface HostFacts {
  /** net.core.rmem_max, bytes. */
  rmemMax?: number;
  /** May this process force a larger receive buffer (root / CAP_NET_ADMIN)? */
  privileged: boolean;
  /** Effective rp_filter of the stream's interface: max(all, interface); 1 = strict. */
  rpFilter?: number;
  /** Interface MTU. */
  mtu?: number;
  /** Which firewall front-end manages this host's rules. */
  firewall: 'ufw' | 'firewalld' | 'nftables' | 'iptables' | 'none';
}

export interface HostCheckInput {
  cameraAddress: string;
  /** The interface the stream arrives on (holding the stream's local address). */
  interfaceName?: string;
  /** The interface the route back to the camera leaves through. */
  routeInterfaceName?: string;
  packetSize?: number;
  payloadBytes?: number;
  /** False when a test packet from the camera did not arrive although GVCP works. */
  streamArrives?: boolean;
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function exists(file: string): boolean {
  try {
    return fs.existsSync(file);
  } catch {
    return false;
  }
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').some((dir) => dir && exists(`${dir}/${tool}`));
}

/** Which firewall front-end is in charge, so the fix is given in its own words. */
export function detectFirewall(): HostFacts['firewall'] {
  try {
    if (/^\s*ENABLED\s*=\s*yes/m.test(fs.readFileSync('/etc/ufw/ufw.conf', 'utf8'))) return 'ufw';
  } catch {
    // no ufw
  }
  if (exists('/run/firewalld/firewalld.pid') || exists('/var/run/firewalld/firewalld.pid')) return 'firewalld';
  if (onPath('iptables')) return 'iptables';
  if (onPath('nft')) return 'nftables';
  return 'none';
}

export function readHostFacts(interfaceName?: string): HostFacts {
  const rp = (name: string) => readNumber(`/proc/sys/net/ipv4/conf/${name}/rp_filter`);
  const safeName = interfaceName && /^[A-Za-z0-9_.:-]{1,15}$/.test(interfaceName) ? interfaceName : undefined;
  const all = rp('all');
  const own = safeName ? rp(safeName) : undefined;
  return {
    rmemMax: readNumber('/proc/sys/net/core/rmem_max'),
    privileged: typeof process.geteuid === 'function' && process.geteuid() === 0,
    rpFilter: all === undefined && own === undefined ? undefined : Math.max(all ?? 0, own ?? 0),
    mtu: safeName ? readNumber(`/sys/class/net/${safeName}/mtu`) : undefined,
    firewall: detectFirewall(),
  };
}

/** Round up to whole MiB: the value a sysctl fix names. */
function mebibytes(bytes: number): number {
  return Math.ceil(bytes / (1 << 20)) * (1 << 20);
}

export function firewallFix(firewall: HostFacts['firewall'], cameraAddress: string): string {
  switch (firewall) {
    case 'ufw':
      return `sudo ufw allow from ${cameraAddress} proto udp`;
    case 'firewalld':
      return `sudo firewall-cmd --zone=trusted --add-source=${cameraAddress}`;
    case 'nftables':
      return `sudo nft insert rule inet filter input ip saddr ${cameraAddress} udp accept`;
    default:
      return `sudo iptables -I INPUT -p udp -s ${cameraAddress} -j ACCEPT`;
  }
}

export function checkHost(input: HostCheckInput, facts: HostFacts): HostProblem[] {
  const problems: HostProblem[] = [];
  const iface = input.interfaceName ?? "the camera's interface";
  // Two frames' worth: one arriving while the thread still hands the previous one over.
  if (!facts.privileged && facts.rmemMax !== undefined && input.payloadBytes !== undefined && facts.rmemMax < input.payloadBytes) {
    const wanted = mebibytes(2 * input.payloadBytes);
    problems.push({
      id: 'rmem',
      problem:
        `the socket receive buffer may be at most ${facts.rmemMax} bytes (net.core.rmem_max) but one frame is ${input.payloadBytes} bytes: ` +
        'packets are lost whenever the receive thread is late (not running as root, so the limit cannot be overridden)',
      fix: `sudo sysctl -w net.core.rmem_max=${wanted}`,
    });
  }
  if (facts.mtu !== undefined && input.packetSize !== undefined && input.packetSize > facts.mtu && input.interfaceName) {
    problems.push({
      id: 'mtu',
      problem:
        `the packet size ${input.packetSize} is larger than the MTU ${facts.mtu} of ${iface}: stream packets are dropped or fragmented ` +
        '(or use packet size "auto", which picks the largest that arrives)',
      fix: `sudo ip link set dev ${input.interfaceName} mtu ${input.packetSize <= 9000 ? 9000 : input.packetSize}`,
    });
  }
  if (facts.rpFilter === 1 && input.interfaceName && input.routeInterfaceName && input.routeInterfaceName !== input.interfaceName) {
    problems.push({
      id: 'rp-filter',
      problem: `strict reverse-path filtering (rp_filter 1) on ${iface} drops packets from ${input.cameraAddress}: the route back to it leaves through ${input.routeInterfaceName}`,
      fix: `sudo sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.${input.interfaceName}.rp_filter=2`,
    });
  }
  if (input.streamArrives === false) {
    problems.push({
      id: 'firewall',
      problem: `the camera answers GVCP but its stream packets do not arrive (a test packet fired by ${input.cameraAddress} never came): a firewall on this host drops its UDP`,
      fix: firewallFix(facts.firewall, input.cameraAddress),
    });
  }
  return problems;
}

/** The interface holding `address` (the stream's local address), if any. */
export function interfaceHolding(address: string): string | undefined {
  return listIPv4Interfaces().find((i) => i.address === address)?.name;
}

/** Interfaces with strict rp_filter where cameras on a foreign subnet cannot be seen (their replies come from an address routed elsewhere). */
export function strictReversePathInterfaces(): Array<{ interface: string; fix: string }> {
  const all = readNumber('/proc/sys/net/ipv4/conf/all/rp_filter') ?? 0;
  const out: Array<{ interface: string; fix: string }> = [];
  for (const name of new Set(
    listIPv4Interfaces()
      .filter((i) => !i.internal)
      .map((i) => i.name),
  )) {
    if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name)) continue;
    const own = readNumber(`/proc/sys/net/ipv4/conf/${name}/rp_filter`) ?? 0;
    if (Math.max(all, own) === 1)
      out.push({ interface: name, fix: `sudo sysctl -w net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.${name}.rp_filter=2` });
  }
  return out;
}
