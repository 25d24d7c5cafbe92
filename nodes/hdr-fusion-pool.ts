/**
 * One worker thread per gige-hdr-merge node, started with the first set and ended with the node:
 * fusing a 4504² set takes seconds, which must not stall Node-RED's event loop. A worker that
 * dies fails the job it had, and the next job starts a new one.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { GigeError } from '../lib/errors';
import type { FusionAnswer, FusionJob } from './hdr-fusion-worker';

/** Running from source (tests through tsx), the worker loads tsx too; compiled, it is plain JS. */
function workerFile(): { file: string; execArgv: string[] } {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `hdr-fusion-worker${ext}`);
  return { file, execArgv: ext === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [] };
}

export class FusionWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (a: { pixels: Uint8Array; fuseMs: number }) => void; reject: (e: Error) => void }
  >();

  fuse(job: Omit<FusionJob, 'id'>): Promise<{ pixels: Uint8Array; fuseMs: number }> {
    const worker = this.started();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id } satisfies FusionJob);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const { file, execArgv } = workerFile();
    const worker = new Worker(file, { execArgv });
    worker.unref();
    worker.on('message', (answer: FusionAnswer) => {
      const job = this.pending.get(answer.id);
      if (!job) return;
      this.pending.delete(answer.id);
      if ('error' in answer) job.reject(new GigeError('HDR_FAILED', `Exposure fusion failed: ${answer.error}`));
      else job.resolve({ pixels: answer.pixels, fuseMs: answer.fuseMs });
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = null;
      for (const job of this.pending.values())
        job.reject(new GigeError('HDR_FAILED', `The exposure fusion worker stopped: ${err.message}`));
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
