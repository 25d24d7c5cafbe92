import { EventEmitter } from 'node:events';
import { GigeError } from '../errors';
import { Camera, CameraOpenOptions, FeatureValue, CameraFrame, CameraEvent } from './camera';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ConnectionOptions extends CameraOpenOptions {
  /** Features applied, in order, after every (re)connect — e.g. [['Width', '1920'], ['PixelFormat', 'Mono8']]. */
  settings?: Array<[string, FeatureValue]>;
  /** Reconnect backoff, ms: starts at min, doubles to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Runs before every attempt (e.g. starts an emulated camera); a failure is retried like a failed connect. */
  prepare?: () => Promise<void>;
}

/** Told when something this user asked for failed (its events could not be enabled, acquisition did not start). */
export type UserErrorHandler = (err: Error) => void;

/**
 * A camera that stays connected: opens on `connect()`, re-opens with backoff when the camera is lost
 * or cannot be reached, re-applies settings, re-enables each user's events and restarts acquisition
 * while anybody wants frames — and only then says 'connected'. Users (e.g. Node-RED nodes) subscribe
 * to `'state'`, `'frame'` and `'event'`, and call `use()` to run an operation on the open camera.
 *
 * Events: 'state' (state, detail?: string), 'frame' (CameraFrame), 'event' (CameraEvent),
 * 'error' (Error; never fatal), 'warning' (Error: a diagnosable stream problem).
 */
interface EventUser {
  names: string[];
  onError: UserErrorHandler;
}

export class CameraConnection extends EventEmitter {
  private camera: Camera | null = null;
  // A connection is created to be connected: until the first attempt ends it is 'connecting', so
  // that users arriving early wait for it instead of failing.
  private stateValue: ConnectionState = 'connecting';
  private detail = '';
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;
  private opening: Promise<void> | null = null;
  private readonly acquisitionUsers = new Map<string, UserErrorHandler>();
  /** Which events each user wants; re-enabled after every reconnect, failures told to that user. */
  private readonly eventUsers = new Map<string, EventUser>();
  private acquisitionChange: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;

