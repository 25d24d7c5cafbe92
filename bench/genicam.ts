/**
 * GenICam benchmark: parse time of a generated ≥ 1 MB XML and feature get/set throughput, cached
 * and uncached, first against an in-memory port (the node map's own cost) and then over GVCP on
 * loopback against the emulated DMK 38GX541-a (the cost a user sees). Prints figures; asserts
 * nothing. Run: npm run bench:genicam [-- --groups 600 --quick]
 *
 * Every loop is bounded in count and time; the only network traffic is to 127.x.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as GenicamModule from '../lib/genicam';
import type * as ElementModule from '../lib/genicam/xml/element';
import { generateXml } from './genicam/generate';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const quick = args.includes('--quick');
/**
 * --dist measures the compiled library (npm run build:ts first). Run through tsx, every call
 * across modules goes through an export getter, which costs ~2× on the cached paths.
 */
const useDist = args.includes('--dist');
const libRoot = path.join(__dirname, '..', useDist ? 'dist/lib/genicam' : 'lib/genicam');
if (useDist && !fs.existsSync(path.join(libRoot, 'index.js'))) {
  process.stderr.write('bench: dist/lib/genicam is missing; run npm run build:ts first\n');
  process.exit(2);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MemoryPort, NodeMap, fetchDeviceXml } = require(libRoot) as typeof GenicamModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseXmlElements } = require(path.join(libRoot, 'xml', 'element')) as typeof ElementModule;
type NodeMap = GenicamModule.NodeMap;
const GROUPS = option('groups', 600);
const MAX_MS = quick ? 300 : 1500;

interface Rate {
  ops: number;
  perSecond: number;
  microseconds: number;
}

