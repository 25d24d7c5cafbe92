/**
 * The TypeScript face of the native receiver: `openStream(options)` gives a `Stream` that emits
 * `'frame'` (a `Frame`), `'warning'` (a GigeError describing a diagnosable problem: socket buffer
 * too small, packet size above the MTU, camera ignoring resends, …) and `'error'`. Nothing thrown
 * by a listener escapes into the native callback.
 *
 * A 'frame' event's frame holds a pool buffer for the duration of the event: a listener that needs
 * it afterwards takes `frame.share()` (and releases that) or `frame.detach()`s it; the stream
 * releases the event's own hold right after the event. So the pool never waits for JavaScript to
 * drop frames, let alone for a garbage collection (lib/stream/frame.ts).
 *
 * What bounds memory is the frames JavaScript keeps for good. Kept frames take the stream's own
 * memory up to its limit; beyond it, `detach()` copies. Once the copies not collected yet reach a
 * bound (a pool's worth at first), new frames are dropped (counted in `framesDroppedMemoryLimit`, a warning once a
 * minute) while V8 is asked to collect them — see lib/stream/copy-budget.ts.
 */
import { EventEmitter } from 'node:events';

import { GigeError } from '../errors';
import { CopyBudget } from './copy-budget';
import { toFrame, type Frame, type LeaseOwner } from './frame';
import { StreamReceiver, type RawFrame, type StreamReceiverOptions, type StreamStats } from './native';

export type { Frame, FrameContent } from './frame';
export type { ResendOptions, StreamStats, StreamSocketInfo } from './native';
export * from './pixel-formats';
export { unpackMono12Packed, unpackMono12p, unpackToMono16, nativeCoreProblem } from './native';

export type StreamOptions = Omit<StreamReceiverOptions, 'onFrame' | 'onWarning'>;

export interface StreamEvents {
  frame: [Frame];
  warning: [GigeError];
  error: [Error];
}

const size = (bytes: number): string =>
  bytes < 1048576 ? `${Math.round(bytes / 1024)} KiB` : `${(bytes / 1048576).toFixed(bytes < 10 * 1048576 ? 1 : 0)} MiB`;

/** A flow that keeps too many frames hears of it once a minute at most. */
const MEMORY_WARNING_INTERVAL_MS = 60_000;

export class Stream extends EventEmitter<StreamEvents> {
  private readonly receiver: InstanceType<typeof StreamReceiver>;
  private closing: Promise<void> | null = null;
  private readonly copies: CopyBudget;
  private memoryWarnedAt = -Infinity;
  private readonly leases: LeaseOwner = {
    release: (slot, lease) => {
      this.receiver.release(slot, lease);
    },
    handOver: (slot, lease) => this.receiver.handOver(slot, lease),
    copied: (copy) => this.copies.add(copy),
  };

  constructor(options: StreamOptions) {
    super();
    this.receiver = new StreamReceiver({
      ...options,
      onFrame: (raw: RawFrame) => this.deliverFrame(toFrame(raw, this.leases)),
      onWarning: (message: string) => this.deliver('warning', new GigeError('STREAM_WARNING', message)),
    });
    // A pool's worth of copies.
    this.copies = new CopyBudget(this.receiver.stats().bufferCount * options.maxPayloadSize);
  }

  /** The local UDP port frames arrive on (write it to the camera's SCP register). */
  get port(): number {
    return this.receiver.port;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  stats(): StreamStats {
    const stats = this.receiver.stats();
    const copies = this.copies;
    return {
      ...stats,
      // The receiver handed these over; they never reached a listener.
      framesDelivered: stats.framesDelivered - copies.dropped,
      framesDropped: stats.framesDropped + copies.dropped,
      framesDroppedMemoryLimit: copies.dropped,
      framesCopied: copies.copied,
      bytesCopied: copies.copiedBytes,
      copiesHeld: copies.held,
      copiedBytesHeld: copies.heldBytes,
      copiedBytesLimit: copies.bound,
      collectionsRequested: copies.collectionsRequested,
    };
  }

  /** Stops the receive thread and frees the socket; frames still held by JavaScript stay valid. */
  close(): Promise<void> {
    if (!this.closing) {
      this.copies.close();
      this.closing = this.receiver.close();
    }
    return this.closing;
  }

  private deliverFrame(frame: Frame): void {
    try {
      if (this.copies.admitOrDrop()) this.deliver('frame', frame);
      else if (performance.now() - this.memoryWarnedAt >= MEMORY_WARNING_INTERVAL_MS) this.warnMemoryLimit();
    } finally {
      frame.release();
    }
  }

  private warnMemoryLimit(): void {
    this.memoryWarnedAt = performance.now();
    const limit = this.receiver.stats().frameMemoryLimitBytes;
    this.deliver(
      'warning',
      new GigeError(
        'STREAM_WARNING',
        `frames dropped while garbage collection catches up: JavaScript holds ${size(this.copies.heldBytes)} of frames copied beyond` +
          ` the frame memory limit (${size(limit)}); raise the limit (memoryLimit; in Node-RED the camera config node's Frame memory)` +
          ' or keep fewer frames',
      ),
    );
  }

  private deliver<K extends 'frame' | 'warning'>(event: K, value: StreamEvents[K][0]): void {
    try {
      (this.emit as (e: string, v: unknown) => boolean)(event, value);
    } catch (err) {
      // A listener threw: report it without unwinding into the native callback.
      if (this.listenerCount('error') > 0) this.emit('error', err as Error);
      else process.emitWarning(`gige stream: a '${event}' listener threw: ${(err as Error)?.stack ?? err}`);
    }
  }
}

export function openStream(options: StreamOptions): Stream {
  return new Stream(options);
}
