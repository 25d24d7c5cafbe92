import type { NodeAPI, Node, NodeDef, NodeStatus } from 'node-red';
import { acquireCamera, PooledCamera } from '../lib/camera/pool';
import type { ConnectionState } from '../lib/camera/connection';
import type { CameraConfigNode, CameraUserNode } from './types';
import { catchReporter } from './catch-report';
import { parseCameraConfig, CameraConfigOptions } from './camera-config-options';
import { registerDiscoveryEndpoint } from './discovery-endpoint';
import { isGigeError } from '../lib/errors';

interface CameraConfigDef extends NodeDef {
  source: 'emulated' | 'network';
  address: string;
  serial: string;
  /** What the emulated camera looks at (docs/emulator.md, "Scenes"): the exact ramp, or parts on a conveyor. */
  scene?: 'ramp' | 'inspection';
  access: 'control' | 'exclusive';
  packetSize: string;
  bufferCount: string;
  /** MB of frame memory in all (pool + raw frames flows keep without a copy); empty = four times the pool. */
  frameMemory: string;
  frameTimeout: string;
  settings: string;
}

const CLOSE_TIMEOUT_MS = 10000;
/** How long a camera without users stays open for a user that is only being redeployed. */
const IDLE_CLOSE_MS = 3000;
/** How often a config node refused by the pool (another config node holds the camera) tries again. */
const OPEN_RETRY_MS = 2000;

