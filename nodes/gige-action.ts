import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { translator, Translate } from './i18n';
import type { CameraUserNode } from './types';
import { isIpv4, sendActionCommand } from '../lib/gvcp';
import { GigeError, quoteInput } from '../lib/errors';

interface ActionDef extends NodeDef {
  address: string;
  deviceKey: string;
  groupKey: string;
  groupMask: string;
  scheduled: boolean;
  delayMs: string;
  timeCamera: string;
}

/** The longest delay a scheduled action may be given, ms (a day: beyond, a typo rather than a plan). */
const MAX_DELAY_MS = 86400000;

/** "0x1234" or "4660" → a 32-bit key; a clear error for anything else. */
function key32(text: unknown, what: string, t: Translate): number {
  // Text or a number only: String() of an array (['5']) would pass for a key.
  const trimmed = typeof text === 'string' ? text.trim() : typeof text === 'number' ? String(text) : '';
  const value = Number(trimmed);
  if (trimmed === '' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new GigeError('BAD_KEY', t('errors.key', { what, value: quoteInput(text ?? '') }));
  }
  return value;
}

function checkDelay(value: unknown, t: Translate): number {
  // Number(true) is 1 and Number([5]) is 5: only a number or numeric text is a delay.
  const delayMs = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    throw new GigeError('BAD_DELAY', t('errors.delay', { value: quoteInput(value), max: MAX_DELAY_MS }));
  }
  return delayMs;
}

interface Keys {
  address: string;
  deviceKey: number;
  groupKey: number;
  groupMask: number;
  delayMs: number;
}

/** The node's properties, or the error that says what is wrong and what is allowed (shown at deploy). */
function checkActionDef(def: ActionDef, t: Translate): Keys {
  const address = String(def.address ?? '').trim() || '127.255.255.255';
  if (!isIpv4(address)) {
    throw new GigeError('BAD_ADDRESS', t('errors.address', { value: quoteInput(def.address) }));
  }
  return {
    address,
    deviceKey: key32(def.deviceKey, t('label.deviceKey'), t),
    groupKey: key32(def.groupKey, t('label.groupKey'), t),
    groupMask: key32(def.groupMask, t('label.groupMask'), t),
    delayMs: def.scheduled ? checkDelay(def.delayMs ?? 100, t) : 0,
  };
}

/**
 * Sends a GigE Vision ACTION_CMD: every camera whose device key, group key and group mask match
 * acts (e.g. takes a frame with TriggerSource=Action0) — at once, or at a scheduled time of the
 * cameras' PTP clock, read from a reference camera. One message for many cameras, so their frames
 * share an exposure instant. An action no camera answered did nothing: the node is not green then,
 * and the flow's Catch hears of it.
 */
export = function register(RED: NodeAPI): void {
  function GigeActionNode(this: CameraUserNode, def: ActionDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-action');
    let keys: Keys;
    try {
      keys = checkActionDef(def, t);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: t('status.badConfig') });
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      return;
    }
    // The clock camera is optional: without one the node still sends unscheduled actions. Its state
    // shows while it is not connected; once it is, what the last action did.
    let lastResult: NodeStatus | null = null;
    let cameraOk = true;
    node.showCameraStatus = (status: NodeStatus) => {
      cameraOk = status.fill === 'green';
      node.status(cameraOk && lastResult ? lastResult : status);
    };
    const clock = def.timeCamera ? useCameraConfig(RED, node, def.timeCamera, false) : null;
    if (def.scheduled && !clock) {
      const err = new GigeError('NO_CLOCK', t('errors.noClockCamera'));
      node.status({ fill: 'red', shape: 'ring', text: t('status.badConfig') });
      node.error(err.message);
    }
    const show = (status: NodeStatus) => {
      lastResult = status;
      if (cameraOk) node.status(status);
    };

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      (async () => {
        const requested = msg as { delayMs?: unknown; scheduledTime?: unknown };
        let scheduledTime: bigint | undefined;
        if (requested.scheduledTime !== undefined) {
          const given = requested.scheduledTime;
          // Digits as text, a number or a bigint; String() of anything else would echo "[object Object]"
          // or let an array (['123']) pass for a time.
          const text =
            typeof given === 'string' ? given.trim() : typeof given === 'number' || typeof given === 'bigint' ? String(given) : undefined;
          if (text === undefined || !/^\d{1,20}$/.test(text) || BigInt(text) > 0xffffffffffffffffn) {
            throw new GigeError('BAD_TIME', t('errors.time', { value: quoteInput(text ?? given) }));
          }
          scheduledTime = BigInt(text);
        } else if (def.scheduled) {
          if (!clock) throw new GigeError('NO_CLOCK', t('errors.noClockCamera'));
          const delayMs = requested.delayMs !== undefined ? checkDelay(requested.delayMs, t) : keys.delayMs;
          scheduledTime = await clock.camera.use(async (camera) => {
            // The camera's clock in its own ticks (1 GHz with PTP, but not on every camera).
            if (camera.tickFrequency === 0n) {
              throw new GigeError('NO_CLOCK', t('errors.noClock', { camera: camera.address }));
            }
            const ticksPerMs = Number(camera.tickFrequency) / 1000;
            return (await camera.deviceTime()) + BigInt(Math.round(delayMs * ticksPerMs));
          });
        }
        const answers = await sendActionCommand({
          address: keys.address,
          deviceKey: keys.deviceKey,
          groupKey: keys.groupKey,
          groupMask: keys.groupMask,
          scheduledTime,
        });
        const refused = answers.filter((a) => a.error);
        if (answers.length === 0) show({ fill: 'yellow', shape: 'ring', text: t('status.noAnswer') });
        else if (refused.length > 0) show({ fill: 'red', shape: 'ring', text: t('status.refused') });
        else show({ fill: 'green', shape: 'dot', text: t('status.answered', { count: answers.length }) });
        send({
          ...msg,
          payload: {
            scheduledTime: scheduledTime === undefined ? null : scheduledTime.toString(),
            answers: answers.map((a) => ({ address: a.address, status: a.statusName, ...(a.error ? { error: a.error.message } : {}) })),
          },
        } as NodeMessage);
        if (refused.length > 0) {
          throw new GigeError('ACTION_REFUSED', refused.map((a) => a.error?.message).join('; '), {
            refused: refused.map((a) => a.address),
          });
        }
        if (answers.length === 0) {
          throw new GigeError(
            'NO_ANSWER',
            t('errors.noAnswer', {
              address: keys.address,
              deviceKey: hex(keys.deviceKey),
              groupKey: hex(keys.groupKey),
              groupMask: hex(keys.groupMask),
            }),
            { address: keys.address },
          );
        }
      })().then(
        () => done(),
        (err: Error) => done(err),
      );
    });

    if (clock) closeCameraUser(node, clock);
  }

  RED.nodes.registerType('gige-action', GigeActionNode as never);
};

function hex(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(8, '0')}`;
}
