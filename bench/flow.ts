/**
 * npm run bench:flow — what a Node-RED user gets, measured in the Node-RED runtime.
 *
 * 1. Throughput: gige-grab (continuous, raw: every frame a message) → a function node that reads one
 *    byte → nothing, against the bare receiver (openStream, each frame looked at and released) on
 *    the same camera in the same run: each one's highest offered load with zero lost frames,
 *    alternating at every load step (bench/stream/run.ts), 4504×4504 Mono8, packet size 9000.
 *      RESULT flow_MBps=<n> bare_MBps=<n> flow_eventloop_p99_ms=<n> … flow_share_of_bare_percent=<n> flow_link_budget_MBps=<n|none>
 *    The flow's config node fits its camera into the host link's bandwidth budget (10 % headroom);
 *    when that caps the camera below the offered load, the flow's search stops at the cap and the
 *    bare receiver (no budget) is compared with it only up to that load.
 * 2. Trigger latency (bench/flow/trigger-process.ts): the emulated DMK 38GX541-a at 640×480,
 *    ExposureTime 100 µs, an inject node → gige-grab (trigger mode) → function node, N cycles:
 *      RESULT trigger_p50_ms=<n> trigger_p99_ms=<n> trigger_overhead_p99_ms=<n> … trigger_overhead_less_camera_reaction_p99_ms=<n>
 *    (the last: the stack's share less the time from the trigger command leaving this host's
 *    socket to the emulated camera's exposure start, its reaction — a process waking on a core)
 * 3. Many cameras (bench/flow/cameras-process.ts): 4 emulated DMK 38GX541-a (4504², the manual's
 *    rate on their 1 Gbit/s links) into one Node-RED: frames lost, event-loop p99, CPU.
 *      RESULT cameras=4 frames_lost=<n> eventloop_p99_ms=<n> cpu_s_per_s=<n>
 *
 * Every RESULT line ends with the Node version the Node-RED processes ran on (`node=v…`): run the
 * bench with another Node on the PATH to measure that one (bench/README.md, thirteenth session).
 *
 * Topology as bench:stream's (bench/stream/topology.ts): as root the camera(s) in a namespace of
 * their own behind a veth (MTU 9000, wire-sized datagrams, GRO on the receiving end); without root
 * everything on 127.x (--topology loopback).
 *
 * Options: --only throughput|trigger|cameras  --topology veth|loopback  --quick  --duration 4
 *          --start 300  --step 1.3  --max 4000  --refine 2  --cycles 1000  --cameras 4  --camera-seconds 20
 *          --trigger-warmup 20 (cycles not counted first; V8 still tiers up the trigger path's code for
 *            several hundred cycles after a deploy, bench/README.md, tenth session)
 *          --trigger-arm deploy|message (the grab node's armOnDeploy, on in new nodes; `message`: as
 *            flows made before it, the first trigger starts acquisition — its latency is printed apart)
 *          --link-headroom 10 (the flow's config node; 0 lets its camera use the whole link)
 *          --frame-memory MB (the flow's config node; a small one makes its memory limit bind)
 *          --camera-priority normal|realtime (the emulated cameras of the trigger and cameras parts;
 *            realtime, as root, stands them in for hardware that never waits for a core)
 *          --node-args '<flags>' (for the trigger and cameras parts' Node-RED processes and the
 *            wake-up probe, e.g. '--trace-opt --trace-deopt' or '--initial-old-space-size=256';
 *            their RESULT lines say so)
 *          --json FILE
 */
import * as fs from 'node:fs';

import { BenchEnvironment, arg, canUseNamespaces, fail as failWith, flag, fmt, isRoot } from './stream/harness';
import type { RunOptions, Trial } from './stream/run';
import type { TopologyName } from './stream/topology';
import { DEFAULT_HEADROOM } from '../lib/camera/bandwidth';
import { runCameras, type CamerasResult } from './flow/cameras';
import { childRuntimeFields, setChildNodeArgs } from './flow/child';
import { runTrigger, type TriggerResult } from './flow/trigger';

