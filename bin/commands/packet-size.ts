import { CommandContext, parseCommand, requireAddress, toJson, withCamera } from './common';

/**
 * `gige packet-size -a IP`: the largest GVSP packet size that reaches this host unfragmented
 * (test packets with do-not-fragment, bisection), and what limits it.
 */
export async function packetSizeCommand(args: string[], ctx: CommandContext): Promise<number> {
  const { values } = parseCommand('packet-size', args, {
    address: { type: 'string', short: 'a' },
    json: { type: 'boolean', default: false },
  });
  const address = requireAddress('packet-size', values.address);
  const result = await withCamera(address, 'control', (camera) => camera.negotiatePacketSize());
  if (values.json) {
    ctx.out(toJson(result));
    return 0;
  }
  for (const p of result.probes)
    ctx.out(`  ${String(p.size).padStart(5)} bytes: ${p.arrived ? 'arrived' : `did not arrive${p.detail ? ` (${p.detail})` : ''}`}`);
  const why =
    result.limitedBy === 'host-mtu'
      ? `the MTU ${result.hostMtu} of ${result.hostInterface}`
      : result.limitedBy === 'camera'
        ? "the camera's largest packet size"
        : `a link between the camera and ${result.hostInterface ?? 'this host'} (path MTU)`;
  ctx.out(`packet size ${result.packetSize}: the largest that reaches this host unfragmented, limited by ${why}`);
  return 0;
}
