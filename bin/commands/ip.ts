import { GigeError } from '../../lib/errors';
import {
  GvcpDevice,
  InterfaceDiscoveredDevice,
  IpConfigurationReport,
  NetworkInterfaceInfo,
  describeIpConfiguration,
  findCameras,
  listIPv4Interfaces,
  macFromString,
  macToString,
  parseAddressWithMask,
  prefixLength,
  ipToNumber,
  readIpConfiguration,
  setIpMethod,
  setPersistentIp,
  parseGateway,
} from '../../lib/gvcp';
import { forceIpOnInterface, listCameraIps, ListedCamera } from '../../lib/camera/ip-listing';
import { CommandContext, parseCommand, toJson, intOption } from './common';

type Listed = ListedCamera & { fix?: string };

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
  if (actions.length > 1)
    throw new GigeError(
      'BAD_ARGUMENTS',
      `ip: choose one of --force, --persistent, --dhcp, --lla (got ${actions.map((a) => `--${a}`).join(', ')})`,
    );
  if (values.gateway !== undefined && !actions.some((a) => a === 'force' || a === 'persistent')) {
    throw new GigeError('BAD_ARGUMENTS', 'ip: --gateway goes with --force or --persistent');
  }
  const interfaces = values.interface as string[] | undefined;
  if (actions.length === 0)
    return list(ctx, {
      interfaces,
      broadcast: values.broadcast as string | undefined,
      address: values.address as string | undefined,
      timeoutMs,
      json: values.json === true,
    });
  if (actions[0] === 'force') return force(ctx, values, interfaces, timeoutMs);
  return configure(ctx, actions[0] as 'persistent' | 'dhcp' | 'lla', values, interfaces, timeoutMs);
}

async function list(
  ctx: CommandContext,
  o: { interfaces?: string[]; broadcast?: string; address?: string; timeoutMs: number; json: boolean },
): Promise<number> {
  const listing = await listCameraIps(o);
  const rows: Listed[] = listing.cameras.map((c) =>
    c.reachable === false ? { ...c, fix: `gige ip --mac ${c.macAddress} --force auto --interface ${c.interface}` } : c,
  );
  const strict = listing.strictReversePathFilter;
  if (o.json) {
    ctx.out(toJson({ cameras: rows, strictReversePathFilter: strict }));
    return rows.length > 0 ? 0 : 1;
  }
  if (rows.length === 0) ctx.out('no camera answered');
  for (const r of rows) {
    const m = r.current.methods;
    const prefix = prefixLength(ipToNumber(r.current.subnetMask));
    ctx.out(
      `${r.model}  serial ${r.serial || '-'}  name ${r.userName || '-'}  MAC ${r.macAddress}${r.interface ? `  on ${r.interface}` : ''}`,
    );
    ctx.out(
      `  current:    ${r.current.address}/${prefix} gw ${r.current.gateway}  (persistent IP ${m.persistent ? 'on' : 'off'}, DHCP ${m.dhcp ? 'on' : 'off'}, LLA ${m.lla ? 'on' : 'off'})`,
    );
    if (r.persistent)
      ctx.out(`  persistent: ${r.persistent.address}/${prefixLength(ipToNumber(r.persistent.subnetMask))} gw ${r.persistent.gateway}`);
    else ctx.out(`  persistent: ${r.persistentError}`);
    if (r.reachable === false) {
      ctx.out(`  NOT reachable: ${r.problem}`);
      ctx.out(`  fix: ${r.fix}`);
    }
  }
  for (const s of strict) {
    ctx.out(
      `note: strict reverse-path filtering on ${s.interface}: a camera there on a foreign subnet cannot answer (its replies are dropped). Fix: ${s.fix}`,
    );
  }
  return rows.length > 0 ? 0 : 1;
}

/** The interface a camera with this MAC was seen on (the only one, or the one named). */
async function locate(
  mac: string,
  interfaces: string[] | undefined,
  timeoutMs: number,
): Promise<{ iface: NetworkInterfaceInfo; device: InterfaceDiscoveredDevice; all: InterfaceDiscoveredDevice[] }> {
  const all = await findCameras({ interfaces, timeoutMs });
  const seen = all.filter((d) => d.macAddress === mac);
  if (seen.length === 0) {
    throw new GigeError(
      'NOT_FOUND',
      `ip: no camera with MAC ${mac} answered on ${interfaces?.join(', ') ?? 'any interface that is up'}; ` +
        'check the link (gige ip lists what answers)',
    );
  }
  const names = [...new Set(seen.map((d) => d.interface.name))];
  if (names.length > 1)
    throw new GigeError('BAD_ARGUMENTS', `ip: camera ${mac} answers on ${names.join(' and ')}; say which with --interface`);
  return { iface: seen[0].interface, device: seen[0], all };
}

async function force(
  ctx: CommandContext,
  values: Record<string, unknown>,
  interfaces: string[] | undefined,
  timeoutMs: number,
): Promise<number> {
  if (typeof values.mac !== 'string')
    throw new GigeError('BAD_ARGUMENTS', "ip: --force needs the camera's MAC address (--mac 00:07:48:12:34:56; gige ip lists them)");
  const mac = macToString(macFromString(values.mac));
  if (interfaces && interfaces.length > 1)
    throw new GigeError('BAD_ARGUMENTS', 'ip: --force goes out of one interface; name one --interface');
  // Without --interface: the one the camera answers on.
  const facing = interfaces?.length === 1 ? interfaces[0] : (await locate(mac, undefined, timeoutMs)).iface.name;
  const fix = await forceIpOnInterface({
    macAddress: mac,
    interface: facing,
    address: String(values.force),
    gateway: values.gateway as string | undefined,
    timeoutMs,
    what: '--force',
  });
  if (values.json) ctx.out(toJson(fix));
  else {
    for (const c of fix.checks) ctx.out(`checked ${c.address}: ${c.free ? 'free' : 'taken'} (${c.detail})`);
    ctx.out(
      `camera ${mac} now at ${fix.address}/${prefixLength(ipToNumber(fix.subnetMask))}${fix.gateway !== '0.0.0.0' ? ` gw ${fix.gateway}` : ''} on ${fix.interface} ` +
        `(temporary, FORCEIP: until its next power-up; make it last with gige ip -a ${fix.address} --persistent ${fix.address}/${prefixLength(ipToNumber(fix.subnetMask))})`,
    );
    ctx.out(
      fix.verified
        ? `it answers there: ${fix.verified.manufacturerName} ${fix.verified.modelName} serial ${fix.verified.serialNumber}`
        : 'it does not answer at the new address yet (check the subnet mask and the interface)',
    );
  }
  return fix.verified ? 0 : 1;
}

async function configure(
  ctx: CommandContext,
  action: 'persistent' | 'dhcp' | 'lla',
  values: Record<string, unknown>,
  interfaces: string[] | undefined,
  timeoutMs: number,
): Promise<number> {
  let address = values.address as string | undefined;
  if (!address && typeof values.mac === 'string') {
    const { device } = await locate(macToString(macFromString(values.mac)), interfaces, timeoutMs);
    if (!device.reachable) {
      throw new GigeError(
        'NOT_REACHABLE',
        `ip: camera ${device.macAddress} at ${device.ipAddress} is not reachable from ${device.interface.name} (${device.problem}); ` +
          `give it a temporary address first: gige ip --mac ${device.macAddress} --force auto --interface ${device.interface.name}`,
      );
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
      ctx.out("takes effect at the camera's next power-up (now it stays at its current address)");
    }
  } finally {
    await device.close();
  }
  return 0;
}
