import type { Node } from 'node-red';
import type { CameraConnection } from '../lib/camera/connection';

/** What user nodes see of the config node. */
export interface CameraConfigNode extends Node {
  readonly connection: CameraConnection | null;
  readonly frameTimeoutMs: number;
  register(user: Node): void;
  deregister(user: Node, removed: boolean): Promise<void>;
}
