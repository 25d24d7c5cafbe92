import type { NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { cameraOf, onEveryConnect } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import { chunkValuesOf } from './chunk-values';
import { enableChunkMode } from '../lib/camera/chunk-mode';
import { GigeError, quoteInput } from '../lib/errors';
import type { CameraUserNode } from './types';

/**
 * The chunk values of a frame message (manual 5.15: ExposureTime and Gain as the camera used them
 * for that frame; its id, timestamp and multi-frame set) into msg.payload or another property,
 * and the message passed on. Optionally switches chunk data on on its camera, on every connect.
 */
interface ChunkReaderDef extends NodeDef {
  camera: string;
  property: string;
  enable: boolean;
}

/** A msg property path as the editor's typedInput gives it (msg. prefix optional). */
const PROPERTY_PATH = /^(msg\.)?[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export = function register(RED: NodeAPI): void {
  function GigeChunkReaderNode(this: CameraUserNode, def: ChunkReaderDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-chunk-reader');
    const property =
      String(def.property ?? '')
        .trim()
        .replace(/^msg\./, '') || 'payload';
    let frames = 0;
    if (!PROPERTY_PATH.test(property)) {
      const err = new GigeError('BAD_CONFIG', t('errors.badProperty', { property: quoteInput(def.property) }));
      node.status({ fill: 'red', shape: 'ring', text: t('status.badConfig') });
      node.error(err.message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err));
      return;
    }

    // The camera is needed only to switch chunk data on; reading works on any frame message.
    const config = def.camera ? useCameraConfig(RED, node, def.camera) : null;
    if (def.camera && !config) return;
    const status = config ? new CameraNodeStatus(node, cameraOf(config), t) : null;
    const show = (own: NodeStatus) => (status ? status.working(own, true) : node.status(own));
    show({ fill: 'grey', shape: 'dot', text: t('status.waiting') });

    let stopFollowing = () => undefined as void;
    if (config && def.enable) {
      const camera = cameraOf(config);
      stopFollowing = onEveryConnect(camera, () => {
        camera
          .use((c) => enableChunkMode(c))
          .then(
            ({ changes, restarted }) => {
              if (changes.length > 0)
                node.warn(t(restarted ? 'log.enabledRestarted' : 'log.enabled', { camera: camera.address, changes: changes.join(', ') }));
              status?.clear();
              if (frames === 0) show({ fill: 'green', shape: 'dot', text: t('status.chunksOn') });
            },
            (err: Error) => {
              if (camera.isConnected) status?.fail(err, t('status.notEnabled'));
            },
          );
      });
    }

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const image = (msg as { image?: unknown }).image;
      let values: unknown;
      try {
        // A whole multi-frame set from gige-grab carries one metadata object per frame.
        values = Array.isArray(image)
          ? image.map((one, i) => chunkValuesOf(t, one, `msg.image[${i}]`))
          : chunkValuesOf(t, image, 'msg.image');
      } catch (err) {
        done(err as Error);
        return;
      }
      RED.util.setMessageProperty(msg, property, values, true);
      frames += Array.isArray(image) ? image.length : 1;
      show({ fill: 'green', shape: 'dot', text: t('status.count', { count: frames }) });
      send(msg as NodeMessage);
      done();
    });

    if (config) {
      closeCameraUser(node, config, async () => {
        stopFollowing();
        status?.stop();
      });
    }
  }

  RED.nodes.registerType('gige-chunk-reader', GigeChunkReaderNode as never);
};
