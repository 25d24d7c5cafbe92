/**
 * gige-record: frames to disk without losing or overwriting one.
 * - "ring" mode keeps the last N frames in memory (bounded in count and MB, shown in the status)
 *   and, on a `msg.action = "record"` message (a PLC fault, an NG result), writes them and the
 *   next M frames into a new folder, with a capture.json that lists them in order.
 * - "every" mode writes every frame as it comes, through a bounded queue: frames the disk cannot
 *   take in time are counted and reported, never silently lost.
 * Frame messages are gige-grab's raw (or encoded) frames: raw ones are already detached from the
 * stream's pool (they count against the camera config node's frame memory while held here).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { GigeError, quoteInput } from '../lib/errors';
import {
  FILE_FORMATS,
  FileFormat,
  FrameRecord,
  frameRecordOf,
  makeNewDirectory,
  safeNamePart,
  writeFrame,
  WrittenFrame,
} from './gige-record-files';
import { FrameHoldings, FrameQueue, FrameRing } from './gige-record-ring';
import { ThrottledStatus } from './gige-record-status';

interface RecordDef extends NodeDef {
  mode: 'ring' | 'every';
  folder: string;
  format: FileFormat;
  sidecar: boolean;
  preFrames: string;
  postFrames: string;
  maxMemory: string;
}

type Done = (err?: Error) => void;
type Send = (msg: NodeMessage) => void;

const MB = 1024 * 1024;
/** A node close waits this long for writes in progress (Node-RED gives up at 15 s). */
const CLOSE_BUDGET_MS = 10000;
/** Captures being collected or written at once; a trigger beyond that is refused. */
const MAX_CAPTURES = 4;
/** Frames encoded and written at once in "every" mode (the encoder itself uses libvips' threads). */
const WRITERS = 2;

/** One capture: the ring's frames at the trigger, the frames after it, and where they go. */
interface Capture {
  msg: NodeMessageInFlow;
  send: Send;
  done: Done;
  reason: string;
  triggeredAt: string;
  pre: FrameRecord[];
  post: FrameRecord[];
  postWanted: number;
  finished: boolean;
}

function checkRecordDef(def: RecordDef): {
  mode: 'ring' | 'every';
  format: FileFormat;
  pre: number;
  post: number;
  maxBytes: number;
  folder: string;
} {
  const mode = def.mode ?? 'ring';
  if (mode !== 'ring' && mode !== 'every')
    throw new GigeError('BAD_CONFIG', `Mode ${quoteInput(mode)} is not a record mode; allowed: ring, every`);
  const format = def.format ?? 'tiff';
  if (!FILE_FORMATS.includes(format))
    throw new GigeError('BAD_CONFIG', `Format ${quoteInput(format)} is not supported; allowed: ${FILE_FORMATS.join(', ')}`);
  const folder = String(def.folder ?? '').trim();
  if (!folder) throw new GigeError('BAD_CONFIG', 'Folder is empty: give the directory frames are written to, e.g. /data/frames');
  return {
    mode,
    format,
    folder,
    pre: integerIn(def.preFrames, 10, mode === 'ring' ? 1 : 1, 10000, mode === 'ring' ? 'Frames before' : 'Queue length'),
    post: integerIn(def.postFrames, 5, 0, 10000, 'Frames after'),
    maxBytes: integerIn(def.maxMemory, 512, 1, 1024 * 1024, 'Memory', 'MB') * MB,
  };
}

function integerIn(text: string | undefined, fallback: number, min: number, max: number, what: string, unit = ''): number {
  if (text === undefined || String(text).trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new GigeError('BAD_CONFIG', `${what} ${quoteInput(text)} is out of range; allowed ${min} … ${max}${unit ? ` ${unit}` : ''}`);
  }
  return value;
}

