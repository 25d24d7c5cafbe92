/**
 * What a newcomer needs when nothing works — as library functions the CLI prints
 * (`gige discover`, `gige info -a IP`): which interface faces the camera, its MTU and link, whether
 * the camera is reachable, who holds control, and what to change. Inspection never takes control
 * and never writes to the camera.
 */
import { Bootstrap, Ccp, GvcpCapability, GvcpStatus, Scps, StreamChannelRegister } from './protocol';
import { ControlChannel } from './control-channel';
import { DeviceIdentityInfo, readFixedString } from './codec';
import { discover, discoverOnInterfaces, InterfaceDiscoverOptions, InterfaceDiscoveredDevice, reachability } from './discovery';
import { NetworkInterfaceInfo, interfaceForAddress, listIPv4Interfaces } from './interfaces';
import { localAddressTowards } from './route';
import { GvcpError } from './errors';
import { numberToIp } from './address';

export interface DeviceReport {
  address: string;
  /** Answered a unicast DISCOVERY. */
  reachable: boolean;
  roundTripMs?: number;
  identity?: DeviceIdentityInfo;
  /** Local address and interface the host uses towards the camera. */
  localAddress?: string;
  interface?: NetworkInterfaceInfo;
  /** Camera and interface agree on a subnet (unicast control works both ways). */
  sameSubnet?: boolean;
  control?: { access: 'open' | 'exclusive' | 'control' | 'unknown'; switchoverEnabled?: boolean; ip?: string; port?: number };
  heartbeatTimeoutMs?: number;
  linkSpeedMbps?: number;
  capabilities: string[];
  streamPacketSize?: number;
  firstUrl?: string;
  problems: string[];
  advice: string[];
}

/** Names of the GVCP capability bits set in `value`. */
export function capabilityNames(value: number): string[] {
  return Object.entries(GvcpCapability)
    .filter(([, bit]) => (value & bit) >>> 0 !== 0)
    .map(([name]) => name);
}

export interface InspectOptions {
  address: string;
  timeoutMs?: number;
  port?: number;
}

export async function inspectDevice(options: InspectOptions): Promise<DeviceReport> {
  const { address } = options;
  const timeoutMs = options.timeoutMs ?? 500;
  const report: DeviceReport = { address, reachable: false, capabilities: [], problems: [], advice: [] };
  try {
    report.localAddress = await localAddressTowards(address, options.port ?? 3956);
    report.interface = listIPv4Interfaces().find((i) => i.address === report.localAddress) ?? interfaceForAddress(address);
  } catch (err) {
    report.problems.push((err as Error).message);
    report.advice.push('check the cable, the interface address and the routing table (ip route)');
    return report;
  }
  const started = Date.now();
  const found = await discover({ address, timeoutMs, port: options.port, attempts: 2, expected: 1 }).catch((err: Error) => {
    report.problems.push(err.message);
    return [];
  });
  if (found.length === 0) {
    report.problems.push(`no answer to DISCOVERY from ${address} within ${timeoutMs} ms`);
    report.advice.push(
      'is the camera powered and linked? find it with `gige discover` (it may have another address), then use FORCEIP if it is on a foreign subnet',
    );
    if (report.interface?.carrier === false) report.problems.push(`interface ${report.interface.name} has no carrier (cable unplugged?)`);
    return report;
  }
  report.reachable = true;
  report.roundTripMs = Date.now() - started;
  report.identity = found[0];
  if (report.interface) {
    const r = reachability(found[0], report.interface);
    report.sameSubnet = r.reachable;
    if (!r.reachable) {
      report.problems.push(r.problem!);
      report.advice.push(r.advice!);
    }
  }
  await readRegisters(report, options);
  checkPacketSize(report);
  return report;
}

async function readRegisters(report: DeviceReport, options: InspectOptions): Promise<void> {
  const ch = await ControlChannel.open({ address: options.address, port: options.port, timeoutMs: options.timeoutMs ?? 500, retries: 1 });
  try {
    const caps = await ch.readRegister(Bootstrap.GVCP_CAPABILITY);
    report.capabilities = capabilityNames(caps);
    const ccp = await ch.readRegister(Bootstrap.CCP);
    const access = ccp & Ccp.EXCLUSIVE ? 'exclusive' : ccp & Ccp.CONTROL ? 'control' : 'open';
    report.control = { access, switchoverEnabled: (ccp & Ccp.SWITCHOVER_ENABLE) !== 0 };
    if (access !== 'open' && caps & GvcpCapability.CCP_APPLICATION_PORT_IP) {
      report.control.port = (await ch.readRegister(Bootstrap.PRIMARY_APPLICATION_PORT)) & 0xffff;
      report.control.ip = numberToIp(await ch.readRegister(Bootstrap.PRIMARY_APPLICATION_IP));
    }
    report.heartbeatTimeoutMs = await ch.readRegister(Bootstrap.HEARTBEAT_TIMEOUT);
    if (caps & GvcpCapability.LINK_SPEED) report.linkSpeedMbps = await ch.readRegister(Bootstrap.LINK_SPEED);
    report.streamPacketSize = (await ch.readRegister(Bootstrap.SC0 + StreamChannelRegister.SCPS)) & Scps.SIZE_MASK;
    report.firstUrl = readFixedString(await ch.readMemory(Bootstrap.FIRST_URL, 512), 0, 512);
  } catch (err) {
    if (err instanceof GvcpError && err.status === GvcpStatus.ACCESS_DENIED) {
      report.control = { access: 'exclusive' };
      report.problems.push('another application holds exclusive access: registers cannot even be read');
      report.advice.push('close the other application (or wait one heartbeat timeout after it crashed)');
    } else {
      report.problems.push(`reading registers failed: ${(err as Error).message}`);
    }
  } finally {
    await ch.close();
  }
  if (report.control?.access === 'control') {
    report.problems.push(
      `another application controls this camera (${report.control.ip ?? '?'}:${report.control.port ?? '?'}); you can only monitor it`,
    );
    report.advice.push(
      report.control.switchoverEnabled
        ? 'the controller enabled switchover: connect with its switchover key to take over'
        : 'close that application, or connect with access "monitor"',
    );
  }
}

