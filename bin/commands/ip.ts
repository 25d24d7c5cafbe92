import { GigeError } from '../../lib/errors';
import {
  ControlChannel, GvcpDevice, InterfaceDiscoveredDevice, IpConfigurationReport, NetworkInterfaceInfo, chooseInterface, describeIpConfiguration,
  discover, findCameras, forceIpIntoSubnet, listIPv4Interfaces, macFromString, macToString, methodsFromBits, parseAddressWithMask,
  prefixLength, ipToNumber, readIpConfiguration, setIpMethod, setPersistentIp, parseGateway,
} from '../../lib/gvcp';
import type { DiscoveredDevice } from '../../lib/gvcp';
import { strictReversePathInterfaces } from '../../lib/camera/host-checks';
import { CommandContext, parseCommand, toJson, intOption } from './common';

interface Listed {
  interface?: string;
  reachable?: boolean;
  problem?: string;
  advice?: string;
  macAddress: string;
  model: string;
  serial: string;
  userName: string;
  current: { address: string; subnetMask: string; gateway: string; methods: ReturnType<typeof methodsFromBits> };
  persistent?: IpConfigurationReport['persistent'];
  persistentError?: string;
  fix?: string;
}

/**
 * `gige ip`: every camera with its current and persistent IP configuration; `--force` a temporary
 * address by MAC (FORCEIP), `--persistent ADDR/PREFIX [--gateway GW]`, `--dhcp`, `--lla`.
 */
export async function ipCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('ip', args, {
    address: { type: 'string', short: 'a' },
    mac: { type: 'string', short: 'm' },
    interface: { type: 'string', short: 'i', multiple: true },
    broadcast: { type: 'string', short: 'b' },
    force: { type: 'string' },
    persistent: { type: 'string' },
    gateway: { type: 'string' },
    dhcp: { type: 'boolean', default: false },
    lla: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
  });
  const timeoutMs = intOption('ip', 'timeout', values.timeout, 100, 60000);
  const actions = ['force', 'persistent', 'dhcp', 'lla'].filter((a) => values[a] !== undefined && values[a] !== false);
  if (actions.length > 1) throw new GigeError('BAD_ARGUMENTS', `ip: choose one of --force, --persistent, --dhcp, --lla (got ${actions.map((a) => `--${a}`).join(', ')})`);
  if (values.gateway !== undefined && !actions.some((a) => a === 'force' || a === 'persistent')) {
    throw new GigeError('BAD_ARGUMENTS', 'ip: --gateway goes with --force or --persistent');
  }
  const interfaces = values.interface as string[] | undefined;
  if (actions.length === 0) return list(ctx, { interfaces, broadcast: values.broadcast as string | undefined, address: values.address as string | undefined, timeoutMs, json: values.json === true });
  if (actions[0] === 'force') return force(ctx, values, interfaces, timeoutMs);
  return configure(ctx, actions[0] as 'persistent' | 'dhcp' | 'lla', values, interfaces, timeoutMs);
}

async function list(ctx: CommandContext, o: { interfaces?: string[]; broadcast?: string; address?: string; timeoutMs: number; json: boolean }): Promise<number> {
  let found: Array<DiscoveredDevice & Partial<InterfaceDiscoveredDevice>>;
  if (o.broadcast || o.address) found = await discover({ broadcast: o.broadcast, address: o.address, timeoutMs: o.timeoutMs, allowBroadcastAck: true });
  else found = await findCameras({ interfaces: o.interfaces, timeoutMs: o.timeoutMs });
  const rows: Listed[] = [];
  for (const d of found) {
    const row: Listed = {
      interface: d.interface?.name,
      reachable: d.reachable,
      problem: d.problem,
      advice: d.advice,
      macAddress: d.macAddress,
      model: `${d.manufacturerName} ${d.modelName}`.trim(),
      serial: d.serialNumber,
      userName: d.userDefinedName,
      current: { address: d.ipAddress, subnetMask: d.subnetMask, gateway: d.gateway, methods: methodsFromBits(d.currentIpConfiguration) },
    };
    if (d.reachable === false) {
      row.persistentError = 'not readable until the camera is reachable (FORCEIP first)';
      row.fix = `gige ip --mac ${d.macAddress} --force auto --interface ${d.interface?.name}`;
    } else {
      const ch = await ControlChannel.open({ address: d.ipAddress, timeoutMs: 500, retries: 1 }).catch((err: Error) => err);
      if (ch instanceof Error) row.persistentError = ch.message;
      else {
        try {
          row.persistent = (await readIpConfiguration(ch)).persistent;
        } catch (err) {
          row.persistentError = (err as Error).message;
        } finally {
          await ch.close();
        }
      }
    }
    rows.push(row);
  }
  const strict = o.broadcast || o.address ? [] : strictReversePathInterfaces().filter((s) => !o.interfaces || o.interfaces.includes(s.interface));
  if (o.json) {
    ctx.out(toJson({ cameras: rows, strictReversePathFilter: strict }));
    return rows.length > 0 ? 0 : 1;
  }
  if (rows.length === 0) ctx.out('no camera answered');
  for (const r of rows) {
    const m = r.current.methods;
    const prefix = prefixLength(ipToNumber(r.current.subnetMask));
    ctx.out(`${r.model}  serial ${r.serial || '-'}  name ${r.userName || '-'}  MAC ${r.macAddress}${r.interface ? `  on ${r.interface}` : ''}`);
    ctx.out(`  current:    ${r.current.address}/${prefix} gw ${r.current.gateway}  (persistent IP ${m.persistent ? 'on' : 'off'}, DHCP ${m.dhcp ? 'on' : 'off'}, LLA ${m.lla ? 'on' : 'off'})`);
    if (r.persistent) ctx.out(`  persistent: ${r.persistent.address}/${prefixLength(ipToNumber(r.persistent.subnetMask))} gw ${r.persistent.gateway}`);
    else ctx.out(`  persistent: ${r.persistentError}`);
    if (r.reachable === false) {
      ctx.out(`  NOT reachable: ${r.problem}`);
      ctx.out(`  fix: ${r.fix}`);
    }
  }
  for (const s of strict) {
    ctx.out(`note: strict reverse-path filtering on ${s.interface}: a camera there on a foreign subnet cannot answer (its replies are dropped). Fix: ${s.fix}`);
  }
  return rows.length > 0 ? 0 : 1;
}

