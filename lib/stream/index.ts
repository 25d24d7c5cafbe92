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
 */
import { EventEmitter } from 'node:events';

import { GigeError } from '../errors';
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

export class Stream extends EventEmitter<StreamEvents> {
  private readonly receiver: InstanceType<typeof StreamReceiver>;
  private closing: Promise<void> | null = null;
  private framesCopied = 0;
  private bytesCopied = 0;
  private readonly leases: LeaseOwner = {
    release: (slot, lease) => {
      this.receiver.release(slot, lease);
    },
    handOver: (slot, lease) => this.receiver.handOver(slot, lease),
    copied: (bytes) => {
      this.framesCopied += 1;
      this.bytesCopied += bytes;
    },
  };

  constructor(options: StreamOptions) {
    super();
    this.receiver = new StreamReceiver({
      ...options,
      onFrame: (raw: RawFrame) => this.deliverFrame(toFrame(raw, this.leases)),
      onWarning: (message: string) => this.deliver('warning', new GigeError('STREAM_WARNING', message)),
    });
  }

  /** The local UDP port frames arrive on (write it to the camera's SCP register). */
  get port(): number {
    return this.receiver.port;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  stats(): StreamStats {
    return { ...this.receiver.stats(), framesCopied: this.framesCopied, bytesCopied: this.bytesCopied };
  }

  /** Stops the receive thread and frees the socket; frames still held by JavaScript stay valid. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.receiver.close();
    return this.closing;
  }

  private deliverFrame(frame: Frame): void {
    try {
      this.deliver('frame', frame);
    } finally {
      frame.release();
    }
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
