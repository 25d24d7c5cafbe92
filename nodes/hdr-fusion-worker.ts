/**
 * The worker thread gige-hdr-merge fuses sets in: one job at a time, samples in, 8-bit pixels out
 * (transferred, not copied). Nothing thrown here reaches Node-RED: a failed job answers with its error.
 */
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { fuseFrames, toUnitValues } from './hdr-fusion';

export interface FusionJob {
  id: number;
  width: number;
  height: number;
  frames: Array<{ samples: Uint8Array | Uint16Array; significantBits: number }>;
}

export type FusionAnswer = { id: number; pixels: Uint8Array; fuseMs: number } | { id: number; error: string };

parentPort?.on('message', (job: FusionJob) => {
  try {
    const started = performance.now();
    const pixels = fuseFrames(
      job.frames.length,
      (k) => toUnitValues(job.frames[k].samples, job.frames[k].significantBits),
      job.width,
      job.height,
    );
    const answer: FusionAnswer = { id: job.id, pixels, fuseMs: performance.now() - started };
    parentPort?.postMessage(answer, [pixels.buffer as ArrayBuffer]);
  } catch (err) {
    parentPort?.postMessage({ id: job.id, error: (err as Error).message } satisfies FusionAnswer);
  }
});
