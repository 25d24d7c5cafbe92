import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { sendActionCommand } from '../lib/gvcp';
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

/** "0x1234" or "4660" → a 32-bit key; a clear error for anything else. */
function key32(text: string | undefined, what: string): number {
  const value = Number(String(text ?? '').trim());
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff || String(text ?? '').trim() === '') {
    throw new GigeError('BAD_KEY', `${what} ${quoteInput(text ?? '')} is not a 32-bit number (0…4294967295, or hex like 0x1A2B3C4D)`);
  }
  return value;
}

/**
 * Sends a GigE Vision ACTION_CMD: every camera whose device key, group key and group mask match
 * acts (e.g. takes a frame with TriggerSource=Action0) — at once, or at a scheduled time of the
 * cameras' PTP clock, read from a reference camera. One message for many cameras, so their frames
 * share an exposure instant.
 */
export = function register(RED: NodeAPI): void {
  function GigeActionNode(this: Node, def: ActionDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    // The clock camera is optional: without one the node still sends unscheduled actions.
    const clockCamera = def.timeCamera ? useCameraConfig(RED, node, def.timeCamera, false) : null;
    let sent = 0;

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      (async () => {
        const deviceKey = key32(def.deviceKey, 'Device key');
        const groupKey = key32(def.groupKey, 'Group key');
        const groupMask = key32(def.groupMask, 'Group mask');
        const requested = msg as { delayMs?: unknown; scheduledTime?: unknown };
        let scheduledTime: bigint | undefined;
        if (requested.scheduledTime !== undefined) {
          const text = String(requested.scheduledTime).trim();
          if (!/^\d{1,20}$/.test(text) || BigInt(text) > 0xffffffffffffffffn) {
            throw new GigeError('BAD_TIME', `msg.scheduledTime ${quoteInput(text)} is not a device time: give whole ticks (ns on PTP cameras) as a decimal string, e.g. a frame's msg.image.timestamp`);
          }
          scheduledTime = BigInt(text);
        } else if (def.scheduled) {
          if (!clockCamera) {
            throw new GigeError('NO_CLOCK', 'A scheduled action needs a camera to read the PTP time from (property "Clock from")');
          }
          const delayMs = Number(requested.delayMs ?? def.delayMs ?? 100);
          if (!Number.isFinite(delayMs) || delayMs < 0) throw new GigeError('BAD_DELAY', `Delay ${String(requested.delayMs ?? def.delayMs)} ms is not a number ≥ 0`);
          scheduledTime = await clockCamera.camera.use(async (camera) => {
            // The camera's clock in its own ticks (1 GHz with PTP, but not on every camera).
            if (camera.tickFrequency === 0n) {
              throw new GigeError('NO_CLOCK', `Camera ${camera.address} reports no timestamp clock (GevTimestampTickFrequency 0): it cannot schedule actions; send them unscheduled`);
            }
            const ticksPerMs = Number(camera.tickFrequency) / 1000;
            return (await camera.deviceTime()) + BigInt(Math.round(delayMs * ticksPerMs));
          });
        }
        const answers = await sendActionCommand({ address: def.address || '127.255.255.255', deviceKey, groupKey, groupMask, scheduledTime });
        sent += 1;
        node.status({ fill: answers.some((a) => a.error) ? 'yellow' : 'green', shape: 'dot', text: `${sent} sent, ${answers.length} answered` });
        send({
          ...msg,
          payload: {
            scheduledTime: scheduledTime === undefined ? null : scheduledTime.toString(),
            answers: answers.map((a) => ({ address: a.address, status: a.statusName, ...(a.error ? { error: a.error.message } : {}) })),
          },
        } as NodeMessage);
        const refused = answers.filter((a) => a.error);
        if (refused.length > 0) {
          throw new GigeError('ACTION_REFUSED', refused.map((a) => a.error?.message).join('; '), { refused: refused.map((a) => a.address) });
        }
      })().then(() => done(), (err: Error) => done(err));
    });

    if (clockCamera) closeCameraUser(node, clockCamera);
  }

  RED.nodes.registerType('gige-action', GigeActionNode as never);
};
