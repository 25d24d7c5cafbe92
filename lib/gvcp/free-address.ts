/**
 * A free address in an interface's subnet, for FORCEIP: one nobody on the link uses. Each candidate
 * is checked twice before it is offered — by ARP (the kernel's neighbour table, /proc/net/arp,
 * after a datagram towards the candidate made the kernel ask: any host that answers ARP holds it)
 * and by a unicast DISCOVERY (a GigE Vision device there answers it). Addresses a discovery
 * already saw (other cameras) and this host's own are never candidates.
 *
 * Bounded: at most `maxCandidates` addresses are probed, one DISCOVERY datagram each (plus the
 * kernel's ARP requests), each for at most `probeMs`.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import { Command, Flag, GVCP_PORT } from './protocol';
import { decodeAck, encodeCommand, isCommandPacket } from './codec';
import { GvcpError } from './errors';
import { ipToNumber, numberToIp } from './address';
import type { NetworkInterfaceInfo } from './interfaces';

export interface AddressCheck {
  address: string;
  free: boolean;
  /** Why it is not free (who answered), or how it was checked. */
  detail: string;
}

export interface FreeAddressOptions {
  /** Addresses known to be taken (e.g. every camera a discovery found). */
  exclude?: string[];
  /** Candidates probed at most (default 8). */
  maxCandidates?: number;
  /** How long each candidate is watched for an ARP or DISCOVERY answer (default 1000 ms). */
  probeMs?: number;
  /** Start here instead of the middle of the subnet. */
  first?: string;
  port?: number;
}

export interface FreeAddress {
  address: string;
  subnetMask: string;
  checks: AddressCheck[];
}

/** Neighbour entries the kernel has resolved (flag ATF_COM): address → MAC, per device. */
export function resolvedNeighbours(device?: string): Map<string, string> {
  const out = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/arp', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const flags = Number.parseInt(f[2], 16);
    if (flags & 0x2 && (!device || f[5] === device) && f[3] !== '00:00:00:00:00:00') out.set(f[0], f[3]);
  }
  return out;
}

function arpAvailable(): boolean {
  return fs.existsSync('/proc/net/arp');
}

/** Candidate host numbers from `start`, skipping network, broadcast and the excluded. */
function* candidates(
  iface: Pick<NetworkInterfaceInfo, 'address' | 'netmask'>,
  start: string | undefined,
  exclude: Set<string>,
): Generator<string> {
  const mask = ipToNumber(iface.netmask);
  const network = (ipToNumber(iface.address) & mask) >>> 0;
  const size = (~mask >>> 0) + 1;
  if (size < 4) return;
  const own = ipToNumber(iface.address) - network;
  let host = start ? ((ipToNumber(start) - network) >>> 0) % size : ((own + Math.floor(size / 2)) % (size - 2)) + 1;
  for (let n = 0; n < size; n += 1, host = (host % (size - 2)) + 1) {
    if (host <= 0 || host >= size - 1) continue;
    const ip = numberToIp((network + host) >>> 0);
    if (!exclude.has(ip)) yield ip;
  }
}

/** Does anybody hold `address`? One DISCOVERY towards it, then watch for its ack and the ARP table. */
async function probe(iface: NetworkInterfaceInfo, address: string, probeMs: number, port: number): Promise<AddressCheck> {
  const known = resolvedNeighbours(iface.name).get(address);
  if (known) return { address, free: false, detail: `a host with MAC ${known} answered ARP for it before` };
  const socket = dgram.createSocket('udp4');
  const requestId = 1 + Math.floor(Math.random() * 0xfffe);
  let answered: string | null = null;
  socket.on('error', () => undefined);
  socket.on('message', (msg, rinfo) => {
    try {
      if (rinfo.address !== address || isCommandPacket(msg)) return;
      const ack = decodeAck(msg);
      if (ack.ackId === requestId) answered = 'a GigE Vision device answered DISCOVERY there';
    } catch {
      answered = 'something answered on the GVCP port there';
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: iface.address, port: 0 }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.send(encodeCommand({ command: Command.DISCOVERY, flags: Flag.ACK_REQUIRED, requestId }), port, address, () => undefined);
    const end = Date.now() + probeMs;
    while (Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      if (answered) return { address, free: false, detail: answered };
      const mac = resolvedNeighbours(iface.name).get(address);
      if (mac) return { address, free: false, detail: `a host with MAC ${mac} answered ARP for it` };
    }
    return {
      address,
      free: true,
      detail: arpAvailable()
        ? `no answer to ARP or DISCOVERY within ${probeMs} ms`
        : `no answer to DISCOVERY within ${probeMs} ms (no ARP table to check on this system)`,
    };
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
}

/**
 * The first candidate in `iface`'s subnet that nobody answers for. Rejects with GVCP_NO_FREE_ADDRESS
 * (and every check made) when all probed candidates are taken.
 */
export async function findFreeAddress(iface: NetworkInterfaceInfo, options: FreeAddressOptions = {}): Promise<FreeAddress> {
  const exclude = new Set([iface.address, ...(options.exclude ?? []), ...resolvedNeighbours(iface.name).keys()]);
  const checks: AddressCheck[] = [];
  const max = Math.max(1, Math.min(32, options.maxCandidates ?? 8));
  for (const candidate of candidates(iface, options.first, exclude)) {
    if (checks.length >= max) break;
    const check = await probe(iface, candidate, Math.max(100, Math.min(5000, options.probeMs ?? 1000)), options.port ?? GVCP_PORT);
    checks.push(check);
    if (check.free) return { address: candidate, subnetMask: iface.netmask, checks };
  }
  throw new GvcpError(
    'GVCP_NO_FREE_ADDRESS',
    `no free address found in ${iface.name}'s subnet ${iface.address}/${iface.prefix} after ${checks.length} tries: ` +
      `${checks.map((c) => `${c.address} (${c.detail})`).join('; ') || 'the subnet has no host addresses to offer'}; give one with --force ADDR/PREFIX`,
    { interface: iface.name },
  );
}

/** Checks one address the user chose: is it free on `iface`? */
export async function checkAddressFree(
  iface: NetworkInterfaceInfo,
  address: string,
  options: { probeMs?: number; port?: number } = {},
): Promise<AddressCheck> {
  if (address === iface.address) return { address, free: false, detail: `it is this host's own address on ${iface.name}` };
  return probe(iface, address, Math.max(100, Math.min(5000, options.probeMs ?? 1000)), options.port ?? GVCP_PORT);
}
