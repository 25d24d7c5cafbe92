/**
 * A camera's IP configuration through the standard bootstrap registers (GigE Vision §2): which
 * methods are enabled (0x0014: persistent IP, DHCP, LLA; supported ones in 0x0010), the current
 * address (0x0024/0x0034/0x0044) and the persistent one (0x064C/0x065C/0x066C). Works for any GigE
 * Vision camera, with or without its GenICam file. Persistent settings take effect at the camera's
 * next power-up; FORCEIP (forceip.ts) changes the current address at once and is never persistent.
 *
 * Addresses are accepted as a user types them: `192.168.1.20/24`, `192.168.1.20/255.255.255.0`.
 */
import { Bootstrap, IpConfiguration } from './protocol';
import type { ControlChannel } from './control-channel';
import { badArgument } from './errors';
import { quoteInput } from '../errors';
import { ipToNumber, isIpv4, numberToIp, prefixLength, sameSubnet } from './address';

export interface IpMethods {
  persistent: boolean;
  dhcp: boolean;
  lla: boolean;
}

export interface IpConfigurationReport {
  /** Methods enabled now (0x0014) and those the camera supports (0x0010). */
  methods: IpMethods;
  supported: IpMethods;
  current: { address: string; subnetMask: string; gateway: string };
  persistent: { address: string; subnetMask: string; gateway: string };
}

export interface AddressWithMask {
  address: string;
  subnetMask: string;
  prefix: number;
}

export function methodsFromBits(bits: number): IpMethods {
  return {
    persistent: (bits & IpConfiguration.PERSISTENT) !== 0,
    dhcp: (bits & IpConfiguration.DHCP) !== 0,
    lla: (bits & IpConfiguration.LLA) !== 0,
  };
}

/** Netmask ↔ prefix: 24 → 255.255.255.0. */
export function maskFromPrefix(prefix: number): string {
  return numberToIp(prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0);
}

/**
 * `ADDR/PREFIX`, `ADDR/MASK` or (with `defaultMask`) a bare `ADDR`, as a user types it. Refuses
 * network and broadcast addresses of the subnet, 0.0.0.0, loopback and multicast: no camera can
 * use them.
 */
export function parseAddressWithMask(text: string, what = 'address', defaultMask?: string): AddressWithMask {
  const trimmed = String(text).trim();
  const [address, maskPart, extra] = trimmed.split('/');
  const example = `e.g. 192.168.1.20/24 or 192.168.1.20/255.255.255.0`;
  if (extra !== undefined || !isIpv4(address ?? ''))
    throw badArgument(`${what} ${quoteInput(text)} is not an IPv4 address with a subnet; ${example}`, { [what]: quoteInput(text) });
  let subnetMask: string;
  if (maskPart === undefined) {
    if (!defaultMask) throw badArgument(`${what} ${quoteInput(text)} has no subnet; ${example}`, { [what]: quoteInput(text) });
    subnetMask = defaultMask;
  } else if (/^\d{1,2}$/.test(maskPart) && Number(maskPart) >= 1 && Number(maskPart) <= 30) {
    subnetMask = maskFromPrefix(Number(maskPart));
  } else if (isIpv4(maskPart)) {
    subnetMask = maskPart;
  } else {
    throw badArgument(
      `${what} ${quoteInput(text)}: subnet ${quoteInput(maskPart)} is neither a prefix length 1…30 nor a mask like 255.255.255.0`,
      { [what]: quoteInput(text) },
    );
  }
  const prefix = prefixLength(ipToNumber(subnetMask));
  if (prefix < 1 || prefix > 30)
    throw badArgument(`${what} ${quoteInput(text)}: subnet mask ${subnetMask} is not a contiguous mask of 1…30 bits`, {
      [what]: quoteInput(text),
    });
  const problem = unusableHostAddress(address, subnetMask);
  if (problem) throw badArgument(`${what} ${quoteInput(text)}: ${problem}`, { [what]: quoteInput(text) });
  return { address, subnetMask, prefix };
}

/** Why `address` cannot be a device's address in that subnet, or null. */
export function unusableHostAddress(address: string, subnetMask: string): string | null {
  const ip = ipToNumber(address);
  const mask = ipToNumber(subnetMask);
  const first = ip >>> 24;
  if (ip === 0 || first === 0) return `${address} is not a host address`;
  if (first === 127) return `${address} is a loopback address`;
  if (first >= 224) return `${address} is a multicast or reserved address`;
  if ((ip & ~mask) >>> 0 === 0) return `${address} is the network address of its subnet`;
  if ((ip | mask) >>> 0 === 0xffffffff) return `${address} is the broadcast address of its subnet`;
  return null;
}

