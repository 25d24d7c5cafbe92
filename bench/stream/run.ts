/**
 * The benchmark runner (run by bench/stream.ts, inside its network namespace when there is one):
 * starts the bench device in a child process, then for each packet size searches each receiver's
 * highest offered load with zero lost frames — trials alternate between the receivers at every
 * load step, so both see the same machine conditions. Prints one JSON line per trial and a final
 * summary line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

import { aravisTrial } from './aravis';
import { kernelNetworkThreads } from './cpu';
import type { FlowTrialInput } from '../flow/flow-process';
import type { OursTrialInput, TrialResult } from './ours-process';

/**
 * Our receiver; Aravis with plain UDP sockets (`--no-packet-socket`); Aravis as root runs it (packet
 * socket); our receiver inside Node-RED: gige-grab → function node (bench/flow/flow-process.ts).
 */
export type ReceiverName = 'ours' | 'aravis-udp' | 'aravis-packet' | 'flow';

export interface RunOptions {
  packetSizes: number[];
  receivers: ReceiverName[];
  durationS: number;
  warmupS: number;
  startMBps: number;
  stepFactor: number;
  maxMBps: number;
  refineSteps: number;
  segmentationOffload: boolean;
  receiveOffload: boolean;
  consumer: 'release' | 'detach' | 'copy';
  keep: number;
  memoryLimit?: number;
  device: string;
  receiverAddress: string;
  /** The camera's network namespace when it is not the runner's own (veth topology). */
  cameraNamespace?: string;
  /** The receiving interface: its NAPI thread, if threaded, counts in the attributed CPU. */
  hostInterface: string;
  /** Our bare receiver checks every Nth frame byte for byte against the scene (0: never). */
  verifyEvery?: number;
  /** The flow's camera config node: Link headroom in percent (empty: the node's default, 10). */
  flowLinkHeadroom?: number;
  /** The flow's camera config node: Frame memory in MB (empty: the stream's default). */
  flowFrameMemoryMB?: number;
}

const FRAME_BYTES = 4504 * 4504;
const TSX = ['-r', 'tsx/cjs'];

export interface Trial extends TrialResult {
  offeredMBps: number;
  receivedMBps: number;
  completePercent: number;
  cpuSecondsPerGB: number;
  attributedCpuSecondsPerGB: number;
  /** The receiving process alone (all threads), and its garbage collection (ours only). */
  receiverCpuSecondsPerGB: number;
  /** The camera's process (on a veth its sends carry the receiving end's softirq work too) and kernel threads. */
  deviceCpuSecondsPerGB: number;
  kernelCpuSecondsPerGB: number;
  gcMsPerGB?: number;
  gcMajor?: number;
  zeroLoss: boolean;
  deviceOverruns: number;
  /** The load the camera really carried when the receiver's own stack lowered its frame rate. */
  cappedMBps?: number;
}