const fail = (message: string): never => failWith('bench:flow', message);
const quick = flag('quick');
const topologyName = (arg('topology') ?? (canUseNamespaces ? 'veth' : 'loopback')) as TopologyName;
if (!['veth', 'loopback'].includes(topologyName)) fail('--topology must be veth or loopback');
const cameraPriority = arg('camera-priority') ?? 'normal';
if (!['realtime', 'normal'].includes(cameraPriority)) fail('--camera-priority must be realtime or normal');
if (cameraPriority === 'realtime' && !isRoot) fail('--camera-priority realtime needs root (SCHED_FIFO)');
const realtimeCameras = cameraPriority === 'realtime';
const triggerArm = arg('trigger-arm') ?? 'deploy';
if (!['deploy', 'message'].includes(triggerArm)) fail('--trigger-arm must be deploy or message');
if (topologyName === 'veth' && !canUseNamespaces) fail('the veth topology needs root and `ip netns`; run --topology loopback');
const parts = (arg('only') ?? 'throughput,trigger,cameras').split(',');
if (parts.some((p) => !['throughput', 'trigger', 'cameras'].includes(p))) fail('--only takes throughput, trigger and/or cameras');

setChildNodeArgs((arg('node-args') ?? '').split(/\s+/).filter(Boolean));

const PACKET_SIZE = 9000;

async function throughput(env: BenchEnvironment): Promise<{ flow: Trial | null; bare: Trial | null; trials: Trial[]; notes: string[] }> {
  const options: RunOptions = {
    receivers: ['flow', 'ours'],
    packetSizes: [PACKET_SIZE],
    durationS: Number(arg('duration') ?? (quick ? 3 : 4)),
    warmupS: 1,
    startMBps: Number(arg('start') ?? 300),
    stepFactor: Number(arg('step') ?? 1.3),
    maxMBps: Number(arg('max') ?? 4000),
    refineSteps: Number(arg('refine') ?? (quick ? 0 : 2)),
    segmentationOffload: true,
    receiveOffload: true,
    consumer: 'release',
    keep: 0,
    verifyEvery: 0, // the flow looks at one byte per frame; so does the bare receiver
    ...(arg('link-headroom') !== undefined ? { flowLinkHeadroom: Number(arg('link-headroom')) } : {}),
    ...(arg('frame-memory') !== undefined ? { flowFrameMemoryMB: Number(arg('frame-memory')) } : {}),
    ...env.addresses(),
  };
  env.topology?.setMtu(PACKET_SIZE);
  if (env.topology) process.stderr.write(`  link: ${env.topology.describe()}\n`);
  const out = await env.run(options);
  return { flow: out.best[`flow:${PACKET_SIZE}`], bare: out.best[`ours:${PACKET_SIZE}`], trials: out.trials, notes: out.notes };
}

