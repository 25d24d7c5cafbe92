/**
 * gige-frame-set: frames of N cameras in, one message per trigger out — the frames whose device
 * timestamps agree within a tolerance (see gige-frame-set-join.ts). A set still missing a camera
 * after the timeout leaves on the second output, naming who is missing.
 */
import type { NodeAPI, Node, NodeDef, NodeMessageInFlow } from 'node-red';
import { GigeError, quoteInput } from '../lib/errors';
import { FrameSet, FrameSetJoiner } from './gige-frame-set-join';
import { ThrottledStatus } from './gige-record-status';

interface FrameSetDef extends NodeDef {
  cameras: string;
  count: string;
  cameraProperty: string;
  toleranceUs: string;
  timeoutMs: string;
}

type Done = (err?: Error) => void;

interface Member {
  msg: NodeMessageInFlow & { image?: Record<string, unknown> };
  done: Done;
}

/** Open sets held at most (each holds a frame per camera that arrived). */
const MAX_OPEN_SETS = 8;

function checkFrameSetDef(def: FrameSetDef): {
  cameras: string[];
  count: number;
  property: string;
  toleranceTicks: bigint;
  timeoutMs: number;
} {
  const cameras = String(def.cameras ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (new Set(cameras).size !== cameras.length)
    throw new GigeError('BAD_CONFIG', `Cameras ${quoteInput(def.cameras)} names a camera twice`);
  const count = cameras.length || numberIn(def.count, 2, 2, 64, 'Cameras');
  const toleranceUs = numberIn(def.toleranceUs, 1000, 0, 10_000_000, 'Tolerance', 'µs', false);
  return {
    cameras,
    count,
    property: String(def.cameraProperty ?? '').trim() || 'topic',
    // Ticks are ns on PTP cameras (GevTimestampTickFrequency 1 GHz).
    toleranceTicks: BigInt(Math.round(toleranceUs * 1000)),
    timeoutMs: numberIn(def.timeoutMs, 1000, 1, 600000, 'Timeout', 'ms'),
  };
}

function numberIn(text: string | undefined, fallback: number, min: number, max: number, what: string, unit = '', integer = true): number {
  if (text === undefined || String(text).trim() === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    throw new GigeError('BAD_CONFIG', `${what} ${quoteInput(text)} is out of range; allowed ${min} … ${max}${unit ? ` ${unit}` : ''}`);
  }
  return value;
}

export = function register(RED: NodeAPI): void {
  function GigeFrameSetNode(this: Node, def: FrameSetDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    let options: ReturnType<typeof checkFrameSetDef>;
    try {
      options = checkFrameSetDef(def);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: 'bad configuration' });
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: Done) => done(err as Error));
      return;
    }
    const joiner = new FrameSetJoiner<Member>({
      cameras: options.cameras,
      count: options.count,
      toleranceTicks: options.toleranceTicks,
      maxOpenSets: MAX_OPEN_SETS,
    });
    const status = new ThrottledStatus(node, 1000);
    let complete = 0;
    let partial = 0;
    let timer: NodeJS.Timeout | null = null;
    let closed = false;

    const showStatus = () =>
      status.update(
        partial
          ? { fill: 'yellow', shape: 'ring', text: `${complete} sets, ${partial} partial` }
          : { fill: 'green', shape: 'dot', text: `${complete} sets` },
      );

    const emit = (set: FrameSet<Member>) => {
      const payload: Record<string, Buffer | unknown> = {};
      const images: Record<string, unknown> = {};
      for (const m of set.members) {
        payload[m.camera] = m.item.msg.payload;
        images[m.camera] = m.item.msg.image;
      }
      const msg = {
        topic: 'frame-set',
        payload,
        images,
        frameSet: {
          timestamp: set.timestamp.toString(),
          spreadNs: Number(set.spread),
          cameras: set.members.map((m) => m.camera),
          missing: set.missing,
          complete: set.complete,
        },
      };
      if (set.complete) complete += 1;
      else partial += 1;
      // The set is one message made of several: each frame's message is done when its set leaves.
      node.send((set.complete ? [msg, null] : [null, msg]) as never);
      for (const m of set.members) m.item.done();
      showStatus();
    };

    const schedule = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      const wait = joiner.nextExpiry(Date.now(), options.timeoutMs);
      if (wait === null || closed) return;
      timer = setTimeout(() => {
        timer = null;
        for (const set of joiner.expire(Date.now(), options.timeoutMs)) emit(set);
        schedule();
      }, wait);
    };

    node.on('input', (msg: NodeMessageInFlow, _send: unknown, done: Done) => {
      const image = (msg as Member['msg']).image;
      const ticks = image && typeof image === 'object' ? image.timestamp : undefined;
      const timestamp = typeof ticks === 'string' || typeof ticks === 'number' || typeof ticks === 'bigint' ? String(ticks) : '';
      if (!/^\d{1,20}$/.test(timestamp)) {
        done(new GigeError('NOT_A_FRAME', 'gige-frame-set takes frames with msg.image.timestamp (device ticks, as gige-grab sends them)'));
        return;
      }
      let camera: unknown;
      try {
        camera = RED.util.getMessageProperty(msg, options.property);
      } catch {
        camera = undefined;
      }
      // A camera is named by text or a number; an object would name every camera "[object Object]".
      const cameraName = typeof camera === 'string' || typeof camera === 'number' ? String(camera) : '';
      if (cameraName === '') {
        done(
          new GigeError(
            'NO_CAMERA_NAME',
            `msg.${options.property} is empty: it names the camera a frame comes from (set it, e.g. with the grab's camera config name)`,
          ),
        );
        return;
      }
      const { done: sets, rejected } = joiner.add({ camera: cameraName, timestamp: BigInt(timestamp), item: { msg, done } }, Date.now());
      if (rejected) {
        done(
          new GigeError(
            'UNKNOWN_CAMERA',
            `Frame from ${quoteInput(camera)} is not one of the cameras this set waits for (${joiner.expected.join(', ')})`,
          ),
        );
        return;
      }
      for (const set of sets) emit(set);
      schedule();
    });

    node.on('close', () => {
      closed = true;
      if (timer) clearTimeout(timer);
      // Frames still waiting leave as incomplete sets: nothing a flow sent disappears unreported.
      for (const set of joiner.flush()) emit(set);
      status.stop();
    });
  }

  RED.nodes.registerType('gige-frame-set', GigeFrameSetNode as never);
};
