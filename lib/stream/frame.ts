/**
 * The frame shape of docs/architecture.md, built from what the native receiver hands over, and
 * the lifecycle of the pool buffer under it.
 *
 * A frame's bytes are a view of a pool buffer, without a copy. Whoever holds a frame ends its hold
 * explicitly — progress never waits for a garbage collection:
 * - `release()` when done with it: the buffer goes back to the pool at once (idempotent). The
 *   frame's `data` and `chunkData` are empty afterwards: the pool reuses the memory.
 * - `share()` for another holder (e.g. a second consumer, an encoder that finishes later): the
 *   buffer returns when every holder has released.
 * - `detach()` to keep it for good (a flow that stores frames, a join of 10): the pool buffer
 *   becomes this frame's own memory and the pool takes another, within the stream's memory
 *   limit. At the limit the pool runs a slot short until a collected block comes back (new frames
 *   are dropped meanwhile, at no cost), while half its slots keep their blocks; beyond that the
 *   bytes are copied and the buffer returns to the pool. Copies count too: once they reach a bound
 *   (a pool's worth at first), the stream drops new frames until a collection ran
 *   (lib/stream/copy-budget.ts).
 */
import { GigeError } from '../errors';
import type { RawFrame } from './native';
import { pixelFormatName } from './pixel-formats';

export interface Frame {
  /** Image bytes: a view of the pooled buffer; read-only by contract (shared with every holder). */
  data: Buffer;
  blockId: bigint;
  timestamp: bigint;
  payloadType: number;
  pixelFormat: number;
  pixelFormatName: string;
  width: number;
  height: number;
  offsetX: number;
  offsetY: number;
  paddingX: number;
  paddingY: number;
  status: 'complete' | 'incomplete';
  /** Leader, data and trailer packets of the block. */
  packets: { expected: number; received: number; resent: number; missing: number };
  /**
   * When the block's first and last packets reached this host, in ns since the epoch on the host's
   * clock (comparable with `Date.now()`, unlike `timestamp`, which is the camera's): the kernel's
   * receive time where the socket stamps datagrams (`stats().socket.kernelTimestamps`), else when
   * the receive thread read them. The last packet is the one that completed the frame (a resent one
   * included).
   */
  received?: { firstPacket: bigint; lastPacket: bigint };
  /**
   * For 0x4001 / 0x0004: the whole block payload as chunks — for 0x4001 the image is its first
   * chunk (`data` is a view of its first bytes), then the value chunks, each followed by its tag —
   * so a backward parse ends on offset 0 (see lib/genicam/chunk-data.ts).
   */
  chunkData?: Buffer;
  chunkLayoutId?: number;
  /** This holder is done: the pool buffer returns once no holder is left. Idempotent. */
  release(): void;
  /** Another holder of the same bytes, with its own release(). */
  share(): this;
  /** Makes the bytes this holder's for good (no pool buffer held afterwards); returns this frame. */
  detach(): this;
}

/** What a frame carries, without its lifecycle: enough to encode or describe it. */
export type FrameContent = Omit<Frame, 'release' | 'share' | 'detach'>;

/** Where leases end: the stream that delivered the frame. */
export interface LeaseOwner {
  release(slot: number, lease: number): void;
  /** True when the block is JavaScript's for good; false when the memory limit refuses. */
  handOver(slot: number, lease: number): boolean;
  /** A detach() over the memory limit copied the frame into `copy` (the holder's for good). */
  copied(copy: ArrayBuffer): void;
}

/** One delivered pool slot, shared by the frame handles that hold it. */
class Lease {
  private holders = 1;
  private kept = false;

  constructor(
    private readonly owner: LeaseOwner,
    private readonly slot: number,
    private readonly id: number,
  ) {}

  get handedOver(): boolean {
    return this.kept;
  }

  hold(): void {
    this.holders += 1;
  }

  drop(): void {
    this.holders -= 1;
    if (this.holders === 0 && !this.kept) this.owner.release(this.slot, this.id);
  }

  handOver(): boolean {
    if (!this.kept) this.kept = this.owner.handOver(this.slot, this.id);
    return this.kept;
  }

  copied(copy: ArrayBuffer): void {
    this.owner.copied(copy);
  }
}