export = function register(RED: NodeAPI): void {
  function GigeRecordNode(this: Node, def: RecordDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let options: ReturnType<typeof checkRecordDef>;
    try {
      options = checkRecordDef(def);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: Send, done: Done) => done(err as Error));
      return;
    }
    const { mode, format, folder, pre, post, maxBytes } = options;
    const sidecar = def.sidecar !== false;
    const holdings = new FrameHoldings();
    const status = new ThrottledStatus(node, 1000);
    const ring = new FrameRing(holdings, pre, maxBytes);
    const queue = new FrameQueue(holdings, pre, maxBytes);
    const waiting = new Map<FrameRecord, { msg: NodeMessageInFlow; send: Send; done: Done }>();
    const captures: Capture[] = [];
    let written = 0;
    let lost = 0;
    let writers = 0;
    let closed = false;
    let lastLossWarning = 0;
    let work: Promise<unknown> = Promise.resolve();
    const idle: Array<() => void> = [];

    const megabytes = () => `${Math.round(holdings.bytes / MB)} MB`;
    const showStatus = () => {
      if (mode === 'every') {
        status.update(
          lost
            ? { fill: 'yellow', shape: 'ring', text: `${written} written, ${lost} lost` }
            : { fill: 'green', shape: 'dot', text: `${written} written` },
        );
        return;
      }
      const active = captures.find((c) => !c.finished);
      status.update(
        active
          ? { fill: 'yellow', shape: 'ring', text: `saving ${active.post.length}/${active.postWanted} after` }
          : { fill: 'green', shape: 'dot', text: `${ring.length} frames, ${megabytes()}` },
      );
    };
    showStatus();

    const settleIfIdle = () => {
      if (writers === 0 && captures.length === 0 && queue.length === 0) for (const resolve of idle.splice(0)) resolve();
    };

    // ---- "every" mode: a bounded queue drained by a few writers ----
    const drain = () => {
      while (writers < WRITERS) {
        const record = queue.take();
        if (!record) {
          settleIfIdle();
          return;
        }
        const origin = waiting.get(record);
        waiting.delete(record);
        writers += 1;
        writeFrame(folder, record, format, sidecar)
          .then(
            (file) => {
              written += 1;
              origin?.send(writtenMessage(origin.msg, file, record));
              origin?.done();
            },
            (err: Error) => {
              lost += 1;
              origin?.done(err);
            },
          )
          .finally(() => {
            holdings.drop(record);
            writers -= 1;
            showStatus();
            drain();
          });
      }
    };
    // The folder is made with the first frame, not at deploy: a mistyped path shows with a frame.
    let madeFolder: Promise<string> | null = null;
    const ensureFolder = () =>
      (madeFolder ??= fs.mkdir(folder, { recursive: true }).then(
        () => folder,
        (err: Error) => {
          madeFolder = null;
          throw err;
        },
      ));

    const writtenMessage = (msg: NodeMessageInFlow, file: WrittenFrame, record: FrameRecord): NodeMessage => {
      const out: Record<string, unknown> = { ...msg, payload: file.file, filename: file.file, sidecar: file.sidecar, image: record.image };
      return out as NodeMessage;
    };

    const everyFrame = (record: FrameRecord, msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (!queue.offer(record)) {
        lost += 1;
        showStatus();
        if (Date.now() - lastLossWarning > 10000) {
          lastLossWarning = Date.now();
          node.warn(
            `${lost} frames not written so far: the disk (or the encoder) is slower than the frames arrive; queue full at ${queue.maxFrames} frames / ${Math.round(queue.maxBytes / MB)} MB`,
          );
        }
        done();
        return;
      }
      waiting.set(record, { msg, send, done });
      ensureFolder().then(drain, (err: Error) => {
        // The folder cannot be made: every queued frame fails with that reason.
        for (let r = queue.take(); r; r = queue.take()) {
          const origin = waiting.get(r);
          waiting.delete(r);
          holdings.drop(r);
          lost += 1;
          origin?.done(new GigeError('WRITE_FAILED', `Cannot create folder ${folder}: ${err.message}`));
        }
        showStatus();
        settleIfIdle();
      });
    };

    // ---- "ring" mode: captures ----
    const frameIntoRing = (record: FrameRecord) => {
      for (const capture of captures) {
        if (capture.finished || capture.post.length >= capture.postWanted) continue;
        holdings.hold(record);
        capture.post.push(record);
        if (capture.post.length >= capture.postWanted) finishCapture(capture);
      }
      ring.push(record);
      showStatus();
    };

    const startCapture = (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (captures.length >= MAX_CAPTURES) {
        done(
          new GigeError('BUSY', `${captures.length} captures are still being recorded; this one was not started (limit ${MAX_CAPTURES})`),
        );
        return;
      }
      const reasonText = (msg as { reason?: unknown }).reason ?? (typeof msg.payload === 'string' ? msg.payload : '');
      const capture: Capture = {
        msg,
        send,
        done,
        reason: (typeof reasonText === 'string' ? reasonText : (JSON.stringify(reasonText) ?? '')).slice(0, 200),
        triggeredAt: new Date().toISOString(),
        pre: ring.snapshot(),
        post: [],
        postWanted: post,
        finished: false,
      };
      captures.push(capture);
      if (post === 0) finishCapture(capture);
      showStatus();
    };

    // Writes a capture (once its frames are in) behind the captures before it: one disk job at a time.
    const finishCapture = (capture: Capture) => {
      if (capture.finished) return;
      capture.finished = true;
      work = work
        .then(() => writeCapture(capture))
        .then(
          (summary) => {
            capture.send({ ...capture.msg, payload: summary } as NodeMessage);
            capture.done();
          },
          (err: Error) => capture.done(err),
        )
        .finally(() => {
          for (const record of [...capture.pre, ...capture.post]) holdings.drop(record);
          captures.splice(captures.indexOf(capture), 1);
          showStatus();
          settleIfIdle();
        });
    };

    const writeCapture = async (capture: Capture) => {
      const frames = [...capture.pre.map((r) => ({ r, when: 'before' })), ...capture.post.map((r) => ({ r, when: 'after' }))];
      const camera = frames.length ? frames[frames.length - 1].r.camera : 'camera';
      const stamp = capture.triggeredAt.replace(/[:.]/g, '').replace(/-/g, '');
      const dir = await makeNewDirectory(folder, `${safeNamePart(camera)}-${stamp}`);
      const files: Array<{ file: string; sidecar: string | null; when: string; frameId: unknown; timestamp: string }> = [];
      for (const { r, when } of frames) {
        const file = await writeFrame(dir, r, format, sidecar);
        written += 1;
        files.push({
          file: path.basename(file.file),
          sidecar: file.sidecar && path.basename(file.sidecar),
          when,
          frameId: r.image.frameId,
          timestamp: r.image.timestamp,
        });
      }
      const summary = {
        folder: dir,
        reason: capture.reason,
        triggeredAt: capture.triggeredAt,
        before: capture.pre.length,
        after: capture.post.length,
        afterWanted: capture.postWanted,
        complete: capture.post.length === capture.postWanted,
        files,
      };
      await fs.writeFile(path.join(dir, 'capture.json'), `${JSON.stringify(summary, null, 2)}\n`, { flag: 'wx' });
      return summary;
    };

    node.on('input', (msg: NodeMessageInFlow, send: Send, done: Done) => {
      if (closed) {
        done(new GigeError('NODE_CLOSED', 'gige-record was closed (redeployed or removed) before this message was handled'));
        return;
      }
      const action = (msg as { action?: unknown }).action;
      if (action === 'record') {
        if (mode !== 'ring') {
          done(new GigeError('BAD_ACTION', 'msg.action "record" needs mode "keep the last frames" (ring); this node writes every frame'));
          return;
        }
        startCapture(msg, send, done);
        return;
      }
      let record: FrameRecord | null;
      try {
        record = frameRecordOf(msg as unknown as Record<string, unknown>);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (!record || action !== undefined) {
        done(
          new GigeError(
            'NOT_A_FRAME',
            `gige-record takes frames (msg.payload a Buffer with msg.image, as gige-grab sends them) and msg.action "record"; got ${action !== undefined ? `msg.action ${quoteInput(action)}` : 'a message without a frame'}`,
          ),
        );
        return;
      }
      if (mode === 'every') {
        everyFrame(record, msg, send, done);
        return;
      }
      frameIntoRing(record);
      done();
    });

    node.on('close', (_removed: boolean, closeDone: () => void) => {
      closed = true;
      // Captures still waiting for frames are written with what they have (marked incomplete).
      for (const capture of [...captures]) finishCapture(capture);
      const finished = new Promise<void>((resolve) => {
        idle.push(resolve);
        settleIfIdle();
      });
      const timer = setTimeout(() => {
        node.warn(`closing: writes still running after ${CLOSE_BUDGET_MS} ms (${queue.length} frames queued)`);
        idle.length = 0;
        closeDone();
      }, CLOSE_BUDGET_MS);
      finished.then(
        () => {
          clearTimeout(timer);
          ring.clear();
          status.stop();
          closeDone();
        },
        () => undefined,
      );
    });
  }

  RED.nodes.registerType('gige-record', GigeRecordNode as never);
};