function print(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function deviceStats(device: ChildProcess): Promise<{ blocksSent: number; overruns: number }> {
  return new Promise((resolve) => {
    const onMessage = (msg: { type: string; stats: { blocksSent: number; overruns: number } }): void => {
      if (msg.type !== 'stats') return;
      device.off('message', onMessage);
      resolve(msg.stats);
    };
    device.on('message', onMessage);
    device.send({ type: 'stats' });
  });
}

function gcOf(result: TrialResult): { ms: number; major: number } | undefined {
  return (result.detail as { gc?: { ms: number; major: number } } | undefined)?.gc;
}

/** A trial in a process of its own (`script` prints its TrialResult as the last line). */
function childTrial<T extends { durationS: number }>(script: string, input: T, name: string): Promise<TrialResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TSX, script, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let timedOut = false;
    const killer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGKILL');
      },
      (input.durationS + 20) * 1000,
    );
    // 'close', not 'exit': at 'exit' the child's stdout may still hold the end of its result line.
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const last = out.trim().split('\n').pop();
      const how = timedOut ? `killed: no result within ${input.durationS + 20} s` : (signal ?? `exit ${code}`);
      if (code !== 0 || !last) {
        reject(new Error(`${name} trial failed (${how}): ${err.slice(-800)}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as TrialResult);
      } catch (parseError) {
        reject(new Error(`${name} trial printed no JSON result as its last line (${String(parseError)}): ${last.slice(0, 200)}`));
      }
    });
  });
}

export async function run(options: RunOptions): Promise<void> {
  const node = [
    process.execPath,
    ...TSX,
    path.join(__dirname, 'device-process.ts'),
    options.device,
    options.segmentationOffload ? 'gso' : 'no-gso',
    '1.25',
  ];
  // `ip netns exec` execs the command: the child's pid is the device's own.
  const [cmd, ...args] = options.cameraNamespace ? ['ip', 'netns', 'exec', options.cameraNamespace, ...node] : node;
  const device = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const kernelPids = kernelNetworkThreads(options.hostInterface);
  await new Promise<void>((resolve, reject) => {
    device.once('message', () => resolve());
    device.once('exit', (code) => reject(new Error(`bench device exited (${code})`)));
  });
  try {
    const best: Record<string, Trial | null> = {};
    for (const packetSize of options.packetSizes) {
      const state = new Map(
        options.receivers.map((r) => [r, { pass: null as Trial | null, failMBps: null as number | null, done: false }]),
      );
      const runTrial = async (receiver: ReceiverName, offeredMBps: number): Promise<Trial> => {
        const frameRate = Math.round(((offeredMBps * 1e6) / FRAME_BYTES) * 1000) / 1000;
        const before = await deviceStats(device);
        const common = {
          device: options.device,
          packetSize,
          frameRate,
          durationS: options.durationS,
          warmupS: options.warmupS,
          devicePid: device.pid ?? 0,
          kernelPids,
        };
        const result =
          receiver === 'ours'
            ? await childTrial<OursTrialInput>(
                path.join(__dirname, 'ours-process.ts'),
                {
                  ...common,
                  receiverAddress: options.receiverAddress,
                  verifyEvery: options.verifyEvery ?? 16,
                  receiveOffload: options.receiveOffload,
                  consumer: options.consumer,
                  keep: options.keep,
                  memoryLimit: options.memoryLimit,
                },
                'our receiver',
              )
            : receiver === 'flow'
              ? await childTrial<FlowTrialInput>(
                  path.join(__dirname, '..', 'flow', 'flow-process.ts'),
                  {
                    ...common,
                    width: 4504,
                    height: 4504,
                    linkHeadroom: options.flowLinkHeadroom,
                    frameMemoryMB: options.flowFrameMemoryMB,
                  },
                  'flow',
                )
              : await aravisTrial({
                  device: options.device,
                  packetSize,
                  frameRate,
                  durationS: options.durationS + 1,
                  warmupS: options.warmupS,
                  devicePid: device.pid ?? 0,
                  kernelPids,
                  packetSocket: receiver === 'aravis-packet',
                });
        const after = await deviceStats(device);
        const trial: Trial = {
          ...result,
          offeredMBps: (frameRate * FRAME_BYTES) / 1e6,
          receivedMBps: result.bytes / result.windowS / 1e6,
          completePercent: result.framesExpected
            ? (100 * result.framesComplete) / Math.max(result.framesExpected, result.framesComplete)
            : 0,
          cpuSecondsPerGB: result.bytes ? result.cpuSeconds / (result.bytes / 1e9) : NaN,
          attributedCpuSecondsPerGB: result.bytes ? result.attributedCpuSeconds / (result.bytes / 1e9) : NaN,
          receiverCpuSecondsPerGB: result.bytes && result.cpu ? result.cpu.receiverSeconds / (result.bytes / 1e9) : NaN,
          deviceCpuSecondsPerGB: result.bytes && result.cpu ? result.cpu.deviceSeconds / (result.bytes / 1e9) : NaN,
          kernelCpuSecondsPerGB: result.bytes && result.cpu ? result.cpu.kernelSeconds / (result.bytes / 1e9) : NaN,
          ...(gcOf(result)
            ? { gcMsPerGB: result.bytes ? gcOf(result)!.ms / (result.bytes / 1e9) : NaN, gcMajor: gcOf(result)!.major }
            : {}),
          zeroLoss: result.framesLost === 0 && (result.verifyFailures ?? 0) === 0 && result.framesComplete > 0,
          deviceOverruns: after.overruns - before.overruns,
          ...(result.cameraFrameRate !== undefined ? { cappedMBps: (result.cameraFrameRate * FRAME_BYTES) / 1e6 } : {}),
        };
        print({ type: 'trial', ...trial });
        return trial;
      };
      let load = options.startMBps;
      let step = 0;
      while (load <= options.maxMBps && [...state.values()].some((s) => !s.done)) {
        const order = step % 2 === 0 ? options.receivers : [...options.receivers].reverse();
        let deviceLimited = false;
        for (const receiver of order) {
          const s = state.get(receiver)!;
          if (s.done) continue;
          const t = await runTrial(receiver, load);
          if (t.zeroLoss) s.pass = t;
          else {
            s.failMBps = load;
            s.done = true;
          }
          // Its own stack capped the camera (a link budget): a higher load would only be capped
          // again. Its highest lossless load is the cap, a lower bound of what it could carry.
          if (t.zeroLoss && t.cappedMBps !== undefined) {
            s.done = true;
            print({
              type: 'note',
              packetSize,
              message: `${receiver}: its camera was held to ${t.cappedMBps.toFixed(0)} MB/s (the link's bandwidth budget) when offered ${load.toFixed(0)} MB/s; its search stops there`,
            });
          }
          // The device could not offer this load (its link fell behind): the receivers are not to blame.
          if (t.deviceOverruns > Math.max(2, 0.02 * t.frameRate * options.durationS)) deviceLimited = true;
        }
        if (deviceLimited) {
          print({
            type: 'note',
            packetSize,
            message: `the bench device could not offer ${load.toFixed(0)} MB/s (overruns); stopping the search here`,
          });
          break;
        }
        load *= options.stepFactor;
        step += 1;
      }
      // Narrow down between the last passing and the first failing load, alternating again.
      for (let k = 0; k < options.refineSteps; k++) {
        const order = k % 2 === 0 ? options.receivers : [...options.receivers].reverse();
        for (const receiver of order) {
          const s = state.get(receiver)!;
          if (!s.failMBps) continue;
          const low = s.pass ? s.pass.offeredMBps : options.startMBps / options.stepFactor;
          const mid = Math.sqrt(low * s.failMBps);
          const t = await runTrial(receiver, mid);
          if (t.zeroLoss) s.pass = t;
          else s.failMBps = mid;
        }
      }
      for (const [receiver, s] of state) best[`${receiver}:${packetSize}`] = s.pass;
    }
    print({ type: 'summary', best });
  } finally {
    device.send({ type: 'stop' });
    await new Promise((resolve) => {
      const t = setTimeout(() => {
        device.kill('SIGKILL');
        resolve(undefined);
      }, 3000);
      device.once('exit', () => {
        clearTimeout(t);
        resolve(undefined);
      });
    });
  }
}

if (require.main === module) {
  run(JSON.parse(process.argv[2]) as RunOptions).catch((err) => {
    process.stderr.write(`bench runner: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
}
