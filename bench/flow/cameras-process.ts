/**
 * Child process (in the receivers' namespace): bench:flow's many cameras. One Node-RED runs, per
 * camera, gige-camera-config (4504×4504 Mono8 at the rate given) → gige-grab (continuous, raw) →
 * one shared function node that reads one byte of each frame. After a warm-up it measures over
 * `seconds`: per camera, frames complete, incomplete and missing from the block-id sequence; the
 * process's event-loop delay; CPU of this process, the emulators, the kernel's network threads and
 * the machine. Prints one JSON line.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { cpuBetween, sampleCpu } from '../stream/cpu';
import { onTab, startNodeRed, type FlowNodeDef } from './node-red-host';

export interface CamerasInput {
  addresses: string[];
  packetSize: number;
  frameRate: number;
  seconds: number;
  warmupS: number;
  emulatorPids: number[];
  kernelPids: number[];
}

export interface CameraCounts {
  address: string;
  frames: number;
  incomplete: number;
  missing: number;
  bytes: number;
  /** The stream's own counters at the window's end (since the stream started): why frames were incomplete. */
  stream?: Record<string, number>;
}

export interface CamerasMeasurement {
  cameras: CameraCounts[];
  windowS: number;
  lagP99Ms: number;
  lagMaxMs: number;
  nodeRedCpuS: number;
  emulatorsCpuS: number;
  kernelCpuS: number;
  systemCpuS: number;
}

const FUNCTION_BODY =
  "const first = msg.payload[0];\nglobal.get('bench').frame(msg.topic, msg.image, msg.payload.length, first);\nreturn null;";

async function measure(input: CamerasInput): Promise<CamerasMeasurement> {
  const counts = new Map<string, CameraCounts & { lastId: number }>();
  let inWindow = false;
  const hooks = {
    bench: {
      frame(topic: string, image: { frameId: number; status: string }, length: number) {
        const c = counts.get(topic);
        if (!c) return;
        const id = image.frameId;
        if (inWindow) {
          if (c.lastId > 0 && id !== c.lastId + 1 && !(c.lastId === 0xffff && id === 1)) c.missing += (id - c.lastId - 1 + 0xffff) % 0xffff;
          if (image.status === 'complete') {
            c.frames += 1;
            c.bytes += length;
          } else {
            c.incomplete += 1;
          }
        }
        c.lastId = id;
      },
    },
  };
  const nodes: FlowNodeDef[] = [];
  input.addresses.forEach((address, i) => {
    const name = `camera${i + 1}`;
    counts.set(name, { address, frames: 0, incomplete: 0, missing: 0, bytes: 0, lastId: -1 });
    nodes.push(
      {
        id: `cam-${i}`,
        type: 'gige-camera-config',
        name,
        source: 'network',
        address,
        access: 'control',
        packetSize: String(input.packetSize),
        bufferCount: '',
        frameMemory: '',
        frameTimeout: '5000',
        settings: [
          'OffsetAutoCenter=On',
          'Width=4504',
          'Height=4504',
          'PixelFormat=Mono8',
          'ExposureAuto=Off',
          'GainAuto=Off',
          'ExposureTime=10000',
          `AcquisitionFrameRate=${input.frameRate}`,
        ].join('\n'),
      },
      {
        id: `grab-${i}`,
        type: 'gige-grab',
        name: `grab ${name}`,
        camera: `cam-${i}`,
        mode: 'continuous',
        autoStart: true,
        encoding: 'raw',
        quality: '85',
        maxWidth: '',
        wires: [['read']],
      },
    );
  });
  nodes.push({
    id: 'read',
    type: 'function',
    name: 'read one byte',
    func: FUNCTION_BODY,
    outputs: 1,
    noerr: 0,
    initialize: '',
    finalize: '',
    libs: [],
    wires: [[]],
  });
  const host = await startNodeRed(onTab(nodes), hooks);
  try {
    const deadline = Date.now() + 30000;
    while ([...counts.values()].some((c) => c.lastId < 0)) {
      if (Date.now() > deadline) {
        throw new Error(
          `no frames within 30 s from ${[...counts.values()]
            .filter((c) => c.lastId < 0)
            .map((c) => c.address)
            .join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, input.warmupS * 1000));
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const watched = [process.pid, ...input.emulatorPids, ...input.kernelPids];
    inWindow = true;
    const cpu0 = sampleCpu(watched);
    await new Promise((r) => setTimeout(r, input.seconds * 1000));
    const cpu1 = sampleCpu(watched);
    inWindow = false;
    lag.disable();
    const per = (from: number, to: number) => cpu1.perProcess.slice(from, to).reduce((s, v, i) => s + v - cpu0.perProcess[from + i], 0);
    const emulators = input.emulatorPids.length;
    const streams = await Promise.all(
      input.addresses.map(async (_address, i) => {
        const config = host.red.nodes.getNode(`cam-${i}`) as unknown as {
          camera?: { use<T>(op: (c: { streamStatistics(): unknown }) => Promise<T>, waitMs?: number): Promise<T> };
        };
        const stats = (await config?.camera?.use(async (camera) => camera.streamStatistics(), 1000).catch(() => null)) as Record<
          string,
          number
        > | null;
        if (!stats) return undefined;
        const keys = [
          'framesIncomplete',
          'framesDropped',
          'packetsDroppedBySocket',
          'packetsMissing',
          'packetsUnavailable',
          'resendRequests',
          'resendPacketsRequested',
          'resendLimitReached',
          'framesCopied',
          'framesDroppedMemoryLimit',
        ];
        return Object.fromEntries(keys.filter((k) => typeof stats[k] === 'number').map((k) => [k, stats[k]]));
      }),
    );
    return {
      cameras: [...counts.values()].map(({ lastId: _lastId, ...c }, i) => ({ ...c, ...(streams[i] ? { stream: streams[i] } : {}) })),
      windowS: (cpu1.at - cpu0.at) / 1000,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
      nodeRedCpuS: per(0, 1),
      emulatorsCpuS: per(1, 1 + emulators),
      kernelCpuS: per(1 + emulators, watched.length),
      systemCpuS: cpuBetween(cpu0, cpu1).systemSeconds,
    };
  } finally {
    await host.stop();
  }
}

if (require.main === module) {
  measure(JSON.parse(process.argv[2]) as CamerasInput)
    .then((result) => {
      // Exit once the line is out: the pipe takes it in pieces, and an exit cuts what is left.
      process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
    })
    .catch((err) => {
      process.stderr.write(`cameras bench: ${err?.stack ?? err}\n`);
      process.exit(1);
    });
}
