/**
 * The camera as user nodes see it: one object per config node, never null, living as long as the
 * config node (as Node-RED's MQTT broker node is for its users). Users subscribe to it at
 * construction whatever the camera's state — acquisition, events, 'frame'/'event'/'state'
 * listeners — and it carries those subscriptions across everything underneath: a pooled
 * connection opened late (refused at first because another config node held the camera), closed
 * while idle and opened again, or replaced because a camera chosen by serial number turned up at
 * another address. Reconnects of one connection are the connection's own business
 * (lib/camera/connection.ts); this object re-subscribes its users on each new connection.
 *
 * A configuration error (a setting the camera refuses, an emulated camera on a non-loopback
 * address) is not a camera that is away: the camera stops in state 'refused' with the reason,
 * instead of retrying for ever.
 */
import { EventEmitter } from 'node:events';
import { acquireCamera, PooledCamera, PoolOptions } from '../lib/camera/pool';
import type { ConnectionState, AcquisitionRequest, UserErrorHandler } from '../lib/camera/connection';
import { AcquisitionUsers } from '../lib/camera/acquisition-users';
import type { Camera, CameraFrame, CameraEvent } from '../lib/camera/camera';
import type { BudgetReport } from '../lib/camera/stream-budget';
import { GigeError, isGigeError, quoteInput } from '../lib/errors';
import { locateBySerial } from './camera-locator';
import { buildFeatureTree, FeatureTree, FeatureTreeOptions } from './feature-tree';

export type CameraState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'refused' | 'closed';

export type StreamStatistics = NonNullable<ReturnType<Camera['streamStatistics']>>;

export interface ConfigCameraOptions {
  /** The camera's address (address mode, emulated cameras); where a serial was last found otherwise. */
  address: string;
  /** Find the camera by this serial number, by discovery, before every (re)connect. */
  serial?: string;
  /** The host interface whose broadcast that discovery uses; every interface when absent. */
  interface?: string;
  /** Everything the pool needs but the address. */
  pool: Omit<PoolOptions, 'address'>;
  frameTimeoutMs: number;
  /** How long one serial search listens (default 1000 ms). */
  searchTimeoutMs?: number;
}

/** Pool refusal (another config node holds the camera with other settings): tried again this often. */
const IN_USE_RETRY_MS = 2000;
/** A camera chosen by serial and not found: searched again after this, doubling up to the maximum. */
const SEARCH_RETRY_MIN_MS = 1000;
const SEARCH_RETRY_MAX_MS = 10000;
/** While a camera chosen by serial is disconnected: how often to look whether it moved. */
const RELOCATE_INTERVAL_MS = 2000;

/** Errors that mean "the camera does not answer" rather than "it answered no", through causes. */
const UNREACHABLE = new Set(['GVCP_TIMEOUT', 'GVCP_SOCKET', 'GVCP_UNREACHABLE', 'GVCP_LOST', 'GVCP_CLOSED', 'CAMERA_LOST', 'GVCP_BUSY']);

function causes(err: unknown): GigeError[] {
  const chain: GigeError[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 6; e = (e as Error & { cause?: unknown }).cause, depth += 1) {
    if (isGigeError(e)) chain.push(e);
  }
  return chain;
}

/**
 * Whether `err` is the configuration's fault, so retrying cannot help until it is changed: a
 * setting the camera (or its GenICam description) refuses — out of range, unknown, read-only —
 * unless the camera merely did not answer; an emulated camera on an address it may not serve.
 */
export function isConfigurationError(err: unknown): boolean {
  const chain = causes(err);
  if (chain.some((e) => e.code === 'EMULATOR_ADDRESS' || e.code === 'BAD_CONFIG' || e.code === 'BAD_SETTING')) return true;
  if (chain.length > 0 && chain[0].code === 'SETTING_FAILED') return !chain.some((e) => UNREACHABLE.has(e.code));
  return false;
}

