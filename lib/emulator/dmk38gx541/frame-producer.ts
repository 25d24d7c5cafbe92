/**
 * Produces a frame's bytes when its readout ends: the scene through the frame's transfer table
 * (`scene.ts`: the ramp or the inspection scene), chunk data, the auto-function measurement, and the hand-over to the
 * stream channel. Payload buffers are pooled: a 20 MB frame is not reallocated at every frame.
 */
import { RESEND_HISTORY_BLOCKS, type DeviceServices, type OutgoingBlock } from '../device-model';
import { PixelFormatCode } from './features-image';
import { ChunkSelection, chunkBytes, chunkLayoutId, writeChunks } from './chunk-data';
import { FrameTimes, HANDOVER_LEAD_NS } from './acquisition';
import { Placement } from './geometry';
import { Measurement, Rect, measure } from './auto-exposure';
import { RAMP_PERIOD as RAMP_PHASES } from '../../stream/scene-reference';

export interface RampRenderParams {
  width: number;
  height: number;
  pixelFormat: number;
  originX: number;
  originY: number;
  stepX: number;
  stepY: number;
  binX: number;
  binY: number;
  reverseX: boolean;
  reverseY: boolean;
  /** The ramp's phase: block id mod 4096. */
  phase: number;
  /** The inspection scene's conveyor position: the block id (a running count for frames not sent). */
  position: number;
  lut: Uint16Array;
}

export type RampRenderer = (dst: Buffer, params: RampRenderParams) => number;

export interface CameraFrame extends FrameTimes {
  gainDb: number;
  width: number;
  height: number;
  pixelFormat: number;
  placement: Placement;
  reverseX: boolean;
  reverseY: boolean;
  /** 4096-entry transfer table (scene value → 12-bit output). */
  transfer: Uint16Array;
  chunk: ChunkSelection;
  imageBytes: number;
  /** Sensor readout time of this frame (frame-rate model). */
  readoutNs: number;
  /** Region the auto functions measure, in image coordinates. */
  autoRect: Rect;
  measureForAuto: boolean;
}

export interface ProducerStats {
  /** Frames handed to the stream channel; each ends as sent or as a send error. */
  framesQueued: number;
  framesSent: number;
  framesDropped: number;
  sendErrors: number;
  blockIdMismatches: number;
}

const POOL_DEPTH = 3;

export class FrameProducer {
  private readonly pool = new Map<number, Buffer[]>();
  /** Sent payloads the stream channel may still resend from, oldest first: not reused until they leave. */
  private readonly resendable: Buffer[] = [];
  readonly stats: ProducerStats = { framesQueued: 0, framesSent: 0, framesDropped: 0, sendErrors: 0, blockIdMismatches: 0 };
  /** Counts frames that were never sent, so their scene still moves. */
  private unsent = 0;

  constructor(
    private readonly services: () => DeviceServices | null,
    /** Frame times are on the model's time base; the leader carries the device timestamp. */
    private readonly deviceTime: (time: bigint) => bigint,
    /** The model's time base now: a frame made ahead of its readout's end waits for it in the sender. */
    private readonly baseNow: () => bigint,
    private readonly render: RampRenderer,
    private readonly measured: (frame: CameraFrame, m: Measurement) => void,
    private readonly warn: (err: Error) => void,
  ) {}

  /**
   * `time` (the model's time base, which runs with the monotonic clock) as a monotonic instant for
   * the sender; undefined when it has passed, or is further ahead than a hand-over can be.
   */
  private sendTime(time: bigint): bigint | undefined {
    const ahead = time - this.baseNow();
    return ahead > 0n && ahead <= 2n * HANDOVER_LEAD_NS ? process.hrtime.bigint() + ahead : undefined;
  }

