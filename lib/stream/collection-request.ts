/**
 * Asking V8 for a full collection, and seeing when one ran — for streams whose memory limit binds
 * on frames JavaScript let go of but V8 has not collected yet (lib/stream/copy-budget.ts).
 *
 * V8 collects when its count of memory grows. A stream that drops frames at its limit stops
 * growing it, so V8 may never free what a flow let go of (measured: 160 MB of dropped Buffers
 * still there after 2 s idle, on to V8's idle collection 8 s later). A request tells V8 of 128 MiB
 * more external memory — twice its 64 MiB trigger, nothing allocated — and takes it back once a
 * full collection ended, or after 2 s if none came. One request at a time for the whole process.
 * Copies ask at most once a second; a stream that drops asks whenever no request is pending, since
 * it drops until a collection ran. (A V8 that stops starting collections on external memory
 * alone would leave each wait to its 2 s: copy-budget.ts then doubles its bound.)
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';

import { native } from './native';

const REQUEST_BYTES = 128 * 1024 * 1024;
const REQUEST_INTERVAL_MS = 1000;
const LONGEST_REQUEST_MS = 2000;

let watchers = 0;
let observer: PerformanceObserver | null = null;
/** performance.now() at which the marking of the last full collection seen began. */
let lastCollectionMarkingStart = -Infinity;
/** Marking under way: the start of its first incremental step, until its full collection ends. */
let markingStart: number | null = null;
let pending: { at: number; timer: NodeJS.Timeout } | null = null;
let lastRequestAt = -Infinity;

function kindOf(entry: PerformanceEntry): number | undefined {
  return (entry as { detail?: { kind?: number } }).detail?.kind;
}

/** Full collections are noted while at least one caller watches (each watch() ends with unwatch()). */
export function watchCollections(): void {
  watchers += 1;
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    let began = -Infinity;
    let ended = -Infinity;
    for (const entry of list.getEntries()) {
      const kind = kindOf(entry);
      if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) markingStart ??= entry.startTime;
      if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      // Frames dropped after its marking began may have outlived it: a collection counts from there.
      began = Math.max(began, markingStart ?? entry.startTime);
      ended = Math.max(ended, entry.startTime + entry.duration);
      markingStart = null;
    }
    if (ended === -Infinity) return;
    // Noted a turn later: by then V8 has run the finalisers the collection queued, so a stream
    // that sees it also sees what it freed.
    setImmediate(() => {
      lastCollectionMarkingStart = Math.max(lastCollectionMarkingStart, began);
      // V8 answered (a request made while it marked already was answered by that collection).
      if (pending && ended >= pending.at) settle();
    });
  });
  observer.observe({ entryTypes: ['gc'] });
}

export function unwatchCollections(): void {
  watchers -= 1;
  if (watchers > 0 || !observer) return;
  observer.disconnect();
  observer = null;
  markingStart = null;
}

/** True once a full collection whose marking began at or after `since` (a performance.now()) was seen while watching. */
export function collectedSince(since: number): boolean {
  return lastCollectionMarkingStart >= since;
}

/**
 * Asks V8 for a full collection, unless a request is pending or, with `paced`, one was made within
 * the last second; true if asked.
 */
export function requestCollection(paced: boolean): boolean {
  const now = performance.now();
  if (pending || (paced && now - lastRequestAt < REQUEST_INTERVAL_MS)) return false;
  try {
    native.adjustExternalMemory(REQUEST_BYTES);
  } catch {
    return false; // an addon without it (see native.ts): V8 collects on its own, later
  }
  lastRequestAt = now;
  watchCollections();
  const timer = setTimeout(settle, LONGEST_REQUEST_MS);
  timer.unref();
  pending = { at: now, timer };
  return true;
}

/** The request is answered (or given up on): V8's count goes back to the memory that exists. */
function settle(): void {
  if (!pending) return;
  clearTimeout(pending.timer);
  pending = null;
  native.adjustExternalMemory(-REQUEST_BYTES);
  unwatchCollections();
}