  constructor(readonly options: ConnectionOptions) {
    super();
    this.setMaxListeners(0);
    this.retryDelayMs = options.reconnectMinMs ?? 1000;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get stateDetail(): string {
    return this.detail;
  }

  get isConnected(): boolean {
    return this.stateValue === 'connected' && this.camera !== null;
  }

  /** Starts connecting (idempotent); resolves when the attempt ends, whatever its result. */
  connect(): Promise<void> {
    if (this.closing || this.camera) return Promise.resolve();
    if (!this.opening) {
      this.opening = this.attempt().finally(() => {
        this.opening = null;
      });
    }
    return this.opening;
  }

  /**
   * Runs `operation` on the open camera. While a connection attempt is under way it waits for it
   * (at most `waitMs`); when the camera is disconnected it fails at once with the reason.
   */
  async use<T>(operation: (camera: Camera) => Promise<T>, waitMs = this.options.frameTimeoutMs ?? 5000): Promise<T> {
    if (this.stateValue === 'connecting') await this.waitForAttempt(waitMs);
    const camera = this.camera;
    if (!camera) {
      const why = this.stateValue === 'closed' ? 'closed' : this.stateValue === 'connecting' ? 'still connecting' : 'not connected';
      throw new GigeError('NOT_CONNECTED', `Camera ${this.options.address} is ${why}` +
        (this.detail ? ` (${this.detail})` : '') + (this.stateValue === 'closed' ? '' : '; it reconnects automatically.'));
    }
    return operation(camera);
  }

  /**
   * Registers a user that wants frames; acquisition runs while at least one is registered (and is
   * restarted after a reconnect). Rejects when acquisition cannot start, with the camera's reason;
   * `onError` hears of a failed restart after a reconnect.
   */
  requestAcquisition(userId: string, onError: UserErrorHandler = () => undefined): Promise<void> {
    this.acquisitionUsers.set(userId, onError);
    return this.syncAcquisition();
  }

  releaseAcquisition(userId: string): Promise<void> {
    if (!this.acquisitionUsers.delete(userId)) return Promise.resolve();
    return this.syncAcquisition().catch((err: Error) => this.emitError(err));
  }

  /**
   * Registers a user that wants these events (names as the camera's EventSelector lists them).
   * Rejects with the camera's list when a name is unknown. While disconnected, the request is kept
   * and applied on connect; `onError` hears when that fails.
   */
  async requestEvents(userId: string, names: string[], onError: UserErrorHandler = () => undefined): Promise<void> {
    this.eventUsers.set(userId, { names: [...names], onError });
    const camera = this.camera;
    if (camera) await camera.enableEvents(names);
  }

  async releaseEvents(userId: string): Promise<void> {
    const user = this.eventUsers.get(userId);
    this.eventUsers.delete(userId);
    const camera = this.camera;
    if (!user || !camera) return;
    await this.disableUnwanted(camera, user.names);
  }

  /**
   * Switches off those of `names` that no user wants any more. Only names the camera has on: a
   * user's unknown name was never enabled and must not fail the rest.
   */
  private async disableUnwanted(camera: Camera, names: string[]): Promise<void> {
    const wanted = new Set([...this.eventUsers.values()].flatMap((user) => user.names));
    const enabled = new Set(camera.enabledEventNames);
    const unwanted = [...new Set(names)].filter((name) => enabled.has(name) && !wanted.has(name));
    if (unwanted.length > 0) await camera.disableEvents(unwanted).catch((err: Error) => this.emitError(err));
  }

  /** Closes the camera and stops reconnecting; bounded by `timeoutMs`. */
  close(timeoutMs = 10000): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = null;
        if (this.opening) await this.opening.catch(() => undefined);
        const camera = this.camera;
        this.camera = null;
        if (camera) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            // Raced against a timer: observed even when it ends after the race.
            camera.close().catch(() => undefined),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, timeoutMs);
            }),
          ]);
          clearTimeout(timer);
        }
        this.setState('closed');
      })();
    }
    return this.closing;
  }

  private waitForAttempt(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.removeListener('state', onState);
        resolve();
      };
      const onState = (state: ConnectionState) => {
        if (state !== 'connecting') done();
      };
      const timer = setTimeout(done, waitMs);
      this.on('state', onState);
    });
  }

  /**
   * One attempt: open, apply settings, restore every user's events and the acquisition, and only
   * then publish the camera. A camera lost during the attempt fails it (and is retried), so a loss
   * can never leave the connection waiting on an attempt that no longer runs.
   */
  private async attempt(): Promise<void> {
    this.setState('connecting', this.detail);
    let camera: Camera | null = null;
    // Users hear of what failed only once 'connected' is published, so that their own status (e.g.
    // "unknown event") is the last word, not overwritten by the config node's "connected".
    const failures: Array<() => void> = [];
    const restoredEvents = new Map(this.eventUsers);
    let acquisitionStarted = false;
    try {
      await this.options.prepare?.();
      camera = await Camera.open(this.options);
      for (const [name, value] of this.options.settings ?? []) {
        await camera.set(name, value).catch((err: Error) => {
          throw new GigeError('SETTING_FAILED', `Setting ${name}=${String(value)} failed: ${err.message}`, { name, value }, { cause: err });
        });
      }
      for (const user of restoredEvents.values()) {
        await camera.enableEvents(user.names).catch((err: Error) => {
          if (camera?.lost) throw err;
          failures.push(() => user.onError(err));
        });
      }
      if (this.acquisitionUsers.size > 0) {
        const users = [...this.acquisitionUsers.values()];
        await camera.startAcquisition().then(() => {
          acquisitionStarted = true;
        }, (err: Error) => {
          if (camera?.lost) throw err;
          for (const onError of users) failures.push(() => onError(err));
        });
      }
      if (camera.lost) throw camera.lost;
    } catch (err) {
      if (camera) await camera.close().catch(() => undefined);
      this.scheduleRetry((err as Error).message);
      return;
    }
    if (this.closing) {
      await camera.close().catch(() => undefined);
      return;
    }
    // No await from here on: the camera is published and its loss handled in the same turn.
    this.camera = camera;
    this.retryDelayMs = this.options.reconnectMinMs ?? 1000;
    const published = camera;
    published.on('frame', (frame: CameraFrame) => this.emit('frame', frame));
    published.on('event', (event: CameraEvent) => this.emit('event', event));
    published.on('error', (err: Error) => this.emitError(err));
    published.on('warning', (warning: Error) => {
      if (this.listenerCount('warning') > 0) this.emit('warning', warning);
    });
    published.on('lost', (err: Error) => this.handleLost(published, err));
    this.setState('connected');
    for (const report of failures) report();
    this.reconcileAfterAttempt(published, restoredEvents, acquisitionStarted);
  }

  /**
   * Users may have come, gone or changed their requests while the attempt ran with a snapshot:
   * bring the camera in line with what is wanted now.
   */
  private reconcileAfterAttempt(camera: Camera, restoredEvents: Map<string, EventUser>, acquisitionStarted: boolean): void {
    if ((this.acquisitionUsers.size > 0) !== acquisitionStarted) {
      const users = [...this.acquisitionUsers.values()];
      this.syncAcquisition().catch((err: Error) => {
        if (users.length === 0) this.emitError(err);
        for (const onError of users) onError(err);
      });
    }
    for (const [userId, user] of this.eventUsers) {
      if (restoredEvents.get(userId) === user) continue;
      camera.enableEvents(user.names).catch((err: Error) => user.onError(err));
    }
    this.disableUnwanted(camera, [...restoredEvents.values()].flatMap((user) => user.names)).catch((err: Error) => this.emitError(err));
  }

  private handleLost(camera: Camera, err: Error): void {
    if (this.camera !== camera) return;
    this.camera = null;
    camera.close().catch(() => undefined);
    this.scheduleRetry(`lost: ${err.message}`);
  }

  private scheduleRetry(reason: string): void {
    if (this.closing) return;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.reconnectMaxMs ?? 30000);
    this.setState('disconnected', `${reason} — retrying in ${delay >= 1000 ? `${Math.round(delay / 1000)} s` : `${delay} ms`}`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
  }

  /**
   * Serialised so that start/stop requests from several users never interleave. The returned
   * promise rejects with this step's error; the chain itself goes on.
   */
  private syncAcquisition(): Promise<void> {
    const step = this.acquisitionChange.then(async () => {
      const camera = this.camera;
      if (!camera) return;
      if (this.acquisitionUsers.size > 0) await camera.startAcquisition();
      else await camera.stopAcquisition();
    });
    this.acquisitionChange = step.catch(() => undefined);
    return step;
  }

  private setState(state: ConnectionState, detail = ''): void {
    this.stateValue = state;
    this.detail = detail;
    this.emit('state', state, detail);
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
