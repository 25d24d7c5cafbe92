import { discover, discoverWithDiagnostics, formatDiscoveryReport } from '../../lib/gvcp';
import { CommandContext, parseCommand, toJson, intOption } from './common';

/**
 * With --broadcast ADDR and/or --address IP: DISCOVERY goes exactly there. With --interface NAME
 * (repeatable) or no option: to each chosen interface's subnet broadcast (every interface that is up
 * when none is named), reporting per interface whether each camera is reachable and what to do.
 */
export async function discoverCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('discover', args, {
    broadcast: { type: 'string', short: 'b' },
    address: { type: 'string', short: 'a' },
    interface: { type: 'string', short: 'i', multiple: true },
    'local-address': { type: 'string' },
    timeout: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
  });
  const timeoutMs = intOption('discover', 'timeout', values.timeout, 100, 60000);
  if (values.broadcast || values.address) {
    const devices = await discover({
      broadcast: values.broadcast as string | undefined,
      address: values.address as string | undefined,
      localAddress: values['local-address'] as string | undefined,
      timeoutMs,
    });
    if (values.json) {
      ctx.out(toJson(devices));
      return 0;
    }
    if (devices.length === 0) {
      ctx.err(
        `no camera answered at ${[values.broadcast, values.address].filter(Boolean).join(', ')} ` +
          "(check power and link, that the address is the broadcast address of the camera's interface, and firewalls)",
      );
      return 1;
    }
    printTable(
      ctx,
      ['IP', 'MASK', 'MAC', 'VENDOR', 'MODEL', 'SERIAL', 'USER NAME'],
      devices.map((d) => [d.ipAddress, d.subnetMask, d.macAddress, d.manufacturerName, d.modelName, d.serialNumber, d.userDefinedName]),
    );
    return 0;
  }
  const report = await discoverWithDiagnostics({ interfaces: values.interface as string[] | undefined, timeoutMs });
  ctx.out(values.json ? toJson(report) : formatDiscoveryReport(report));
  return report.devices.length > 0 ? 0 : 1;
}

function printTable(ctx: CommandContext, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c ?? '').padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  ctx.out(line(header));
  for (const row of rows) ctx.out(line(row));
}
