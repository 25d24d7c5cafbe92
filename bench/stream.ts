/**
 * npm run bench:stream — GVSP receive throughput and CPU cost, ours against Aravis, same sender.
 *
 * For 4504×4504 Mono8 at packet sizes 9000 and 1500 it finds each receiver's highest offered load
 * with zero lost frames, alternating the receivers at every load step, with the benchmark device
 * (bench/stream/bench-device.ts: the project's GVCP device core + native GVSP sender) as the
 * camera. Receivers: ours, Aravis with plain UDP sockets (`--no-packet-socket`) and Aravis as root
 * runs it by default (packet socket). Prints a table and ends with (packet 9000)
 *   RESULT topology=veth ours_MBps=<n> aravis_best_MBps=<n> aravis_best_mode=<udp|packet>
 *          ours_cpu_s_per_GB=<n> aravis_cpu_s_per_GB=<n> …
 *
 * Topologies (bench/stream/topology.ts): `--topology veth` (default) — the camera in a namespace of
 * its own, a veth pair with MTU = packet size, wire-sized datagrams on the link, GRO on the
 * receiving end; `--topology loopback` — camera and receivers on `lo` of one namespace, the camera's
 * UDP-GSO super-datagrams taken whole by our UDP_GRO socket (Aravis: `--no-packet-socket` only,
 * unless --aravis-modes says otherwise).
 *
 * CPU per GB received: *attributed* = the camera's process + the receiver's process (all threads)
 * + the kernel's softirq/NAPI threads, in the window — the headline figure, because this machine is
 * shared and *system-wide* (/proc/stat, also printed) counts everyone's work.
 *
 * Network safety: as root with `ip`, everything (device, receivers, Aravis) runs inside network
 * namespaces this script creates and deletes (Aravis discovery broadcasts on every interface).
 * Otherwise only our receiver runs, on 127.x in the root namespace, and aravis_*=na.
 * net.core.rmem_max is raised for Aravis' automatic socket buffer and restored afterwards.
 *
 * Options: --topology veth|loopback  --packet-sizes 9000,1500  --duration 4  --start 300  --step 1.3
 *          --max 4000  --refine 2  --no-aravis  --aravis-modes udp,packet  --sender-gso on|off
 *          --receive-offload off  --quick
 *          --consumer release|detach|copy  --keep N   (what our receiver's consumer does with frames)
 *          --memory-limit MB   (our stream's frame memory limit; default four times the pool)
 *          --json FILE (every trial with its details, e.g. the CPU split between device and receiver)
 */
import * as fs from 'node:fs';

import { BenchEnvironment, arg, canUseNamespaces, fail as failWith, flag, fmt, haveAravis } from './stream/harness';
import type { ReceiverName, RunOptions, Trial } from './stream/run';
import type { TopologyName } from './stream/topology';

const fail = (message: string): never => failWith('bench:stream', message);
const quick = flag('quick');
const withAravis = canUseNamespaces && haveAravis && !flag('no-aravis');
const topologyName = (arg('topology') ?? 'veth') as TopologyName;
if (!['veth', 'loopback'].includes(topologyName)) fail('--topology must be veth or loopback');
if (topologyName === 'veth' && !canUseNamespaces)
  fail('the veth topology needs root and `ip netns`; without them run --topology loopback (our receiver only, on 127.x)');
if (!['release', 'detach', 'copy'].includes(arg('consumer') ?? 'release')) fail('--consumer must be release, detach or copy');
const senderGso = (arg('sender-gso') ?? 'on') !== 'off';
// On loopback a packet socket sees the camera's GSO super-datagrams, which it cannot read: Aravis
// in that mode only makes sense there with --sender-gso off.
const aravisModes = (arg('aravis-modes') ?? (topologyName === 'veth' || !senderGso ? 'udp,packet' : 'udp')).split(',');
if (aravisModes.some((m) => m !== 'udp' && m !== 'packet')) fail('--aravis-modes takes udp and/or packet');
const receivers: ReceiverName[] = ['ours', ...(withAravis ? aravisModes.map((m) => `aravis-${m}` as ReceiverName) : [])];

const base = {
  receivers,
  durationS: Number(arg('duration') ?? (quick ? 3 : 4)),
  warmupS: 1,
  startMBps: Number(arg('start') ?? 300),
  stepFactor: Number(arg('step') ?? 1.3),
  maxMBps: Number(arg('max') ?? 4000),
  refineSteps: Number(arg('refine') ?? (quick ? 0 : 2)),
  segmentationOffload: senderGso,
  receiveOffload: arg('receive-offload') !== 'off',
  consumer: (arg('consumer') ?? 'release') as RunOptions['consumer'],
  keep: Number(arg('keep') ?? 0),
  memoryLimit: arg('memory-limit') === undefined ? undefined : Number(arg('memory-limit')) * 1024 * 1024,
};
const packetSizes = (arg('packet-sizes') ?? '9000,1500').split(',').map(Number);
let env: BenchEnvironment | null = null;

