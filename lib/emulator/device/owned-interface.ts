/**
 * An emulated camera that owns a network interface as the real camera owns its NIC (`ownInterface`,
 * `gige emulate --own-interface IF`): the address it powers up with, and every FORCEIP, become the
 * interface's one IPv4 address. Without it, FORCEIP can only move the emulator between addresses
 * the host already has — so an IP-setup tool cannot be tested end to end (it picks a free address,
 * which by definition nobody has yet).
 *
 * It changes the host's network configuration, so it is refused unless the emulator serves a
 * network on purpose (`allowNetwork`), refused for the loopback interface and for an interface
 * that carries the host's default route, and needs CAP_NET_ADMIN (root): it is meant for a link
 * made for the emulated camera — a veth end inside a network namespace.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { GigeError } from '../../errors';
import { ipToNumber, isIpv4, prefixLength } from '../../gvcp/address';

const IP_TIMEOUT_MS = 5000;

function readSys(name: string, file: string): string | undefined {
  try {
    return fs.readFileSync(`/sys/class/net/${name}/${file}`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Interfaces that carry a default route (/proc/net/route: destination 00000000, mask 00000000). */
function defaultRouteInterfaces(): string[] {
  try {
    return fs
      .readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length >= 8 && f[1] === '00000000' && f[7] === '00000000')
      .map((f) => f[0]);
  } catch {
    return [];
  }
}

/** An interface's hardware address (an owned interface's is the camera's MAC, as on a real NIC). */
export function interfaceMac(name: string): string | undefined {
  const mac = /^[A-Za-z0-9_.:-]{1,15}$/.test(name) ? readSys(name, 'address') : undefined;
  return mac && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) && mac !== '00:00:00:00:00:00' ? mac : undefined;
}

export class OwnedInterface {
  private current: { address: string; prefix: number } | null = null;
  /** The address a FORCEIP moved away from, until it is released. */
  private previous: { address: string; prefix: number } | null = null;

  private constructor(readonly name: string) {}

  /** Checks that `name` may be owned; throws EMULATOR_INTERFACE naming what is wrong. */
  static open(name: string, allowNetwork: boolean): OwnedInterface {
    const refuse = (why: string) =>
      new GigeError('EMULATOR_INTERFACE', `emulator cannot own interface ${JSON.stringify(name).slice(0, 40)}: ${why}`, {
        interface: name,
      });
    if (!/^[A-Za-z0-9_.:-]{1,15}$/.test(name)) throw refuse('not an interface name (1 … 15 letters, digits, _ . : -)');
    if (!allowNetwork) throw refuse('owning an interface serves a network; allow it on purpose (--allow-network, allowNetwork: true)');
    if (readSys(name, 'address') === undefined) throw refuse('this host has no such interface (ip link)');
    if (name === 'lo' || readSys(name, 'type') === '772') throw refuse("the loopback interface is the host's own");
    if (defaultRouteInterfaces().includes(name)) {
      throw refuse("it carries this host's default route; own only a link made for the emulated camera (a veth in a network namespace)");
    }
    return new OwnedInterface(name);
  }

  /** Power-up: `address` becomes the interface's only IPv4 address. */
  assign(address: string, subnetMask: string): void {
    const prefix = OwnedInterface.prefixOf(subnetMask);
    this.ip(['-4', 'addr', 'flush', 'dev', this.name]);
    this.ip(['addr', 'add', `${address}/${prefix}`, 'dev', this.name]);
    this.ip(['link', 'set', this.name, 'up']);
    this.current = { address, prefix };
  }

  /** FORCEIP, step 1: the new address is added (sockets can bind it); the old one stays until `release`. */
  add(address: string, subnetMask: string): void {
    const prefix = OwnedInterface.prefixOf(subnetMask);
    if (this.current?.address === address) {
      if (this.current.prefix === prefix) return;
      this.ip(['addr', 'del', `${address}/${this.current.prefix}`, 'dev', this.name]);
    }
    this.ip(['addr', 'add', `${address}/${prefix}`, 'dev', this.name]);
    const previous = this.current;
    this.current = { address, prefix };
    this.previous = previous && previous.address !== address ? previous : null;
  }

  /** FORCEIP, step 2: the old address goes, so the camera has one address again. */
  releasePrevious(): void {
    const old = this.previous;
    this.previous = null;
    if (old) this.ip(['addr', 'del', `${old.address}/${old.prefix}`, 'dev', this.name], true);
  }

  /** Null when `address` can be given to the interface, else why not. */
  static refusesAddress(address: string, subnetMask: string): string | null {
    if (!isIpv4(address)) return `"${address}" is not an IPv4 address`;
    const first = ipToNumber(address) >>> 24;
    if (address === '0.0.0.0' || first === 127 || first >= 224) return `${address} is not a unicast address for a network interface`;
    if (!isIpv4(subnetMask) || prefixLength(ipToNumber(subnetMask)) < 1)
      return `subnet mask ${subnetMask} is not a contiguous mask like 255.255.255.0`;
    return null;
  }

  private static prefixOf(subnetMask: string): number {
    const prefix = isIpv4(subnetMask) ? prefixLength(ipToNumber(subnetMask)) : -1;
    if (prefix < 1)
      throw new GigeError('EMULATOR_INTERFACE', `subnet mask ${subnetMask} is not a contiguous mask like 255.255.255.0`, { subnetMask });
    return prefix;
  }

  private ip(args: string[], tolerant = false): void {
    const r = spawnSync('ip', args, { encoding: 'utf8', timeout: IP_TIMEOUT_MS });
    if (r.status === 0 || tolerant) return;
    const why = r.error ? r.error.message : (r.stderr || '').trim() || `exit ${r.status}`;
    throw new GigeError(
      'EMULATOR_INTERFACE',
      `emulator could not configure interface ${this.name} (ip ${args.join(' ')}): ${why}` +
        (/Operation not permitted/i.test(why) ? '; owning an interface needs CAP_NET_ADMIN (root)' : ''),
      { interface: this.name },
    );
  }
}
