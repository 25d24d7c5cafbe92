import type { NodeAPI, Node, NodeDef, NodeStatus } from 'node-red';
import type { CameraConfigNode, CameraUserNode } from './types';
import { catchReporter } from './catch-report';
import {
  parseCameraConfig,
  CameraConfigOptions,
  CameraConfigProperties,
  DEFAULT_ADDRESS,
  DEFAULT_FRAME_TIMEOUT_MS,
} from './camera-config-options';
import { registerDiscoveryEndpoint } from './discovery-endpoint';
import { registerFeatureEndpoint } from './feature-endpoint';
import { registerCommissioningEndpoint } from './commissioning-endpoint';
import { ConfigCamera, CameraState, ConfigCameraOptions } from './config-camera';
import { GigeError } from '../lib/errors';
import type { BudgetReport } from '../lib/camera/stream-budget';
import { emulatedCamera } from '../lib/emulator';

/** As the editor saves it; older versions are migrated (camera-config-options.ts). */
interface CameraConfigDef extends NodeDef, CameraConfigProperties {}

const CLOSE_TIMEOUT_MS = 10000;
/** How long a camera without users stays open for a user that is only being redeployed. */
const IDLE_CLOSE_MS = 3000;
/** Status texts of this node's catalog, as the editor translates them on every user node. */
const STATUS = 'node-red-contrib-gige-vision/gige-camera-config:gige-camera-config.status.';

/** What every user node shows of the camera's state (≤ 20 characters; the reason goes to the log). */
function cameraStatus(state: CameraState, err?: Error | null): NodeStatus {
  switch (state) {
    case 'connected':
      return { fill: 'green', shape: 'dot', text: 'node-red:common.status.connected' };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: 'node-red:common.status.connecting' };
    case 'refused':
      return { fill: 'red', shape: 'ring', text: `${STATUS}configError` };
    case 'disconnected': {
      const code = (err as GigeError | undefined)?.code;
      const text =
        code === 'CAMERA_IN_USE'
          ? `${STATUS}inUse`
          : code === 'CAMERA_NOT_FOUND'
            ? `${STATUS}notFound`
            : code === 'CAMERA_UNREACHABLE' || code === 'INTERFACE_MISSING'
              ? `${STATUS}unreachable`
              : 'node-red:common.status.disconnected';
      return { fill: 'red', shape: 'ring', text };
    }
    default:
      return {};
  }
}

