import type { NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser, cameraUserKey } from './camera-user';
import { cameraOf, onEveryConnect } from './camera-access';
import { CameraNodeStatus } from './camera-node-status';
import { translator } from './i18n';
import type { CameraEvent } from '../lib/camera/camera';
import { GigeError, isGigeError } from '../lib/errors';
import { eventMessage, parseEventNames } from './event-message';
import type { CameraUserNode } from './types';

/**
 * Camera events (manual 5.14: ExposureEnd, FrameTriggerMissed, Line1 edges, Test — whatever the
 * camera's EventSelector offers) as messages. Subscribed whatever the camera's state; confirmed on
 * every connect, and green only while the camera has them switched on for this node.
 */
interface EventListenerDef extends NodeDef {
  camera: string;
  events: string;
}

export = function register(RED: NodeAPI): void {
  function GigeEventListenerNode(this: CameraUserNode, def: EventListenerDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-event-listener');
    const names = parseEventNames(def.events);
    if (names.length === 0) {
      node.status({ fill: 'red', shape: 'ring', text: t('status.noEvents') });
      node.error(new GigeError('NO_EVENTS', t('errors.noEvents')).message);
      return;
    }
    // No input: a message would have nothing to ask of this node.
    const config = useCameraConfig(RED, node, def.camera, false);
    if (!config) return;
    const camera = cameraOf(config);
    const status = new CameraNodeStatus(node, camera, t);
    const user = cameraUserKey('gige-event-listener', node);
    const topicPrefix = config.name ? `${config.name}/` : '';
    let count = 0;
    let subscribed = false;

    const onEvent = (event: CameraEvent) => {
      if (!names.includes(event.name)) return;
      count += 1;
      node.send(eventMessage(event, topicPrefix) as NodeMessageInFlow);
      if (subscribed) {
        const shown = count;
        status.working(() => ({ fill: 'green', shape: 'dot', text: t('status.count', { count: shown }) }), true);
      }
    };
    // Told when this node's events cannot be enabled — now, or after a reconnect (the camera that
    // comes back may be another model): an unknown name comes with the camera's list.
    const refuse = (err: Error) => {
      subscribed = false;
      if (!camera.isConnected && !isGigeError(err, 'UNKNOWN_EVENT')) return; // the camera's state says why
      status.fail(err, t(isGigeError(err, 'UNKNOWN_EVENT') ? 'status.unknownEvent' : 'status.notSubscribed'));
    };
    camera.on('event', onEvent);
    camera.requestEvents(user, names, refuse).catch(refuse);
    const onState = (state: string) => {
      if (state !== 'connected') subscribed = false;
    };
    camera.on('state', onState);

    // Whether the camera really has them on is known only from a request answered by the open
    // camera: asked again on every connect (the same register writes; cheap), green once it says yes.
    const stopFollowing = onEveryConnect(camera, () => {
      camera.requestEvents(user, names, refuse).then(() => {
        if (!camera.isConnected) return;
        subscribed = true;
        status.clear();
        status.working({ fill: 'green', shape: 'dot', text: count > 0 ? t('status.count', { count }) : t('status.subscribed') });
      }, refuse);
    });

    closeCameraUser(node, config, async () => {
      stopFollowing();
      status.stop();
      camera.removeListener('state', onState);
      camera.removeListener('event', onEvent);
      await camera.releaseEvents(user);
    });
  }

  RED.nodes.registerType('gige-event-listener', GigeEventListenerNode as never);
};
