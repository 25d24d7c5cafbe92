/**
 * Putting a camera on the network, as IP configuration tools do: find every camera on every
 * interface — also those on a foreign subnet, which only the limited broadcast reaches — and give
 * one a temporary address in an interface's subnet (FORCEIP), chosen free (free-address.ts) and
 * verified afterwards by a unicast DISCOVERY from that interface.
 *
 * FORCEIP goes to 255.255.255.255 out of the chosen interface (the socket is bound to its address):
 * a camera on a foreign subnet does not take the host subnet's directed broadcast for its own.
 */
import { forceIp } from './forceip';
import { discover, discoverOnInterfaces, InterfaceDiscoverOptions, InterfaceDiscoveredDevice } from './discovery';
import { AddressCheck, checkAddressFree, findFreeAddress } from './free-address';
import { NetworkInterfaceInfo, listIPv4Interfaces } from './interfaces';
import { AddressWithMask, parseGateway } from './ip-config';
import { GvcpError, badArgument } from './errors';
import { quoteInput } from '../errors';
import { macFromString, macToString, sameSubnet } from './address';

export const LIMITED_BROADCAST = '255.255.255.255';

/** Every camera on the chosen interfaces (default: every interface that is up), foreign subnets too. */
export function findCameras(options: InterfaceDiscoverOptions = {}): Promise<InterfaceDiscoveredDevice[]> {
  return discoverOnInterfaces({ limitedBroadcast: true, ...options });
}

/** The interface named, or the one whose subnet holds `address`. */
export function chooseInterface(name: string | undefined, interfaces: NetworkInterfaceInfo[] = listIPv4Interfaces()): NetworkInterfaceInfo {
  const usable = interfaces.filter((i) => !i.internal);
  if (name !== undefined) {
    const found = interfaces.find((i) => i.name === name);
    if (!found)
      throw badArgument(
        `interface ${quoteInput(name)} has no IPv4 address; interfaces with one: ${usable.map((i) => i.name).join(', ') || 'none'}`,
        { interface: quoteInput(name) },
      );
    return found;
  }
  if (usable.length === 1) return usable[0];
  throw badArgument(
    `say which interface faces the camera (--interface NAME); this host has ${usable.map((i) => `${i.name} ${i.address}/${i.prefix}`).join(', ') || 'no interface with an IPv4 address'}`,
    {},
  );
}

export interface ForceIpFix {
  macAddress: string;
  address: string;
  subnetMask: string;
  gateway: string;
  interface: string;
  /** True when the address was chosen here (free in the interface's subnet), false when given. */
  chosen: boolean;
  checks: AddressCheck[];
  /** The camera as it answers at its new address (unicast DISCOVERY from the interface). */
  verified: InterfaceDiscoveredDevice | null;
}

export interface ForceIpFixOptions {
  macAddress: string;
  iface: NetworkInterfaceInfo;
  /** The address to give; default: a free one in the interface's subnet. */
  address?: AddressWithMask;
  gateway?: string;
  /** Addresses known to be taken (cameras a discovery found). */
  exclude?: string[];
  probeMs?: number;
  port?: number;
}

/**
 * FORCEIP the camera `macAddress` into `iface`'s subnet (a free address, or the one given after
 * checking it is free), then check it answers there. Not persistent: the camera returns to its
 * own configuration at the next power-up (set a persistent IP for that).
 */
export async function forceIpIntoSubnet(options: ForceIpFixOptions): Promise<ForceIpFix> {
  const macAddress = macToString(macFromString(options.macAddress));
  const { iface } = options;
  let target: { address: string; subnetMask: string };
  let checks: AddressCheck[];
  if (options.address) {
    const check = await checkAddressFree(iface, options.address.address, { probeMs: options.probeMs, port: options.port });
    // The camera itself may already answer there (a repeated fix): that is not a conflict.
    if (!check.free && !(await answersAs(iface, options.address.address, macAddress, options.port))) {
      throw new GvcpError(
        'GVCP_ADDRESS_IN_USE',
        `${options.address.address} is taken on ${iface.name}: ${check.detail}; choose another address (or leave it out to pick a free one)`,
        { address: options.address.address },
      );
    }
    target = options.address;
    checks = [check];
  } else {
    const free = await findFreeAddress(iface, { exclude: options.exclude, probeMs: options.probeMs, port: options.port });
    target = free;
    checks = free.checks;
  }
  const gateway = parseGateway(options.gateway, { ...target, prefix: iface.prefix });
  if (!sameSubnet(target.address, iface.address, iface.netmask)) {
    // Allowed (the user may mean a routed subnet), but the camera will not be reachable from here.
    checks.push({
      address: target.address,
      free: true,
      detail: `not in ${iface.name}'s subnet ${iface.address}/${iface.prefix}: reachable from here only through a route`,
    });
  }
  await forceIp({
    macAddress,
    ipAddress: target.address,
    subnetMask: target.subnetMask,
    gateway,
    broadcast: LIMITED_BROADCAST,
    localAddress: iface.address,
    timeoutMs: 1000,
    attempts: 3,
    port: options.port,
  });
  const seen = await discover({
    address: target.address,
    localAddress: iface.address,
    timeoutMs: 1000,
    attempts: 3,
    expected: 1,
    port: options.port,
  }).catch(() => []);
  const match = seen.find((d) => d.macAddress === macAddress);
  return {
    macAddress,
    address: target.address,
    subnetMask: target.subnetMask,
    gateway,
    interface: iface.name,
    chosen: options.address === undefined,
    checks,
    verified: match ? { ...match, interface: iface, reachable: true } : null,
  };
}

/** Does the device at `address` (seen from `iface`) have this MAC? */
async function answersAs(iface: NetworkInterfaceInfo, address: string, macAddress: string, port?: number): Promise<boolean> {
  const seen = await discover({ address, localAddress: iface.address, timeoutMs: 500, expected: 1, port }).catch(() => []);
  return seen.some((d) => d.macAddress === macAddress);
}
