/**
 * Child process: one benchmark trial with our receiver. Takes control of the bench device over
 * GVCP, opens a native stream, starts acquisition at the requested frame rate, and measures over
 * a window after a warm-up: complete/incomplete/lost frames, received bytes, system-wide CPU,
 * event-loop delay (p99), and byte-exact checks of sampled frames. Prints one JSON line.
 */
import { PerformanceObserver, constants as perf, monitorEventLoopDelay } from 'node:perf_hooks';

import { GvcpDevice } from '../../lib/gvcp/device';
import { Bootstrap, StreamChannelRegister } from '../../lib/gvcp/protocol';
import { ipToNumber } from '../../lib/gvcp/address';
import { openStream, type Frame } from '../../lib/stream/index';
import { renderRamp } from '../../lib/stream/native';
import { Reg, benchPhase } from './bench-device';
import { cpuBetween, sampleCpu, type CpuSample, type CpuUse } from './cpu';

export interface OursTrialInput {
  device: string;
  receiverAddress: string;
  packetSize: number;
  frameRate: number;
  durationS: number;
  warmupS: number;
  verifyEvery: number;
  receiveOffload: boolean;
  /** The bench device's process: its CPU counts in the attributed figure. */
  devicePid: number;
  /** Kernel threads whose CPU counts in the attributed figure (softirq and NAPI threads). */
  kernelPids: number[];
  /**
   * What the consumer does with each frame after looking at it: `release` (the package's own use:
   * encode, parse, let go), `detach` (a flow that keeps raw frames: the pool hands the buffer over,
   * or copies beyond its memory limit), `copy` (copy-out: the frame's bytes copied, the buffer released).
   */
  consumer: 'release' | 'detach' | 'copy';
  /** Frames the consumer keeps (the newest), as a join or a context variable would. */
  keep: number;
  /** The stream's frame memory limit in bytes (undefined: its default, twice the pool). */
  memoryLimit?: number;
}

export interface TrialResult {
  receiver: string;
  packetSize: number;
  frameRate: number;
  windowS: number;
  framesExpected: number;
  framesComplete: number;
  framesLost: number;
  bytes: number;
  /** System-wide busy CPU-seconds in the window (/proc/stat). */
  cpuSeconds: number;
  /** CPU-seconds of the trial's processes + system-wide irq/softirq in the window. */
  attributedCpuSeconds: number;
  cpu?: CpuUse;
  lagP99Ms?: number;
  lagMaxMs?: number;
  verified?: number;
  verifyFailures?: number;
  /**
   * The frame rate the camera really ran at, when the receiver's own stack lowered the one asked
   * for (the flow's config node fits the camera into its link's bandwidth budget).
   */
  cameraFrameRate?: number;
  detail?: Record<string, unknown>;
}

const WIDTH = 4504;
const HEIGHT = 4504;

/**
 * Control of the bench device, with its first write accepted. On a loaded machine the previous
 * trial's process may still hold control for a moment (its heartbeat has not expired): wait for it.
 */
