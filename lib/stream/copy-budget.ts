/**
 * The bound on frames `detach()` copied at the memory limit (lib/stream/frame.ts): a stream drops
 * new frames while more than a pool's worth of copies is not collected yet.
 *
 * Only a collection frees a copy, and V8 collects when its count of memory grows — which stops
 * once the stream drops instead of copying. A flow that let go of its copies would then wait for a
 * collection that never comes (measured: 277 frames dropped in a row, no collection in 6 s). So a
 * drop asks V8 to collect, and so does a copy (the limit binds: the collection is late already):
 * it counts 128 MiB more — an allocation never written to, so it takes address space, not memory —
 * which is over V8's external-memory trigger (its count since the last full collection plus
 * 64 MiB); that collection frees the allocation too. A new request
 * waits a second after the last — whether or not V8 collected for it: one made while a
 * collection was under way survives that one, and V8 need not start another — so that copies a
 * flow really keeps cost a collection a second, not one per dropped frame.
 */

/** V8 starts a full collection once its external count is 64 MiB over the last one's: twice that. */
const COLLECTION_REQUEST_BYTES = 128 * 1024 * 1024;
const COLLECTION_REQUEST_INTERVAL_MS = 1000;

export class CopyBudget {
  /** Copies not collected yet, and their bytes. */
  held = 0;
  heldBytes = 0;
  copied = 0;
  copiedBytes = 0;
  dropped = 0;
  collectionsRequested = 0;
  private lastRequestAt = -Infinity;
  private readonly collected = new FinalizationRegistry<number>((bytes) => {
    this.held -= 1;
    this.heldBytes -= bytes;
  });

  constructor(
    /** Copied bytes held at most before new frames are dropped. */
    readonly limitBytes: number,
  ) {}

  add(copy: ArrayBuffer): void {
    this.held += 1;
    this.heldBytes += copy.byteLength;
    this.copied += 1;
    this.copiedBytes += copy.byteLength;
    this.collected.register(copy, copy.byteLength);
    // A copy means the limit binds: the collection that frees kept frames is late.
    this.requestCollection();
  }

  /** False when a new frame must be dropped (counted; a collection is asked for). */
  admits(): boolean {
    if (this.heldBytes < this.limitBytes) return true;
    this.dropped += 1;
    this.requestCollection();
    return false;
  }

  private requestCollection(): void {
    const now = performance.now();
    if (now - this.lastRequestAt < COLLECTION_REQUEST_INTERVAL_MS) return;
    this.lastRequestAt = now;
    try {
      // Dropped at once: V8 counted it, and will free it.
      Buffer.allocUnsafeSlow(COLLECTION_REQUEST_BYTES);
      this.collectionsRequested += 1;
    } catch {
      // No address space for it (a ulimit -v): the next drop a second later tries again.
    }
  }
}
