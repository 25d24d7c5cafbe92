/**
 * Child process (in the receivers' namespace): bench:flow's trigger latency. Node-RED runs
 *
 *   inject → gige-grab (trigger mode, raw) → function node (tells the bench it arrived)
 *
 * against an emulated DMK 38GX541-a at 640×480 Mono8, ExposureTime 100 µs. Each cycle presses the
 * inject node (as its button does: `receive({})`) and waits for the frame message at the function
 * node; the next cycle starts after it. Per cycle it records, on this host's clock:
 *
 *   latency      inject → frame message at the function node
 *   camera       the camera's own time for that frame by the emulator's model: ExposureTime +
 *                readout (2.56 ms + 28 µs × rows) + the frame on its 1 Gbit/s link
 *   overhead     latency − camera: the stack's own share (it also holds the emulator's lateness:
 *                the frame is queued ahead and its sender thread sends it at the readout's end,
 *                late only by that thread's wake-up)
 *   to exposure  inject → the frame's device timestamp (exposure start; the emulated camera's
 *                clock is this host's wall clock): the trigger's path through Node-RED and GVCP
 *   to command   inject → the trigger's WRITEREG handed to a socket: the part of that
 *                path in this process (the rest is the wire and the camera's reaction)
 *   to camera    the frame's 'frame' event on the config node's camera → the message at the function
 *                node: the grab node and Node-RED's delivery
 *   frame late   exposure start → that 'frame' event, less the camera's time: the emulator's
 *                lateness (its sender thread's wake-up, its sending) and our receiver's, together
 *   gc           Node-RED's garbage-collection pauses that fell inside the cycle (the usual cause
 *                of its slow cycles; the other cause is waiting for a core)
 *   camera measured  the trigger's WRITEREG handed to a socket → the frame's last packet received by
 *                this host's kernel (msg.image.received): the camera's time as it happened — its
 *                reaction, exposure, readout, sending and the link — not as modelled
 *   stack        latency − camera measured: to command + last packet → message, the parts where
 *                this host runs (Node-RED, our JavaScript, our receiver, the thread wake-ups)
 *
 * Prints one JSON line with every cycle's figures.
 */
import * as dgram from 'node:dgram';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';

import { linkTimeNs, readoutTimeNs } from '../../lib/emulator/dmk38gx541/frame-rate';
import { Command, GVCP_KEY } from '../../lib/gvcp/protocol';
import { onTab, startNodeRed } from './node-red-host';

export interface TriggerInput {
  address: string;
  packetSize: number;
  cycles: number;
  warmupCycles: number;
  /** The grab node's armOnDeploy (new nodes: on): acquisition started at deploy, not by the first trigger. */
  armOnDeploy: boolean;
  width: number;
  height: number;
  exposureUs: number;
}

export interface TriggerCycle {
  latencyMs: number;
  cameraMs: number;
  overheadMs: number;
  toExposureMs: number;
  /** inject → the trigger's WRITEREG handed to a socket: our stack's JavaScript and Node-RED's. */
  toCommandMs: number;
  deliveryMs: number;
  frameLateMs: number;
  /** Command sent → the frame's last packet in this host's kernel. */
  cameraMeasuredMs: number;
  /** The frame's first → last packet at this host: its transfer. */
  transferMs: number;
  /** latency − cameraMeasured. */
  stackMs: number;
  frameId: number;
  /** When the cycle's inject fired, ms on this process's performance clock: to line slow cycles up with periodic work. */
  startMs: number;
  /** Node-RED's own garbage-collection pauses (main thread) inside this cycle, ms. */
  gcMs: number;
  /**
   * Of them, the pauses inside the stack's parts of the cycle (inject → command sent, last packet →
   * message): a pause while the camera exposes and reads out costs the cycle nothing.
   */
  gcInStackMs: number;
  /**
   * How much of this cycle fell inside a major collection's marking, ms: from the collection's
   * INCREMENTAL entry (marking starts) to its MAJOR entry's end. Marking runs in steps on the main
   * thread between callbacks — steps the pauses above do not show (`--trace-gc`: 18-30 ms per
   * collection of Node-RED's ~40 MB heap, the largest step 4-13 ms; bench/README.md, tenth session).
   */
  markingMs: number;
}

interface Arrival {
  at: number;
  frameId: number;
  timestamp: string;
  status: string;
  received?: { firstPacketMs: number; lastPacketMs: number };
}

const FUNCTION_BODY = "global.get('bench').arrived(msg);\nreturn null;";

/** The trigger camera's stream at the end: how many frames reached the flow without a copy. */
export interface TriggerStream {
  framesDelivered: number;
  framesCopied: number;
  buffersHandedOver: number;
  frameMemoryLimitBytes: number;
}

export interface TriggerOutcome {
  cycles: TriggerCycle[];
  timeouts: number;
  cameraMs: number;
  stream: TriggerStream | null;
  /** Node-RED's collections while cycles were counted. */
  collections: { major: number; minor: number };
  /** The first trigger after the deploy (not counted in `cycles`): inject → frame message. */
  firstLatencyMs: number | null;
}

