import type { Node, NodeStatus } from 'node-red';
import type { ConfigCamera } from './config-camera';

/** What user nodes see of the config node. */
export interface CameraConfigNode extends Node {
  /**
   * The camera, never null, for as long as the config node lives: subscribe to it at construction
   * (acquisition, events, 'frame'/'event'/'state'); it carries the subscriptions across late
   * opening, reconnects and re-acquisition (see config-camera.ts).
   */
  readonly camera: ConfigCamera;
  readonly frameTimeoutMs: number;
  register(user: Node): void;
  deregister(user: Node, removed: boolean): Promise<void>;
}

/** A user node may show a problem of its own (an acquisition conflict) over the camera's state. */
export interface CameraUserNode extends Node {
  /** Called instead of `status()` with the camera's state; the node decides what to show. */
  showCameraStatus?(status: NodeStatus): void;
}
