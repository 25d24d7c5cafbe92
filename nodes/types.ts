import type { Node, NodeStatus } from 'node-red';
import type { CameraConnection } from '../lib/camera/connection';

/** What user nodes see of the config node. */
export interface CameraConfigNode extends Node {
  readonly connection: CameraConnection | null;
  readonly frameTimeoutMs: number;
  /** Why this config node cannot open its camera (a property out of range, the camera held by another config), or null. */
  readonly refusal: Error | null;
  register(user: Node): void;
  deregister(user: Node, removed: boolean): Promise<void>;
}

/** A user node may show a problem of its own (an acquisition conflict) over the camera's state. */
export interface CameraUserNode extends Node {
  /** Called instead of `status()` with the camera's state; the node decides what to show. */
  showCameraStatus?(status: NodeStatus): void;
}