function printThroughput(result: Awaited<ReturnType<typeof throughput>>): void {
  console.log('\nThroughput trials (flow = gige-grab raw → function node in Node-RED; bare = the stream alone):');
  const header = [
    'receiver',
    'offered MB/s',
    'received MB/s',
    'lost',
    'CPU s/GB (attributed)',
    'camera',
    'receiver',
    'GC ms/GB',
    'major GCs',
    'p99 lag ms',
    'max lag ms',
  ];
  const rows = result.trials.map((t) => [
    t.receiver === 'ours' ? 'bare' : t.receiver,
    fmt(t.offeredMBps),
    fmt(t.receivedMBps),
    String(t.framesLost),
    fmt(t.attributedCpuSecondsPerGB, 2),
    fmt(t.deviceCpuSecondsPerGB, 2),
    fmt(t.receiverCpuSecondsPerGB, 2),
    t.gcMsPerGB === undefined ? '' : fmt(t.gcMsPerGB, 0),
    t.gcMajor === undefined ? '' : String(t.gcMajor),
    fmt(t.lagP99Ms, 1),
    fmt(t.lagMaxMs, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i])).join(' | ') + ' |';
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(r));
  for (const note of result.notes) console.log(`  note: ${note}`);
  const { flow, bare } = result;
  // Like for like: when the flow's camera was held to its link's bandwidth budget, the bare
  // receiver (which joins no budget) is counted only up to that same load.
  const cap = flow?.cappedMBps;
  const share = flow && bare ? flow.receivedMBps / Math.min(bare.receivedMBps, cap ?? Infinity) : NaN;
  if (flow && cap !== undefined) {
    console.log(
      `\nThe flow's camera was held to ${fmt(cap)} MB/s by the config node's link budget (Link headroom` +
        ` ${arg('link-headroom') ?? Math.round(DEFAULT_HEADROOM * 100)} % of the` +
        ` host interface's speed): the flow carried that without loss, so its own limit is higher and not measured here;` +
        ` the bare receiver joins no budget (${fmt(bare?.receivedMBps)} MB/s) and is compared up to the same load.`,
    );
  }
  const lagOk = flow?.lagP99Ms !== undefined && flow.lagP99Ms < 10;
  console.log(
    `\nGoals: flow ≥ 95 % of the bare receiver: ${fmt(100 * share, 0)} % — ${Number.isFinite(share) ? (share >= 0.95 ? 'met' : 'missed') : 'not measured'};` +
      ` event-loop p99 < 10 ms at that rate: ${fmt(flow?.lagP99Ms, 1)} ms — ${flow ? (lagOk ? 'met' : 'missed') : 'not measured'};` +
      ` one 10 GigE camera (1250 MB/s) without loss: ${flow ? (flow.receivedMBps >= 1250 ? 'met' : `missed (${fmt(flow.receivedMBps)} MB/s)`) : 'not measured'}` +
      (result.notes.some((n) => n.includes('could not offer')) ? ' (the camera could not offer more: both figures are lower bounds)' : ''),
  );
  console.log(
    `RESULT flow_MBps=${fmt(flow?.receivedMBps)} bare_MBps=${fmt(bare?.receivedMBps)} flow_eventloop_p99_ms=${fmt(flow?.lagP99Ms, 1)}` +
      ` flow_cpu_s_per_GB=${fmt(flow?.attributedCpuSecondsPerGB, 2)} bare_cpu_s_per_GB=${fmt(bare?.attributedCpuSecondsPerGB, 2)}` +
      ` flow_share_of_bare_percent=${fmt(100 * share, 0)} flow_link_budget_MBps=${cap === undefined ? 'none' : fmt(cap)} topology=${topologyName}${childRuntimeFields()}`,
  );
}

async function main(): Promise<void> {
  process.stderr.write(`bench:flow — ${parts.join(', ')}; topology ${topologyName}\n`);
  const env = new BenchEnvironment(topologyName, { senderGso: true, raiseRmemMax: false });
  const json: Record<string, unknown> = { topology: topologyName };
  try {
    if (parts.includes('throughput')) {
      const result = await throughput(env);
      json.throughput = result;
      printThroughput(result);
    }
    if (parts.includes('trigger')) {
      const result: TriggerResult = await runTrigger(env, {
        cycles: Number(arg('cycles') ?? (quick ? 200 : 1000)),
        warmupCycles: Number(arg('trigger-warmup') ?? 20),
        realtimeCamera: realtimeCameras,
        armOnDeploy: triggerArm === 'deploy',
      });
      json.trigger = result;
    }
    if (parts.includes('cameras')) {
      const result: CamerasResult = await runCameras(env, {
        cameras: Number(arg('cameras') ?? 4),
        seconds: Number(arg('camera-seconds') ?? (quick ? 8 : 20)),
        realtimeCameras,
      });
      json.cameras = result;
    }
  } finally {
    env.cleanUp();
  }
  const jsonFile = arg('json');
  if (jsonFile) fs.writeFileSync(jsonFile, JSON.stringify(json, null, 1));
}

main().catch((err) => {
  process.stderr.write(`bench:flow failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