interface Hold {
  /** null: this handle holds no pool buffer (detached, copied, released, or never pooled). */
  lease: Lease | null;
  payload: Buffer;
  imageLength: number;
  released: boolean;
}

const EMPTY = Buffer.alloc(0);
const holds = new WeakMap<object, Hold>();

class PooledFrame {
  release(): void {
    const hold = holds.get(this);
    if (!hold || hold.released || !hold.lease) return;
    hold.released = true;
    const frame = this as unknown as Frame;
    frame.data = EMPTY;
    if (frame.chunkData) frame.chunkData = EMPTY;
    const lease = hold.lease;
    hold.lease = null;
    lease.drop();
  }

  share(): this {
    const hold = holdOf(this, 'share');
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this)) as this, this);
    const lease = hold.lease && !hold.lease.handedOver ? hold.lease : null;
    lease?.hold();
    holds.set(copy, { lease, payload: hold.payload, imageLength: hold.imageLength, released: false });
    return copy;
  }

  detach(): this {
    const hold = holdOf(this, 'detach');
    const lease = hold.lease;
    if (!lease) return this;
    let copied: ArrayBuffer | null = null;
    if (!lease.handOver()) {
      // Over the stream's memory limit: this holder gets its own copy; the pool its buffer back.
      // allocUnsafeSlow: an ArrayBuffer of its own (never Node's shared pool), which the stream
      // registers to see when it is collected. Should it throw, the holder still holds the frame.
      const copy = Buffer.allocUnsafeSlow(hold.payload.length);
      hold.payload.copy(copy);
      hold.payload = copy;
      const frame = this as unknown as Frame;
      frame.data = copy.subarray(0, hold.imageLength);
      if (frame.chunkData) frame.chunkData = copy;
      copied = copy.buffer;
    }
    hold.lease = null;
    lease.drop();
    if (copied) lease.copied(copied);
    return this;
  }
}

function holdOf(frame: object, operation: string): Hold {
  const hold = holds.get(frame);
  if (!hold) throw new GigeError('INVALID_ARGUMENT', `${operation}(): not a frame delivered by a stream`);
  if (hold.released) {
    throw new GigeError(
      'FRAME_RELEASED',
      `${operation}(): the frame was already released, its buffer reused; share() or detach() it while still holding it`,
    );
  }
  return hold;
}

const CHUNK_FLAG = 0x4000;
const CHUNK_DATA = 0x0004;

/** A frame handle over `raw`'s pool slot; `owner` ends the slot's lease. */
export function toFrame(raw: RawFrame, owner: LeaseOwner): Frame {
  const payload = Buffer.from(raw.buffer, 0, raw.payloadLength);
  const frame = Object.assign(new PooledFrame(), {
    data: payload.subarray(0, raw.imageLength),
    blockId: raw.blockId,
    timestamp: raw.timestamp,
    payloadType: raw.payloadType,
    pixelFormat: raw.pixelFormat,
    pixelFormatName: pixelFormatName(raw.pixelFormat),
    width: raw.width,
    height: raw.height,
    offsetX: raw.offsetX,
    offsetY: raw.offsetY,
    paddingX: raw.paddingX,
    paddingY: raw.paddingY,
    status: raw.complete ? 'complete' : 'incomplete',
    packets: {
      expected: raw.expectedPackets,
      received: raw.receivedPackets,
      resent: raw.resentPackets,
      missing: raw.missingPackets,
    },
  }) as Frame;
  if (raw.hostFirstPacketNs !== undefined && raw.hostLastPacketNs !== undefined) {
    frame.received = { firstPacket: raw.hostFirstPacketNs, lastPacket: raw.hostLastPacketNs };
  }
  if ((raw.payloadType & CHUNK_FLAG) !== 0 || (raw.payloadType & 0x3fff) === CHUNK_DATA) {
    // The whole payload: the parser walks back from the last tag to the image's own, at offset 0.
    frame.chunkData = payload;
    if (raw.chunkLayoutId !== undefined) frame.chunkLayoutId = raw.chunkLayoutId;
  }
  const lease = raw.slot !== undefined && raw.lease !== undefined ? new Lease(owner, raw.slot, raw.lease) : null;
  holds.set(frame, { lease, payload, imageLength: raw.imageLength, released: false });
  return frame;
}