interface AcquisitionUser {
  onError: UserErrorHandler;
  request: AcquisitionRequest;
}

interface EventUser {
  names: string[];
  onError: UserErrorHandler;
}

/**
 * Events: 'state' (state: CameraState, detail: string, error?: Error), 'frame' (CameraFrame, held
 * for the event only: share() or detach() it during the event to keep it), 'event' (CameraEvent),
 * 'error' and 'warning' (Error; problems that do not end the connection).
 */
export class ConfigCamera extends EventEmitter {
  private stateValue: CameraState = 'idle';
  private detail = '';
  private errorValue: Error | null = null;
  private pooled: PooledCamera | null = null;
  private wanted = false;
  private closed = false;
  private refusal: Error | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private relocateTimer: NodeJS.Timeout | null = null;
  /** Bumped when relocating stops: a search under way then finds nothing to act on. */
  private relocateGeneration = 0;
  /** Set when a search just found the camera elsewhere: the next open goes there without searching again. */
  private located = false;
  private searchRetryMs = SEARCH_RETRY_MIN_MS;
  private stepping: Promise<void> | null = null;
  private addressValue: string;
  private readonly acquisitionUsers = new Map<string, AcquisitionUser>();
  private readonly conflicts: AcquisitionUsers;
  private readonly eventUsers = new Map<string, EventUser>();
  /** Releases of connections this object let go of: close() waits for them. */
  private retiring: Promise<void> = Promise.resolve();

  constructor(readonly options: ConfigCameraOptions) {
    super();
    this.setMaxListeners(0);
    this.addressValue = options.address;
    this.conflicts = new AcquisitionUsers(this.describe());
  }

  /** A refusal known before anything opens (a property out of range): the camera never opens. */
  static refused(options: ConfigCameraOptions, err: Error): ConfigCamera {
    const camera = new ConfigCamera(options);
    camera.refusal = err;
    camera.errorValue = err;
    camera.stateValue = 'refused';
    camera.detail = err.message;
    return camera;
  }

  get state(): CameraState {
    return this.stateValue;
  }

  get stateDetail(): string {
    return this.detail;
  }

  /** Why the camera is not connected (the configuration error, the loss, the failed search), null when connected. */
  get lastError(): Error | null {
    return this.stateValue === 'connected' ? null : this.errorValue;
  }

  get isConnected(): boolean {
    return this.stateValue === 'connected';
  }

  /** The address in use: the configured one, or where the serial number was last found. */
  get address(): string {
    return this.addressValue;
  }

  get frameTimeoutMs(): number {
    return this.options.frameTimeoutMs;
  }

  /** The camera as messages name it: `127.0.0.2`, or `serial 12345678 (at 192.168.1.20)`. */
  describe(): string {
    return this.options.serial
      ? `serial ${quoteInput(this.options.serial)}${this.pooled ? ` (at ${this.addressValue})` : ''}`
      : this.addressValue;
  }

  /** Opens the camera (the config node calls this when it gets its first user); idempotent. */
  open(): void {
    if (this.closed || this.wanted) return;
    this.wanted = true;
    if (this.refusal) {
      this.setState('refused', this.refusal.message, this.refusal);
      return;
    }
    this.step();
  }

  /** Lets the camera go (no user wants it now); subscriptions stay for the next open(). */
  async release(): Promise<void> {
    if (!this.wanted) return;
    this.wanted = false;
    this.cancelTimers();
    await this.stepping?.catch(() => undefined);
    await this.detach();
    if (!this.closed && !this.refusal) this.setState('idle');
  }

