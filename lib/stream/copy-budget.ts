/**
 * The bound on frames `detach()` copied at the memory limit (lib/stream/frame.ts).
 *
 * Past the limit each kept frame is copied on the event loop, and nothing but V8's collections
 * bounded the copies — collections the copying itself delayed: at ~1 GB/s Node-RED grew to 6 GB
 * and stopped answering (bench/README.md, ninth session). Now, once the copies not collected yet
 * reach a bound — a pool's worth at first — the stream drops new frames and asks V8 for a collection
 * (lib/stream/collection-request.ts), until the copies are back under it or a collection has run
 * (at most 2 s). Copies that outlive a collection are ones the flow keeps (a ring of recent frames,
 * a join that lets go only when more come): the bound then doubles, and frames flow again — a flow
 * that keeps frames never stops the stream. It comes back down to a pool's worth as the flow lets go.
 */
import { collectedSince, requestCollection, unwatchCollections, watchCollections } from './collection-request';

/** Longest a stream drops frames for one collection that does not come. */
const LONGEST_WAIT_MS = 2000;

export class CopyBudget {
  /** Copies not collected yet, and their bytes. */
  held = 0;
  heldBytes = 0;
  copied = 0;
  copiedBytes = 0;
  dropped = 0;
  collectionsRequested = 0;
  /** Copied bytes held at which new frames wait for a collection. */
  bound: number;
  /** performance.now() since which frames are dropped for a collection; null while they flow. */
  private waitingSince: number | null = null;
  private readonly collected = new FinalizationRegistry<number>((bytes) => {
    this.held -= 1;
    this.heldBytes -= bytes;
  });

  constructor(
    /** A pool's worth of bytes: the bound while the flow keeps no copies for long. */
    readonly poolBytes: number,
  ) {
    this.bound = poolBytes;
  }

  /** `copy` is one a detach() made; only its own ArrayBuffer (Buffer.allocUnsafeSlow) may be registered. */
  add(copy: ArrayBuffer): void {
    this.held += 1;
    this.heldBytes += copy.byteLength;
    this.copied += 1;
    this.copiedBytes += copy.byteLength;
    this.collected.register(copy, copy.byteLength);
    // A copy means the limit binds: the collection that frees kept frames is late.
    this.request(true);
  }

  /** Whether a new frame may be delivered; when not, it is counted as dropped. */
  admitOrDrop(): boolean {
    if (this.heldBytes < this.bound) {
      if (this.waitingSince !== null) {
        // A collection freed enough: a pool's worth of room above what it left, so that a flow
        // that keeps a few frames is not back here at the next copy.
        this.bound = Math.max(this.poolBytes, this.heldBytes + this.poolBytes);
        this.endWait();
      } else {
        // As the flow lets go, the bound comes back down to a pool's worth.
        this.bound = Math.min(this.bound, Math.max(this.poolBytes, this.heldBytes + this.poolBytes));
      }
      return true;
    }
    const now = performance.now();
    if (this.waitingSince === null) {
      this.waitingSince = now;
      watchCollections();
    } else if (collectedSince(this.waitingSince) || now - this.waitingSince >= LONGEST_WAIT_MS) {
      // The copies outlived a collection (or none came): the flow keeps them.
      this.bound = Math.max(2 * this.heldBytes, this.heldBytes + this.poolBytes);
      this.endWait();
      return true;
    }
    // Asked at each drop, so that a request already pending for something else is followed by one.
    this.request(false);
    this.dropped += 1;
    return false;
  }

  /** The stream closed: nothing waits any more. */
  close(): void {
    this.endWait();
  }

  private request(paced: boolean): void {
    if (requestCollection(paced)) this.collectionsRequested += 1;
  }

  private endWait(): void {
    if (this.waitingSince === null) return;
    this.waitingSince = null;
    unwatchCollections();
  }
}
