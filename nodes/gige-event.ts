import type { NodeAPI, Node, NodeDef } from 'node-red';
import { useCameraConfig, closeCameraUser, cameraUserKey } from './camera-user';
import type { CameraEvent } from '../lib/camera/camera';
import { GigeError, isGigeError } from '../lib/errors';
import { eventMessage, parseEventNames } from './event-message';
import { catchReporter } from './catch-report';

interface EventDef extends NodeDef {
  camera: string;
  events: string;
}

export = function register(RED: NodeAPI): void {
  function GigeEventNode(this: Node, def: EventDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const names = parseEventNames(def.events);
    const user = cameraUserKey('gige-event', node);
    if (names.length === 0) {
      node.status({ fill: 'red', shape: 'ring', text: 'no events chosen' });
      node.error(new GigeError('NO_EVENTS', 'Choose at least one event, e.g. ExposureEnd or Test').message);
      return;
    }
    const config = useCameraConfig(RED, node, def.camera, false);
    if (!config) return;
    let count = 0;
    let lastStatus = 0;
    const onEvent = (event: CameraEvent) => {
      if (!names.includes(event.name)) return;
      count += 1;
      node.send(eventMessage(event, config.name ? `${config.name}/` : ''));
      if (Date.now() - lastStatus > 1000) {
        lastStatus = Date.now();
        node.status({ fill: 'green', shape: 'dot', text: `${count} events (${event.name})` });
      }
    };
    // Told when this node's events cannot be enabled — now, or after a reconnect (the camera that
    // comes back may be another model): unknown names come with the camera's list.
    const refuse = (err: Error) => {
      node.status({ fill: 'red', shape: 'ring', text: isGigeError(err, 'UNKNOWN_EVENT') ? 'unknown event' : 'events not enabled' });
      // No message caused it: Catch hears it with a message made for the purpose.
      catchReporter(node).report(err, config.camera.address);
    };
    // Subscribed whatever the camera's state: the config node's camera enables the events whenever it (re)opens.
    config.camera.on('event', onEvent);
    config.camera.requestEvents(user, names, refuse).catch(refuse);

    closeCameraUser(node, config, async () => {
      config.camera.removeListener('event', onEvent);
      await config.camera.releaseEvents(user);
    });
  }

  RED.nodes.registerType('gige-event', GigeEventNode as never);
};
