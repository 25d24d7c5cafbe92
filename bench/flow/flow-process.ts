/**
 * Child process: one bench:flow throughput trial. Node-RED (bench/flow/node-red-host.ts) runs
 *
 *   gige-camera-config (the bench camera, packet size, AcquisitionFrameRate = the trial's rate)
 *   gige-grab (continuous, raw: every frame a message) → function (reads one byte, returns nothing)
 *
 * and after a warm-up measures over a window what the function node saw: frames and bytes, frames
 * missing from the block-id sequence, incomplete frames, the grab node's drop count; the process's
 * event-loop delay (p99), CPU (this process, the camera's and the kernel's network threads) and
 * GC. Prints one JSON line (a TrialResult, receiver 'flow').
 */
import { PerformanceObserver, constants as perf, monitorEventLoopDelay } from 'node:perf_hooks';

import { cpuBetween, sampleCpu } from '../stream/cpu';
import type { TrialResult } from '../stream/ours-process';
import { onTab, startNodeRed } from './node-red-host';

export interface FlowTrialInput {
  device: string;
  packetSize: number;
  frameRate: number;
  durationS: number;
  warmupS: number;
  devicePid: number;
  kernelPids: number[];
  width: number;
  height: number;
  /** The config node's Link headroom, percent (undefined: its default). */
  linkHeadroom?: number;
  /** The config node's Frame memory, MB (undefined: the stream's default). */
  frameMemoryMB?: number;
}

/** What the function node reports per message (msg.image, the payload's length, the byte it read). */
interface FrameSeen {
  frameId: number;
  status: string;
  dropped: number;
}

class FlowCounters {
  inWindow = false;
  frames = 0;
  incomplete = 0;
  bytes = 0;
  missingIds = 0;
  lastId = -1;
  droppedAtStart: number | null = null;
  droppedNow = 0;
  checksum = 0;

  frame(image: FrameSeen, length: number, firstByte: number): void {
    const id = image.frameId;
    this.droppedNow = image.dropped;
    if (this.inWindow) {
      this.droppedAtStart ??= image.dropped;
      if (this.lastId > 0 && id !== this.lastId + 1 && !(this.lastId === 0xffff && id === 1))
        this.missingIds += (id - this.lastId - 1 + 0xffff) % 0xffff;
      if (image.status === 'complete') {
        this.frames += 1;
        this.bytes += length;
      } else {
        this.incomplete += 1;
      }
      this.checksum = (this.checksum + firstByte) & 0xffff;
    }
    this.lastId = id;
  }
}

// The function node's whole body: read one byte, tell the bench, send nothing on.
const FUNCTION_BODY = "const first = msg.payload[0];\nglobal.get('bench').frame(msg.image, msg.payload.length, first);\nreturn null;";

