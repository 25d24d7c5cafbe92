/**
 * npm run bench:stream — GVSP receive throughput and CPU cost, ours against Aravis, same sender.
 *
 * For 4504×4504 Mono8 at packet sizes 9000 and 1500 it finds each receiver's highest offered load
 * with zero lost frames, alternating ours and Aravis at every load step, with the benchmark device
 * (bench/stream/bench-device.ts: the project's GVCP device core + native GVSP sender) as the
 * camera. Prints a table and ends with
 *   RESULT ours_MBps=<n> aravis_MBps=<n> ours_cpu_s_per_GB=<n> aravis_cpu_s_per_GB=<n>   (packet 9000)
 *
 * Network safety: as root with `ip`, everything (device, both receivers, Aravis) runs inside a
 * network namespace this script creates with only `lo` (Aravis discovery broadcasts on every
 * interface). Otherwise only our receiver runs, on 127.x in the root namespace, and aravis_*=na.
 * net.core.rmem_max is raised for Aravis' automatic socket buffer and restored afterwards.
 *
 * Options: --packet-sizes 9000,1500  --duration 4  --start 300  --step 1.3  --max 4000
 *          --refine 2  --no-aravis  --sender-gso off  --receive-offload off  --quick
 *          --consumer release|detach|copy  --keep N   (what our receiver's consumer does with frames)
 *          --memory-limit MB   (our stream's frame memory limit; default twice the pool)
 *          --json FILE (every trial with its details, e.g. the CPU split between device and receiver)
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { RunOptions, Trial } from './stream/run';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

const quick = flag('quick');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const haveIp = spawnSync('ip', ['netns', 'list'], { stdio: 'ignore' }).status === 0;
const haveAravis = spawnSync('sh', ['-c', 'command -v arv-camera-test-0.8'], { stdio: 'ignore' }).status === 0;
const useNamespace = isRoot && haveIp;
const withAravis = useNamespace && haveAravis && !flag('no-aravis');

if (!['release', 'detach', 'copy'].includes(arg('consumer') ?? 'release')) {
  process.stderr.write('bench:stream: --consumer must be release, detach or copy\n');
  process.exit(2);
}

const options: RunOptions = {
  packetSizes: (arg('packet-sizes') ?? '9000,1500').split(',').map(Number),
  receivers: withAravis ? ['ours', 'aravis'] : ['ours'],
  durationS: Number(arg('duration') ?? (quick ? 3 : 4)),
  warmupS: 1,
  startMBps: Number(arg('start') ?? 300),
  stepFactor: Number(arg('step') ?? 1.3),
  maxMBps: Number(arg('max') ?? 4000),
  refineSteps: Number(arg('refine') ?? (quick ? 0 : 2)),
  segmentationOffload: arg('sender-gso') !== 'off',
  receiveOffload: arg('receive-offload') !== 'off',
  consumer: (arg('consumer') ?? 'release') as RunOptions['consumer'],
  keep: Number(arg('keep') ?? 0),
  memoryLimit: arg('memory-limit') === undefined ? undefined : Number(arg('memory-limit')) * 1024 * 1024,
  device: useNamespace ? '127.0.0.2' : '127.77.0.2',
  receiverAddress: useNamespace ? '127.0.0.1' : '127.77.0.1',
};

const RMEM_MAX = '/proc/sys/net/core/rmem_max';
const namespace = `gigebench${process.pid}`;
let savedRmemMax: string | null = null;

function ip(args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function setUp(): void {
  if (!useNamespace) return;
  ip(['netns', 'add', namespace]);
  ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
  ip(['-n', namespace, 'addr', 'add', '127.0.0.2/8', 'dev', 'lo']); // Aravis looks for the camera on an interface address
  if (withAravis) {
    // Aravis (not privileged to force its buffer) can then get the buffer it asks for; restored at exit.
    savedRmemMax = fs.readFileSync(RMEM_MAX, 'utf8').trim();
    fs.writeFileSync(RMEM_MAX, String(256 << 20));
  }
}

let cleaned = false;
function cleanUp(): void {
  if (cleaned) return;
  cleaned = true;
  if (savedRmemMax !== null) fs.writeFileSync(RMEM_MAX, savedRmemMax);
  if (useNamespace) spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

function runRunner(): Promise<{ trials: Trial[]; best: Record<string, Trial | null>; notes: string[] }> {
  const runner = path.join(__dirname, 'stream', 'run.ts');
  const node = [process.execPath, '-r', 'tsx/cjs', runner, JSON.stringify(options)];
  const [cmd, ...args] = useNamespace ? ['ip', 'netns', 'exec', namespace, ...node] : node;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: path.join(__dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    const trials: Trial[] = [];
    const notes: string[] = [];
    let best: Record<string, Trial | null> = {};
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const msg = JSON.parse(line);
        if (msg.type === 'trial') {
          trials.push(msg);
          process.stderr.write(`  ${msg.receiver.padEnd(6)} packet ${msg.packetSize}  offered ${msg.offeredMBps.toFixed(0).padStart(5)} MB/s → ${msg.zeroLoss ? 'no loss' : `${msg.framesLost} lost`}\n`);
        } else if (msg.type === 'note') {
          notes.push(`packet ${msg.packetSize}: ${msg.message}`);
        } else if (msg.type === 'summary') {
          best = msg.best;
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ trials, best, notes }) : reject(new Error(`bench runner exited with ${code}`))));
  });
}

const fmt = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? 'na' : n.toFixed(digits));

async function main(): Promise<void> {
  process.stderr.write(
    `bench:stream — 4504×4504 Mono8, packet sizes ${options.packetSizes.join(', ')}, receivers ${options.receivers.join(' + ')}` +
      `${useNamespace ? `, in network namespace ${namespace}` : ', root namespace loopback only'}` +
      `${options.segmentationOffload ? '' : ', sender without GSO'}${options.receiveOffload ? '' : ', receiver without GRO'}` +
      `, our consumer: ${options.consumer}${options.keep ? ` keeping ${options.keep} frames` : ''}\n`,
  );
  if (!withAravis) {
    process.stderr.write(`  Aravis not measured: ${!useNamespace ? 'needs root and ip netns (it may only run inside a namespace)' : !haveAravis ? 'arv-camera-test-0.8 not installed' : '--no-aravis'}\n`);
  }
  setUp();
  const { trials, best, notes } = await runRunner();
  cleanUp();
  const jsonFile = arg('json');
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify({ options, trials, best, notes }, null, 1));

  const header = ['receiver', 'packet', 'offered MB/s', 'received MB/s', 'complete %', 'lost', 'CPU s/GB (system)', 'CPU s/GB (attributed)',
    'CPU s/GB (receiver)', 'GC ms/GB', 'major GCs', 'p99 lag ms'];
  const rows = trials.map((t) => [t.receiver, String(t.packetSize), fmt(t.offeredMBps), fmt(t.receivedMBps), fmt(t.completePercent, 1), String(t.framesLost),
    fmt(t.cpuSecondsPerGB, 2), fmt(t.attributedCpuSecondsPerGB, 2), fmt(t.receiverCpuSecondsPerGB, 2), t.gcMsPerGB === undefined ? '' : fmt(t.gcMsPerGB, 0),
    t.gcMajor === undefined ? '' : String(t.gcMajor), t.lagP99Ms === undefined ? '' : fmt(t.lagP99Ms, 1)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |';
  console.log('\nAll trials (each receiver alternately at every load step):');
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));

  console.log('\nHighest offered load with zero lost frames:');
  for (const packetSize of options.packetSizes) {
    for (const receiver of options.receivers) {
      const t = best[`${receiver}:${packetSize}`];
      console.log(
        `  ${receiver.padEnd(6)} packet ${packetSize}: ` +
          (t ? `${fmt(t.receivedMBps)} MB/s received (offered ${fmt(t.offeredMBps)}), CPU ${fmt(t.cpuSecondsPerGB, 2)} s/GB system-wide, ${fmt(t.attributedCpuSecondsPerGB, 2)} s/GB attributed` +
              `, receiver process ${fmt(t.receiverCpuSecondsPerGB, 2)} s/GB` + (t.gcMsPerGB !== undefined ? `, GC ${fmt(t.gcMsPerGB, 0)} ms/GB (${t.gcMajor} major)` : '') +
              (t.lagP99Ms !== undefined ? `, event-loop p99 lag ${fmt(t.lagP99Ms, 1)} ms (max ${fmt(t.lagMaxMs, 1)})` : '')
            : 'none of the loads tried'),
      );
    }
  }
  for (const note of notes) console.log(`  note: ${note}`);
  const ours = best['ours:9000'];
  const aravis = withAravis ? best['aravis:9000'] : undefined;
  console.log(
    '\nCPU: system-wide = busy CPU-seconds from /proc/stat over the window (everything on the machine, other users included);' +
      '\n     attributed = CPU time of the device and receiver processes (all threads; loopback delivery is charged to the sender).',
  );
  console.log(
    `RESULT ours_MBps=${fmt(ours?.receivedMBps)} aravis_MBps=${aravis === undefined ? 'na' : fmt(aravis?.receivedMBps)}` +
      ` ours_cpu_s_per_GB=${fmt(ours?.cpuSecondsPerGB, 2)} aravis_cpu_s_per_GB=${aravis === undefined ? 'na' : fmt(aravis?.cpuSecondsPerGB, 2)}`,
  );
  // The frame lifecycle's cost (issue 13 item 4): our receiving process and its GC at the best load.
  console.log(
    `RESULT_LIFECYCLE consumer=${options.consumer} keep=${options.keep} ours_MBps=${fmt(ours?.receivedMBps)}` +
      ` receiver_cpu_s_per_GB=${fmt(ours?.receiverCpuSecondsPerGB, 3)} gc_ms_per_GB=${fmt(ours?.gcMsPerGB, 1)} gc_major=${ours?.gcMajor ?? 'na'}`,
  );
}

main().catch((err) => {
  cleanUp();
  process.stderr.write(`bench:stream failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
