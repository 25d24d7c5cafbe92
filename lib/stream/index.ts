/**
 * The TypeScript face of the native receiver: `openStream(options)` gives a `Stream` that emits
 * `'frame'` (a `Frame`), `'warning'` (a GigeError describing a diagnosable problem: socket buffer
 * too small, packet size above the MTU, camera ignoring resends, …) and `'error'`. Nothing thrown
 * by a listener escapes into the native callback.
 */
import { EventEmitter } from 'node:events';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

import { GigeError } from '../errors';
import { toFrame, type Frame } from './frame';
import { StreamReceiver, type RawFrame, type StreamReceiverOptions, type StreamStats } from './native';

export type { Frame } from './frame';
export type { ResendOptions, StreamStats, StreamSocketInfo } from './native';
export * from './pixel-formats';
export { unpackMono12Packed, unpackMono12p, unpackToMono16 } from './native';

export type StreamOptions = Omit<StreamReceiverOptions, 'onFrame' | 'onWarning' | 'onPoolLow'>;

/**
 * A frame's pool buffer comes back when V8 collects its dropped Buffer. Under external-memory
 * pressure V8 does that with full collections (measured: ~30 % of the receiving process's CPU at
 * 2 GB/s); a young-generation collection finds freshly dropped frames in ~0.3 ms. Node offers one
 * only through the gc function of --expose-gc, which a new context sees once the flag is set (the
 * flag is process-wide but changes nothing else: `global.gc` of existing contexts stays undefined).
 */
const minorCollection: (() => void) | null = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
    return typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
  } catch {
    return null;
  }
})();

export interface StreamEvents {
  frame: [Frame];
  warning: [GigeError];
  error: [Error];
}

export class Stream extends EventEmitter<StreamEvents> {
  private readonly receiver: InstanceType<typeof StreamReceiver>;
  private closing: Promise<void> | null = null;

  constructor(options: StreamOptions) {
    super();
    this.receiver = new StreamReceiver({
      ...options,
      onFrame: (raw: RawFrame) => this.deliver('frame', toFrame(raw)),
      onWarning: (message: string) => this.deliver('warning', new GigeError('STREAM_WARNING', message)),
      ...(minorCollection ? { onPoolLow: minorCollection } : {}),
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
    return this.receiver.stats();
  }

  /** Stops the receive thread and frees the socket; frames still held by JavaScript stay valid. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.receiver.close();
    return this.closing;
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
