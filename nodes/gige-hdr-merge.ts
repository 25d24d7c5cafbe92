/**
 * gige-hdr-merge: a multi-frame set (manual 5.11: the camera cycles the exposure through 2 or 4
 * values) in, one 8-bit image out, by exposure fusion (hdr-fusion.ts) in a worker thread. With a
 * folder set, the raw set is saved alongside the merged image: one new folder per set, the frames
 * as 16-bit TIFF/PNG (or raw) with their sidecars, the merged image and a set.json listing them.
 * Input: gige-grab's whole sets (output "sets", encoding raw): msg.payload an array of frames,
 * msg.image an array of their metadata.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { GigeError, quoteInput } from '../lib/errors';
import {
  FILE_FORMATS,
  FileFormat,
  FrameRecord,
  frameBaseName,
  makeNewDirectory,
  safeNamePart,
  writeFrame,
  writeNew,
} from './gige-record-files';
import { FrameIn, framesOfSet, samplesOf } from './hdr-set-frames';
import { ThrottledStatus } from './gige-record-status';
import { FusionWorker } from './hdr-fusion-pool';

interface HdrMergeDef extends NodeDef {
  output: 'png' | 'jpeg' | 'raw';
  folder: string;
  rawFormat: FileFormat;
}

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage) => void;

const OUTPUTS = ['png', 'jpeg', 'raw'] as const;
/** Sets waiting while one is fused; beyond that a set is skipped (counted in the status). */
const MAX_WAITING = 1;

export = function register(RED: NodeAPI): void {
  function GigeHdrMergeNode(this: Node, def: HdrMergeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const output = def.output ?? 'png';
    const rawFormat = def.rawFormat ?? 'tiff';
    const folder = String(def.folder ?? '').trim();
    const badConfig = !OUTPUTS.includes(output)
      ? `Output ${quoteInput(output)} is not supported; allowed: ${OUTPUTS.join(', ')}`
      : !FILE_FORMATS.includes(rawFormat)
        ? `Raw set format ${quoteInput(rawFormat)} is not supported; allowed: ${FILE_FORMATS.join(', ')}`
        : null;
    if (badConfig) {
      const err = new GigeError('BAD_CONFIG', badConfig);
      node.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      node.error(err.message);
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(err));
      return;
    }
    const status = new ThrottledStatus(node, 1000);
    const worker = new FusionWorker();
    let merged = 0;
    let skipped = 0;
    let waiting = 0;
    let closed = false;
    let queue: Promise<unknown> = Promise.resolve();
    const show = (busy: boolean) =>
      status.update(
        skipped
          ? { fill: 'yellow', shape: 'ring', text: `${merged} merged, ${skipped} skipped` }
          : { fill: busy ? 'yellow' : 'green', shape: busy ? 'ring' : 'dot', text: busy ? `merging (${merged} done)` : `${merged} merged` },
      );
    node.status({ fill: 'grey', shape: 'dot', text: 'waiting for a set' });

    const merge = async (msg: NodeMessageInFlow, frames: FrameIn[]) => {
      const { width, height } = frames[0].image;
      const started = performance.now();
      const { pixels, fuseMs } = await worker.fuse({ width, height, frames: frames.map(samplesOf) });
      const picture = sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w');
      const encoded =
        output === 'raw'
          ? Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength)
          : output === 'jpeg'
            ? await picture.jpeg({ quality: 90 }).toBuffer()
            : await picture.png({ compressionLevel: 3 }).toBuffer();
      const first = frames[0].image;
      const serial =
        typeof first.serial === 'string' && first.serial ? first.serial : typeof msg.topic === 'string' && msg.topic ? msg.topic : 'camera';
      const image: Record<string, unknown> = {
        width,
        height,
        pixelFormat: 'Mono8',
        encoding: output,
        timestamp: first.timestamp,
        serial,
        set: first.set ? { ...(first.set as object), index: undefined } : undefined,
        exposures: frames.map((f) => (f.image.chunks as Record<string, unknown> | undefined)?.ChunkExposureTime ?? null),
        hdr: { frames: frames.length, fuseMs: Math.round(fuseMs), mergeMs: 0 },
      };
      let saved: Record<string, unknown> | undefined;
      if (folder) {
        const records: FrameRecord[] = frames.map((f) => ({ payload: f.payload, image: f.image, camera: serial }));
        const dir = await makeNewDirectory(folder, `${frameBaseName(records[0])}-hdr`);
        const files = [];
        for (const [i, record] of records.entries()) {
          const written = await writeFrame(dir, record, rawFormat, true);
          files.push({
            index: i,
            file: path.basename(written.file),
            sidecar: written.sidecar && path.basename(written.sidecar),
            exposureTime: (image.exposures as unknown[])[i],
            frameId: record.image.frameId,
            timestamp: record.image.timestamp,
          });
        }
        const mergedFile = await writeNew(
          dir,
          `${safeNamePart(serial)}-merged`,
          output === 'jpeg' ? 'jpg' : output === 'png' ? 'png' : 'raw',
          encoded,
        );
        saved = { folder: dir, merged: path.basename(mergedFile), files };
        await fs.writeFile(path.join(dir, 'set.json'), `${JSON.stringify({ ...saved, image }, null, 2)}\n`, { flag: 'wx' });
      }
      (image.hdr as Record<string, number>).mergeMs = Math.round(performance.now() - started);
      const out: Record<string, unknown> = { ...msg, payload: encoded, image };
      if (saved) out.saved = saved;
      return out as NodeMessage;
    };

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (closed) {
        done(new GigeError('NODE_CLOSED', 'gige-hdr-merge was closed (redeployed or removed) before this set was merged'));
        return;
      }
      let frames: FrameIn[];
      try {
        frames = framesOfSet(msg as unknown as Record<string, unknown>);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (waiting > MAX_WAITING) {
        skipped += 1;
        show(true);
        done();
        return;
      }
      waiting += 1;
      show(true);
      queue = queue
        .then(() => merge(msg, frames))
        .then(
          (out) => {
            merged += 1;
            send(out);
            done();
          },
          (err: Error) => done(err),
        )
        .finally(() => {
          waiting -= 1;
          show(waiting > 0);
        });
    });

    node.on('close', (_removed: boolean, closeDone: () => void) => {
      closed = true;
      status.stop();
      // A set being written finishes (its folder stays whole); the worker ends after it.
      const timer = setTimeout(() => {
        worker.stop().then(closeDone, closeDone);
      }, 10000);
      queue
        .then(() => worker.stop())
        .then(
          () => {
            clearTimeout(timer);
            closeDone();
          },
          () => {
            clearTimeout(timer);
            closeDone();
          },
        );
    });
  }

  RED.nodes.registerType('gige-hdr-merge', GigeHdrMergeNode as never);
};
