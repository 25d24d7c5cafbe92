import { EventEmitter } from 'node:events';
import { GigeError, clipInput } from '../errors';
import { Camera, CameraOpenOptions, FeatureValue, CameraFrame, CameraEvent } from './camera';
import { Controller } from './controller';
import { AcquisitionUsers, AcquisitionRequest, UserErrorHandler } from './acquisition-users';
import { ConnectCheckResult, runConnectChecks } from './connect-checks';
import type { BudgetReport } from './stream-budget';
import type { PacketSizeResult } from '../gvcp';

export type { AcquisitionMode, AcquisitionRequest, UserErrorHandler } from './acquisition-users';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface ConnectionOptions extends Omit<CameraOpenOptions, 'channel' | 'reclaim'> {
  /** Features applied, in order, after every (re)connect — e.g. [['Width', '1920'], ['PixelFormat', 'Mono8']]. */
  settings?: Array<[string, FeatureValue]>;
  /** Backoff after a refused attempt (a setting refused, control held by another application), ms: starts at min, doubles to max. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** While the camera does not answer: how often to ask whether it is back (default 500 ms). */
  probeIntervalMs?: number;
  /** Runs before every attempt (e.g. starts an emulated camera); a failure is retried like a failed connect. */
  prepare?: () => Promise<void>;
  /**
   * On every connect: packet size 'auto', a test packet through any firewall, and the host checks
   * (receive buffer, MTU, reverse-path filter), each problem reported once as a 'warning' with the
   * command that fixes it (connect-checks.ts). Default true.
   */
  connectChecks?: boolean;
}

/** Errors that mean "the camera does not answer" (rather than "it answered no"), through causes. */
const UNREACHABLE = new Set(['GVCP_TIMEOUT', 'GVCP_SOCKET', 'GVCP_UNREACHABLE', 'GVCP_LOST']);

function cameraUnreachable(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as Error & { cause?: unknown }).cause, depth += 1) {
    if (UNREACHABLE.has((e as GigeError).code)) return true;
  }
  return false;
}