async function trial(input: FlowTrialInput): Promise<TrialResult> {
  const counters = new FlowCounters();
  const flow = onTab([
    {
      id: 'bench-camera',
      type: 'gige-camera-config',
      name: 'bench',
      source: 'network',
      address: input.device,
      access: 'control',
      packetSize: String(input.packetSize),
      bufferCount: '',
      frameMemory: input.frameMemoryMB === undefined ? '' : String(input.frameMemoryMB),
      linkHeadroom: input.linkHeadroom === undefined ? '' : String(input.linkHeadroom),
      frameTimeout: '5000',
      settings: `Width=${input.width}\nHeight=${input.height}\nAcquisitionFrameRate=${input.frameRate}`,
    },
    {
      id: 'bench-grab',
      type: 'gige-grab',
      name: 'grab',
      camera: 'bench-camera',
      mode: 'continuous',
      autoStart: true,
      encoding: 'raw',
      quality: '85',
      maxWidth: '',
      wires: [['bench-read']],
    },
    {
      id: 'bench-read',
      type: 'function',
      name: 'read one byte',
      func: FUNCTION_BODY,
      outputs: 1,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [[]],
    },
  ]);
  const host = await startNodeRed(flow, { bench: counters });
  try {
    // Acquisition starts once the connection is up: wait for frames, then warm up.
    const deadline = Date.now() + 20000;
    while (counters.lastId < 0) {
      if (Date.now() > deadline) throw new Error('no frame reached the function node within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, input.warmupS * 1000));
    const lag = monitorEventLoopDelay({ resolution: 1 });
    lag.enable();
    const gc = { minor: 0, major: 0, ms: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (kind === perf.NODE_PERFORMANCE_GC_MAJOR) gc.major += 1;
        else gc.minor += 1;
        gc.ms += entry.duration;
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const watched = [input.devicePid, process.pid, ...input.kernelPids];
    counters.inWindow = true;
    const cpu0 = sampleCpu(watched);
    await new Promise((r) => setTimeout(r, (input.durationS - input.warmupS) * 1000));
    const cpu1 = sampleCpu(watched);
    counters.inWindow = false;
    lag.disable();
    gcObserver.disconnect();
    const windowS = (cpu1.at - cpu0.at) / 1000;
    // The stream's own view of the window's end: pool, hand-overs, copies.
    const config = host.red.nodes.getNode('bench-camera') as unknown as {
      camera?: {
        use<T>(op: (c: { streamStatistics(): unknown; get(name: string): Promise<unknown> }) => Promise<T>, waitMs?: number): Promise<T>;
      };
    };
    const stream = (await config?.camera?.use(async (camera) => camera.streamStatistics(), 1000).catch(() => null)) as Record<
      string,
      number
    > | null;
    // The config node fits the camera into its link's bandwidth budget and lowers the frame rate
    // when the asked one does not fit: then the flow was offered that rate, not the trial's.
    const ranAt = await config?.camera?.use((camera) => camera.get('AcquisitionFrameRate'), 1000).catch(() => undefined);
    const cameraFrameRate = typeof ranAt === 'number' && ranAt < input.frameRate * 0.999 ? ranAt : undefined;
    const grabDropped = counters.droppedNow - (counters.droppedAtStart ?? counters.droppedNow);
    const cpu = cpuBetween(cpu0, cpu1);
    return {
      receiver: 'flow',
      packetSize: input.packetSize,
      frameRate: input.frameRate,
      windowS,
      framesExpected: Math.round(windowS * (cameraFrameRate ?? input.frameRate)),
      cameraFrameRate,
      framesComplete: counters.frames,
      // Frames the grab node or the stream dropped never reach the function node: they are id gaps.
      framesLost: counters.incomplete + counters.missingIds,
      bytes: counters.bytes,
      cpuSeconds: cpu.systemSeconds,
      attributedCpuSeconds: cpu.attributedSeconds,
      cpu,
      lagP99Ms: lag.percentile(99) / 1e6,
      lagMaxMs: lag.max / 1e6,
      detail: {
        incomplete: counters.incomplete,
        missingIds: counters.missingIds,
        grabDropped,
        gc,
        // Node-RED's peak resident memory over the whole trial (warm-up included).
        maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        checksum: counters.checksum,
        ...(stream
          ? {
              buffersHandedOver: stream.buffersHandedOver,
              buffersHandedOverShort: stream.buffersHandedOverShort,
              spareBytesCounted: stream.spareBytesCounted,
              buffersReclaimed: stream.buffersReclaimed,
              framesCopied: stream.framesCopied,
              framesDroppedMemoryLimit: stream.framesDroppedMemoryLimit,
              frameMemoryBytes: stream.frameMemoryBytes,
              framesDropped: stream.framesDropped,
              blocksAllocated: stream.blocksAllocated,
              blocksFreed: stream.blocksFreed,
              // Where an incomplete frame's packets went (counts since the stream started).
              packetsDroppedBySocket: stream.packetsDroppedBySocket,
              packetsMissing: stream.packetsMissing,
              resendRequests: stream.resendRequests,
              packetsResent: stream.packetsResent,
              packetsUnavailable: stream.packetsUnavailable,
            }
          : {}),
      },
    };
  } finally {
    await host.stop();
  }
}

if (require.main === module) {
  trial(JSON.parse(process.argv[2]) as FlowTrialInput)
    .then((result) => {
      // Exit once the line is out: the pipe takes it in pieces, and an exit cuts what is left.
      process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
    })
    .catch((err) => {
      process.stderr.write(`flow trial: ${err?.stack ?? err}\n`);
      process.exit(1);
    });
}
