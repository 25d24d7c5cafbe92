import { inspectDevice, formatDeviceReport } from '../../lib/gvcp';
import { CommandContext, parseCommand, requireAddress, toJson, intOption } from './common';

/** What a newcomer needs when nothing works: identity, interface, MTU, link, reachability, control. */
export async function infoCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('info', args, {
    address: { type: 'string', short: 'a' },
    json: { type: 'boolean', default: false },
    timeout: { type: 'string', default: '500' },
  });
  const address = requireAddress('info', values.address);
  const report = await inspectDevice({ address, timeoutMs: intOption('info', 'timeout', values.timeout, 50, 60000) });
  ctx.out(values.json ? toJson(report) : formatDeviceReport(report));
  return report.reachable ? 0 : 1;
}