function optionsFor(packetSize: number): RunOptions {
  return { ...base, packetSizes: [packetSize], ...env!.addresses() };
}

/** Aravis' best mode: the highest lossless throughput; on a tie, the lower CPU. */
function bestAravis(best: Record<string, Trial | null>, packetSize: number): { mode: string; trial: Trial } | undefined {
  const modes = receivers.filter((r) => r.startsWith('aravis-'));
  let winner: { mode: string; trial: Trial } | undefined;
  for (const mode of modes) {
    const t = best[`${mode}:${packetSize}`];
    if (!t) continue;
    if (
      !winner ||
      t.receivedMBps > winner.trial.receivedMBps * 1.01 ||
      (t.receivedMBps >= winner.trial.receivedMBps * 0.99 && t.attributedCpuSecondsPerGB < winner.trial.attributedCpuSecondsPerGB)
    ) {
      winner = { mode: mode.replace('aravis-', ''), trial: t };
    }
  }
  return winner;
}

async function main(): Promise<void> {
  process.stderr.write(
    `bench:stream — 4504×4504 Mono8, packet sizes ${packetSizes.join(', ')}, receivers ${receivers.join(' + ')}, topology ${topologyName}` +
      `${canUseNamespaces ? '' : ' (root namespace loopback only)'}` +
      `${senderGso ? '' : ', sender without GSO'}${base.receiveOffload ? '' : ', our receiver without UDP GRO'}` +
      `, our consumer: ${base.consumer}${base.keep ? ` keeping ${base.keep} frames` : ''}\n`,
  );
  if (!withAravis) {
    process.stderr.write(
      `  Aravis not measured: ${!canUseNamespaces ? 'needs root and ip netns (it may only run inside a namespace)' : !haveAravis ? 'arv-camera-test-0.8 not installed' : '--no-aravis'}\n`,
    );
  }
  env = new BenchEnvironment(topologyName, { senderGso, raiseRmemMax: withAravis });
  const topology = env.topology;
  const trials: Trial[] = [];
  const best: Record<string, Trial | null> = {};
  const notes: string[] = [];
  const links: string[] = [];
  for (const packetSize of packetSizes) {
    if (topology) {
      topology.setMtu(Math.max(packetSize, 1500));
      links.push(`packet ${packetSize}: ${topology.describe()}`);
      process.stderr.write(`  link: ${links[links.length - 1]}\n`);
    }
    const result = await env.run(optionsFor(packetSize));
    trials.push(...result.trials);
    Object.assign(best, result.best);
    notes.push(...result.notes);
  }
  env.cleanUp();
  const jsonFile = arg('json');
  if (jsonFile)
    fs.writeFileSync(jsonFile, JSON.stringify({ topology: topologyName, links, options: base, packetSizes, trials, best, notes }, null, 1));

  const header = [
    'receiver',
    'packet',
    'offered MB/s',
    'received MB/s',
    'complete %',
    'lost',
    'CPU s/GB (attributed)',
    'camera',
    'receiver',
    'kernel thr.',
    'CPU s/GB (system)',
    'GC ms/GB',
    'major GCs',
    'p99 lag ms',
  ];
  const rows = trials.map((t) => [
    t.receiver,
    String(t.packetSize),
    fmt(t.offeredMBps),
    fmt(t.receivedMBps),
    fmt(t.completePercent, 1),
    String(t.framesLost),
    fmt(t.attributedCpuSecondsPerGB, 2),
    fmt(t.deviceCpuSecondsPerGB, 2),
    fmt(t.receiverCpuSecondsPerGB, 2),
    fmt(t.kernelCpuSecondsPerGB, 2),
    fmt(t.cpuSecondsPerGB, 2),
    t.gcMsPerGB === undefined ? '' : fmt(t.gcMsPerGB, 0),
    t.gcMajor === undefined ? '' : String(t.gcMajor),
    t.lagP99Ms === undefined ? '' : fmt(t.lagP99Ms, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |';
  console.log(`\nTopology: ${topologyName}`);
  for (const l of links) console.log(`  ${l}`);
  console.log('\nAll trials (the receivers alternately at every load step):');
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));

  console.log('\nHighest offered load with zero lost frames:');
  for (const packetSize of packetSizes) {
    for (const receiver of receivers) {
      const t = best[`${receiver}:${packetSize}`];
      console.log(
        `  ${receiver.padEnd(13)} packet ${packetSize}: ` +
          (t
            ? `${fmt(t.receivedMBps)} MB/s received (offered ${fmt(t.offeredMBps)}), CPU ${fmt(t.attributedCpuSecondsPerGB, 2)} s/GB attributed` +
              ` (camera ${fmt(t.deviceCpuSecondsPerGB, 2)}, receiver ${fmt(t.receiverCpuSecondsPerGB, 2)}, kernel threads ${fmt(t.kernelCpuSecondsPerGB, 2)}),` +
              ` ${fmt(t.cpuSecondsPerGB, 2)} s/GB system-wide` +
              (t.gcMsPerGB !== undefined ? `, GC ${fmt(t.gcMsPerGB, 0)} ms/GB (${t.gcMajor} major)` : '') +
              (t.lagP99Ms !== undefined ? `, event-loop p99 lag ${fmt(t.lagP99Ms, 1)} ms (max ${fmt(t.lagMaxMs, 1)})` : '')
            : 'none of the loads tried'),
      );
    }
  }
  for (const note of notes) console.log(`  note: ${note}`);
  console.log(
    "\nCPU: attributed = the camera's process + the receiver's process (all threads) + the kernel's softirq/NAPI threads in the window" +
      '\n     (the receiving end\'s softirq work runs inside the camera\'s sends, so it is in "camera");' +
      '\n     system-wide = busy CPU-seconds from /proc/stat (everything on the machine, other users included).',
  );
  const ours = best['ours:9000'];
  const aravis = withAravis ? bestAravis(best, 9000) : undefined;
  const ratio = (a: number | undefined, b: number | undefined): string => (a && b ? (a / b).toFixed(2) : 'na');
  if (withAravis) {
    const speed = ratio(ours?.receivedMBps, aravis?.trial.receivedMBps);
    const cpu = ratio(ours?.attributedCpuSecondsPerGB, aravis?.trial.attributedCpuSecondsPerGB);
    const verdict = (r: string, ok: (x: number) => boolean): string => (r === 'na' ? 'not measured' : ok(Number(r)) ? 'met' : 'missed');
    console.log(
      `\nGoals (packet 9000, ${topologyName}): ours ≥ 1.2× Aravis' best mode in lossless MB/s: ${speed}× — ${verdict(speed, (x) => x >= 1.2)};` +
        ` CPU-s/GB ≤ 0.8× its: ${cpu}× — ${verdict(cpu, (x) => x <= 0.8)}` +
        (ours && notes.some((n) => n.startsWith('packet 9000') && n.includes('could not offer'))
          ? ' (ours is a lower bound: the camera could not offer more)'
          : ''),
    );
  }
  console.log(
    `RESULT topology=${topologyName} ours_MBps=${fmt(ours?.receivedMBps)} aravis_best_MBps=${aravis ? fmt(aravis.trial.receivedMBps) : 'na'}` +
      ` aravis_best_mode=${aravis?.mode ?? 'na'} ours_cpu_s_per_GB=${fmt(ours?.attributedCpuSecondsPerGB, 2)}` +
      ` aravis_cpu_s_per_GB=${aravis ? fmt(aravis.trial.attributedCpuSecondsPerGB, 2) : 'na'}` +
      ` ours_system_cpu_s_per_GB=${fmt(ours?.cpuSecondsPerGB, 2)} aravis_system_cpu_s_per_GB=${aravis ? fmt(aravis.trial.cpuSecondsPerGB, 2) : 'na'} node=${process.version}`,
  );
  // The same figures for every packet size measured (the RESULT line above is packet 9000's).
  for (const packetSize of packetSizes) {
    const o = best[`ours:${packetSize}`];
    const a = withAravis ? bestAravis(best, packetSize) : undefined;
    console.log(
      `RESULT_BY_PACKET topology=${topologyName} packet=${packetSize} ours_MBps=${fmt(o?.receivedMBps)} aravis_best_MBps=${a ? fmt(a.trial.receivedMBps) : 'na'}` +
        ` aravis_best_mode=${a?.mode ?? 'na'} ours_cpu_s_per_GB=${fmt(o?.attributedCpuSecondsPerGB, 2)} aravis_cpu_s_per_GB=${a ? fmt(a.trial.attributedCpuSecondsPerGB, 2) : 'na'}` +
        ` camera_limited=${notes.some((n) => n.startsWith(`packet ${packetSize}:`) && n.includes('could not offer')) ? 'yes' : 'no'}`,
    );
  }
  // The frame lifecycle's cost (issue 13 item 4): our receiving process and its GC at the best load.
  console.log(
    `RESULT_LIFECYCLE topology=${topologyName} consumer=${base.consumer} keep=${base.keep} ours_MBps=${fmt(ours?.receivedMBps)}` +
      ` receiver_cpu_s_per_GB=${fmt(ours?.receiverCpuSecondsPerGB, 3)} gc_ms_per_GB=${fmt(ours?.gcMsPerGB, 1)} gc_major=${ours?.gcMajor ?? 'na'}`,
  );
}

main().catch((err) => {
  env?.cleanUp();
  process.stderr.write(`bench:stream failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
