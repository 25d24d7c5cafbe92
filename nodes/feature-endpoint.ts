/**
 * GET <admin>/gige-vision/features — the feature tree of the camera a config node chooses, for the
 * editor's feature picker (shape: nodes/feature-tree.ts, documented in docs/architecture.md).
 *
 * - `?node=<config node id>`: a deployed config node whose camera is connected answers from its
 *   open camera (nothing else is opened). The query may also carry the dialog's current
 *   properties (below): when they name another camera than the deployed node, those win.
 * - `?address=IP` (`&source=emulated|network`), or `?serial=S&interface=NAME` (found by discovery):
 *   a camera no deployed node has open is opened briefly in *monitor* access — read-only, so it
 *   never takes a camera from the application controlling it, nor from our own flows — and closed
 *   again. An emulated camera nobody runs yet is started on its loopback address for the moment.
 *
 * Bounded: one probe per camera at a time (concurrent requests share it), at most PROBE_BUDGET_MS,
 * an answer reused for CACHE_MS. Needs the editor's read permission.
 */
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import type { CameraConfigNode } from './types';
import { Camera } from '../lib/camera/camera';
import { EmulatedCamera } from '../lib/emulator';
import { GigeError, isGigeError, quoteInput } from '../lib/errors';
import { isIpv4 } from '../lib/gvcp';
import { buildFeatureTree, FeatureTree, parseVisibility, FeatureVisibility } from './feature-tree';
import { checkDiscoveryTarget } from './discovery-endpoint';
import { locateBySerial } from './camera-locator';

export const FEATURES_PATH = '/gige-vision/features';
/** A probe (open, read the description and values, close) ends within this, or answers 504. */
const PROBE_BUDGET_MS = 15000;
/** How long a deployed camera that is still connecting is waited for. */
const DEPLOYED_WAIT_MS = 3000;
const CACHE_MS = 10000;
/** Probes of different cameras running at once, at most. */
const MAX_PROBES = 4;

export interface FeatureTreeAnswer extends FeatureTree {
  /** config: a deployed config node's open camera; probe: opened for this request (monitor); emulator: an emulated camera started for it. */
  via: 'config' | 'probe' | 'emulator';
}

interface Target {
  source: 'emulated' | 'network';
  address?: string;
  serial?: string;
  interface?: string;
}

const probes = new Map<string, Promise<FeatureTreeAnswer>>();
const cache = new Map<string, { at: number; answer: FeatureTreeAnswer }>();

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The camera the query names, or null when it names none; throws (400) on a malformed one. */
function targetOf(query: Request['query']): Target | null {
  const source = query.source === 'emulated' ? 'emulated' : 'network';
  const serial = text(query.serial);
  const address = text(query.address);
  const iface = text(query.interface);
  if (serial && source === 'network' && query.identify !== 'address') {
    if (serial.length > 64) throw new GigeError('BAD_REQUEST', 'serial is longer than 64 characters');
    if (iface && !/^[A-Za-z0-9_.:@-]{1,64}$/.test(iface))
      throw new GigeError('BAD_REQUEST', `interface ${quoteInput(iface)} is not an interface name`);
    return { source, serial, interface: iface };
  }
  if (!address) return null;
  const refused = checkDiscoveryTarget('address', address);
  if (refused) throw new GigeError('BAD_REQUEST', refused);
  return { source, address, serial: source === 'emulated' ? serial : undefined };
}

function sameCamera(config: CameraConfigNode, target: Target): boolean {
  const camera = config.camera;
  if (target.serial && target.source === 'network') return camera.options.serial === target.serial;
  return !camera.options.serial && camera.address === target.address;
}

/** A deployed config node with this camera open, if any (another config node at the same address will do). */
function openCameraFor(RED: NodeAPI, target: Target): CameraConfigNode | null {
  let found: CameraConfigNode | null = null;
  RED.nodes.eachNode((def) => {
    if (found || def.type !== 'gige-camera-config') return;
    const config = RED.nodes.getNode(def.id) as CameraConfigNode | null;
    if (config?.camera?.isConnected && sameCamera(config, target)) found = config;
  });
  return found;
}

