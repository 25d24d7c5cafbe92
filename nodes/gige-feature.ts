import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import type { Camera } from '../lib/camera/camera';
import { toJsonSafe } from '../lib/genicam';
import { GigeError, quoteInput } from '../lib/errors';

interface FeatureDef extends NodeDef {
  camera: string;
  action: 'get' | 'set' | 'execute';
  feature: string;
}

type Values = Record<string, unknown>;

/** Operations waiting beyond this are refused: no unbounded queue while the camera is away. */
const MAX_PENDING = 16;

/** A feature locked during acquisition: say which nodes keep acquisition running and how to pause it. */
function withHint(err: Error): Error {
  if (/TLParamsLocked/.test(err.message)) {
    err.message += '. Grab nodes keep acquisition running while they are used: send them msg.action = "stop" first';
  }
  return err;
}

function featureList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter(Boolean);
  return String(value ?? '').split(/[\s,;]+/).filter(Boolean);
}

/**
 * Reads, writes or executes camera features by their GenICam names. `msg.feature` overrides the
 * configured name(s). Set: `msg.payload` is the value for one configured feature, or an object of
 * name → value written in key order (selectors first). The output carries what the camera holds
 * afterwards, so a range error never passes silently.
 */
async function run(camera: Camera, action: FeatureDef['action'], names: string[], payload: unknown): Promise<unknown> {
  switch (action) {
    case 'get': {
      if (names.length === 0) throw new GigeError('NO_FEATURE', 'Name a feature to read (property "Feature" or msg.feature), e.g. ExposureTime');
      const values: Values = {};
      for (const name of names) values[name] = await camera.get(name);
      return names.length === 1 ? values[names[0]] : values;
    }
    case 'set': {
      const assignments: Array<[string, unknown]> = payload !== null && typeof payload === 'object' && !Array.isArray(payload) && !Buffer.isBuffer(payload)
        ? Object.entries(payload as Values)
        : names.length === 1 ? [[names[0], payload]] : [];
      if (assignments.length === 0) {
        throw new GigeError('NO_FEATURE', 'To set features, send msg.payload as { Name: value, … }, or name one feature and send its value in msg.payload');
      }
      const values: Values = {};
      for (const [name, value] of assignments) {
        await camera.set(name, value as never);
        values[name] = await camera.get(name);
      }
      return assignments.length === 1 && names.length === 1 ? values[assignments[0][0]] : values;
    }
    case 'execute': {
      if (names.length === 0) throw new GigeError('NO_FEATURE', 'Name the command to execute, e.g. TriggerSoftware or UserSetSave');
      for (const name of names) await camera.execute(name);
      return names.length === 1 ? names[0] : names;
    }
    default:
      throw new GigeError('BAD_ACTION', `Unknown action ${quoteInput(String(action))}; allowed get, set, execute`);
  }
}

export = function register(RED: NodeAPI): void {
  function GigeFeatureNode(this: Node, def: FeatureDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const action = def.action ?? 'get';
    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    let queue: Promise<void> = Promise.resolve();
    let pending = 0;

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const requested = (msg as { feature?: unknown }).feature;
      const names = featureList(requested !== undefined ? requested : def.feature);
      if (pending >= MAX_PENDING) {
        done(new GigeError('BUSY', `${pending} feature operations are already waiting for the camera; this message was not queued (limit ${MAX_PENDING})`));
        return;
      }
      pending += 1;
      queue = queue.then(async () => {
        try {
          // One operation at a time on the camera, across every node that uses it: a selector set
          // by one message is not changed by another before the selected feature is used.
          const result = await config.camera.use((camera) => camera.serialized(() => run(camera, action, names, msg.payload)));
          send({ ...msg, payload: toJsonSafe(result) } as NodeMessage);
          done();
        } catch (err) {
          done(withHint(err as Error));
        } finally {
          pending -= 1;
        }
      });
    });

    closeCameraUser(node, config, () => queue);
  }

  RED.nodes.registerType('gige-feature', GigeFeatureNode as never);
};
