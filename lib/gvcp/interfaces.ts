/**
 * The host's IPv4 interfaces as discovery and diagnostics need them: address, mask, directed
 * broadcast, and (Linux, from /sys/class/net) MTU, link state and speed.
 */
import fs from 'node:fs';
import os from 'node:os';
import { ipToNumber, numberToIp, prefixLength } from './address';

export interface NetworkInterfaceInfo {
  name: string;
  address: string;
  netmask: string;
  prefix: number;
  /** Directed broadcast address of the interface's subnet. */
  broadcast: string;
  mac: string;
  internal: boolean;
  mtu?: number;
  /** Kernel operational state: up, down, unknown (loopback and some virtual links say unknown). */
  operState?: string;
  /** Link speed in Mbit/s when the driver reports it. */
  speedMbps?: number;
  carrier?: boolean;
}

function readSys(name: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined; // not Linux, or the driver does not report it (e.g. speed of a virtual link)
  }
}

function numberOrUndefined(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function directedBroadcast(address: string, netmask: string): string {
  const mask = ipToNumber(netmask);
  return numberToIp(((ipToNumber(address) & mask) | (~mask >>> 0)) >>> 0);
}

export function listIPv4Interfaces(): NetworkInterfaceInfo[] {
  const out: NetworkInterfaceInfo[] = [];
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4') continue;
      const carrier = readSys(name, 'carrier');
      out.push({
        name,
        address: a.address,
        netmask: a.netmask,
        prefix: prefixLength(ipToNumber(a.netmask)),
        broadcast: directedBroadcast(a.address, a.netmask),
        mac: a.mac,
        internal: a.internal,
        mtu: numberOrUndefined(readSys(name, 'mtu')),
        operState: readSys(name, 'operstate'),
        speedMbps: numberOrUndefined(readSys(name, 'speed')),
        carrier: carrier === undefined ? undefined : carrier === '1',
      });
    }
  }
  return out;
}

/** The interface whose subnet contains `ip` (longest prefix wins), if any. */
export function interfaceForAddress(
  ip: string,
  interfaces: NetworkInterfaceInfo[] = listIPv4Interfaces(),
): NetworkInterfaceInfo | undefined {
  const target = ipToNumber(ip);
  let best: NetworkInterfaceInfo | undefined;
  for (const i of interfaces) {
    const mask = ipToNumber(i.netmask);
    if ((ipToNumber(i.address) & mask) >>> 0 === (target & mask) >>> 0 && (!best || i.prefix > best.prefix)) best = i;
  }
  return best;
}

/** An address in the interface's subnet, not the interface's own, to propose for FORCEIP. */
export function suggestAddress(iface: Pick<NetworkInterfaceInfo, 'address' | 'netmask'>): string | undefined {
  const mask = ipToNumber(iface.netmask);
  const size = (~mask >>> 0) + 1;
  if (size < 4) return undefined;
  const network = (ipToNumber(iface.address) & mask) >>> 0;
  const own = ipToNumber(iface.address) - network;
  let host = ((own + Math.floor(size / 2)) % (size - 2)) + 1;
  if (host === own) host = host + 1 < size - 1 ? host + 1 : 1;
  return numberToIp((network + host) >>> 0);
}