  /** The config node closes: the camera is released, nothing reopens it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wanted = false;
    this.cancelTimers();
    await this.stepping?.catch(() => undefined);
    await this.detach();
    await this.retiring;
    this.setState('closed');
  }

  /**
   * Runs `operation` on the open camera. While it is being opened this waits (at most `waitMs`);
   * otherwise it fails at once with why it is not connected — the configuration error, the loss,
   * "not found" — never with a null dereference.
   */
  async use<T>(operation: (camera: Camera) => Promise<T>, waitMs = this.options.frameTimeoutMs): Promise<T> {
    const deadline = Date.now() + waitMs;
    if (this.stateValue === 'connecting') await this.waitWhileConnecting(waitMs);
    if (this.stateValue === 'refused') throw this.configurationError();
    const pooled = this.pooled;
    if (!pooled) {
      const why =
        this.stateValue === 'idle'
          ? 'not open (no node uses it)'
          : this.stateValue === 'closed'
            ? 'closed'
            : this.stateValue === 'connecting'
              ? 'still connecting'
              : 'not connected';
      throw new GigeError(
        'NOT_CONNECTED',
        `Camera ${this.describe()} is ${why}${this.detail ? ` (${this.detail})` : ''}` +
          (this.stateValue === 'disconnected' || this.stateValue === 'connecting' ? '; it reconnects automatically.' : ''),
        { camera: this.describe() },
      );
    }
    return pooled.connection.use(operation, Math.max(0, deadline - Date.now()));
  }

  /**
   * Registers a user that wants frames; acquisition runs while at least one is registered, across
   * reconnects and re-openings. Rejects at once (ACQUISITION_CONFLICT) when the mode conflicts
   * with another user's, with the configuration error when the camera stopped on one, and with the
   * camera's reason when acquisition cannot start now. While the camera is not open the request is
   * kept and applied when it opens; `onError` hears when that fails.
   */
  requestAcquisition(userKey: string, onError: UserErrorHandler = () => undefined, request: AcquisitionRequest = {}): Promise<void> {
    try {
      this.conflicts.add(userKey, onError, request);
    } catch (err) {
      return Promise.reject(err);
    }
    this.acquisitionUsers.set(userKey, { onError, request });
    if (this.stateValue === 'refused') return Promise.reject(this.configurationError());
    const pooled = this.pooled;
    return pooled ? pooled.connection.requestAcquisition(userKey, onError, request) : Promise.resolve();
  }

  releaseAcquisition(userKey: string): Promise<void> {
    this.conflicts.delete(userKey);
    if (!this.acquisitionUsers.delete(userKey)) return Promise.resolve();
    return this.pooled ? this.pooled.connection.releaseAcquisition(userKey) : Promise.resolve();
  }

  /**
   * Registers a user that wants these events (EventSelector entry names). Rejects with the camera's
   * list when a name is unknown (once the camera is connected); kept while the camera is not, and
   * enabled on every connect — `onError` hears when that fails.
   */
  requestEvents(userKey: string, names: string[], onError: UserErrorHandler = () => undefined): Promise<void> {
    this.eventUsers.set(userKey, { names: [...names], onError });
    if (this.stateValue === 'refused') return Promise.reject(this.configurationError());
    const pooled = this.pooled;
    return pooled ? pooled.connection.requestEvents(userKey, names, onError) : Promise.resolve();
  }

  releaseEvents(userKey: string): Promise<void> {
    if (!this.eventUsers.delete(userKey)) return Promise.resolve();
    return this.pooled ? this.pooled.connection.releaseEvents(userKey) : Promise.resolve();
  }

  /** The running stream's statistics; null when the camera is not connected or not acquiring. */
  async streamStatistics(): Promise<StreamStatistics | null> {
    if (!this.isConnected) return null;
    return this.use(async (camera) => camera.streamStatistics(), 0).catch(() => null);
  }

  /** Event names the camera offers (its EventSelector entries). */
  availableEvents(waitMs?: number): Promise<string[]> {
    return this.use((camera) => camera.availableEvents(), waitMs);
  }

