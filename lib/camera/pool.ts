import { CameraConnection, ConnectionOptions } from './connection';
import { EmulatedCamera, EmulatedCameraOptions } from '../emulator';

/**
 * One connection per camera address for the whole process, shared by reference count. GigE Vision
 * gives control to exactly one application (IP + port), so two users opening the same camera
 * separately would lock each other out; through the pool they share one control channel.
 */
export interface PoolOptions extends ConnectionOptions {
  /** Start an in-process emulated DMK 38GX541-a at `address` before connecting to it. */
  emulated?: boolean | Omit<EmulatedCameraOptions, 'address'>;
}

export interface PooledCamera {
  readonly key: string;
  readonly connection: CameraConnection;
  /** Drops this reference; the last one closes the connection (and the emulator), bounded in time. */
  release(): Promise<void>;
}

interface Entry {
  refs: number;
  connection: CameraConnection;
  emulator: Promise<EmulatedCamera | null>;
}

const entries = new Map<string, Entry>();

export function acquireCamera(options: PoolOptions): PooledCamera {
  const key = options.address;
  let entry = entries.get(key);
  if (!entry) {
    const connection = new CameraConnection(options);
    const emulator = options.emulated
      ? EmulatedCamera.start({ ...(typeof options.emulated === 'object' ? options.emulated : {}), address: options.address })
      : Promise.resolve(null);
    const created: Entry = { refs: 0, connection, emulator };
    emulator.then(
      () => connection.connect(),
      (err: Error) => connection.emit('state', 'disconnected', `emulated camera failed to start: ${err.message}`),
    );
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
      const emulator = await owned.emulator.catch(() => null);
      if (emulator) await emulator.stop();
    },
  };
}

/** Open pool entries, for diagnostics and tests. */
export function pooledCameraKeys(): string[] {
  return [...entries.keys()];
}