/** The interface a camera with this MAC was seen on (the only one, or the one named). */
async function locate(mac: string, interfaces: string[] | undefined, timeoutMs: number): Promise<{ iface: NetworkInterfaceInfo; device: InterfaceDiscoveredDevice; all: InterfaceDiscoveredDevice[] }> {
  const all = await findCameras({ interfaces, timeoutMs });
  const seen = all.filter((d) => d.macAddress === mac);
  if (seen.length === 0) {
    throw new GigeError('NOT_FOUND', `ip: no camera with MAC ${mac} answered on ${interfaces?.join(', ') ?? 'any interface that is up'}; ` +
      'check the link (gige ip lists what answers)');
  }
  const names = [...new Set(seen.map((d) => d.interface.name))];
  if (names.length > 1) throw new GigeError('BAD_ARGUMENTS', `ip: camera ${mac} answers on ${names.join(' and ')}; say which with --interface`);
  return { iface: seen[0].interface, device: seen[0], all };
}

async function force(ctx: CommandContext, values: Record<string, unknown>, interfaces: string[] | undefined, timeoutMs: number): Promise<number> {
  if (typeof values.mac !== 'string') throw new GigeError('BAD_ARGUMENTS', 'ip: --force needs the camera\'s MAC address (--mac 00:07:48:12:34:56; gige ip lists them)');
  const mac = macToString(macFromString(values.mac));
  if (interfaces && interfaces.length > 1) throw new GigeError('BAD_ARGUMENTS', 'ip: --force goes out of one interface; name one --interface');
  let iface: NetworkInterfaceInfo;
  let exclude: string[] = [];
  if (interfaces?.length === 1) {
    iface = chooseInterface(interfaces[0]);
    exclude = (await findCameras({ interfaces, timeoutMs })).filter((d) => d.macAddress !== mac).map((d) => d.ipAddress);
  } else {
    const located = await locate(mac, undefined, timeoutMs);
    iface = located.iface;
    exclude = located.all.filter((d) => d.macAddress !== mac).map((d) => d.ipAddress);
  }
  const text = String(values.force).trim();
  const address = text === 'auto' ? undefined : parseAddressWithMask(text, '--force', iface.netmask);
  const fix = await forceIpIntoSubnet({ macAddress: mac, iface, address, gateway: values.gateway as string | undefined, exclude });
  if (values.json) ctx.out(toJson(fix));
  else {
    for (const c of fix.checks) ctx.out(`checked ${c.address}: ${c.free ? 'free' : 'taken'} (${c.detail})`);
    ctx.out(`camera ${mac} now at ${fix.address}/${prefixLength(ipToNumber(fix.subnetMask))}${fix.gateway !== '0.0.0.0' ? ` gw ${fix.gateway}` : ''} on ${fix.interface} ` +
      `(temporary, FORCEIP: until its next power-up; make it last with gige ip -a ${fix.address} --persistent ${fix.address}/${prefixLength(ipToNumber(fix.subnetMask))})`);
    ctx.out(fix.verified ? `it answers there: ${fix.verified.manufacturerName} ${fix.verified.modelName} serial ${fix.verified.serialNumber}`
      : 'it does not answer at the new address yet (check the subnet mask and the interface)');
  }
  return fix.verified ? 0 : 1;
}

async function configure(ctx: CommandContext, action: 'persistent' | 'dhcp' | 'lla', values: Record<string, unknown>, interfaces: string[] | undefined, timeoutMs: number): Promise<number> {
  let address = values.address as string | undefined;
  if (!address && typeof values.mac === 'string') {
    const { device } = await locate(macToString(macFromString(values.mac)), interfaces, timeoutMs);
    if (!device.reachable) {
      throw new GigeError('NOT_REACHABLE', `ip: camera ${device.macAddress} at ${device.ipAddress} is not reachable from ${device.interface.name} (${device.problem}); ` +
        `give it a temporary address first: gige ip --mac ${device.macAddress} --force auto --interface ${device.interface.name}`);
    }
    address = device.ipAddress;
  }
  if (!address) throw new GigeError('BAD_ARGUMENTS', `ip: --${action} needs the camera (-a IP, or --mac MAC)`);
  const device = await GvcpDevice.connect({ address, access: 'control' });
  try {
    let report: IpConfigurationReport;
    if (action === 'persistent') {
      const own = listIPv4Interfaces().find((i) => i.address === device.channel.localEndpoint().address);
      const subnet = parseAddressWithMask(String(values.persistent), '--persistent', own?.netmask);
      report = await setPersistentIp(device.channel, subnet, parseGateway(values.gateway as string | undefined, subnet));
    } else {
      await setIpMethod(device.channel, action);
      report = await readIpConfiguration(device.channel);
    }
    if (values.json) ctx.out(toJson(report));
    else {
      ctx.out(`camera ${address}: ${describeIpConfiguration(report)}`);
      ctx.out('takes effect at the camera\'s next power-up (now it stays at its current address)');
    }
  } finally {
    await device.close();
  }
  return 0;
}