export = function register(RED: NodeAPI): void {
  function GigeCameraConfigNode(this: CameraConfigNode, def: CameraConfigDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const users = new Map<string, CameraUserNode>();
    const show = (user: CameraUserNode, status: NodeStatus) =>
      user.showCameraStatus ? user.showCameraStatus(status) : user.status(status);
    let idleTimer: NodeJS.Timeout | null = null;
    let closing = false;

    // A property out of range (or bad settings) stays bad until the next deploy: the camera is
    // refused from the start, with the reason, and never opened.
    let options: CameraConfigOptions | null = null;
    let invalid: Error | null = null;
    try {
      options = parseCameraConfig(def);
    } catch (err) {
      invalid = err as Error;
    }
    const frameTimeoutMs = options?.frameTimeoutMs ?? DEFAULT_FRAME_TIMEOUT_MS;
    const cameraOptions: ConfigCameraOptions = {
      address: options?.address ?? (typeof def.address === 'string' && def.address ? def.address : DEFAULT_ADDRESS),
      serial: options?.findSerial,
      interface: options?.interface,
      frameTimeoutMs,
      pool: {
        access: options?.access ?? 'control',
        // A monitor cannot set the packet size: the controller's stream is what it receives.
        packetSize: options?.access === 'monitor' ? undefined : options?.packetSize,
        ...(options?.multicastGroup ? { multicastGroup: options.multicastGroup } : {}),
        bufferCount: options?.bufferCount,
        frameMemoryLimit: options?.frameMemoryLimit,
        ...(options?.linkHeadroom !== undefined ? { bandwidth: { headroom: options.linkHeadroom } } : {}),
        frameTimeoutMs,
        settings: options?.settings ?? [],
        emulated:
          options?.source === 'network' || def.source === 'network'
            ? false
            : emulatedCamera({
                serial: typeof def.serial === 'string' && def.serial ? def.serial : undefined,
                // What the emulated camera looks at (docs/emulator.md, "Scenes"): the exact ramp, or parts on a conveyor.
                ...((def as { scene?: unknown }).scene === 'inspection' ? { scene: { kind: 'inspection' as const } } : {}),
              }),
      },
    };
    const camera = invalid ? ConfigCamera.refused(cameraOptions, invalid) : new ConfigCamera(cameraOptions);
    Object.defineProperty(node, 'camera', { value: camera, enumerable: true });
    Object.defineProperty(node, 'frameTimeoutMs', { value: frameTimeoutMs });
    const report = new RepeatFilter(30000);
    let overBudget = false;

    camera.on('state', (state: CameraState, detail: string, err?: Error) => {
      overBudget = false;
      const status = cameraStatus(state, err);
      for (const user of users.values()) show(user, status);
      if (state === 'refused') node.error(`camera ${camera.describe()}: configuration error, not retried until the next deploy: ${detail}`);
      else if (state === 'disconnected' && detail && report.fresh(detail)) node.warn(`camera ${camera.describe()}: ${detail}`);
      // A loss, a refused connection, a configuration error stop every user's work: each reaches Catch on its own tab.
      if ((state === 'disconnected' || state === 'refused') && err) {
        for (const user of users.values()) catchReporter(user).report(err, camera.address);
      }
    });
    // Problems that do not end the connection (a stream that cannot start, chunk data that does
    // not parse, packets lost to a small socket buffer) reach the log once, not once per frame.
    camera.on('error', (err: Error) => {
      if (report.fresh(err.message)) node.error(`camera ${camera.describe()}: ${err.message}`);
    });
    camera.on('warning', (warning: Error) => {
      if (report.fresh(warning.message)) node.warn(`camera ${camera.describe()}: ${warning.message}`);
    });
    // A host link that cannot carry every camera streaming into it: each user shows it (the frame
    // rates were lowered to fit, so frames come slower than configured); the plan reaches the log
    // as the camera's BANDWIDTH_EXCEEDED warning. It clears when the budget fits again (another
    // camera stopped streaming) or the connection changes state.
    camera.on('bandwidth', (budget: BudgetReport) => {
      if (budget.plan.fits === !overBudget) return;
      overBudget = !budget.plan.fits;
      const status = overBudget
        ? ({ fill: 'yellow', shape: 'dot', text: `${STATUS}overBudget` } as NodeStatus)
        : cameraStatus(camera.state, camera.lastError);
      for (const user of users.values()) show(user, status);
    });

    const cancelIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = null;
    };

    // The camera opens with its first user, not when the config node is created: config nodes
    // exist even when nothing uses them.
    node.register = (user: CameraUserNode) => {
      users.set(user.id, user);
      cancelIdle();
      camera.open();
      const status = cameraStatus(camera.state, camera.lastError);
      if (status.text) show(user, status);
      if (camera.state === 'refused' && camera.lastError) catchReporter(user).report(camera.lastError, camera.address);
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
      cancelIdle();
      if (removed) {
        await camera.release();
        return;
      }
      idleTimer = setTimeout(() => {
        idleTimer = null;
        if (users.size === 0) camera.release().catch((err: Error) => node.error(`closing camera ${camera.describe()}: ${err.message}`));
      }, IDLE_CLOSE_MS);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      cancelIdle();
      const timer = setTimeout(() => {
        node.warn(`closing camera ${camera.describe()} took longer than ${CLOSE_TIMEOUT_MS} ms; continuing`);
        done();
      }, CLOSE_TIMEOUT_MS);
      camera
        .close()
        .catch((err: Error) => node.error(`closing camera ${camera.describe()}: ${err.message}`))
        .finally(() => {
          clearTimeout(timer);
          done();
        });
    });
  }

  RED.nodes.registerType('gige-camera-config', GigeCameraConfigNode as never);
  registerDiscoveryEndpoint(RED);
  registerFeatureEndpoint(RED);
  registerCommissioningEndpoint(RED);
};

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