function checkPacketSize(report: DeviceReport): void {
  const mtu = report.interface?.mtu;
  if (mtu && report.streamPacketSize && report.streamPacketSize > mtu) {
    report.problems.push(
      `stream packet size ${report.streamPacketSize} exceeds the MTU ${mtu} of ${report.interface!.name}: packets will be fragmented or dropped`,
    );
    report.advice.push(
      `set GevSCPSPacketSize ≤ ${mtu}, or enable jumbo frames (ip link set ${report.interface!.name} mtu 9000) on the host and any switch`,
    );
  }
  if (report.interface?.speedMbps !== undefined && report.interface.speedMbps > 0 && report.interface.speedMbps < 1000) {
    report.problems.push(
      `interface ${report.interface.name} links at ${report.interface.speedMbps} Mbit/s; GigE Vision cameras need 1000 Mbit/s for full frame rates`,
    );
  }
}

function describeInterface(i: NetworkInterfaceInfo): string {
  const link = [
    i.operState ? `link ${i.operState}` : undefined,
    i.speedMbps !== undefined ? `${i.speedMbps} Mbit/s` : undefined,
    i.carrier === false ? 'no carrier' : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `${i.name} ${i.address}/${i.prefix} MTU ${i.mtu ?? '?'}${link ? ` (${link})` : ''}`;
}

/** Lines for `gige info -a IP`. */
export function formatDeviceReport(r: DeviceReport): string {
  const lines: string[] = [];
  const id = r.identity;
  lines.push(`Camera ${r.address}: ${r.reachable ? `answers (${r.roundTripMs} ms)` : 'does not answer'}`);
  if (id) {
    lines.push(
      `  ${id.manufacturerName} ${id.modelName}, serial ${id.serialNumber || '-'}, user name ${id.userDefinedName || '-'}, version ${id.deviceVersion}`,
    );
    lines.push(
      `  MAC ${id.macAddress}, IP ${id.ipAddress}/${id.subnetMask}, gateway ${id.gateway}, GigE Vision ${id.specVersionMajor}.${id.specVersionMinor}`,
    );
  }
  if (r.interface) lines.push(`  via interface ${describeInterface(r.interface)}, local address ${r.localAddress}`);
  if (r.sameSubnet !== undefined) lines.push(`  reachable for control: ${r.sameSubnet ? 'yes' : 'no (foreign subnet)'}`);
  if (r.control) {
    const who =
      r.control.access === 'open' ? 'nobody (open)' : `${r.control.access} access by ${r.control.ip ?? '?'}:${r.control.port ?? '?'}`;
    lines.push(`  control held by: ${who}${r.control.switchoverEnabled ? ', switchover enabled' : ''}`);
  }
  if (r.heartbeatTimeoutMs !== undefined) lines.push(`  heartbeat timeout ${r.heartbeatTimeoutMs} ms`);
  if (r.linkSpeedMbps !== undefined) lines.push(`  camera link ${r.linkSpeedMbps} Mbit/s`);
  if (r.streamPacketSize !== undefined) lines.push(`  stream packet size ${r.streamPacketSize} bytes`);
  if (r.firstUrl) lines.push(`  GenICam XML: ${r.firstUrl}`);
  if (r.capabilities.length) lines.push(`  capabilities: ${r.capabilities.join(', ')}`);
  for (const p of r.problems) lines.push(`  problem: ${p}`);
  for (const a of r.advice) lines.push(`  advice: ${a}`);
  return lines.join('\n');
}

export interface DiscoveryReport {
  interfaces: NetworkInterfaceInfo[];
  devices: InterfaceDiscoveredDevice[];
}

/** `gige discover` on interfaces: every interface used, every camera, reachable or what to do. */
export async function discoverWithDiagnostics(options: InterfaceDiscoverOptions = {}): Promise<DiscoveryReport> {
  const all = options.interfaceList ?? listIPv4Interfaces();
  const names = options.interfaces ?? all.filter((i) => !i.internal && i.operState !== 'down').map((i) => i.name);
  const devices = await discoverOnInterfaces({ ...options, interfaces: names, interfaceList: all });
  return { interfaces: all.filter((i) => names.includes(i.name)), devices };
}

export function formatDiscoveryReport(r: DiscoveryReport): string {
  const lines: string[] = [];
  if (r.interfaces.length === 0)
    lines.push("No network interface with an IPv4 address is up: connect the camera's interface and give it an address.");
  for (const i of r.interfaces) {
    lines.push(`Interface ${describeInterface(i)}, broadcast ${i.broadcast}`);
    const here = r.devices.filter((d) => d.interface.name === i.name);
    if (here.length === 0) lines.push('  no camera answered');
    for (const d of here) {
      lines.push(
        `  ${d.manufacturerName} ${d.modelName}  serial ${d.serialNumber || '-'}  name ${d.userDefinedName || '-'}  IP ${d.ipAddress}/${d.subnetMask}  MAC ${d.macAddress}  ${d.reachable ? 'reachable' : 'NOT reachable'}`,
      );
      if (!d.reachable) {
        lines.push(`    problem: ${d.problem}`);
        lines.push(`    advice: ${d.advice}`);
      }
    }
  }
  return lines.join('\n');
}
