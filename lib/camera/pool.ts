import { isDeepStrictEqual } from 'node:util';
import { GigeError } from '../errors';
import { CameraConnection, ConnectionOptions } from './connection';

/**
 * One connection per camera address for the whole process, shared by reference count. GigE Vision
 * gives control to exactly one application (IP + port), so two users opening the same camera
 * separately would lock each other out; through the pool they share one control channel.
 */
export interface PoolOptions extends ConnectionOptions {
  /**
   * Start a device at `address` before connecting to it: an in-process emulated DMK 38GX541-a,
   * `emulatedCamera(options)` from lib/emulator. Two launchers are the same setting when they are
   * deeply equal (same class, same options).
   */
  emulated?: false | DeviceLauncher;
}

/** Starts a device in this process (the pool does not know which kind: the emulator is a layer apart). */
export interface DeviceLauncher {
  start(address: string): Promise<LaunchedDevice>;
}

export interface LaunchedDevice {
  stop(): Promise<void>;
}

export interface PooledCamera {
  readonly key: string;
  readonly connection: CameraConnection;
  /** Drops this reference; the last one closes the connection (and the emulator), bounded in time. */
  release(): Promise<void>;
}

interface Entry {
  refs: number;
  options: PoolOptions;
  connection: CameraConnection;
  emulator: LaunchedDevice | null;
}

const entries = new Map<string, Entry>();

/**
 * A shared connection to `options.address`, opened on first use. A second user with different
 * options for the same address is refused: it would silently get the first user's settings.
 */
export function acquireCamera(options: PoolOptions): PooledCamera {
  const key = options.address;
  let entry = entries.get(key);
  if (entry && !isDeepStrictEqual(entry.options, options)) {
    throw new GigeError(
      'CAMERA_IN_USE',
      `Camera ${key} is already open with other settings ` +
        `(${describeDifference(entry.options, options)}); use one camera config node per camera, or give each its own address`,
      { address: key },
    );
  }
  if (!entry) {
    const created: Entry = { refs: 0, options, connection: null as unknown as CameraConnection, emulator: null };
    // The emulated camera starts inside each connection attempt, so a failed start (its address
    // taken, say) is retried with the same backoff as an unreachable camera.
    const launcher = options.emulated;
    const prepare = launcher
      ? async () => {
          if (created.emulator) return;
          created.emulator = await launcher.start(key).catch((err: Error) => {
            throw new GigeError('EMULATOR_FAILED', `emulated camera did not start: ${err.message}`, {}, { cause: err });
          });
        }
      : undefined;
    created.connection = new CameraConnection({ ...options, prepare });
    created.connection.connect().catch(() => undefined);
    entries.set(key, created);
    entry = created;
  }
  entry.refs += 1;
  const owned = entry;
  let released = false;
  return {
    key,
    connection: owned.connection,
    release: async () => {
      if (released) return;
      released = true;
      owned.refs -= 1;
      if (owned.refs > 0) return;
      entries.delete(key);
      await owned.connection.close();
      if (owned.emulator) await owned.emulator.stop();
    },
  };
}

/** Open pool entries, for diagnostics and tests. */
export function pooledCameraKeys(): string[] {
  return [...entries.keys()];
}

function describeDifference(a: PoolOptions, b: PoolOptions): string {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as Array<keyof PoolOptions>;
  const differing = keys.filter((k) => !isDeepStrictEqual(a[k], b[k]));
  return `${differing.join(', ')} differ`;
}