async function withBudget<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new GigeError('PROBE_TIMEOUT', `${what} took longer than ${PROBE_BUDGET_MS} ms`)), PROBE_BUDGET_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the camera read-only (monitor), reads its tree, closes it — whatever happens. */
async function probe(target: Target, visibility: FeatureVisibility): Promise<FeatureTreeAnswer> {
  let address = target.address;
  if (target.serial && target.source === 'network') address = (await locateBySerial(target.serial, target.interface)).address;
  if (!address || !isIpv4(address)) throw new GigeError('BAD_REQUEST', 'no camera address');
  let emulator: EmulatedCamera | null = null;
  let camera: Camera | null = null;
  try {
    try {
      camera = await Camera.open({ address, access: 'monitor' });
    } catch (err) {
      // An emulated camera that no flow runs yet: start it here for the moment (loopback only —
      // the emulator refuses anything else).
      if (target.source !== 'emulated' || !unanswered(err)) throw err;
      emulator = await EmulatedCamera.start({ address, serial: target.serial });
      camera = await Camera.open({ address, access: 'monitor' });
    }
    const tree = await buildFeatureTree(camera, { visibility });
    return { via: emulator ? 'emulator' : 'probe', ...tree };
  } finally {
    await camera?.close().catch(() => undefined);
    await emulator?.stop().catch(() => undefined);
  }
}

function unanswered(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth += 1) {
    if (isGigeError(e) && ['GVCP_TIMEOUT', 'GVCP_UNREACHABLE', 'GVCP_SOCKET'].includes(e.code)) return true;
  }
  return false;
}

function sharedProbe(target: Target, visibility: FeatureVisibility): Promise<FeatureTreeAnswer> {
  const key = JSON.stringify([target.source, target.address, target.serial, target.interface, visibility]);
  const cached = cache.get(key);
  if (cached && Date.now() - cached.at < CACHE_MS) return Promise.resolve(cached.answer);
  let running = probes.get(key);
  if (!running) {
    if (probes.size >= MAX_PROBES)
      return Promise.reject(new GigeError('BUSY', `${probes.size} cameras are being read for the editor already; try again in a moment`));
    const work = probe(target, visibility);
    running = withBudget(work, `reading the features of ${target.serial ? `serial ${target.serial}` : target.address}`);
    probes.set(key, running);
    // The probe closes its camera even after the budget answered 504; its entry goes when it has.
    work
      .then(
        (answer) => {
          cache.set(key, { at: Date.now(), answer });
          if (cache.size > 20) cache.delete(cache.keys().next().value as string);
        },
        () => undefined,
      )
      .finally(() => probes.delete(key));
  }
  return running;
}

function statusFor(err: unknown): number {
  const code = (err as GigeError).code;
  if (code === 'BAD_REQUEST') return 400;
  if (code === 'PROBE_TIMEOUT' || code === 'GVCP_TIMEOUT') return 504;
  if (code === 'BUSY') return 503;
  return 502;
}

export function registerFeatureEndpoint(RED: NodeAPI): void {
  RED.httpAdmin.get(FEATURES_PATH, RED.auth.needsPermission('gige-vision.read'), (req: Request, res: Response) => {
    (async () => {
      const visibility = parseVisibility(req.query.visibility);
      const target = targetOf(req.query);
      const id = text(req.query.node);
      const deployed = id ? (RED.nodes.getNode(id) as CameraConfigNode | null) : null;
      if (deployed && deployed.type === 'gige-camera-config' && deployed.camera && (!target || sameCamera(deployed, target))) {
        const camera = deployed.camera;
        if (camera.state === 'connecting') await camera.use(async () => undefined, DEPLOYED_WAIT_MS).catch(() => undefined);
        if (camera.isConnected)
          return { via: 'config', ...(await withBudget(camera.featureTree({ visibility }, 0), 'reading the features')) };
      }
      const effective: Target | null =
        target ??
        (deployed?.camera
          ? {
              source: deployed.camera.options.pool.emulated ? 'emulated' : 'network',
              address: deployed.camera.address || undefined,
              serial: deployed.camera.options.serial,
            }
          : null);
      if (!effective) {
        throw new GigeError(
          'BAD_REQUEST',
          id
            ? `config node ${quoteInput(id)} is not deployed; give ?address= (or ?serial=) too`
            : 'give ?node=<config node id>, ?address=IP or ?serial=S',
        );
      }
      const open = openCameraFor(RED, effective);
      if (open) return { via: 'config', ...(await withBudget(open.camera.featureTree({ visibility }, 0), 'reading the features')) };
      return sharedProbe(effective, visibility);
    })().then(
      (answer) => res.json(answer),
      (err: Error) => res.status(statusFor(err)).json({ error: err.message, code: (err as GigeError).code }),
    );
  });
}