export = function register(RED: NodeAPI): void {
  function GigeCameraConfigNode(this: CameraConfigNode, def: CameraConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Map<string, CameraUserNode>();
    const show = (user: CameraUserNode, status: NodeStatus) => (user.showCameraStatus ? user.showCameraStatus(status) : user.status(status));
    let pooled: PooledCamera | null = null;
    let closing = false;
    let idleTimer: NodeJS.Timeout | null = null;
    let openRetryTimer: NodeJS.Timeout | null = null;
    // A property out of range (or bad settings text) stays bad until the next deploy; a pool
    // refusal (CAMERA_IN_USE) passes once the other config node lets go of the camera, so that one
    // is retried.
    let settingsError: Error | null = null;
    let openError: Error | null = null;
    let options: CameraConfigOptions | null = null;
    try {
      options = parseCameraConfig(def);
    } catch (err) {
      settingsError = err as Error;
      node.error(settingsError.message);
    }
    const frameTimeoutMs = options?.frameTimeoutMs ?? 5000;
    const report = new RepeatFilter(30000);

    const statusOf = (state: ConnectionState, detail: string): NodeStatus => {
      switch (state) {
        case 'connected': return { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' };
        case 'connecting': return { fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' };
        case 'disconnected': return { fill: 'red', shape: 'ring', text: detail ? `disconnected: ${short(detail)}` : 'node-red:common.status.disconnected' };
        default: return {};
      }
    };
    const onState = (state: ConnectionState, detail: string, err?: Error) => {
      const status = statusOf(state, detail);
      for (const user of users.values()) show(user, status);
      if (state === 'disconnected' && detail && report.fresh(detail)) node.warn(`camera ${def.address}: ${detail}`);
      // A loss or a refused connection stops every user's work: each reaches Catch on its own tab.
      if (state === 'disconnected' && err) {
        for (const user of users.values()) catchReporter(user).report(err, options?.address ?? String(def.address));
      }
    };
    // Problems that do not end the connection (a stream that cannot start, chunk data that does
    // not parse, packets lost to a small socket buffer) reach the log once, not once per frame.
    const onError = (err: Error) => {
      if (report.fresh(err.message)) node.error(`camera ${def.address}: ${err.message}`);
    };
    const onWarning = (warning: Error) => {
      if (report.fresh(warning.message)) node.warn(`camera ${def.address}: ${warning.message}`);
    };

    Object.defineProperty(node, 'connection', { get: () => (pooled ? pooled.connection : null) });
    Object.defineProperty(node, 'frameTimeoutMs', { value: frameTimeoutMs });

    const refusal = (): Error | null => settingsError ?? openError;
    Object.defineProperty(node, 'refusal', { get: refusal });

    const openCamera = (): void => {
      if (pooled || closing || !options || users.size === 0) return;
      try {
        pooled = acquireCamera({
          address: options.address,
          access: def.access === 'exclusive' ? 'exclusive' : 'control',
          packetSize: options.packetSize,
          bufferCount: options.bufferCount,
          frameMemoryLimit: options.frameMemoryLimit,
          frameTimeoutMs,
          settings: options.settings,
          emulated: def.source === 'network' ? false : {
            serial: def.serial || undefined,
            ...(def.scene === 'inspection' ? { scene: { kind: 'inspection' as const } } : {}),
          },
        });
      } catch (err) {
        if (openError?.message !== (err as Error).message) node.error((err as Error).message);
        openError = err as Error;
        for (const user of users.values()) show(user, refusalStatus(openError));
        openRetryTimer = setTimeout(() => {
          openRetryTimer = null;
          openCamera();
        }, OPEN_RETRY_MS);
        return;
      }
      openError = null;
      pooled.connection.on('state', onState);
      pooled.connection.on('error', onError);
      pooled.connection.on('warning', onWarning);
      const status = statusOf(pooled.connection.state, pooled.connection.stateDetail);
      for (const user of users.values()) show(user, status);
    };

    const cancelTimers = () => {
      if (idleTimer) clearTimeout(idleTimer);
      if (openRetryTimer) clearTimeout(openRetryTimer);
      idleTimer = null;
      openRetryTimer = null;
    };

    // The camera opens with its first user, not when the config node is created: config nodes
    // exist even when nothing uses them.
    node.register = (user: CameraUserNode) => {
      users.set(user.id, user);
      cancelTimers();
      openCamera();
      const refused = refusal();
      if (refused) show(user, refusalStatus(refused));
      else if (pooled) show(user, statusOf(pooled.connection.state, pooled.connection.stateDetail));
    };

    // A removed last user closes the camera at once. A user that is only restarting (a
    // modified-nodes deploy) registers again within moments, so an idle camera is kept briefly —
    // but not for good: a camera is an exclusive resource, and a user may have moved to another
    // config node.
    node.deregister = async (user: Node, removed: boolean) => {
      // A redeployed node has the same id: a late close of the old one must not drop the new one.
      if (users.get(user.id) !== user) return;
      users.delete(user.id);
      // Once this config node is closing, its own close releases the camera: no timer then.
      if (users.size > 0 || closing) return;
      cancelTimers();
      if (removed) {
        await closeConnection();
        return;
      }
      idleTimer = setTimeout(() => {
        idleTimer = null;
        if (users.size === 0) closeConnection().catch((err: Error) => node.error(`closing camera ${def.address}: ${err.message}`));
      }, IDLE_CLOSE_MS);
    };

    async function closeConnection(): Promise<void> {
      const current = pooled;
      pooled = null;
      if (!current) return;
      current.connection.removeListener('state', onState);
      current.connection.removeListener('error', onError);
      current.connection.removeListener('warning', onWarning);
      await current.release();
    }

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      cancelTimers();
      const timer = setTimeout(() => {
        node.warn(`closing camera ${def.address} took longer than ${CLOSE_TIMEOUT_MS} ms; continuing`);
        done();
      }, CLOSE_TIMEOUT_MS);
      closeConnection()
        .catch((err: Error) => node.error(`closing camera ${def.address}: ${err.message}`))
        .finally(() => {
          clearTimeout(timer);
          done();
        });
    });
  }

  RED.nodes.registerType('gige-camera-config', GigeCameraConfigNode as never);
  registerDiscoveryEndpoint(RED);
};

function refusalStatus(err: Error): NodeStatus {
  // The full text (which settings differ) is in the log; the status names the situation.
  const text = isGigeError(err, 'CAMERA_IN_USE') ? 'in use by another camera config, waiting' : short(err.message);
  return { fill: 'red', shape: 'ring', text };
}

function short(text: string): string {
  return text.length > 48 ? `${text.slice(0, 45)}...` : text;
}

/** Lets a message through once per interval: a repeating problem reaches the log, not a flood. */
class RepeatFilter {
  private readonly seen = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  fresh(message: string): boolean {
    const now = Date.now();
    const last = this.seen.get(message);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.seen.set(message, now);
    if (this.seen.size > 100) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }
}
