/**
 * The camera as the capability nodes (trigger, strobe, PTP, events, chunks, grab) use it: one
 * object per config node that is never null and outlives the connections under it. Nodes
 * subscribe at construction whatever the camera's state, and hear 'state' on every change.
 *
 * `cameraOf(config)` is the one place that knows how the config node provides it.
 */
import { EventEmitter } from 'node:events';
import type { Camera, CameraEvent, CameraFrame } from '../lib/camera/camera';
import type { AcquisitionRequest, CameraConnection, ConnectionState, UserErrorHandler } from '../lib/camera/connection';
import type { CameraConfigNode } from './types';
import { GigeError } from '../lib/errors';

export type CameraState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'refused' | 'closed';

/** What the capability nodes need of their camera (a subset of the config node's camera object). */
export interface NodeCamera extends EventEmitter {
  readonly state: CameraState;
  readonly stateDetail: string;
  readonly isConnected: boolean;
  readonly lastError: Error | null;
  /** The address in use (for messages and Catch). */
  readonly address: string;
  readonly frameTimeoutMs: number;
  use<T>(operation: (camera: Camera) => Promise<T>, waitMs?: number): Promise<T>;
  requestAcquisition(userKey: string, onError?: UserErrorHandler, request?: AcquisitionRequest): Promise<void>;
  releaseAcquisition(userKey: string): Promise<void>;
  requestEvents(userKey: string, names: string[], onError?: UserErrorHandler): Promise<void>;
  releaseEvents(userKey: string): Promise<void>;
  on(event: 'state', listener: (state: CameraState, detail: string, err?: Error) => void): this;
  on(event: 'frame', listener: (frame: CameraFrame) => void): this;
  on(event: 'event', listener: (event: CameraEvent) => void): this;
}

const interim = new WeakMap<CameraConfigNode, InterimCamera>();

/** The camera of `config`, the same object for every user node of that config node. */
export function cameraOf(config: CameraConfigNode): NodeCamera {
  let camera = interim.get(config);
  if (!camera) {
    camera = new InterimCamera(config);
    interim.set(config, camera);
    config.on('close', () => camera?.stop());
  }
  return camera;
}

/**
 * Calls `listener` each time the camera becomes connected (at once when it is): the place to
 * (re)apply what a node configures on the camera. Returns the unsubscribe function.
 */
export function onEveryConnect(camera: NodeCamera, listener: () => void): () => void {
  const onState = (state: CameraState) => {
    if (state === 'connected') listener();
  };
  camera.on('state', onState);
  if (camera.isConnected) setImmediate(() => {
    if (camera.isConnected && camera.listeners('state').includes(onState)) listener();
  });
  return () => camera.removeListener('state', onState);
}

/** How often the stand-in looks whether the config node's connection appeared or changed. */
const FOLLOW_INTERVAL_MS = 200;

/**
 * Stand-in over the config node's nullable `connection` until the config node provides its camera
 * object: follows whichever connection the config node holds, re-applies acquisition and event
 * requests to a new one, and forwards its events.
 */
class InterimCamera extends EventEmitter implements NodeCamera {
  private current: CameraConnection | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly acquisitionUsers = new Map<string, { onError: UserErrorHandler; request: AcquisitionRequest }>();
  private readonly eventUsers = new Map<string, { names: string[]; onError: UserErrorHandler }>();

  constructor(private readonly config: CameraConfigNode) {
    super();
    this.setMaxListeners(0);
    this.timer = setInterval(() => this.follow(), FOLLOW_INTERVAL_MS);
    this.follow();
  }

  get state(): CameraState {
    if (this.config.refusal && !this.current) return 'refused';
    const state = this.current?.state;
    return state === undefined ? 'connecting' : state === 'closed' ? 'closed' : state;
  }

  get stateDetail(): string {
    return this.current?.stateDetail ?? this.config.refusal?.message ?? '';
  }

  get isConnected(): boolean {
    return this.current?.isConnected === true;
  }

  get lastError(): Error | null {
    return this.current?.lastError ?? this.config.refusal;
  }

  get address(): string {
    return this.current?.options.address ?? '';
  }

  get frameTimeoutMs(): number {
    return this.config.frameTimeoutMs;
  }

  use<T>(operation: (camera: Camera) => Promise<T>, waitMs?: number): Promise<T> {
    const connection = this.current ?? this.config.connection;
    if (!connection) {
      return Promise.reject(this.config.refusal ?? new GigeError('NOT_CONNECTED', 'The camera connection is not open (see the camera config node)'));
    }
    return connection.use(operation, waitMs);
  }

  requestAcquisition(userKey: string, onError: UserErrorHandler = () => undefined, request: AcquisitionRequest = {}): Promise<void> {
    this.acquisitionUsers.set(userKey, { onError, request });
    const connection = this.current;
    return connection ? connection.requestAcquisition(userKey, onError, request).catch((err: Error) => {
      if ((err as GigeError).code === 'ACQUISITION_CONFLICT') this.acquisitionUsers.delete(userKey);
      throw err;
    }) : Promise.resolve();
  }

  releaseAcquisition(userKey: string): Promise<void> {
    this.acquisitionUsers.delete(userKey);
    return this.current ? this.current.releaseAcquisition(userKey) : Promise.resolve();
  }

  requestEvents(userKey: string, names: string[], onError: UserErrorHandler = () => undefined): Promise<void> {
    this.eventUsers.set(userKey, { names, onError });
    return this.current ? this.current.requestEvents(userKey, names, onError) : Promise.resolve();
  }

  releaseEvents(userKey: string): Promise<void> {
    this.eventUsers.delete(userKey);
    return this.current ? this.current.releaseEvents(userKey) : Promise.resolve();
  }

  stop(): void {
    clearInterval(this.timer);
    this.attach(null);
  }

  private follow(): void {
    const connection = this.config.connection;
    if (connection !== this.current) this.attach(connection);
  }

  private readonly onState = (state: ConnectionState, detail: string, err?: Error) => this.emit('state', state, detail, err);
  private readonly onFrame = (frame: CameraFrame) => this.emit('frame', frame);
  private readonly onEvent = (event: CameraEvent) => this.emit('event', event);

  private attach(connection: CameraConnection | null): void {
    const previous = this.current;
    if (previous) {
      previous.removeListener('state', this.onState);
      previous.removeListener('frame', this.onFrame);
      previous.removeListener('event', this.onEvent);
    }
    this.current = connection;
    if (!connection) {
      if (previous) this.emit('state', this.config.refusal ? 'refused' : 'connecting', this.stateDetail);
      return;
    }
    connection.on('state', this.onState);
    connection.on('frame', this.onFrame);
    connection.on('event', this.onEvent);
    for (const [key, user] of this.acquisitionUsers) connection.requestAcquisition(key, user.onError, user.request).catch((err: Error) => user.onError(err));
    for (const [key, user] of this.eventUsers) connection.requestEvents(key, user.names, user.onError).catch((err: Error) => user.onError(err));
    this.emit('state', this.state, this.stateDetail, connection.lastError ?? undefined);
  }
}