  /** The camera's features for the editor (see nodes/feature-tree.ts). */
  featureTree(options: FeatureTreeOptions = {}, waitMs?: number): Promise<FeatureTree> {
    return this.use((camera) => buildFeatureTree(camera, options), waitMs);
  }

  /** The refusal as a user's operation fails with it: the reason's own code (OUT_OF_RANGE, SETTING_FAILED, …), flagged `details.configuration`. */
  private configurationError(): GigeError {
    const reason = this.refusal ?? this.errorValue;
    return new GigeError(
      (reason as GigeError | null)?.code ?? 'CONFIG_ERROR',
      `Camera ${this.describe()} stopped on a configuration error: ` +
        `${reason?.message ?? 'unknown'}. Correct it in the camera config node and deploy.`,
      { camera: this.describe(), configuration: true },
      { cause: reason },
    );
  }

  /** Resolves the address (serial mode), acquires the pooled connection and attaches to it. */
  private step(): void {
    if (this.stepping || this.pooled || !this.wanted || this.closed || this.refusal) return;
    this.stepping = this.openStep()
      .catch((err: Error) => this.emitError(err))
      .finally(() => {
        this.stepping = null;
      });
  }

  private async openStep(): Promise<void> {
    this.setState('connecting', this.options.serial ? `looking for ${this.describe()}` : '');
    if (this.options.serial && this.located) {
      this.located = false;
    } else if (this.options.serial) {
      try {
        const found = await locateBySerial(this.options.serial, this.options.interface || undefined, this.options.searchTimeoutMs);
        this.addressValue = found.address;
        this.searchRetryMs = SEARCH_RETRY_MIN_MS;
      } catch (err) {
        if (!this.wanted || this.closed) return;
        const delay = this.searchRetryMs;
        this.searchRetryMs = Math.min(SEARCH_RETRY_MAX_MS, this.searchRetryMs * 2);
        this.fail((err as Error).message, err as Error, delay);
        return;
      }
      if (!this.wanted || this.closed) return;
    }
    let pooled: PooledCamera;
    try {
      pooled = acquireCamera({ ...this.options.pool, address: this.addressValue });
    } catch (err) {
      if (isGigeError(err, 'CAMERA_IN_USE')) this.fail((err as Error).message, err as Error, IN_USE_RETRY_MS);
      else this.refuse(err as Error);
      return;
    }
    this.attach(pooled);
  }

