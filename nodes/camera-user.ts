import type { NodeAPI, Node, NodeMessageInFlow } from 'node-red';
import type { CameraConfigNode } from './types';
import { GigeError } from '../lib/errors';
import { translator } from './i18n';

/** Node-RED waits 15 s for a close; ours always finishes well inside that. */
const CLOSE_BUDGET_MS = 10000;

/**
 * The camera config node a user node names, registered as one of its users. When it is missing
 * (never chosen, or disabled) the node shows it and answers every input with an error that says
 * what to do — it never throws.
 */
export function useCameraConfig(RED: NodeAPI, node: Node, configId: string, handlesInput = true): CameraConfigNode | null {
  const config = configId ? (RED.nodes.getNode(configId) as CameraConfigNode | null) : null;
  if (!config) {
    const t = translator(RED, 'gige-camera-config');
    node.status({ fill: 'red', shape: 'ring', text: t('status.noCamera') });
    if (handlesInput) {
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => {
        done(new GigeError('NO_CAMERA', t('errors.noCamera')));
      });
    }
    return null;
  }
  config.register(node);
  return config;
}

/**
 * The close handler of a camera user: its own clean-up, then deregistration (the config node closes
 * the camera when the last user is removed). `done` is called on every path, within the budget.
 */
export function closeCameraUser(node: Node, config: CameraConfigNode, cleanup: () => Promise<unknown> = async () => undefined): void {
  node.on('close', (removed: boolean, closeDone: () => void) => {
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      closeDone();
    };
    const timer = setTimeout(done, CLOSE_BUDGET_MS);
    Promise.resolve()
      .then(cleanup)
      .catch(() => undefined)
      .then(() => config.deregister(node, removed))
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        done();
      });
  });
}

let instances = 0;

/**
 * A user name for the camera's acquisition and event requests, unique per node instance: a
 * redeployed node keeps its id, and the old instance's late release must not cancel the new one's
 * request.
 */
export function cameraUserKey(kind: string, node: Node): string {
  instances += 1;
  return `${kind}:${node.id}#${instances}`;
}
