/**
 * Asking V8 for a full collection, and seeing when one ran — for streams whose memory limit binds
 * on frames JavaScript let go of but V8 has not collected yet (lib/stream/copy-budget.ts).
 *
 * V8 collects when its count of memory grows. A stream that drops frames at its limit stops
 * growing it, so V8 may never free what a flow let go of (measured: 160 MB of dropped Buffers
 * still there after 2 s idle, on to V8's idle collection 8 s later). A request tells V8 of 128 MiB
 * more external memory — twice its 64 MiB trigger, nothing allocated — and takes it back once a
 * full collection ended, or after 2 s if none came. One request at a time for the whole process;
 * copies ask at most once a second, so that many streams copying at their limits cost a
 * collection a second. A stream that starts dropping asks at once: it drops until one ran.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';

import { native } from './native';

const REQUEST_BYTES = 128 * 1024 * 1024;
const REQUEST_INTERVAL_MS = 1000;
const LONGEST_REQUEST_MS = 2000;

let watchers = 0;
let observer: PerformanceObserver | null = null;
/** performance.now() at which the last full collection seen ended. */
let lastFullCollectionEnd = -Infinity;
let pending: { at: number; timer: NodeJS.Timeout } | null = null;
let lastRequestAt = -Infinity;

/** Full collections are noted while at least one caller watches (each watch() ends with unwatch()). */
export function watchCollections(): void {
  watchers += 1;
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if ((entry as { detail?: { kind?: number } }).detail?.kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      lastFullCollectionEnd = Math.max(lastFullCollectionEnd, entry.startTime + entry.duration);
    }
    if (pending && lastFullCollectionEnd > pending.at) settle();
  });
  observer.observe({ entryTypes: ['gc'] });
}

export function unwatchCollections(): void {
  watchers -= 1;
  if (watchers > 0 || !observer) return;
  observer.disconnect();
  observer = null;
}

/** True once a full collection seen while watching ended after `since` (a performance.now()). */
export function collectedSince(since: number): boolean {
  return lastFullCollectionEnd > since;
}

/**
 * Asks V8 for a full collection, unless a request is pending or, with `paced`, one was made within
 * the last second; true if asked.
 */
export function requestCollection(paced: boolean): boolean {
  const now = performance.now();
  if (pending || (paced && now - lastRequestAt < REQUEST_INTERVAL_MS)) return false;
  lastRequestAt = now;
  watchCollections();
  native.adjustExternalMemory(REQUEST_BYTES);
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