  /** Not connected for a reason that may pass: say so, and try again after `delayMs`. */
  private fail(detail: string, err: Error, delayMs: number): void {
    this.setState('disconnected', detail, err);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.step();
    }, delayMs);
  }

  private refuse(err: Error): void {
    this.refusal = err;
    this.cancelTimers();
    this.retire();
    this.setState('refused', err.message, err);
  }

  private readonly onConnectionState = (state: ConnectionState, detail: string, err?: Error): void => {
    if (state === 'closed') return;
    if (state === 'disconnected' && err && isConfigurationError(err)) {
      this.refuse(err);
      return;
    }
    if (state === 'connected') this.stopRelocating();
    if (state === 'disconnected' && this.options.serial) this.relocateWhileDisconnected();
    this.setState(state, detail, err);
  };

  private readonly onFrame = (frame: CameraFrame): void => {
    this.emit('frame', frame);
  };

  private readonly onEvent = (event: CameraEvent): void => {
    this.emit('event', event);
  };

  private readonly onError = (err: Error): void => this.emitError(err);

  private readonly onWarning = (warning: Error): void => {
    if (this.listenerCount('warning') > 0) this.emit('warning', warning);
  };

  /** This camera's share of its host link's bandwidth budget, whenever it changes (fits or not). */
  private readonly onBandwidth = (report: BudgetReport): void => {
    if (this.listenerCount('bandwidth') > 0) this.emit('bandwidth', report);
  };

  /** Takes `pooled` as the camera: every subscription moves onto it. */
  private attach(pooled: PooledCamera): void {
    this.pooled = pooled;
    const connection = pooled.connection;
    connection.on('state', this.onConnectionState);
    connection.on('frame', this.onFrame);
    connection.on('event', this.onEvent);
    connection.on('error', this.onError);
    connection.on('warning', this.onWarning);
    connection.on('bandwidth', this.onBandwidth);
    for (const [key, user] of this.acquisitionUsers)
      connection.requestAcquisition(key, user.onError, user.request).catch((err: Error) => user.onError(err));
    for (const [key, user] of this.eventUsers)
      connection.requestEvents(key, user.names, user.onError).catch((err: Error) => user.onError(err));
    this.onConnectionState(connection.state, connection.stateDetail, connection.lastError ?? undefined);
  }

  /** Lets go of the pooled connection (this config node's requests on it go too); bounded by the pool's close. */
  private detach(): Promise<void> {
    const pooled = this.pooled;
    this.pooled = null;
    this.stopRelocating();
    if (!pooled) return Promise.resolve();
    const connection = pooled.connection;
    connection.removeListener('state', this.onConnectionState);
    connection.removeListener('frame', this.onFrame);
    connection.removeListener('event', this.onEvent);
    connection.removeListener('error', this.onError);
    connection.removeListener('warning', this.onWarning);
    connection.removeListener('bandwidth', this.onBandwidth);
    // Another config node with the same settings may share this connection: leave it only what it asked for.
    const released = Promise.all([
      ...[...this.acquisitionUsers.keys()].map((key) => connection.releaseAcquisition(key).catch(() => undefined)),
      ...[...this.eventUsers.keys()].map((key) => connection.releaseEvents(key).catch(() => undefined)),
    ]).then(() => pooled.release());
    return released.catch((err: Error) => this.emitError(err));
  }

  /** detach() whose end close() waits for, for callers that cannot await it (a state listener). */
  private retire(): void {
    const done = this.detach();
    this.retiring = this.retiring.then(() => done);
  }

  /**
   * A camera chosen by serial that stopped answering may have been given another address: look
   * for it while the connection waits, and move to where it answers.
   */
  private relocateWhileDisconnected(): void {
    if (this.relocateTimer || !this.options.serial) return;
    const generation = this.relocateGeneration;
    const current = () =>
      generation === this.relocateGeneration && this.pooled !== null && !this.closed && this.wanted && this.stateValue === 'disconnected';
    // The handle stays set during the search, so that no second search starts beside it.
    this.relocateTimer = setTimeout(() => {
      locateBySerial(this.options.serial as string, this.options.interface || undefined, this.options.searchTimeoutMs).then(
        (found) => {
          if (!current()) return;
          this.relocateTimer = null;
          if (found.address === this.addressValue) {
            this.relocateWhileDisconnected();
            return;
          }
          this.addressValue = found.address;
          this.located = true;
          this.retire();
          this.setState('connecting', `found ${this.describe()} at ${found.address}`);
          this.step();
        },
        () => {
          if (!current()) return;
          this.relocateTimer = null;
          this.relocateWhileDisconnected();
        },
      );
    }, RELOCATE_INTERVAL_MS);
  }

  private stopRelocating(): void {
    this.relocateGeneration += 1;
    if (this.relocateTimer) clearTimeout(this.relocateTimer);
    this.relocateTimer = null;
  }

  private cancelTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopRelocating();
  }

  private waitWhileConnecting(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.removeListener('state', onState);
        resolve();
      };
      const onState = (state: CameraState) => {
        if (state !== 'connecting') done();
      };
      const timer = setTimeout(done, waitMs);
      this.on('state', onState);
    });
  }

  private setState(state: CameraState, detail = '', err?: Error): void {
    this.stateValue = state;
    this.detail = detail;
    if (err) this.errorValue = err;
    else if (state === 'connected' || state === 'idle') this.errorValue = null;
    this.emit('state', state, detail, err);
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }
}