/** Runs `op` up to `count` times or for at most MAX_MS, after a warm-up. */
async function rate(op: (i: number) => Promise<unknown>, count: number): Promise<Rate> {
  for (let i = 0; i < Math.min(1000, count / 10); i += 1) await op(i);
  const start = performance.now();
  let ops = 0;
  while (ops < count && performance.now() - start < MAX_MS) {
    await op(ops);
    ops += 1;
  }
  const elapsed = performance.now() - start;
  return { ops, perSecond: (ops / elapsed) * 1000, microseconds: (elapsed * 1000) / ops };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const rows: [string, string][] = [];
function report(label: string, value: string): void {
  rows.push([label, value]);
  process.stdout.write(`${label.padEnd(58)} ${value}\n`);
}
const showRate = (r: Rate): string =>
  `${Math.round(r.perSecond).toLocaleString('en-US')} ops/s  (${r.microseconds.toFixed(2)} µs/op, n=${r.ops})`;

async function inMemory(): Promise<void> {
  const generated = generateXml(GROUPS);
  const bytes = Buffer.byteLength(generated.xml);
  const parseRuns: number[] = [];
  const elementRuns: number[] = [];
  let map!: NodeMap;
  const memory = Buffer.alloc(generated.registerBytes);
  for (let g = 0; g < GROUPS; g += 1) {
    memory.writeUInt32BE(1024, 0x10000 + g * 64);
    memory.writeUInt32BE(2000, 0x10000 + g * 64 + 8);
  }
  const port = new MemoryPort(memory);
  for (let run = 0; run < (quick ? 3 : 7); run += 1) {
    let t = performance.now();
    parseXmlElements(generated.xml);
    elementRuns.push(performance.now() - t);
    t = performance.now();
    map = NodeMap.fromXml(generated.xml, { device: port });
    parseRuns.push(performance.now() - t);
  }
  report('XML size', `${(bytes / 1048576).toFixed(2)} MiB, ${GROUPS} blocks, ${map.names().length.toLocaleString('en-US')} nodes`);
  report(
    'NodeMap.fromXml (parse + build + link + checks), median',
    `${median(parseRuns).toFixed(1)} ms  (min ${Math.min(...parseRuns).toFixed(1)}, max ${Math.max(...parseRuns).toFixed(1)})`,
  );
  report('  of which XML text → elements, median', `${median(elementRuns).toFixed(1)} ms`);

  let t = performance.now();
  const listed = await map.list();
  report(
    'list() of every feature, first time (reads all registers)',
    `${(performance.now() - t).toFixed(1)} ms for ${listed.length.toLocaleString('en-US')} features, ${port.reads.toLocaleString('en-US')} port reads`,
  );
  t = performance.now();
  await map.list();
  report('list() again (cached)', `${(performance.now() - t).toFixed(1)} ms`);

  const N = quick ? 20000 : 300000;
  const pick = (i: number): number => i % GROUPS;
  report('get Integer (pValue IntReg), cached', showRate(await rate((i) => map.getValue(`Width${pick(i)}`), N)));
  report('get IntSwissKnife (2 variables), cached', showRate(await rate((i) => map.getValue(`Payload${pick(i)}`), N)));
  report('get Enumeration, cached', showRate(await rate((i) => map.getValue(`Mode${pick(i)}`), N)));
  report('get selector-indexed IntReg (pIndex), cached', showRate(await rate((i) => map.getValue(`Level${pick(i)}`), N)));
  report('get Float via Converter over a NoCache IntReg (uncached)', showRate(await rate((i) => map.getValue(`Exposure${pick(i)}`), N)));
  report(
    'get Integer, uncached (invalidate before each read)',
    showRate(
      await rate(async (i) => {
        map.invalidate(`Width${pick(i)}`);
        return map.getValue(`Width${pick(i)}`);
      }, N),
    ),
  );
  report(
    'set Integer (range check with formula pMax, WriteThrough)',
    showRate(await rate((i) => map.setValue(`Width${pick(i)}`, 1024 + 8 * (i % 8)), N / 2)),
  );
  report('set Enumeration (by name)', showRate(await rate((i) => map.setValue(`Mode${pick(i)}`, i % 2 ? 'Continuous' : 'Burst'), N / 2)));
  report('set Float via Converter', showRate(await rate((i) => map.setValue(`Exposure${pick(i)}`, 100 + (i % 50)), N / 2)));
  report(
    'set selector, then get the selected register',
    showRate(
      await rate(async (i) => {
        await map.setValue(`Selector${pick(i)}`, i % 2);
        return map.getValue(`Level${pick(i)}`);
      }, N / 2),
    ),
  );
}

async function overGvcp(): Promise<void> {
  let EmulatedCamera: typeof import('../lib/emulator/emulated-camera').EmulatedCamera;
  let GvcpDevice: typeof import('../lib/gvcp/device').GvcpDevice;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ EmulatedCamera } = require('../lib/emulator/emulated-camera') as typeof import('../lib/emulator/emulated-camera'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ GvcpDevice } = require('../lib/gvcp/device') as typeof import('../lib/gvcp/device'));
  } catch (err) {
    report('GVCP loopback figures', `skipped (${(err as Error).message.split('\n')[0]})`);
    return;
  }
  const address = '127.0.77.2';
  const camera = await EmulatedCamera.start({ address, broadcastAddresses: [] });
  const device = await GvcpDevice.connect({ address });
  try {
    let t = performance.now();
    const loaded = await fetchDeviceXml(device.port, { cacheDir: false });
    report(
      'emulated DMK 38GX541-a over GVCP: download XML',
      `${(performance.now() - t).toFixed(1)} ms (${loaded.fileName}, ${(loaded.xml.length / 1024).toFixed(0)} KiB of XML)`,
    );
    t = performance.now();
    const map = NodeMap.fromXml(loaded.xml, { device: device.port });
    report('  NodeMap.fromXml of its XML', `${(performance.now() - t).toFixed(1)} ms, ${map.names().length} nodes`);
    t = performance.now();
    const listed = await map.list();
    report('  list() of every feature, first time (over GVCP)', `${(performance.now() - t).toFixed(1)} ms for ${listed.length} features`);
    const N = quick ? 2000 : 20000;
    const before = map.statistics().deviceReads;
    await map.getValue('Width');
    const readsPerGet = map.statistics().deviceReads - before;
    report(
      `  get Width (${readsPerGet} device read${readsPerGet === 1 ? '' : 's'} per get with this XML's caching)`,
      showRate(await rate(() => map.getValue('Width'), N)),
    );
    report(
      '  get Width after invalidate()',
      showRate(
        await rate(async () => {
          map.invalidate();
          return map.getValue('Width');
        }, N),
      ),
    );
    const candidates = ['Gain', 'BlackLevel', 'Gamma', 'ExposureTime'];
    let settable: string | undefined;
    for (const name of candidates) {
      if (map.has(name) && (await map.isWritable(name))) {
        settable = name;
        break;
      }
    }
    if (settable) {
      const { min, max, inc, type } = await map.describe(settable);
      const low = Number(min ?? 0);
      const step = type === 'Integer' ? Number(inc ?? 1) : (Number(max ?? low + 1) - low) / 20;
      const name = settable;
      report(
        `  set ${name} (range checks + one write round trip)`,
        showRate(await rate((i) => map.setValue(name, low + step * (i % 10)), N)),
      );
    }
  } finally {
    await device.close();
    await camera.stop();
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `GenICam benchmark — node ${process.version}, ${useDist ? 'compiled dist/' : 'TypeScript via tsx'}, load average ${os.loadavg()[0].toFixed(2)}, ${new Date().toISOString()}${quick ? ' (quick)' : ''}\n\n`,
  );
  await inMemory();
  process.stdout.write('\n');
  await overGvcp();
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});