async function measure(input: TriggerInput): Promise<TriggerOutcome> {
  let waiting: ((arrival: Arrival) => void) | null = null;
  const hooks = {
    bench: {
      arrived(msg: { image: Omit<Arrival, 'at'> }) {
        const at = performance.now();
        const { frameId, timestamp, status, received } = msg.image;
        waiting?.({ at, frameId, timestamp, status, received });
      },
    },
  };
  const flow = onTab([
    {
      id: 'trigger-camera',
      type: 'gige-camera-config',
      name: 'trigger',
      source: 'network',
      address: input.address,
      access: 'control',
      packetSize: String(input.packetSize),
      bufferCount: '',
      frameMemory: '',
      frameTimeout: '5000',
      settings: [
        'OffsetAutoCenter=On',
        `Width=${input.width}`,
        `Height=${input.height}`,
        'PixelFormat=Mono8',
        'ExposureAuto=Off',
        'GainAuto=Off',
        `ExposureTime=${input.exposureUs}`,
        'TriggerSelector=FrameStart',
        'TriggerSource=Software',
        'TriggerMode=On',
      ].join('\n'),
    },
    {
      id: 'trigger-inject',
      type: 'inject',
      name: 'trigger',
      props: [{ p: 'payload' }],
      payload: '',
      payloadType: 'date',
      repeat: '',
      crontab: '',
      once: false,
      onceDelay: 0.1,
      topic: '',
      wires: [['trigger-grab']],
    },
    {
      id: 'trigger-grab',
      type: 'gige-grab',
      name: 'grab',
      camera: 'trigger-camera',
      mode: 'trigger',
      autoStart: false,
      armOnDeploy: input.armOnDeploy,
      encoding: 'raw',
      quality: '85',
      maxWidth: '',
      wires: [['trigger-arrived']],
    },
    {
      id: 'trigger-arrived',
      type: 'function',
      name: 'arrived',
      func: FUNCTION_BODY,
      outputs: 1,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      wires: [[]],
    },
  ]);
  const host = await startNodeRed(flow, hooks);
  // When each frame reached the camera connection (before the grab node and Node-RED's delivery).
  const atCamera = new Map<number, number>();
  try {
    const inject = host.red.nodes.getNode('trigger-inject');
    // The config node's camera (nodes/config-camera.ts) re-emits each connection's frames.
    const config = host.red.nodes.getNode('trigger-camera') as unknown as {
      camera?: {
        isConnected: boolean;
        use<T>(operation: (camera: { acquiring: boolean }) => Promise<T>): Promise<T>;
        on(e: 'frame', l: (f: { blockId: bigint }) => void): void;
        streamStatistics(): Promise<TriggerStream | null>;
      };
    };
    if (!inject) throw new Error('the inject node did not start');
    const deadline = Date.now() + 20000;
    while (!config?.camera?.isConnected) {
      if (Date.now() > deadline) throw new Error(`camera ${input.address} did not connect within 20 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // A user's first trigger comes a while after the deploy: an armed grab is ready by then.
    while (input.armOnDeploy && !(await config.camera.use(async (camera) => camera.acquiring))) {
      if (Date.now() > deadline) throw new Error(`the grab node did not arm camera ${input.address} within 20 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    config.camera.on('frame', (frame) => {
      atCamera.set(Number(frame.blockId), performance.now());
      if (atCamera.size > 64) atCamera.delete(atCamera.keys().next().value as number);
    });
    const cameraNs =
      input.exposureUs * 1000 +
      readoutTimeNs({ width: input.width, height: input.height, pixelFormat: 0x01080001, binningVertical: 1, decimationVertical: 1 }) +
      linkTimeNs(input.width * input.height, { packetSize: input.packetSize, packetDelayNs: 0, extendedIds: false });
    const cycles: TriggerCycle[] = [];
    // When the cycle's first WRITEREG left (the trigger's, with the clock latch in front): splits
    // the trigger path into our JavaScript and the wire plus the camera. A heartbeat (READREG) in
    // between does not count. Wraps send() for this measurement only.
    let commandAt = NaN;
    const send = Object.getOwnPropertyDescriptor(dgram.Socket.prototype, 'send')?.value as (this: dgram.Socket, ...a: unknown[]) => void;
    dgram.Socket.prototype.send = function (this: dgram.Socket, ...args: unknown[]) {
      const message = args[0];
      const isWriteReg =
        Buffer.isBuffer(message) && message.length >= 8 && message[0] === GVCP_KEY && message.readUInt16BE(2) === Command.WRITEREG;
      if (isWriteReg && Number.isNaN(commandAt)) commandAt = performance.now();
      send.apply(this, args);
    } as dgram.Socket['send'];
    let timeouts = 0;
    let firstLatencyMs: number | null = null;
    // Every pause while cycles run, put into cycles once the loop is over (an entry is queued after
    // its collection, so one that ends a cycle could otherwise be missed).
    const pauses: Array<{ start: number; end: number }> = [];
    const collections = { major: 0, minor: 0 };
    const markings: Array<{ start: number; end: number }> = [];
    let markingFrom: number | null = null;
    let measuring = false;
    const gcObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
        const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (measuring && kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.major += 1;
        if (measuring && kind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor += 1;
        if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL && markingFrom === null) markingFrom = entry.startTime;
        if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
          markings.push({ start: markingFrom ?? entry.startTime, end: entry.startTime + entry.duration });
          markingFrom = null;
        }
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const overlap = (spans: Array<{ start: number; end: number }>, from: number, to: number) =>
      spans.reduce((sum, p) => sum + Math.max(0, Math.min(to, p.end) - Math.max(from, p.start)), 0);
    for (let i = 0; i < input.warmupCycles + input.cycles; i++) {
      const arrived = new Promise<Arrival | null>((resolve) => {
        const timer = setTimeout(() => {
          waiting = null;
          resolve(null);
        }, 5000);
        waiting = (arrival) => {
          clearTimeout(timer);
          waiting = null;
          resolve(arrival);
        };
      });
      commandAt = NaN;
      const t0 = performance.now();
      inject.receive({});
      const arrival = await arrived;
      if (!arrival) {
        timeouts += 1;
        continue;
      }
      if (i === 0) firstLatencyMs = arrival.at - t0;
      if (i < input.warmupCycles) continue;
      measuring = true;
      const latencyMs = arrival.at - t0;
      // The device timestamp (ns since the epoch on the host's clock) against this process's clock.
      const exposureStartMs = Number(BigInt(arrival.timestamp) / 1000n) / 1000 - performance.timeOrigin;
      const cameraAt = atCamera.get(arrival.frameId);
      // Host times are epoch ms (as Date.now()); this process's clock starts at timeOrigin.
      const lastPacketAt = arrival.received ? arrival.received.lastPacketMs - performance.timeOrigin : NaN;
      const cameraMeasuredMs = lastPacketAt - commandAt;
      cycles.push({
        latencyMs,
        cameraMs: cameraNs / 1e6,
        overheadMs: latencyMs - cameraNs / 1e6,
        toExposureMs: exposureStartMs - t0,
        toCommandMs: commandAt - t0,
        deliveryMs: cameraAt === undefined ? NaN : arrival.at - cameraAt,
        frameLateMs: cameraAt === undefined ? NaN : cameraAt - exposureStartMs - cameraNs / 1e6,
        cameraMeasuredMs,
        transferMs: arrival.received ? arrival.received.lastPacketMs - arrival.received.firstPacketMs : NaN,
        stackMs: latencyMs - cameraMeasuredMs,
        frameId: arrival.frameId,
        startMs: t0,
        // Filled in after the loop, once every collection's entries have arrived.
        gcMs: 0,
        gcInStackMs: 0,
        markingMs: 0,
      });
      // A short, varying pause: the next trigger must not lock onto a phase of any timer.
      await new Promise((r) => setTimeout(r, i % 3));
    }
    // The last cycles' entries come after them.
    await new Promise((r) => setTimeout(r, 50));
    gcObserver.disconnect();
    if (markingFrom !== null) markings.push({ start: markingFrom, end: Infinity });
    for (const cycle of cycles) {
      const end = cycle.startMs + cycle.latencyMs;
      // The stack's parts on this clock: [start, command sent] and [last packet, message].
      const sentAt = cycle.startMs + cycle.toCommandMs;
      const lastPacketAt = sentAt + cycle.cameraMeasuredMs;
      cycle.gcMs = overlap(pauses, cycle.startMs, end);
      // Without both times (no kernel stamp), the whole cycle counts as the stack's.
      cycle.gcInStackMs =
        Number.isFinite(sentAt) && Number.isFinite(lastPacketAt)
          ? overlap(pauses, cycle.startMs, sentAt) + overlap(pauses, lastPacketAt, end)
          : cycle.gcMs;
      cycle.markingMs = overlap(markings, cycle.startMs, end);
    }
    dgram.Socket.prototype.send = send as dgram.Socket['send'];
    const stats = await config.camera.streamStatistics();
    const stream = stats && {
      framesDelivered: stats.framesDelivered,
      framesCopied: stats.framesCopied,
      buffersHandedOver: stats.buffersHandedOver,
      frameMemoryLimitBytes: stats.frameMemoryLimitBytes,
    };
    return { cycles, timeouts, cameraMs: cameraNs / 1e6, stream, collections, firstLatencyMs };
  } finally {
    await host.stop();
  }
}

if (require.main === module) {
  measure(JSON.parse(process.argv[2]) as TriggerInput)
    .then((result) => {
      // Exit once the line is out: the pipe takes it in pieces, and an exit cuts what is left.
      process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
    })
    .catch((err) => {
      process.stderr.write(`trigger bench: ${err?.stack ?? err}\n`);
      process.exit(1);
    });
}