/** A gateway as typed (dotted quad, or empty/0.0.0.0 for none); it must lie in the subnet. */
export function parseGateway(text: string | undefined, subnet: AddressWithMask): string {
  if (text === undefined || text.trim() === '' || text.trim() === '0.0.0.0') return '0.0.0.0';
  const gateway = text.trim();
  if (!isIpv4(gateway))
    throw badArgument(`gateway ${quoteInput(text)} is not an IPv4 address like 192.168.1.1`, { gateway: quoteInput(text) });
  if (
    !sameSubnet(gateway, subnet.address, subnet.subnetMask) ||
    gateway === subnet.address ||
    unusableHostAddress(gateway, subnet.subnetMask)
  ) {
    throw badArgument(`gateway ${gateway} is not another host address in ${subnet.address}/${subnet.prefix}`, { gateway });
  }
  return gateway;
}

export async function readIpConfiguration(channel: ControlChannel): Promise<IpConfigurationReport> {
  const [supported, current, ip, mask, gateway, pIp, pMask, pGateway] = await channel.readRegisters([
    Bootstrap.SUPPORTED_IP_CONFIGURATION,
    Bootstrap.CURRENT_IP_CONFIGURATION,
    Bootstrap.CURRENT_IP,
    Bootstrap.CURRENT_SUBNET_MASK,
    Bootstrap.CURRENT_GATEWAY,
    Bootstrap.PERSISTENT_IP,
    Bootstrap.PERSISTENT_SUBNET_MASK,
    Bootstrap.PERSISTENT_GATEWAY,
  ]);
  return {
    methods: methodsFromBits(current),
    supported: methodsFromBits(supported),
    current: { address: numberToIp(ip), subnetMask: numberToIp(mask), gateway: numberToIp(gateway) },
    persistent: { address: numberToIp(pIp), subnetMask: numberToIp(pMask), gateway: numberToIp(pGateway) },
  };
}

export type IpMethodChoice = 'persistent' | 'dhcp' | 'lla';

/**
 * Chooses how the camera gets its address at power-up, as IP configuration dialogs do: a
 * persistent (static) address, DHCP, or a link-local address only (LLA is always on as the last
 * resort). Needs control access; refused with what the camera supports.
 */
export async function setIpMethod(channel: ControlChannel, method: IpMethodChoice): Promise<IpMethods> {
  const supported = methodsFromBits(await channel.readRegister(Bootstrap.SUPPORTED_IP_CONFIGURATION));
  if (!supported[method]) {
    const offered = (Object.keys(supported) as IpMethodChoice[]).filter((m) => supported[m]);
    throw badArgument(
      `the camera does not support ${method === 'persistent' ? 'a persistent IP' : method.toUpperCase()}; it supports ${offered.join(', ') || 'nothing'}`,
      { method },
    );
  }
  const current = await channel.readRegister(Bootstrap.CURRENT_IP_CONFIGURATION);
  // Only the method bits change; LLA stays as the camera has it (always on for GigE Vision devices).
  let bits = (current & ~(IpConfiguration.PERSISTENT | IpConfiguration.DHCP)) >>> 0;
  if (method === 'persistent') bits |= IpConfiguration.PERSISTENT;
  if (method === 'dhcp') bits |= IpConfiguration.DHCP;
  await channel.writeRegister(Bootstrap.CURRENT_IP_CONFIGURATION, bits >>> 0);
  return methodsFromBits(await channel.readRegister(Bootstrap.CURRENT_IP_CONFIGURATION));
}

/** Stores a persistent address (taking effect at the next power-up) and enables the persistent method. */
export async function setPersistentIp(
  channel: ControlChannel,
  subnet: AddressWithMask,
  gateway = '0.0.0.0',
): Promise<IpConfigurationReport> {
  await channel.writeRegisters([
    { address: Bootstrap.PERSISTENT_IP, value: ipToNumber(subnet.address) },
    { address: Bootstrap.PERSISTENT_SUBNET_MASK, value: ipToNumber(subnet.subnetMask) },
    { address: Bootstrap.PERSISTENT_GATEWAY, value: ipToNumber(gateway) },
  ]);
  await setIpMethod(channel, 'persistent');
  return readIpConfiguration(channel);
}

/** One line per method: "persistent 192.168.1.20/24 gw 192.168.1.1, DHCP off, LLA on". */
export function describeIpConfiguration(r: IpConfigurationReport): string {
  const persistentPrefix = prefixLength(ipToNumber(r.persistent.subnetMask));
  const gateway = r.persistent.gateway !== '0.0.0.0' ? ` gw ${r.persistent.gateway}` : '';
  return (
    `persistent IP ${r.methods.persistent ? 'on' : 'off'} (${r.persistent.address}/${persistentPrefix}${gateway}), ` +
    `DHCP ${r.methods.dhcp ? 'on' : 'off'}, LLA ${r.methods.lla ? 'on' : 'off'}`
  );
}
