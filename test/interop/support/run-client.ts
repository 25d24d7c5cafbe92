/**
 * Our GVCP client as a command, for running inside a test namespace; prints one JSON line.
 *   run-client.ts discover --iface NAME [--limited] [--timeout 500]
 *   run-client.ts forceip --mac M --ip A --mask M --broadcast B --local L
 *   run-client.ts probe --address A [--xml]     connect (control), identity, registers, XML bytes (hex sha)
 *   run-client.ts grab-fake --address A --frames N   stream from Aravis' fake camera (its register map), check
 *                                                   each Mono8 pixel against its documented (x + y + block id) % 255
 */
import { createHash } from 'node:crypto';
import { discoverOnInterfaces } from '../../../lib/gvcp/discovery';
import { forceIp } from '../../../lib/gvcp/forceip';
import { GvcpDevice } from '../../../lib/gvcp/device';
import { grabFromAravisFake } from './gvsp-collect';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const json = (v: unknown): string => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));

async function main(): Promise<unknown> {
  switch (process.argv[2]) {
    case 'discover': {
      const found = await discoverOnInterfaces({
        interfaces: [arg('iface')!],
        limitedBroadcast: process.argv.includes('--limited'),
        timeoutMs: Number(arg('timeout') ?? 500),
      });
      return found.map((d) => ({
        serial: d.serialNumber,
        ip: d.ipAddress,
        mask: d.subnetMask,
        mac: d.macAddress,
        reachable: d.reachable,
        problem: d.problem,
        advice: d.advice,
        source: d.sourceAddress,
      }));
    }
    case 'forceip':
      return forceIp({
        macAddress: arg('mac')!,
        ipAddress: arg('ip')!,
        subnetMask: arg('mask')!,
        broadcast: arg('broadcast')!,
        localAddress: arg('local'),
        timeoutMs: 500,
      });
    case 'probe': {
      const d = await GvcpDevice.connect({ address: arg('address')!, access: (arg('access') as 'control' | undefined) ?? 'control' });
      try {
        const out: Record<string, unknown> = { info: d.info, registers: {} };
        for (const r of (arg('registers') ?? '').split(',').filter(Boolean)) {
          (out.registers as Record<string, number>)[r] = await d.channel.readRegister(parseInt(r, 16));
        }
        if (process.argv.includes('--xml')) {
          const m = /;([0-9a-fA-F]+);([0-9a-fA-F]+)/.exec(d.info.firstUrl);
          if (!m) throw new Error(`cannot parse URL ${d.info.firstUrl}`);
          const xml = await d.port.read(parseInt(m[1], 16), parseInt(m[2], 16));
          out.xmlLength = xml.length;
          out.xmlSha256 = createHash('sha256').update(xml).digest('hex');
        }
        const wait = Number(arg('hold-ms') ?? 0);
        if (wait) await new Promise((r) => setTimeout(r, wait));
        out.lost = d.lost?.message ?? null;
        out.holder = await d.controlHolder();
        return out;
      } finally {
        await d.close();
      }
    }
    case 'grab-fake':
      return grabFromAravisFake(arg('address')!, Number(arg('frames') ?? 3));
    default:
      throw new Error(`unknown command ${process.argv[2]}`);
  }
}

main().then(
  (r) => {
    process.stdout.write(`${json(r)}\n`);
    process.exit(0);
  },
  (err: Error) => {
    process.stdout.write(`${json({ error: err.message })}\n`);
    process.exit(2);
  },
);
