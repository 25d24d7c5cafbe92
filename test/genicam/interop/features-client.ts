/**
 * Our GenICam stack as a command, for the Aravis interop test (runs inside its namespace):
 * connect over GVCP, load the XML through the URL register, then
 *   features-client.ts list --address A            every feature (describe + value), JSON
 *   features-client.ts get  --address A N1 N2 …    values by name, JSON
 *   features-client.ts set  --address A N=V …      setValue each (strings, as a CLI passes them)
 * Prints one JSON line (bigints as strings); errors as {"error": message, "code": code}.
 */
import { GvcpDevice } from '../../../lib/gvcp/device';
import { NodeMap, fetchDeviceXml, parseAssignment, toJsonSafe } from '../../../lib/genicam';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function positional(): string[] {
  const out: string[] = [];
  for (let i = 3; i < process.argv.length; i += 1) {
    if (process.argv[i].startsWith('--')) i += 1;
    else out.push(process.argv[i]);
  }
  return out;
}

async function main(): Promise<unknown> {
  const address = arg('address');
  if (!address) throw new Error('--address is required');
  const device = await GvcpDevice.connect({ address, access: 'control' });
  try {
    const loaded = await fetchDeviceXml(device.port, { cacheDir: false });
    const map = NodeMap.fromXml(loaded.xml, { device: device.port });
    switch (process.argv[2]) {
      case 'list':
        return { url: loaded.url, info: map.info, features: await map.list() };
      case 'get': {
        const values: Record<string, unknown> = {};
        for (const name of positional()) values[name] = await map.getValue(name);
        return values;
      }
      case 'set': {
        for (const assignment of positional()) {
          const { name, value } = parseAssignment(assignment);
          await map.setValue(name, value);
        }
        return { ok: true };
      }
      default:
        throw new Error(`unknown command ${process.argv[2]}`);
    }
  } finally {
    await device.close();
  }
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify(toJsonSafe(result))}\n`),
  (err: Error & { code?: string }) => {
    process.stdout.write(`${JSON.stringify({ error: err.message, code: err.code })}\n`);
    process.exitCode = 1;
  },
);
