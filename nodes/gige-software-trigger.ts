import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Request, Response } from 'express';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { cameraOf, onEveryConnect } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import { checkNumber, isBlank, NumberRule } from './input-checks';
import { SerialQueue } from './serial-queue';
import { ensureTriggerMode } from './trigger-mode';
import { ticksToMs } from '../lib/camera/frame-output';
import { GigeError, isGigeError, quoteInput } from '../lib/errors';
import type { Camera } from '../lib/camera/camera';
import type { CameraUserNode } from './types';

/**
 * Fires TriggerSoftware (manual 5.4.3) on its camera: `count` triggers per message, `interval` ms
 * apart, each exposing AcquisitionBurstFrameCount frames (manual 5.4.4; set by `burst` when given).
 * Each trigger sends one message with the camera's clock latched just before it fired, so the
 * frames a gige-grab (every frame) receives can be matched to their trigger: a frame belongs to
 * the last trigger whose timestamp is at or before the frame's.
 */
interface TriggerDef extends NodeDef {
  camera: string;
  count: string;
  interval: string;
  burst: string;
  switchMode: boolean;
}

const COUNT: NumberRule = { min: 1, max: 1000, integer: true };
const INTERVAL_MS: NumberRule = { min: 0, max: 60000, integer: true, unit: 'ms' };
/** Manual 5.4.4. */
const BURST: NumberRule = { min: 1, max: 1000, integer: true };

interface TriggerPlan {
  count: number;
  intervalMs: number;
  burst: number | null;
}

export = function register(RED: NodeAPI): void {
  function GigeSoftwareTriggerNode(this: CameraUserNode, def: TriggerDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-software-trigger');
    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    const camera = cameraOf(config);
    const status = new CameraNodeStatus(node, camera, t);
    const queue = new SerialQueue(16, 'trigger messages');
    let fired = 0;
    let closed = false;
    let configured: TriggerPlan;
    try {
      configured = {
        count: isBlank(def.count) ? 1 : checkNumber(t, def.count, 'count', COUNT),
        intervalMs: isBlank(def.interval) ? 0 : checkNumber(t, def.interval, 'interval', INTERVAL_MS),
        burst: isBlank(def.burst) ? null : checkNumber(t, def.burst, 'burst', BURST),
      };
    } catch (err) {
      status.fail(err as Error, t('status.badConfig'), false);
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      closeCameraUser(node, config, async () => status.stop());
      return;
    }

    /** TriggerMode/TriggerSource (switched, announced, when configured to) and the burst count. */
    const prepare = async (c: Camera, burst: number | null): Promise<void> => {
      const { changes } = await ensureTriggerMode(c, 'Software', def.switchMode === true, t);
      if (changes.length > 0) node.warn(t('log.switched', { camera: c.address, changes: changes.join(', ') }));
      if (burst !== null && Number(await c.get('AcquisitionBurstFrameCount')) !== burst) await c.set('AcquisitionBurstFrameCount', burst);
    };

    const showReady = () => {
      status.clear();
      status.working({ fill: 'green', shape: 'dot', text: fired > 0 ? t('status.count', { count: fired }) : t('status.ready') });
    };

    // On every connect: the camera is put (or found) ready for software triggers, so that the
    // node shows whether a trigger would expose a frame before the first message comes.
    const stopFollowing = onEveryConnect(camera, () => {
      queue
        .run(() => camera.use((c) => c.serialized(() => prepare(c, configured.burst))))
        .then(showReady, (err: Error) => {
          if (!camera.isConnected || closed) return;
          status.fail(err, isGigeError(err, 'NOT_TRIGGER_MODE') ? t('status.notTriggerMode') : t('status.failed'));
        });
    });

    /** The message's count/interval/burst over the configured ones, each checked. */
    const planFor = (msg: Record<string, unknown>): TriggerPlan => ({
      count: msg.count === undefined ? configured.count : checkNumber(t, msg.count, 'msg.count', COUNT),
      intervalMs: msg.interval === undefined ? configured.intervalMs : checkNumber(t, msg.interval, 'msg.interval', INTERVAL_MS),
      burst: msg.burst === undefined ? configured.burst : checkNumber(t, msg.burst, 'msg.burst', BURST),
    });

    /** One trigger, the camera's clock latched in the same write — one turn on the camera. */
    const fire = (plan: TriggerPlan) =>
      camera.use((c) =>
        c.serialized(async () => {
          if (!c.acquiring) {
            throw new GigeError('NOT_ACQUIRING', t('errors.notAcquiring', { camera: c.address }), { camera: c.address });
          }
          await prepare(c, plan.burst);
          const timestamp = await c.fireSoftwareTrigger();
          return { timestamp, burst: Number(await c.get('AcquisitionBurstFrameCount')), address: c.address };
        }),
      );

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage | NodeMessage[]) => void, done: (err?: Error) => void) => {
      let plan: TriggerPlan;
      try {
        plan = planFor(msg as unknown as Record<string, unknown>);
      } catch (err) {
        done(err as Error);
        return;
      }
      queue
        .run(async () => {
          for (let i = 1; i <= plan.count; i++) {
            if (closed) throw new GigeError('NODE_CLOSED', t('errors.closed', { sent: i - 1, count: plan.count }));
            if (i > 1 && plan.intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, plan.intervalMs));
            const { timestamp, burst, address } = await fire(plan);
            fired += 1;
            // One message per trigger, each its own object (a flow may change one without the others).
            send({
              ...RED.util.cloneMessage(msg),
              payload: {
                trigger: i,
                count: plan.count,
                timestamp: timestamp === null ? null : timestamp.toString(),
                timestampMs: timestamp === null ? null : ticksToMs(timestamp),
                frames: burst,
                camera: address,
              },
            } as NodeMessage);
            status.working({ fill: 'green', shape: 'dot', text: t('status.count', { count: fired }) }, true);
          }
        })
        .then(
          () => {
            status.clear();
            done();
          },
          (err: Error) => {
            if (isGigeError(err, 'NOT_TRIGGER_MODE') || isGigeError(err, 'NOT_ACQUIRING')) {
              // Lasting until the camera or the flow changes; this message's done(err) reaches Catch.
              status.fail(err, t(isGigeError(err, 'NOT_ACQUIRING') ? 'status.notAcquiring' : 'status.notTriggerMode'), false);
            }
            done(err);
          },
        );
    });

    closeCameraUser(node, config, async () => {
      closed = true;
      stopFollowing();
      status.stop();
      await queue.close();
    });
  }

  RED.nodes.registerType('gige-software-trigger', GigeSoftwareTriggerNode as never);

  // The node's button in the editor: fires its configured triggers, as an inject node's does.
  RED.httpAdmin.post('/gige-vision/trigger/:id', RED.auth.needsPermission('gige-vision.write'), (req: Request, res: Response) => {
    const id = String(req.params.id);
    const target = RED.nodes.getNode(id);
    if (!target || (target as unknown as { type: string }).type !== 'gige-software-trigger') {
      res.status(404).json({ error: `No deployed gige-software-trigger node ${quoteInput(id)}` });
      return;
    }
    target.receive({ payload: Date.now() } as never);
    res.sendStatus(200);
  });
};