async function takeControl(address: string): Promise<GvcpDevice> {
  const deadline = Date.now() + 10000;
  for (;;) {
    const device = await GvcpDevice.connect({ address });
    try {
      await device.channel.writeRegister(Reg.Width, WIDTH);
      return device;
    } catch (err) {
      await device.close().catch(() => undefined);
      if ((err as { statusName?: string }).statusName !== 'ACCESS_DENIED' || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function trial(input: OursTrialInput): Promise<TrialResult> {
  const device = await takeControl(input.device);
  const ch = device.channel;
  const payload = WIDTH * HEIGHT;
  await ch.writeRegister(Reg.Height, HEIGHT);
  await ch.writeRegister(Reg.PixelFormat, 0x01080001);
  const rate = Buffer.alloc(8);
  rate.writeDoubleBE(input.frameRate);
  await ch.writeMemory(Reg.AcquisitionFrameRate, rate);
  const stream = openStream({
    bindAddress: input.receiverAddress,
    deviceAddress: input.device,
    packetSize: input.packetSize,
    maxPayloadSize: payload,
    receiveOffload: input.receiveOffload,
    memoryLimit: input.memoryLimit,
  });
  const sc = Bootstrap.SC0;
  await ch.writeRegister(sc + StreamChannelRegister.SCPS, input.packetSize);
  await ch.writeRegister(sc + StreamChannelRegister.SCDA, ipToNumber(input.receiverAddress));
  await ch.writeRegister(sc + StreamChannelRegister.SCP, stream.port);

  let inWindow = false;
  let complete = 0;
  let incomplete = 0;
  let bytes = 0;
  let lastBlock = -1;
  let missingIds = 0;
  let verified = 0;
  let verifyFailures = 0;
  let seen = 0;
  // The scene of each of the camera's phases, rendered once: re-rendering 20 MB for every checked
  // frame cost 4 % of this process (perf), work that Aravis' side of the comparison never does.
  const references = new Map<string, Buffer>();
  const reference = (frame: Frame, phase: number): Buffer => {
    const key = `${frame.width}x${frame.height}:${frame.pixelFormat}:${phase}`;
    let image = references.get(key);
    if (!image) {
      image = Buffer.alloc(frame.data.length);
      renderRamp(image, { width: frame.width, height: frame.height, pixelFormat: frame.pixelFormat, phase });
      references.set(key, image);
    }
    return image;
  };
  const kept: Buffer[] = [];
  stream.on('frame', (frame: Frame) => {
    seen += 1;
    const id = Number(frame.blockId);
    if (inWindow) {
      if (lastBlock > 0 && id !== lastBlock + 1 && !(lastBlock === 0xffff && id === 1))
        missingIds += (id - lastBlock - 1 + 0xffff) % 0xffff;
      if (frame.status === 'complete') {
        complete += 1;
        bytes += frame.data.length;
      } else {
        incomplete += 1;
      }
      if (input.verifyEvery > 0 && seen % input.verifyEvery === 0 && frame.status === 'complete') {
        verified += 1;
        if (!reference(frame, benchPhase(id)).equals(frame.data)) verifyFailures += 1;
      }
    }
    lastBlock = id;
    let keep: Buffer | null = null;
    if (input.consumer === 'detach') keep = frame.detach().data;
    else if (input.consumer === 'copy') keep = Buffer.from(frame.data);
    frame.release();
    if (keep && input.keep > 0) {
      kept.push(keep);
      if (kept.length > input.keep) kept.shift();
    }
  });
  stream.on('warning', (w) => process.stderr.write(`ours: ${w.message}\n`));

  await ch.writeRegister(Reg.TLParamsLocked, 1);
  await ch.writeRegister(Reg.AcquisitionStart, 1);
  await new Promise((r) => setTimeout(r, input.warmupS * 1000));
  const before = stream.stats();
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
  inWindow = true;
  const watched = [input.devicePid, process.pid, ...input.kernelPids];
  const cpu0: CpuSample = sampleCpu(watched);
  const windowMs = (input.durationS - input.warmupS) * 1000;
  await new Promise((r) => setTimeout(r, windowMs));
  const cpu1 = sampleCpu(watched);
  inWindow = false;
  lag.disable();
  gcObserver.disconnect();
  const after = stream.stats();
  await ch.writeRegister(Reg.AcquisitionStop, 1);
  await ch.writeRegister(Reg.TLParamsLocked, 0);
  await new Promise((r) => setTimeout(r, 100));
  await ch.writeRegister(sc + StreamChannelRegister.SCP, 0);
  await stream.close();
  await device.close();

  const windowS = (cpu1.at - cpu0.at) / 1000;
  const framesExpected = Math.round(windowS * input.frameRate);
  const dropped = after.framesDropped - before.framesDropped;
  return {
    receiver: 'ours',
    packetSize: input.packetSize,
    frameRate: input.frameRate,
    windowS,
    framesExpected,
    framesComplete: complete,
    framesLost: incomplete + dropped + missingIds,
    bytes,
    cpuSeconds: cpuBetween(cpu0, cpu1).systemSeconds,
    attributedCpuSeconds: cpuBetween(cpu0, cpu1).attributedSeconds,
    cpu: cpuBetween(cpu0, cpu1),
    lagP99Ms: lag.percentile(99) / 1e6,
    lagMaxMs: lag.max / 1e6,
    verified,
    verifyFailures,
    detail: {
      incomplete,
      dropped,
      missingIds,
      packetsDroppedBySocket: after.packetsDroppedBySocket - before.packetsDroppedBySocket,
      resendRequests: after.resendRequests - before.resendRequests,
      receiveThreadCpuS: (after.receiveThreadCpuMs - before.receiveThreadCpuMs) / 1000,
      inPlaceRatio: (after.packetsInPlace - before.packetsInPlace) / Math.max(1, after.packetsReceived - before.packetsReceived),
      receiveMessages: after.receiveMessages - before.receiveMessages,
      packets: after.packetsReceived - before.packetsReceived,
      socketBuffer: after.socket.receiveBufferObtained,
      gc,
      buffersHandedOver: after.buffersHandedOver - before.buffersHandedOver,
      buffersReclaimed: after.buffersReclaimed - before.buffersReclaimed,
      framesCopied: after.framesCopied - before.framesCopied,
      frameMemoryBytes: after.frameMemoryBytes,
      consumer: input.consumer,
      keep: input.keep,
    },
  };
}

trial(JSON.parse(process.argv[2]) as OursTrialInput)
  .then((result) => process.stdout.write(JSON.stringify(result) + '\n'))
  .catch((err) => {
    process.stderr.write(`ours trial: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  });
