import type { NodeAPI, Node, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { useCameraConfig, closeCameraUser } from './camera-user';
import { translator, Translate } from './i18n';
import type { Camera } from '../lib/camera/camera';
import { toJsonSafe } from '../lib/genicam';
import { GigeError, quoteInput } from '../lib/errors';

interface FeatureDef extends NodeDef {
  camera: string;
  action: 'get' | 'set' | 'execute';
  /** One name, or several separated by commas (get, execute). */
  feature: string | string[];
  /** Set: the value from msg.payload (default), or the fixed `value` below. */
  valueType?: 'payload' | 'fixed';
  value?: string;
}

type Values = Record<string, unknown>;
type Action = FeatureDef['action'];

/** Operations waiting beyond this are refused: no unbounded queue while the camera is away. */
const MAX_PENDING = 16;
const ACTIONS: Action[] = ['get', 'set', 'execute'];
const FEATURE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A feature locked during acquisition: say which nodes keep acquisition running and how to pause it. */
function withHint(err: Error): Error {
  if (/TLParamsLocked/.test(err.message)) {
    err.message += '. Grab nodes keep acquisition running while they are used: send them msg.action = "stop" first';
  }
  return err;
}

/** Feature names from the node's property or msg.feature: a name, a comma list, or an array of names. */
function featureList(value: unknown, t: Translate): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) && typeof value !== 'string') {
    throw new GigeError('BAD_FEATURE', t('errors.featureType', { value: quoteInput(value) }));
  }
  const names = Array.isArray(value) ? value : value.split(/[\s,;]+/);
  return names
    .filter((name) => name !== '')
    .map((name) => {
      if (typeof name !== 'string' || !FEATURE_NAME.test(name)) {
        throw new GigeError('BAD_FEATURE', t('errors.featureName', { value: quoteInput(name) }));
      }
      return name;
    });
}

interface Checked {
  action: Action;
  names: string[];
  fixed: string | undefined;
}

/** The node's properties, or the error that says what is wrong and what is allowed (shown at deploy). */
function checkFeatureDef(def: FeatureDef, t: Translate): Checked {
  const action = def.action ?? 'get';
  if (!ACTIONS.includes(action)) {
    throw new GigeError('BAD_CONFIG', t('errors.action', { value: quoteInput(action) }));
  }
  const names = featureList(def.feature, t);
  const valueType = def.valueType ?? 'payload';
  if (valueType !== 'payload' && valueType !== 'fixed') {
    throw new GigeError('BAD_CONFIG', t('errors.valueType', { value: quoteInput(valueType) }));
  }
  let fixed: string | undefined;
  if (action === 'set' && valueType === 'fixed') {
    if (names.length !== 1) throw new GigeError('BAD_CONFIG', t('errors.fixedOne', { count: names.length }));
    fixed = String(def.value ?? '').trim();
    if (fixed === '') throw new GigeError('BAD_CONFIG', t('errors.fixedEmpty', { name: names[0] }));
  }
  return { action, names, fixed };
}

/**
 * Reads, writes or executes camera features by their GenICam names. `msg.feature` overrides the
 * configured name(s). Set: the fixed value, else `msg.payload` as the value for one feature, or an
 * object of name → value written in key order (selectors first). The output carries what the
 * camera holds afterwards, so a range error never passes silently.
 */
async function run(camera: Camera, action: Action, names: string[], payload: unknown, t: Translate): Promise<unknown> {
  switch (action) {
    case 'get': {
      if (names.length === 0) throw new GigeError('NO_FEATURE', t('errors.noGet'));
      const values: Values = {};
      for (const name of names) values[name] = await camera.get(name);
      return names.length === 1 ? values[names[0]] : values;
    }
    case 'set': {
      const assignments: Array<[string, unknown]> =
        payload !== null && typeof payload === 'object' && !Array.isArray(payload) && !Buffer.isBuffer(payload)
          ? Object.entries(payload as Values)
          : names.length === 1
            ? [[names[0], payload]]
            : [];
      if (assignments.length === 0) {
        throw new GigeError('NO_FEATURE', t('errors.noSet'));
      }
      const values: Values = {};
      for (const [name, value] of assignments) {
        if (value === undefined || value === null) {
          throw new GigeError('NO_VALUE', t('errors.noValue', { name, value: String(value) }));
        }
        await camera.set(name, value as never);
        values[name] = await camera.get(name);
      }
      return assignments.length === 1 && names.length === 1 ? values[assignments[0][0]] : values;
    }
    default: {
      if (names.length === 0) throw new GigeError('NO_FEATURE', t('errors.noExecute'));
      for (const name of names) await camera.execute(name);
      return names.length === 1 ? names[0] : names;
    }
  }
}

export = function register(RED: NodeAPI): void {
  function GigeFeatureNode(this: Node, def: FeatureDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const t = translator(RED, 'gige-feature');
    let checked: Checked;
    try {
      checked = checkFeatureDef(def, t);
    } catch (err) {
      node.status({ fill: 'red', shape: 'ring', text: t('status.badConfig') });
      node.error((err as Error).message);
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (e?: Error) => void) => done(err as Error));
      return;
    }
    const config = useCameraConfig(RED, node, def.camera);
    if (!config) return;
    let queue: Promise<void> = Promise.resolve();
    let pending = 0;

    node.on('input', (msg: NodeMessageInFlow, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      const requested = (msg as { feature?: unknown }).feature;
      let names: string[];
      try {
        names = requested !== undefined ? featureList(requested, t) : checked.names;
      } catch (err) {
        done(err as Error);
        return;
      }
      if (pending >= MAX_PENDING) {
        done(new GigeError('BUSY', t('errors.busy', { count: pending, limit: MAX_PENDING })));
        return;
      }
      // A fixed value belongs to the configured feature: a message naming other features sends their values.
      const payload = checked.fixed !== undefined && requested === undefined ? checked.fixed : msg.payload;
      pending += 1;
      queue = queue.then(async () => {
        try {
          // One operation at a time on the camera, across every node that uses it: a selector set
          // by one message is not changed by another before the selected feature is used.
          const result = await config.camera.use((camera) => camera.serialized(() => run(camera, checked.action, names, payload, t)));
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
