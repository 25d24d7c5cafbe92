import type { Node, NodeStatus } from 'node-red';

/**
 * Sends a node's status at most once per interval (the last value wins): per-frame status updates
 * would flood the editor's websocket.
 */
export class StatusThrottle {
  private latest: NodeStatus | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSent = 0;
  private stopped = false;

  constructor(private readonly node: Node, private readonly intervalMs: number) {}

  update(status: NodeStatus): void {
    // A node's work can finish after its close (a frame still encoding): no timer outlives the node.
    if (this.stopped) return;
    this.latest = status;
    if (this.timer) return;
    const wait = Math.max(0, this.lastSent + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastSent = Date.now();
      if (this.latest) this.node.status(this.latest);
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