  produce(frame: CameraFrame): void {
    const services = this.services();
    const send = frame.blockId !== null && services !== null;
    if (!send) this.stats.framesDropped += 1;
    if (!send && !frame.measureForAuto) return;
    const payloadLength = frame.imageBytes + chunkBytes(frame.chunk);
    const payload = this.take(payloadLength);
    const position = frame.blockId !== null ? Number(frame.blockId) : (this.unsent = (this.unsent + 1) % 2 ** 48);
    const phase = position % RAMP_PHASES;
    this.render(payload, {
      width: frame.width,
      height: frame.height,
      pixelFormat: frame.pixelFormat,
      originX: frame.placement.originX,
      originY: frame.placement.originY,
      stepX: frame.placement.stepX,
      stepY: frame.placement.stepY,
      binX: frame.placement.binX,
      binY: frame.placement.binY,
      reverseX: frame.reverseX,
      reverseY: frame.reverseY,
      phase,
      position,
      lut: frame.transfer,
    });
    if (frame.chunk.active) writeChunks(payload, frame.imageBytes, frame.chunk, { exposureUs: frame.exposureUs, gainDb: frame.gainDb });
    if (frame.measureForAuto) this.measured(frame, measure(frame.autoRect, sampler(payload, frame)));
    if (!send) {
      this.give(payload);
      return;
    }
    const expected = frame.blockId as bigint;
    const block: OutgoingBlock = {
      timestamp: this.deviceTime(frame.start),
      pixelFormat: frame.pixelFormat,
      width: frame.width,
      height: frame.height,
      offsetX: frame.placement.offsetX,
      offsetY: frame.placement.offsetY,
      paddingX: 0,
      paddingY: 0,
      data: payload,
      chunkDataLength: frame.chunk.active ? payloadLength : undefined,
      chunkLayoutId: frame.chunk.active ? chunkLayoutId(frame.chunk) : undefined,
      blockId: expected,
      notBefore: this.sendTime(frame.readoutEnd),
    };
    this.stats.framesQueued += 1;
    (services as DeviceServices).sendBlock(block).then(
      (blockId) => {
        this.stats.framesSent += 1;
        if (blockId !== expected) this.stats.blockIdMismatches += 1;
        this.retire(payload);
      },
      (err: Error) => {
        this.stats.sendErrors += 1;
        this.retire(payload);
        if ((err as { code?: string }).code !== 'STREAM_CLOSED') this.warn(err);
      },
    );
  }

  private take(length: number): Buffer {
    const free = this.pool.get(length);
    return free?.pop() ?? Buffer.allocUnsafe(length);
  }

  /**
   * A sent payload goes back to the pool once RESEND_HISTORY_BLOCKS newer ones were sent. (A resend
   * of a block that old still running then — the sender keeps such a block past its history — is
   * the one case left; it needs a sender thread starved for frames on end.)
   */
  private retire(buffer: Buffer): void {
    this.resendable.push(buffer);
    while (this.resendable.length > RESEND_HISTORY_BLOCKS) this.give(this.resendable.shift()!);
  }

  private give(buffer: Buffer): void {
    let free = this.pool.get(buffer.length);
    if (!free) {
      if (this.pool.size > 4) this.pool.clear(); // geometry changed: forget old sizes
      free = [];
      this.pool.set(buffer.length, free);
    }
    if (free.length < POOL_DEPTH) free.push(buffer);
  }
}

/** The 8 most significant bits of pixel (x, y) of a rendered image. */
function sampler(image: Buffer, frame: CameraFrame): (x: number, y: number) => number {
  switch (frame.pixelFormat) {
    case PixelFormatCode.Mono8:
      return (x, y) => image[y * frame.width + x];
    case PixelFormatCode.Mono16:
      return (x, y) => image[(y * frame.width + x) * 2 + 1];
    default: {
      const line = Math.ceil((frame.width * 12) / 8);
      // Mono12Packed: byte 0 of a pair holds pixel 0's bits 11..4, byte 2 pixel 1's.
      return (x, y) => image[y * line + (x >> 1) * 3 + (x & 1 ? 2 : 0)];
    }
  }
}