/**
 * A camera that stays connected: opens on `connect()`, re-opens when the camera is lost or cannot
 * be reached, re-applies settings, re-enables each user's events and restarts acquisition while
 * anybody wants frames — and only then says 'connected'. Users (e.g. Node-RED nodes) subscribe to
 * `'state'`, `'frame'` and `'event'`, and call `use()` to run an operation on the open camera.
 *
 * Reconnecting is done as the same controller (one control socket for the connection's life, see
 * controller.ts), and as soon as the camera answers again: while it does not, it is asked once per
 * `probeIntervalMs` (one READREG: two small datagrams a second); only an attempt the camera refuses
 * waits out a backoff.
 *
 * Events: 'state' (state, detail?: string, error?: Error — why it is disconnected), 'frame'
 * (CameraFrame), 'event' (CameraEvent), 'error' (Error; never fatal), 'warning' (Error: a
 * diagnosable stream or host problem, each host problem once, with its fix), 'info' (string: what
 * the connection chose, e.g. the packet size), 'bandwidth' (BudgetReport: this camera's share of
 * its host link, whenever it is planned again).
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
  private readonly acquisitionUsers: AcquisitionUsers;
  private readonly controller: Controller;
  /** The closing of a lost camera: the next attempt waits for it (both use the same channel). */
  private retiring: Promise<void> = Promise.resolve();
  private lastErrorValue: Error | null = null;
  /** Which events each user wants; re-enabled after every reconnect, failures told to that user. */
  private readonly eventUsers = new Map<string, EventUser>();
  private acquisitionChange: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  /** Host problems and notes already reported on this connection (each is reported once). */
  private readonly reported = new Set<string>();
  private packetSizeValue: PacketSizeResult | null = null;
  private bandwidthValue: BudgetReport | null = null;

  constructor(readonly options: ConnectionOptions) {
    super();
    this.setMaxListeners(0);
    this.retryDelayMs = options.reconnectMinMs ?? 1000;
    this.acquisitionUsers = new AcquisitionUsers(options.address);
    this.controller = new Controller(options.address);
  }

  /** Why the connection is not connected (the last failed attempt or the loss), null once connected. */
  get lastError(): Error | null {
    return this.lastErrorValue;
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

  /** The packet size 'auto' chose at the last connect, or null. */
  get packetSize(): PacketSizeResult | null {
    return this.packetSizeValue;
  }

  /** This camera's share of its host link while it streams into a budgeted link, or null. */
  get bandwidth(): BudgetReport | null {
    return this.bandwidthValue;
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
      throw new GigeError(
        'NOT_CONNECTED',
        `Camera ${this.options.address} is ${why}` +
          (this.detail ? ` (${this.detail})` : '') +
          (this.stateValue === 'closed' ? '' : '; it reconnects automatically.'),
      );
    }
    return operation(camera);
  }

  /**
   * Registers a user that wants frames; acquisition runs while at least one is registered (and is
   * restarted after a reconnect). Rejects when acquisition cannot start, with the camera's reason,
   * and at once (ACQUISITION_CONFLICT, naming the other user) when the user's mode conflicts with
   * another user's (see acquisition-users.ts); `onError` hears of a failed restart after a reconnect.
   */
  requestAcquisition(userId: string, onError: UserErrorHandler = () => undefined, request: AcquisitionRequest = {}): Promise<void> {
    try {
      this.acquisitionUsers.add(userId, onError, request);
    } catch (err) {
      return Promise.reject(err);
    }
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
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          // Raced against a timer: observed even when it ends after the race. The camera releases
          // control through the channel, which closes after it.
          (async () => {
            await camera?.close().catch(() => undefined);
            await this.retiring;
            await this.controller.close().catch(() => undefined);
          })(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
        // Whatever did not finish in time: the socket closes now, nothing keeps running.
        await this.controller.close().catch(() => undefined);
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
      await this.retiring;
      // The same socket as before: the camera recognises its controller; a control it still holds
      // for us (a loss it did not see) is released first, for a clean start.
      const { channel, reused } = await this.controller.acquire();
      camera = await Camera.open({ ...this.options, channel, reclaim: reused });
      for (const [name, value] of this.options.settings ?? []) {
        await camera.set(name, value).catch((err: Error) => {
          throw new GigeError(
            'SETTING_FAILED',
            `Setting ${clipInput(name)}=${clipInput(String(value))} failed: ${err.message}`,
            { name, value },
            { cause: err },
          );
        });
      }
      if (this.options.connectChecks !== false) {
        const opened = camera;
        const checks = await runConnectChecks(opened, this.options.packetSize).catch((err: Error) => {
          if (opened.lost) throw err;
          failures.push(() => this.emitWarning(err));
          return null;
        });
        if (checks) failures.push(() => this.reportChecks(checks));
      }
      for (const user of restoredEvents.values()) {
        await camera.enableEvents(user.names).catch((err: Error) => {
          if (camera?.lost) throw err;
          failures.push(() => user.onError(err));
        });
      }
      if (this.acquisitionUsers.size > 0) {
        const users = this.acquisitionUsers.errorHandlers();
        const opened = camera;
        await this.startFor(opened).then(
          () => {
            acquisitionStarted = true;
          },
          (err: Error) => {
            if (opened.lost) throw err;
            for (const onError of users) failures.push(() => onError(err));
          },
        );
      }
      if (camera.lost) throw camera.lost;
    } catch (err) {
      if (camera) await camera.close().catch(() => undefined);
      if (cameraUnreachable(err)) this.waitForCamera((err as Error).message, err as Error);
      else this.scheduleRetry((err as Error).message, err as Error);
      return;
    }
    if (this.closing) {
      await camera.close().catch(() => undefined);
      return;
    }
    // No await from here on: the camera is published and its loss handled in the same turn.
    this.camera = camera;
    this.retryDelayMs = this.options.reconnectMinMs ?? 1000;
    this.lastErrorValue = null;
    const published = camera;
    published.on('frame', (frame: CameraFrame) => this.emit('frame', frame));
    published.on('event', (event: CameraEvent) => this.emit('event', event));
    published.on('error', (err: Error) => this.emitError(err));
    published.on('warning', (warning: Error) => {
      if (this.listenerCount('warning') > 0) this.emit('warning', warning);
    });
    published.on('lost', (err: Error) => this.handleLost(published, err));
    published.on('bandwidth', (report: BudgetReport) => {
      this.bandwidthValue = report;
      if (this.listenerCount('bandwidth') > 0) this.emit('bandwidth', report);
    });
    this.setState('connected');
    for (const report of failures) report();
    this.reconcileAfterAttempt(published, restoredEvents, acquisitionStarted);
  }

  /**
   * Users may have come, gone or changed their requests while the attempt ran with a snapshot:
   * bring the camera in line with what is wanted now.
   */
  private reconcileAfterAttempt(camera: Camera, restoredEvents: Map<string, EventUser>, acquisitionStarted: boolean): void {
    if (this.acquisitionUsers.size > 0 !== acquisitionStarted) {
      const users = this.acquisitionUsers.errorHandlers();
      this.syncAcquisition().catch((err: Error) => {
        if (users.length === 0) this.emitError(err);
        for (const onError of users) onError(err);
      });
    }
    for (const [userId, user] of this.eventUsers) {
      if (restoredEvents.get(userId) === user) continue;
      camera.enableEvents(user.names).catch((err: Error) => user.onError(err));
    }
    this.disableUnwanted(
      camera,
      [...restoredEvents.values()].flatMap((user) => user.names),
    ).catch((err: Error) => this.emitError(err));
  }

  private handleLost(camera: Camera, err: Error): void {
    if (this.camera !== camera) return;
    this.camera = null;
    this.retiring = camera.close().catch(() => undefined);
    const lost = new GigeError(
      'CAMERA_LOST',
      `Camera ${this.options.address} was lost: ${err.message}`,
      { address: this.options.address },
      { cause: err },
    );
    this.waitForCamera(`lost: ${err.message}`, lost);
  }

  /**
   * The camera does not answer: ask it once per probe interval whether it is back (one small
   * datagram, from the controller's socket) and attempt the moment it answers — not after a
   * backoff that has grown during a long outage.
   */
  private waitForCamera(reason: string, err: Error): void {
    if (this.closing) return;
    this.lastErrorValue = err;
    this.setState('disconnected', `${reason} — reconnecting as soon as it answers`, err);
    const interval = this.options.probeIntervalMs ?? 500;
    const probe = (): void => {
      this.retryTimer = null;
      if (this.closing) return;
      const started = Date.now();
      this.controller.answers(Math.min(500, interval)).then(
        (answered) => {
          if (this.closing) return;
          if (answered) {
            this.connect().catch(() => undefined);
            return;
          }
          this.retryTimer = setTimeout(probe, Math.max(0, interval - (Date.now() - started)));
        },
        () => undefined,
      );
    };
    this.retryTimer = setTimeout(probe, 0);
  }

  /** The camera answered but refused: try again after a backoff that doubles up to reconnectMaxMs. */
  private scheduleRetry(reason: string, err: Error): void {
    if (this.closing) return;
    this.lastErrorValue = err;
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.options.reconnectMaxMs ?? 30000);
    this.setState('disconnected', `${reason} — retrying in ${delay >= 1000 ? `${Math.round(delay / 1000)} s` : `${delay} ms`}`, err);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch(() => undefined);
    }, delay);
  }

  /** Acquisition on `camera`, in software-trigger mode first when a user triggers by software. */
  private async startFor(camera: Camera): Promise<void> {
    if (this.acquisitionUsers.softwareTrigger) await camera.prepareSoftwareTrigger();
    await camera.startAcquisition();
  }

  /**
   * Serialised so that start/stop requests from several users never interleave. The returned
   * promise rejects with this step's error; the chain itself goes on.
   */
  private syncAcquisition(): Promise<void> {
    const step = this.acquisitionChange.then(async () => {
      const camera = this.camera;
      if (!camera) return;
      if (this.acquisitionUsers.size > 0) await this.startFor(camera);
      else await camera.stopAcquisition();
    });
    this.acquisitionChange = step.catch(() => undefined);
    return step;
  }

  private setState(state: ConnectionState, detail = '', err?: Error): void {
    this.stateValue = state;
    this.detail = detail;
    this.emit('state', state, detail, err);
  }

  private emitError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
  }

  private emitWarning(warning: Error): void {
    if (this.listenerCount('warning') > 0) this.emit('warning', warning);
  }

  /** Each host problem and each packet-size choice once per connection, not on every reconnect. */
  private reportChecks(checks: ConnectCheckResult): void {
    const once = (key: string): boolean => {
      if (this.reported.has(key)) return false;
      this.reported.add(key);
      return true;
    };
    if (checks.packetSize) {
      this.packetSizeValue = checks.packetSize;
      const p = checks.packetSize;
      const why =
        p.limitedBy === 'host-mtu'
          ? `the MTU of ${p.hostInterface}`
          : p.limitedBy === 'camera'
            ? "the camera's largest"
            : 'a link on the path';
      if (once(`packet-size:${p.packetSize}`) && this.listenerCount('info') > 0) {
        this.emit('info', `packet size ${p.packetSize} bytes: the largest that reaches this host unfragmented (limited by ${why})`);
      }
    }
    if (checks.packetSizeProblem && once(`packet-size-problem:${checks.packetSizeProblem.message}`)) {
      this.emitWarning(
        new GigeError(
          'PACKET_SIZE_AUTO',
          `packet size "auto" kept the camera's packet size: ${checks.packetSizeProblem.message}`,
          {},
          { cause: checks.packetSizeProblem },
        ),
      );
    }
    for (const p of checks.problems) {
      if (once(`host:${p.id}:${p.fix}`))
        this.emitWarning(new GigeError('HOST_CHECK', `${p.problem}. Fix: ${p.fix}`, { check: p.id, fix: p.fix }));
    }
  }
}
