import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { cameraOf, onEveryConnect } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import { SerialQueue } from './serial-queue';
import { applyStrobe, configuredSettings, messageSettings, StrobeSettings } from './strobe-settings';
import type { CameraUserNode } from './types';

/**
 * The strobe output of manual §5.7 (pulses on STROBE_OUT synchronised to the exposure) and the
 * general-purpose output of §5.6.2 (the line's level while the strobe is off), as the camera's
 * features StrobeEnable, StrobePolarity, StrobeOperation, StrobeDuration, StrobeDelay and GPOut.
 */
interface StrobeDef extends NodeDef {
  camera: string;
  /** '' leaves the camera's value; otherwise the value to set on every connect. */
  enable: '' | 'On' | 'Off';
  polarity: '' | 'ActiveHigh' | 'ActiveLow';
  operation: '' | 'Exposure' | 'FixedDuration';
  duration: string;
  delay: string;
  output: '' | 'high' | 'low';
}

export = function register(RED: NodeAPI): void {
  function GigeStrobeNode(this: CameraUserNode, def: StrobeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-strobe');
    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    const camera = cameraOf(config);
    const status = new CameraNodeStatus(node, camera, t);
    const queue = new SerialQueue(16, 'strobe messages');
    let wanted: StrobeSettings;
    try {
      wanted = configuredSettings(t, def);
    } catch (err) {
      status.fail(err as Error, t('status.badConfig'), false);
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      closeCameraUser(node, config, async () => status.stop());
      return;
    }

    const show = (held: Required<StrobeSettings>) => {
      const text = !held.enable
        ? t(held.output ? 'status.offHigh' : 'status.offLow')
        : held.operation === 'Exposure'
          ? t('status.onExposure')
          : t('status.onFixed', { duration: held.duration });
      status.working({ fill: held.enable ? 'green' : 'grey', shape: 'dot', text });
    };

    // What the node stands for — its configuration, changed by messages — goes back on the camera
    // after every (re)connect: a camera that restarted holds its power-up values again.
    const stopFollowing = onEveryConnect(camera, () => {
      queue
        .run(() => camera.use((c) => applyStrobe(c, wanted)))
        .then(
          (held) => {
            status.clear();
            show(held);
          },
          (err: Error) => {
            // The camera lost again meanwhile: its state says so; anything else is this node's problem.
            if (!camera.isConnected) return;
            status.fail(err, t('status.failed'));
          },
        );
    });

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const payload = msg.payload;
      let change: StrobeSettings = {};
      try {
        // An inject's timestamp or an empty payload asks for what the camera holds.
        const readOnly = payload === undefined || payload === null || payload === '' || typeof payload === 'number';
        if (!readOnly) change = messageSettings(t, payload);
      } catch (err) {
        done(err as Error);
        return;
      }
      // What the node stands for goes with every change: a message that came while the camera was
      // still connecting is not handled on the camera's old values.
      queue
        .run(() => camera.use((c) => applyStrobe(c, { ...wanted, ...change })))
        .then(
          (held) => {
            wanted = { ...wanted, ...change };
            status.clear();
            show(held);
            send({ ...msg, payload: held } as NodeMessage);
            done();
          },
          (err: Error) => done(err),
        );
    });

    closeCameraUser(node, config, async () => {
      stopFollowing();
      status.stop();
      await queue.close();
    });
  }

  RED.nodes.registerType('gige-strobe', GigeStrobeNode as never);
};
