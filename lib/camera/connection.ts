import { EventEmitter } from 'node:events';
import { GigeError } from '../errors';
import { Camera, CameraOpenOptions, FeatureValue, CameraFrame, CameraEvent } from './camera';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ConnectionOptions extends CameraOpenOptions {
  /** Features applied, in order, after every (re)connect — e.g. [['Width', 1920], ['PixelFormat', 'Mono8']]. */
  settings?: Array<[string, FeatureValue]>;
  /** Reconnect backoff, ms: starts at min, doubles to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

/**
 * A camera that stays connected: opens on `connect()`, re-opens with backoff when the camera is lost
 * or cannot be reached, re-applies settings, and restarts acquisition while anybody wants frames.
 * Users (e.g. Node-RED nodes) subscribe to `'state'` and `'frame'`, and call `use()` to run an
 * operation on the open camera.
 *
 * Events: 'state' (state, detail?: string), 'frame' (CameraFrame), 'event' (CameraEvent),
 * 'error' (Error; never fatal).
 */
export class CameraConnection extends EventEmitter {
  private camera: Camera | null = null;
  // A connection is created to be connected: until the first attempt ends it is 'connecting', so
  // that users arriving early wait for it instead of failing.
  private stateValue: ConnectionState = 'connecting';
  private detail = '';
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs: number;
  private opening: Promise<void> | null = null;
  private readonly acquisitionUsers = new Set<string>();
  /** Which events each user wants; the camera has the union enabled, again after every reconnect. */
  private readonly eventUsers = new Map<string, string[]>();
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

  /** Starts connecting (idempotent); resolves when the first attempt ends, whatever its result. */
  connect(): Promise<void> {
    if (this.closing) return Promise.resolve();
    if (this.camera) return Promise.resolve();
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
      throw new GigeError('NOT_CONNECTED', `Camera ${this.options.address} is not connected` +
        (this.detail ? ` (${this.detail})` : '') + '; it reconnects automatically.');
    }
    return operation(camera);
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

  /** Registers a user that wants frames; acquisition runs while at least one is registered. */
  requestAcquisition(userId: string): Promise<void> {
    this.acquisitionUsers.add(userId);
    return this.syncAcquisition();
  }

  releaseAcquisition(userId: string): Promise<void> {
    this.acquisitionUsers.delete(userId);
    return this.syncAcquisition();
  }

  /**
   * Registers a user that wants these events (names as the camera's EventSelector lists them).
   * Rejects with the camera's list when a name is unknown; while disconnected, the request is kept
   * and applied on connect.
   */
  async requestEvents(userId: string, names: string[]): Promise<void> {
    this.eventUsers.set(userId, [...names]);
    const camera = this.camera;
    if (!camera) return;
    try {
      await camera.enableEvents(names);
    } catch (err) {
      this.eventUsers.delete(userId);
      throw err;
    }
  }

  async releaseEvents(userId: string): Promise<void> {
    const names = this.eventUsers.get(userId);
    this.eventUsers.delete(userId);
    const camera = this.camera;
    if (!names || !camera) return;
    const stillWanted = new Set([...this.eventUsers.values()].flat());
    const unwanted = names.filter((name) => !stillWanted.has(name));
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
            camera.close(),
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

  private async attempt(): Promise<void> {
    this.setState('connecting');
    let camera: Camera | null = null;
    try {
      camera = await Camera.open(this.options);
      for (const [name, value] of this.options.settings ?? []) {
        await camera.set(name, value).catch((err: Error) => {
          throw new GigeError('SETTING_FAILED', `Setting ${name}=${String(value)} failed: ${err.message}`, { name, value }, { cause: err });
        });
      }
    } catch (err) {
      if (camera) await camera.close().catch(() => undefined);
      this.scheduleRetry((err as Error).message);
      return;
    }
    if (this.closing) {
      await camera.close().catch(() => undefined);
      return;
    }
    this.camera = camera;
    this.retryDelayMs = this.options.reconnectMinMs ?? 1000;
    camera.on('frame', (frame: CameraFrame) => this.emit('frame', frame));
    camera.on('event', (event: CameraEvent) => this.emit('event', event));
    camera.on('error', (err: Error) => this.emitError(err));
    camera.on('lost', (err: Error) => this.handleLost(camera as Camera, err));
    this.setState('connected');
    const wantedEvents = [...new Set([...this.eventUsers.values()].flat())];
    if (wantedEvents.length > 0) await camera.enableEvents(wantedEvents).catch((err: Error) => this.emitError(err));
    await this.syncAcquisition();
  }

  private handleLost(camera: Camera, err: Error): void {
    if (this.camera !== camera) return;
    this.camera = null;
    camera.close().catch(() => undefined);
    this.scheduleRetry(`lost: ${err.message}`);
  }

  private scheduleRetry(reason: string): void {
    if (this.closing) return;
    this.setState('disconnected', reason);
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.reconnectMaxMs ?? 30000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
  }

  /** Serialised so that start/stop requests from several users never interleave. */
  private syncAcquisition(): Promise<void> {
    this.acquisitionChange = this.acquisitionChange.then(async () => {
      const camera = this.camera;
      if (!camera) return;
      try {
        if (this.acquisitionUsers.size > 0) await camera.startAcquisition();
        else await camera.stopAcquisition();
      } catch (err) {
        this.emitError(err as Error);
      }
    });
    return this.acquisitionChange;
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
